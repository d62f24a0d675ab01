package dev.jgrad.tensor;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.UnaryFn;
import dev.jgrad.kernels.typed.ReluF32;
import java.util.Arrays;
import java.util.Locale;

/**
 * Elementwise ops: output shape (broadcast) and dtype, then one kernel of the device's
 * {@link Backend}, timed for the {@link Profiler}; copies and fills; and the fused ReLU backward.
 */
final class ElementwiseOps {
    private ElementwiseOps() {}

    private static final String[] UNARY_KIND = kinds("unary ", UnaryFn.values());
    private static final String[] BINARY_KIND = kinds("binary ", BinaryFn.values());
    private static final String[][] COPY_KIND = new String[DType.values().length][DType.values().length];

    static {
        for (DType a : DType.values()) {
            for (DType b : DType.values()) COPY_KIND[a.ordinal()][b.ordinal()] = "copy " + lower(a) + "->" + lower(b);
        }
    }

    static Tensor unary(UnaryFn fn, Tensor x, DType outType) {
        if (x.isClosed()) x.checkUsable(lower(fn));
        Tensor out = Tensor.uninitialized(x.layout.shape, outType, x.device());
        try (var _ = Profiler.time(UNARY_KIND[fn.ordinal()], x)) {
            x.backend().unary(fn, x, out);
        }
        return out;
    }

    /** A float-valued function such as {@code exp}: integer inputs give float32. */
    static Tensor floating(UnaryFn fn, Tensor x) {
        return unary(fn, x, x.dtype().toFloating());
    }

    static Tensor binary(String op, BinaryFn fn, Tensor a, Tensor b, DType outType) {
        Tensor.checkSameDevice(op, a, b);
        a.checkUsable(op);
        b.checkUsable(op);
        int[] shape = Shapes.broadcast(op, a.layout.shape, b.layout.shape);
        Tensor out = Tensor.uninitialized(shape, outType, a.device());
        binaryInto(fn, a.broadcastView(shape), b.broadcastView(shape), out);
        return out;
    }

    /** out = fn(a, b) into an existing tensor (a and b already broadcast to out's shape; out may be a or b: in place). */
    static void binaryInto(BinaryFn fn, Tensor a, Tensor b, Tensor out) {
        try (var _ = Profiler.time(BINARY_KIND[fn.ordinal()], out)) {
            out.backend().binary(fn, a, b, out);
        }
    }

    /** Arithmetic: the promoted dtype of the operands. */
    static Tensor arithmetic(String op, BinaryFn fn, Tensor a, Tensor b) {
        Checks.notNull(op, "other", b);
        a.checkUsable(op);
        b.checkUsable(op);
        DType t = DType.promote(a.dtype(), b.dtype());
        return binary(op, fn, as(a, t), as(b, t), t);
    }

    /** True division: integers divide as floats. */
    static Tensor divide(Tensor a, Tensor b) {
        Checks.notNull("div", "other", b);
        a.checkUsable("div");
        b.checkUsable("div");
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
        cond.checkUsable("where");
        a.checkUsable("where");
        b.checkUsable("where");
        int[] shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.layout.shape, a.layout.shape), b.layout.shape);
        Tensor out = Tensor.uninitialized(shape, DType.promote(a.dtype(), b.dtype()), a.device());
        try (var _ = Profiler.time("where", out)) {
            a.backend().where(cond.broadcastView(shape), a.broadcastView(shape), b.broadcastView(shape), out);
        }
        return out;
    }

    /** min(max(x, lo), hi) in two kernel passes; NaN stays NaN. */
    static Tensor clamp(Tensor x, double lo, double hi) {
        if (lo > hi) throw new IllegalArgumentException("clamp: min " + lo + " is greater than max " + hi);
        x.checkUsable("clamp");
        Tensor out = x;
        if (lo != Double.NEGATIVE_INFINITY) out = arithmetic("clamp", BinaryFn.MAXIMUM, out, Tensor.scalarLike(lo, x));
        if (hi != Double.POSITIVE_INFINITY) out = arithmetic("clamp", BinaryFn.MINIMUM, out, Tensor.scalarLike(hi, x));
        return out == x ? copy(x, x.dtype()) : out;
    }

    /** A contiguous copy of {@code x} in {@code dtype}. */
    static Tensor copy(Tensor x, DType dtype) {
        Tensor out = Tensor.uninitialized(x.layout.shape, dtype, x.device());
        copyInto(x, out);
        return out;
    }

    /** x contiguous from offset 0 and of {@code dtype} (what most fused kernels index): x itself, or a copy. */
    static Tensor contiguous(Tensor x, DType dtype) {
        if (x.dtype() == dtype && x.layout.isContiguous() && x.layout.offset == 0) return x;
        return copy(x, dtype);
    }

    /** dst = src elementwise (same shape and device, any strides, converting dtype). */
    static void copyInto(Tensor src, Tensor dst) {
        try (var _ = Profiler.time(COPY_KIND[src.dtype().ordinal()][dst.dtype().ordinal()], dst)) {
            dst.backend().copy(src, dst);
        }
    }

    /** Every element of {@code dst} (any strides) set to {@code value}. */
    static void fill(Tensor dst, double value) {
        try (var _ = Profiler.time("fill", dst)) {
            dst.backend().fill(dst, value);
        }
    }

    /**
     * ∂L/∂x of {@code relu}: g where x &gt; 0, else 0. Contiguous float32 CPU operands of one shape
     * take one fused pass ({@link ReluF32}) instead of a bool mask, its float32 copy and the
     * product; everything else uses that product.
     */
    static Tensor reluBackward(Tensor x, Tensor g) {
        try (var _ = GradMode.noGrad()) {
            if (x.storage instanceof CpuStorage && g.storage instanceof CpuStorage && CpuBackend.f32(x, g) && x.layout.isContiguous()
                    && g.layout.isContiguous() && Arrays.equals(x.layout.shape, g.layout.shape)) {
                Tensor dx = Tensor.uninitialized(x.layout.shape, DType.FLOAT32, x.device());
                reluBackwardKernel(x, g, dx);
                return dx;
            }
            return g.mul(x.gt(0));
        }
    }

    /** dx = g where x &gt; 0, else 0: contiguous float32 CPU tensors of one shape, dx from offset 0. */
    private static void reluBackwardKernel(Tensor x, Tensor g, Tensor dx) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> reluBackwardKernel(x, g, dx), ElementwiseStep.reluBackward(x, g, dx));
            return;
        }
        try (var _ = Profiler.time("relu backward", x)) {
            ReluF32.backward(CpuBackend.floats(x), x.layout.offset, CpuBackend.floats(g), g.layout.offset, CpuBackend.floats(dx), 0, x.numel());
        }
    }

    private static String[] kinds(String prefix, Enum<?>[] fns) {
        String[] k = new String[fns.length];
        for (Enum<?> fn : fns) k[fn.ordinal()] = prefix + lower(fn);
        return k;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
