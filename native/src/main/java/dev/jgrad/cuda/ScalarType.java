package dev.jgrad.cuda;

/**
 * Element types as the kernels see them, with the suffix of the kernel names
 * ({@code unary_exp_f32}, {@code copy_i64_f64}, …). {@code BOOL} is one byte holding 0 or 1;
 * {@code F16} is CUDA's {@code __half}, {@code BF16} its {@code __nv_bfloat16}.
 */
public enum ScalarType {
    F32("f32", 4), F64("f64", 8), I32("i32", 4), I64("i64", 8), BOOL("bool", 1), F16("f16", 2), BF16("bf16", 2);

    private final String suffix;
    private final int bytes;

    ScalarType(String suffix, int bytes) {
        this.suffix = suffix;
        this.bytes = bytes;
    }

    /** The kernel-name suffix. */
    public String suffix() {
        return suffix;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for F32, F64, F16 and BF16. */
    public boolean isFloating() {
        return this == F32 || this == F64 || this == F16 || this == BF16;
    }
}
