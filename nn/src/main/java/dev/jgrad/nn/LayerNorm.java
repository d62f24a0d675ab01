package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * Normalises over the last {@code normalizedShape.length} dimensions with the biased variance,
 * then applies a per-element affine map (weight 1, bias 0 at start), as PyTorch's LayerNorm. Runs
 * as the fused {@link Tensor#layerNorm} op (one kernel forward, one backward).
 *
 * <pre>{@code
 * LayerNorm ln = new LayerNorm(768);
 * Tensor y = ln.forward(Tensor.randn(4, 16, 768));
 * }</pre>
 */
public final class LayerNorm extends Module {
    /**
     * The scale and shift, of {@code normalizedShape} (ones and zeros at first); null without the elementwise
     * affine transform.
     */
    public final Tensor weight, bias;
    private final int[] normalizedShape;
    private final double eps;

    /**
     * Layer norm over the trailing dimensions {@code normalizedShape}, with ε = 1e-5 and a learned scale and
     * shift.
     *
     * @param normalizedShape the trailing dimensions normalised over
     */
    public LayerNorm(int... normalizedShape) {
        this(normalizedShape, 1e-5, true);
    }

    /**
     * Layer norm over the trailing dimensions {@code normalizedShape}.
     *
     * @param normalizedShape   the trailing dimensions normalised over
     * @param eps               added to the variance
     * @param elementwiseAffine learn a scale and shift
     */
    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
        this.normalizedShape = Args.notNull("LayerNorm", "normalizedShape", normalizedShape).clone();
        if (!(eps >= 0) || Double.isInfinite(eps)) throw new IllegalArgumentException("LayerNorm: eps must be finite and >= 0, got " + eps);
        this.eps = eps;
        weight = elementwiseAffine ? registerParameter("weight", Tensor.ones(normalizedShape)) : null;
        bias = elementwiseAffine ? registerParameter("bias", Tensor.zeros(normalizedShape)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        int k = normalizedShape.length;
        int[] shape = x.shape();
        boolean ok = shape.length >= k;
        for (int i = 0; ok && i < k; i++) ok = shape[shape.length - k + i] == normalizedShape[i];
        if (!ok) {
            throw new IllegalArgumentException("LayerNorm: expected input ending in " + java.util.Arrays.toString(normalizedShape)
                    + ", got " + java.util.Arrays.toString(shape));
        }
        return x.layerNorm(normalizedShape, weight, bias, eps);
    }

    @Override
    protected String extraRepr() {
        return java.util.Arrays.toString(normalizedShape) + ", eps=" + eps;
    }
}
