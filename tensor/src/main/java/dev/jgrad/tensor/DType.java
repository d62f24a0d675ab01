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
    BOOL(1), INT32(4), INT64(8), FLOAT32(4), FLOAT64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for {@code FLOAT32} and {@code FLOAT64}: the types gradients flow through. */
    public boolean isFloating() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** True for {@code INT32} and {@code INT64}. */
    public boolean isInteger() {
        return this == INT32 || this == INT64;
    }

    /**
     * The type two operands are computed in, by PyTorch's rule for tensors of the same kind of
     * rank: bool &lt; int32 &lt; int64 &lt; float32 &lt; float64.
     */
    public static DType promote(DType a, DType b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    /** The floating type a function such as {@code exp} computes an input of this type in. */
    public DType toFloating() {
        return isFloating() ? this : FLOAT32;
    }

    /** The lower-case name PyTorch prints ({@code float32}, {@code int64}, …). */
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
