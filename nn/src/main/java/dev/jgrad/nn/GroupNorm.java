package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * Group normalisation over [N, C, *] input, as PyTorch's {@code nn.GroupNorm}: the C channels
 * split into {@code numGroups} groups, each group of each sample is normalised over its channels
 * and positions with the biased variance, y = (x − mean)/√(var + eps), then each channel is
 * scaled and shifted by its own weight and bias (1 and 0 at start; absent without affine).
 * Independent of the batch size, so it behaves alike in training and evaluation.
 *
 * <p>It runs as the fused {@link Tensor#groupNorm} op: one kernel forward and one backward, which
 * computes the gradients of the input, the weight and the bias from the saved per-group statistics.
 *
 * <pre>{@code
 * GroupNorm gn = new GroupNorm(8, 64);                   // 8 groups of 8 channels
 * Tensor y = gn.call(Tensor.randn(4, 64, 32, 32));
 * }</pre>
 */
public final class GroupNorm extends Module {
    /** [C], or null without affine. */
    public final Tensor weight, bias;
    private final int numGroups, numChannels;
    private final double eps;

    /**
     * PyTorch's defaults: eps 1e-5, affine.
     *
     * @param numGroups   the number of groups; divides {@code numChannels}
     * @param numChannels the number of channels C of the input
     */
    public GroupNorm(int numGroups, int numChannels) {
        this(numGroups, numChannels, 1e-5, true);
    }

    /**
     * The general form, in PyTorch's argument order.
     *
     * @param numGroups   the number of groups; divides {@code numChannels}
     * @param numChannels the number of channels C of the input
     * @param eps         added to the variance
     * @param affine      whether each channel has a learnt weight and bias
     * @throws IllegalArgumentException if the group count is not positive or does not divide the channels, or eps is negative,
     *     infinite or NaN
     */
    public GroupNorm(int numGroups, int numChannels, double eps, boolean affine) {
        if (numGroups < 1 || numChannels < 1 || numChannels % numGroups != 0) {
            throw new IllegalArgumentException("GroupNorm: numChannels (" + numChannels + ") must be positive and divisible by numGroups ("
                    + numGroups + ")");
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) throw new IllegalArgumentException("GroupNorm: eps must be finite and >= 0, got " + eps);
        this.numGroups = numGroups;
        this.numChannels = numChannels;
        this.eps = eps;
        weight = affine ? registerParameter("weight", Tensor.ones(numChannels)) : null;
        bias = affine ? registerParameter("bias", Tensor.zeros(numChannels)) : null;
    }

    /**
     * The normalised input, same shape.
     *
     * @throws IllegalArgumentException for input that is not [N, numChannels, *]
     */
    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        if (x.dim() < 2 || x.size(1) != numChannels) {
            throw new IllegalArgumentException("GroupNorm: expected input [N, " + numChannels + ", *], got " + Arrays.toString(x.shape()));
        }
        return x.groupNorm(numGroups, weight, bias, eps);
    }

    @Override
    protected String extraRepr() {
        return numGroups + ", " + numChannels + ", eps=" + eps + (weight == null ? ", affine=false" : "");
    }
}
