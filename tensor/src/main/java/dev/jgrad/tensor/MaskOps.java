package dev.jgrad.tensor;

import java.util.Arrays;

/**
 * Ops that choose each element from one of two sources by a condition, all compositions of
 * {@code where} (so the gradient goes to whichever source each element came from):
 * {@code maskedFill}, {@code tril}/{@code triu}, {@code where} with scalar branches, and
 * {@code clamp} with tensor bounds.
 */
final class MaskOps {
    private MaskOps() {}

    /** A 0-d tensor of {@code dtype} on {@code device} holding {@code value} (cast as a fill casts: integers truncate). */
    private static Tensor scalar(double value, DType dtype, Device device) {
        Tensor s = Tensor.empty(new int[0], dtype, device);
        if (value != 0) ElementwiseOps.fill(s, value);
        return s;
    }

    static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        Checks.notNull("masked_fill", "the tensor", x);
        Checks.notNull("masked_fill", "mask", mask);
        if (mask.dtype() != DType.BOOL) throw new IllegalArgumentException("masked_fill: mask must be bool, got " + mask.dtype());
        Tensor.checkSameDevice("masked_fill", x, mask);
        int[] shape = Shapes.broadcast("masked_fill", mask.layout.shape, x.layout.shape);
        if (!Arrays.equals(shape, x.layout.shape)) {
            throw new IllegalArgumentException("masked_fill: mask of shape " + Shapes.str(mask.layout.shape)
                    + " must broadcast to the tensor's shape " + Shapes.str(x.layout.shape) + " without enlarging it");
        }
        return Tensor.where(mask, scalar(value, x.dtype(), x.device()), x);
    }

    /** Elements on and below (tril) or on and above (triu) diagonal k of the last two dimensions; the rest 0. */
    static Tensor triangle(String op, boolean lower, Tensor x, int diagonal) {
        Checks.notNull(op, "the tensor", x);
        if (x.dim() < 2) {
            throw new IllegalArgumentException(op + ": expected a tensor of at least 2 dimensions, got shape " + Shapes.str(x.layout.shape));
        }
        int rows = x.layout.shape[x.dim() - 2], cols = x.layout.shape[x.dim() - 1];
        Tensor i = Tensor.arange(rows).to(x.device()).reshape(rows, 1), j = Tensor.arange(cols).to(x.device()).reshape(1, cols);
        Tensor offset = j.sub(i);   // j − i: 0 on the diagonal, k on diagonal k
        Tensor keep = lower ? offset.le(diagonal) : offset.ge(diagonal);
        return Tensor.where(keep, x, scalar(0, x.dtype(), x.device()));
    }

    static Tensor where(Tensor cond, Tensor a, double b) {
        Checks.notNull("where", "a", a);
        return Tensor.where(cond, a, Tensor.scalarLike(b, a));
    }

    static Tensor where(Tensor cond, double a, Tensor b) {
        Checks.notNull("where", "b", b);
        return Tensor.where(cond, Tensor.scalarLike(a, b), b);
    }

    /** Both branches scalars: float32, as PyTorch's default dtype. */
    static Tensor where(Tensor cond, double a, double b) {
        Checks.notNull("where", "condition", cond);
        return Tensor.where(cond, scalar(a, DType.FLOAT32, cond.device()), scalar(b, DType.FLOAT32, cond.device()));
    }

    /**
     * min(max(x, lo), hi) elementwise with tensor bounds (either may be null; all three
     * broadcast), NaN in x or in a bound giving NaN as PyTorch's; as PyTorch's, x gets the
     * gradient where lo ≤ x ≤ hi, a bound where it is the result.
     */
    static Tensor clamp(Tensor x, Tensor lo, Tensor hi) {
        Checks.notNull("clamp", "the tensor", x);
        if (lo == null && hi == null) throw new IllegalArgumentException("clamp: at least one of min and max must be given (both are null)");
        Tensor y = x;
        if (lo != null) {
            Tensor.checkSameDevice("clamp", x, lo);
            Shapes.broadcast("clamp", x.layout.shape, lo.layout.shape);
            y = Tensor.where(y.lt(lo).logicalOr(lo.ne(lo)), lo, y);
        }
        if (hi != null) {
            Tensor.checkSameDevice("clamp", x, hi);
            Shapes.broadcast("clamp", y.layout.shape, hi.layout.shape);
            y = Tensor.where(y.gt(hi).logicalOr(hi.ne(hi)), hi, y);
        }
        return y;
    }
}
