package dev.jgrad.tensor;

/**
 * Element types. {@code FLOAT32} is the default; {@code FLOAT64} serves gradient checks and
 * references; {@code FLOAT16} and {@code BFLOAT16} halve the memory of weights and activations
 * (most published checkpoints are one of the two); the integer types hold labels and indices;
 * {@code BOOL} holds masks.
 *
 * <p>The 16-bit floats are stored as such on every device. On the CPU each op computes them in
 * float32 and rounds its result once (to nearest, ties to even), as PyTorch's CPU kernels do; on
 * CUDA elementwise ops and reductions compute in float32 too, and matrix products run on the
 * tensor cores with float32 accumulation. Conversions are bit for bit PyTorch's.
 *
 * <pre>{@code
 * Tensor labels = Tensor.of(new long[] {3, 1, 4});   // INT64
 * Tensor x = labels.to(DType.FLOAT32);
 * Tensor w = Tensor.randn(4, 4).to(DType.BFLOAT16);   // 2 bytes per element
 * }</pre>
 */
public enum DType {
    /** Booleans (masks, comparison results), one byte each. */
    BOOL(1),
    /** 32-bit signed integers. */
    INT32(4),
    /** 64-bit signed integers (indices, class labels). */
    INT64(8),
    /** IEEE 754 binary16 ({@code torch.float16}): 5 exponent bits, 10 fraction bits, largest finite 65504. */
    FLOAT16(2),
    /** The upper half of a float32 ({@code torch.bfloat16}): float32's range with 7 fraction bits. */
    BFLOAT16(2),
    /** 32-bit floats: the default for tensors made from floats. */
    FLOAT32(4),
    /** 64-bit floats. */
    FLOAT64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** {@return bytes per element} */
    public int byteSize() {
        return byteSize;
    }

    /**
     * {@return true for the floating types ({@code FLOAT16}, {@code BFLOAT16}, {@code FLOAT32},
     * {@code FLOAT64}): the types gradients flow through}
     */
    public boolean isFloating() {
        return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16;
    }

    /** {@return true for the 16-bit floats {@code FLOAT16} and {@code BFLOAT16}, which the CPU computes in float32} */
    public boolean isHalf() {
        return this == FLOAT16 || this == BFLOAT16;
    }

    /** {@return true for {@code INT32} and {@code INT64}} */
    public boolean isInteger() {
        return this == INT32 || this == INT64;
    }

    /**
     * The type two operands are computed in, by PyTorch's rule for tensors of the same kind of
     * rank: bool &lt; int32 &lt; int64 &lt; every floating type; among floats the wider wins
     * (float16 &lt; float32 &lt; float64, bfloat16 &lt; float32), and float16 with bfloat16 gives
     * float32, which holds both exactly.
     *
     * <pre>{@code
     * DType.promote(DType.INT64, DType.BFLOAT16);     // BFLOAT16
     * DType.promote(DType.FLOAT16, DType.BFLOAT16);   // FLOAT32
     * }</pre>
     *
     * @param a the first operand's type
     * @param b the second operand's type
     * @return the wider of the two
     */
    public static DType promote(DType a, DType b) {
        if (a == b) return a;
        if (a.isFloating() != b.isFloating()) return a.isFloating() ? a : b;
        if (!a.isFloating()) return a.ordinal() >= b.ordinal() ? a : b;
        if (a.isHalf() && b.isHalf()) return FLOAT32;
        return a.byteSize >= b.byteSize ? a : b;
    }

    /** {@return the floating type a function such as {@code exp} computes an input of this type in} */
    public DType toFloating() {
        return isFloating() ? this : FLOAT32;
    }

    /** The lower-case name PyTorch prints ({@code float32}, {@code int64}, …). */
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
