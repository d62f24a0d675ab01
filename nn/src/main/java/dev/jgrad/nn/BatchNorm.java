package dev.jgrad.nn;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;

/**
 * Batch normalisation over the channel dimension (dimension 1) of [N, C] or [N, C, L] input
 * ({@link #oneD}) or [N, C, H, W] input ({@link #twoD}). In training mode each channel is
 * normalised by the batch's mean and (biased) variance, and running estimates are updated
 * with the unbiased variance, as PyTorch does; in evaluation mode the running estimates are used.
 * State dict keys match PyTorch's: weight, bias, running_mean, running_var, num_batches_tracked.
 *
 * <pre>{@code
 * BatchNorm bn = BatchNorm.twoD(32);
 * Tensor y = bn.forward(Tensor.randn(8, 32, 14, 14));
 * }</pre>
 */
public final class BatchNorm extends Module {
    /**
     * The parameters {@code weight} and {@code bias} and the buffers {@code running_mean}, {@code
     * running_var} and {@code num_batches_tracked}, one value per channel (the count: one value).
     */
    public final Tensor weight, bias, runningMean, runningVar, numBatchesTracked;
    private final int channels, spatialDims;
    private final double eps, momentum;

    private BatchNorm(int channels, int spatialDims, double eps, double momentum) {
        if (channels < 1) throw new IllegalArgumentException("BatchNorm: channels must be positive, got " + channels);
        this.channels = channels;
        this.spatialDims = spatialDims;
        this.eps = eps;
        this.momentum = momentum;
        weight = registerParameter("weight", Tensor.ones(channels));
        bias = registerParameter("bias", Tensor.zeros(channels));
        runningMean = registerBuffer("running_mean", Tensor.zeros(channels));
        runningVar = registerBuffer("running_var", Tensor.ones(channels));
        numBatchesTracked = registerBuffer("num_batches_tracked", Tensor.zeros(DType.INT64));
    }

    /**
     * {@return batchNorm1d: input [N, C] or [N, C, L]}
     *
     * @param channels the number of channels C
     */
    public static BatchNorm oneD(int channels) {
        return new BatchNorm(channels, 1, 1e-5, 0.1);
    }

    /**
     * {@return batchNorm2d: input [N, C, H, W]}
     *
     * @param channels the number of channels C
     */
    public static BatchNorm twoD(int channels) {
        return new BatchNorm(channels, 2, 1e-5, 0.1);
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        boolean ok = spatialDims == 2 ? x.dim() == 4 : x.dim() == 2 || x.dim() == 3;
        if (!ok || x.size(1) != channels) {
            throw new IllegalArgumentException("BatchNorm" + spatialDims + "d: expected input [N, " + channels
                    + (spatialDims == 2 ? ", H, W]" : "] or [N, " + channels + ", L]") + ", got " + java.util.Arrays.toString(x.shape()));
        }
        int[] reduce = x.dim() == 2 ? new int[] {0} : x.dim() == 3 ? new int[] {0, 2} : new int[] {0, 2, 3};
        int[] perChannel = new int[x.dim()];
        java.util.Arrays.fill(perChannel, 1);
        perChannel[1] = channels;
        Tensor mean, var;
        if (isTraining()) {
            int n = x.numel() / channels;
            if (n < 2) throw new IllegalArgumentException("BatchNorm: expected more than 1 value per channel in training, got input " + java.util.Arrays.toString(x.shape()));
            mean = x.mean(reduce, true);
            var = x.sub(mean).square().mean(reduce, true);
            try (var _ = GradMode.noGrad()) {
                runningMean.mulInPlace(1 - momentum).addInPlace(mean.detach().reshape(channels), momentum);
                runningVar.mulInPlace(1 - momentum).addInPlace(var.detach().reshape(channels).mul((double) n / (n - 1)), momentum);
                numBatchesTracked.addInPlace(Tensor.scalar(1, DType.INT64), 1);
            }
        } else {
            mean = runningMean.reshape(perChannel);
            var = runningVar.reshape(perChannel);
        }
        Tensor normalized = x.sub(mean).div(var.add(eps).sqrt());
        return normalized.mul(weight.reshape(perChannel)).add(bias.reshape(perChannel));
    }

    @Override
    protected String extraRepr() {
        return channels + ", eps=" + eps + ", momentum=" + momentum;
    }
}
