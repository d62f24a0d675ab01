package dev.jgrad.tensor;

/**
 * Element types. {@code FLOAT32} is the default; {@code FLOAT64} serves gradient checks and
 * references; the integer types hold labels and indices; {@code BOOL} holds masks.
 *
 * <pre>{@code
 * Tensor labels = Tensor.of(new long[] {3, 1, 4});   // INT64
 * Tensor x = labels.to(DType.FLOAT32);
 * }</pre>
 */
public enum DType {
    /** Booleans (masks, comparison results), one byte each. */
    BOOL(1),
    /** 32-bit signed integers. */
    INT32(4),
    /** 64-bit signed integers (indices, class labels). */
    INT64(8),
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

    /** {@return true for {@code FLOAT32} and {@code FLOAT64}: the types gradients flow through} */
    public boolean isFloating() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** {@return true for {@code INT32} and {@code INT64}} */
    public boolean isInteger() {
        return this == INT32 || this == INT64;
    }

    /**
     * The type two operands are computed in, by PyTorch's rule for tensors of the same kind of
     * rank: bool &lt; int32 &lt; int64 &lt; float32 &lt; float64.
     *
     * @param a the first operand's type
     * @param b the second operand's type
     * @return the wider of the two
     */
    public static DType promote(DType a, DType b) {
        return a.ordinal() >= b.ordinal() ? a : b;
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
