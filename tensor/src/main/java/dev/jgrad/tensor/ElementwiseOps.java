package dev.jgrad.tensor;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.UnaryFn;

/** Forward passes of the elementwise ops: output shape (broadcast), output dtype, one kernel call. */
final class ElementwiseOps {
    private ElementwiseOps() {}

    static Tensor unary(UnaryFn fn, Tensor x, DType outType) {
        Tensor out = Tensor.empty(x.layout.shape, outType, x.device());
        x.backend().unary(fn, x, out);
        return out;
    }

    /** A float-valued function such as {@code exp}: integer inputs give float32. */
    static Tensor floating(UnaryFn fn, Tensor x) {
        return unary(fn, x, x.dtype().toFloating());
    }

    static Tensor binary(String op, BinaryFn fn, Tensor a, Tensor b, DType outType) {
        Tensor.checkSameDevice(op, a, b);
        int[] shape = Shapes.broadcast(op, a.layout.shape, b.layout.shape);
        Tensor out = Tensor.empty(shape, outType, a.device());
        a.backend().binary(fn, a.broadcastView(shape), b.broadcastView(shape), out);
        return out;
    }

    /** Arithmetic: the promoted dtype of the operands. */
    static Tensor arithmetic(String op, BinaryFn fn, Tensor a, Tensor b) {
        Checks.notNull(op, "other", b);
        DType t = DType.promote(a.dtype(), b.dtype());
        return binary(op, fn, as(a, t), as(b, t), t);
    }

    /** True division: integers divide as floats. */
    static Tensor divide(Tensor a, Tensor b) {
        Checks.notNull("div", "other", b);
        DType t = DType.promote(a.dtype(), b.dtype()).toFloating();
        return binary("div", BinaryFn.DIV, as(a, t), as(b, t), t);
    }

    /**
     * An operand converted to the floating type an op computes in, at its own (unbroadcast)
     * size, so that both operands reach the typed float kernels (a bool mask times a float32
     * gradient would otherwise take the per-element reference path).
     */
    private static Tensor as(Tensor x, DType t) {
        return t.isFloating() && x.dtype() != t ? copy(x, t) : x;
    }

    static Tensor compare(String op, BinaryFn fn, Tensor a, Tensor b) {
        return binary(op, fn, a, b, DType.BOOL);
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Checks.notNull("where", "condition", cond);
        Checks.notNull("where", "a", a);
        Checks.notNull("where", "b", b);
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where: condition must be bool, got " + cond.dtype());
        }
        Tensor.checkSameDevice("where", cond, a);
        Tensor.checkSameDevice("where", a, b);
        int[] shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.layout.shape, a.layout.shape), b.layout.shape);
        Tensor out = Tensor.empty(shape, DType.promote(a.dtype(), b.dtype()), a.device());
        a.backend().where(cond.broadcastView(shape), a.broadcastView(shape), b.broadcastView(shape), out);
        return out;
    }

    /** min(max(x, lo), hi) in two kernel passes; NaN stays NaN. */
    static Tensor clamp(Tensor x, double lo, double hi) {
        if (lo > hi) throw new IllegalArgumentException("clamp: min " + lo + " is greater than max " + hi);
        Tensor out = x;
        if (lo != Double.NEGATIVE_INFINITY) out = arithmetic("clamp", BinaryFn.MAXIMUM, out, Tensor.scalarLike(lo, x));
        if (hi != Double.POSITIVE_INFINITY) out = arithmetic("clamp", BinaryFn.MINIMUM, out, Tensor.scalarLike(hi, x));
        return out == x ? copy(x, x.dtype()) : out;
    }

    /** A contiguous copy of {@code x} in {@code dtype}. */
    static Tensor copy(Tensor x, DType dtype) {
        Tensor out = Tensor.empty(x.layout.shape, dtype, x.device());
        x.backend().copy(x, out);
        return out;
    }
}
