package dev.jgrad.tensor;

/**
 * Vector norms over any dimensions, as {@code torch.linalg.vector_norm} (which {@code torch.norm}
 * uses for vectors and for the Frobenius norm): computed from abs, pow, sum, amax and sqrt
 * outside the graph and recorded as one {@link Op.Norm} node, whose rule is PyTorch's (the
 * gradient at a zero norm is 0, not NaN; for p = ±∞ it is shared among the tied extremes).
 */
final class NormOps {
    private NormOps() {}

    static Tensor norm(Tensor x, double p, int[] dims, boolean keepDim) {
        Checks.notNull("norm", "the tensor", x);
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException("norm: expected a floating-point tensor, got " + x.dtype() + "; convert with to(DType.FLOAT32)");
        }
        if (Double.isNaN(p)) throw new IllegalArgumentException("norm: p must be a number or ±infinity, got NaN");
        int[] d = Shapes.dims("norm", dims, x.dim());
        if (Double.isInfinite(p)) {
            for (int k : d) {
                if (x.layout.shape[k] == 0) {
                    throw new IllegalArgumentException("norm: the " + (p > 0 ? "" : "−") + "∞-norm of dimension " + k + " of size 0 (shape "
                            + Shapes.str(x.layout.shape) + ") is undefined");
                }
            }
        }
        Tensor out;
        try (var _ = GradMode.noGrad()) {
            // a 16-bit input is computed in float32 and rounded once, as PyTorch's opmath does
            Tensor v = x.dtype().isHalf() ? x.to(DType.FLOAT32) : x;
            Tensor a = v.abs();
            if (p == 2) out = v.mul(v).sum(d, keepDim).sqrt();
            else if (p == 1) out = a.sum(d, keepDim);
            else if (p == Double.POSITIVE_INFINITY) out = a.amax(d, keepDim);
            else if (p == Double.NEGATIVE_INFINITY) out = a.amin(d, keepDim);
            else if (p == 0) out = a.ne(0).to(v.dtype()).sum(d, keepDim);
            else out = a.pow(p).sum(d, keepDim).pow(1 / p);
            if (v != x) out = out.to(x.dtype());
        }
        return out.record(new Op.Norm(x, p, d, keepDim));
    }
}
