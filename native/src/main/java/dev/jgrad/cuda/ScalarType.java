package dev.jgrad.cuda;

/**
 * Element types as the kernels see them, with the suffix of the kernel names
 * ({@code unary_exp_f32}, {@code copy_i64_f64}, …). {@code BOOL} is one byte holding 0 or 1;
 * {@code F16} is CUDA's {@code __half}, {@code BF16} its {@code __nv_bfloat16}.
 */
public enum ScalarType {
    /** 32-bit float. */
    F32("f32", 4),
    /** 64-bit float. */
    F64("f64", 8),
    /** 32-bit signed integer. */
    I32("i32", 4),
    /** 64-bit signed integer. */
    I64("i64", 8),
    /** Boolean, one byte holding 0 or 1. */
    BOOL("bool", 1),
    /** IEEE 754 binary16. */
    F16("f16", 2),
    /** bfloat16: the upper half of a float32. */
    BF16("bf16", 2);

    private final String suffix;
    private final int bytes;

    ScalarType(String suffix, int bytes) {
        this.suffix = suffix;
        this.bytes = bytes;
    }

    /** {@return the kernel-name suffix} */
    public String suffix() {
        return suffix;
    }

    /** {@return bytes per element} */
    public int bytes() {
        return bytes;
    }

    /**
     * Whether this is a floating-point type (F32, F64, F16 or BF16).
     *
     * @return true for F32, F64, F16 and BF16
     */
    public boolean isFloating() {
        return this == F32 || this == F64 || this == F16 || this == BF16;
    }
}
