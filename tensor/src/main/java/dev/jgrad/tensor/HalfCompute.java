package dev.jgrad.tensor;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Half;
import dev.jgrad.kernels.typed.HalfF32;

/**
 * How the CPU computes the 16-bit floats ({@code FLOAT16}, {@code BFLOAT16}): in float32, with
 * the result rounded once to the output's type, as PyTorch's CPU kernels do for most ops. This is
 * the one place that rule lives. {@link CpuBackend} widens every half operand of a primitive to
 * float32, runs its float32 kernel (SIMD, multi-threaded) and rounds the result back
 * ({@link #widen}, {@link #target}, {@link #narrow}); the fused op families do the same through
 * {@link #viaFloat32}. Nothing here runs for float32 or any other type: the backend reaches it only
 * after its float32 paths declined, so their speed is unchanged.
 *
 * <p>Conversions are those of {@link Half} (bit for bit PyTorch's) through {@link HalfF32}'s
 * vector loops, so a widened operand costs one pass over memory at copy speed.
 */
final class HalfCompute {
    private HalfCompute() {}

    /** True when any of {@code ts} (nulls skipped) is a 16-bit float tensor. */
    static boolean any(Tensor... ts) {
        for (Tensor t : ts) if (t != null && t.dtype().isHalf()) return true;
        return false;
    }

    /** The promoted dtype of {@code ts} (nulls skipped): what a fused op on them returns. */
    static DType promoted(Tensor... ts) {
        DType d = null;
        for (Tensor t : ts) if (t != null) d = d == null ? t.dtype() : DType.promote(d, t.dtype());
        return d;
    }

    /** The {@link Half.Format} of a half dtype. */
    static Half.Format format(DType t) {
        return t == DType.BFLOAT16 ? Half.Format.BF16 : Half.Format.F16;
    }

    /**
     * {@code x} as float32: itself when it is not half, else a float32 copy of its own extent
     * (stride-0, broadcast, dimensions stay broadcast, so widening never materialises an expansion).
     */
    static Tensor widen(Tensor x) {
        if (!x.dtype().isHalf()) return x;
        int[] shape = x.layout.shape.clone(), xs = x.layout.strides;
        boolean broadcast = false;
        for (int d = 0; d < shape.length; d++) {
            if (xs[d] == 0 && shape[d] != 1) {
                shape[d] = 1;
                broadcast = true;
            }
        }
        Tensor src = broadcast ? x.viewOf(new Layout(shape, xs.clone(), x.layout.offset)) : x;
        Tensor f = new Tensor(CpuStorage.allocate(DType.FLOAT32, Shapes.numel(shape)), Layout.contiguous(shape));
        Layout d = f.layout, s = src.layout;
        HalfF32.toFloat(format(x.dtype()), d.shape, CpuBackend.floats(f), d.offset, d.strides, halfBits(src), s.offset, s.strides);
        return broadcast ? f.viewOf(f.layout.expand(x.layout.shape)) : f;
    }

    /** Where to compute {@code out}: itself when it is not half, else a fresh contiguous float32 tensor of its shape. */
    static Tensor target(Tensor out) {
        if (!out.dtype().isHalf()) return out;
        return new Tensor(CpuStorage.allocate(DType.FLOAT32, out.numel()), Layout.contiguous(out.layout.shape.clone()));
    }

    /** Rounds the float32 result {@code computed} into {@code out} (nothing when {@code computed} is {@code out}). */
    static void narrow(Tensor computed, Tensor out) {
        if (computed == out) return;
        Layout d = out.layout, s = computed.layout;
        HalfF32.fromFloat(format(out.dtype()), d.shape, halfBits(out), d.offset, d.strides, CpuBackend.floats(computed), s.offset, s.strides);
    }

    /** The raw bits of a half CPU tensor's storage. */
    static short[] halfBits(Tensor t) {
        return switch (CpuBackend.buf(t)) {
            case Buf.F16 h -> h.data();
            case Buf.BF16 h -> h.data();
            default -> throw new IllegalStateException("not a 16-bit float buffer: " + t.dtype());
        };
    }

    /** An op computed on float32 operands. */
    @FunctionalInterface
    interface Float32Op {
        Tensor apply(Tensor[] float32);
    }

    /**
     * A fused op on half operands, computed as PyTorch's CPU computes it: every half tensor of
     * {@code operands} (nulls stay null) converted to float32, {@code op} applied, its result
     * rounded to {@code resultType}. The conversions are recorded ops, so gradients flow back to the
     * half inputs in their own dtype.
     */
    static Tensor viaFloat32(DType resultType, Float32Op op, Tensor... operands) {
        Tensor[] wide = new Tensor[operands.length];
        for (int i = 0; i < operands.length; i++) {
            Tensor t = operands[i];
            wide[i] = t != null && t.dtype().isHalf() ? t.to(DType.FLOAT32) : t;
        }
        return op.apply(wide).to(resultType);
    }
}
