package dev.jgrad.kernels;

/**
 * Conversions between float32 and the two 16-bit floating formats, bit for bit as PyTorch's
 * {@code c10::Half} and {@code c10::BFloat16} convert (checked against PyTorch over every 16-bit
 * pattern and every rounding boundary; see {@code HalfConversionTest}). A half value is held as
 * its raw bits in a {@code short}.
 *
 * <ul>
 *   <li><b>float16</b> (IEEE 754 binary16: 1 sign, 5 exponent, 10 fraction bits): from float32
 *       rounded to nearest, ties to even, with subnormals, overflow to ±infinity and every NaN
 *       becoming the quiet NaN {@code sign | 0x7E00}; to float32 exactly (a NaN keeps its payload
 *       with the quiet bit set, as the x86 conversion instruction and PyTorch give).</li>
 *   <li><b>bfloat16</b> (the upper 16 bits of a float32: 1 sign, 8 exponent, 7 fraction bits):
 *       from float32 rounded to nearest, ties to even, every NaN becoming {@code 0x7FC0} (c10's
 *       definition; PyTorch's AVX2/AVX-512 conversion loops write {@code 0xFFFF} instead, also a
 *       NaN); to float32 exactly, by shifting the bits up.</li>
 * </ul>
 *
 * <p>A double converts through float32 first ({@code (float) v}), as PyTorch's CPU casts do; so
 * does an integer.
 *
 * <pre>{@code
 * short h = Half.floatToF16(0.1f);        // 0x2E66
 * float back = Half.f16ToFloat(h);         // 0.099975586
 * short b = Half.floatToBf16(1f / 3);      // 0x3EAB
 * }</pre>
 */
public final class Half {
    /** The quiet NaN every float32 NaN becomes in bfloat16. */
    public static final short BF16_NAN = 0x7FC0;

    private Half() {}

    /** The two 16-bit float formats. */
    public enum Format {
        /** IEEE 754 binary16 ({@code torch.float16}). */
        F16,
        /** The upper half of a float32 ({@code torch.bfloat16}). */
        BF16;

        /**
         * {@return the float32 value of {@code bits} in this format (exact)}
         *
         * @param bits the 16-bit pattern
         */
        public float toFloat(short bits) {
            return this == F16 ? f16ToFloat(bits) : bf16ToFloat(bits);
        }

        /**
         * {@return {@code v} rounded to this format (nearest, ties to even), as bits}
         *
         * @param v the value
         */
        public short fromFloat(float v) {
            return this == F16 ? floatToF16(v) : floatToBf16(v);
        }
    }

    /**
     * {@return the float32 value of the float16 bits {@code h} (exact; a NaN keeps its payload and gets the quiet bit)}
     *
     * @param h the float16 bits
     */
    public static float f16ToFloat(short h) {
        // Not Float.float16ToFloat: it quiets a signalling NaN when C2 uses the F16C instruction
        // (0x7C01 → 0x7FC02000, as PyTorch gives) but not in its Java code (0x7F802000), so its
        // bits would depend on the machine and on JIT state.
        int sign = (h & 0x8000) << 16, exp = h >>> 10 & 0x1F, man = h & 0x3FF;
        if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | man << 13 | (man != 0 ? 0x0040_0000 : 0));
        if (exp == 0) return Float.intBitsToFloat(sign | Float.floatToRawIntBits(man * 0x1p-24f));   // zero or subnormal, exact
        return Float.intBitsToFloat(sign | (exp + 112) << 23 | man << 13);
    }

    /**
     * {@return {@code v} rounded to the nearest float16 (ties to even), as bits}
     *
     * @param v the value
     */
    public static short floatToF16(float v) {
        // The JDK rounds to nearest even with subnormals and overflow as IEEE does, in its Java
        // code and in the F16C instruction alike; only its NaN (which keeps payload bits) differs
        // from c10's canonical quiet NaN.
        if (v != v) return (short) ((Float.floatToRawIntBits(v) >>> 16 & 0x8000) | 0x7E00);
        return Float.floatToFloat16(v);
    }

    /**
     * {@return the float32 value of the bfloat16 bits {@code b} (exact)}
     *
     * @param b the bfloat16 bits
     */
    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat(b << 16);
    }

    /**
     * {@return {@code v} rounded to the nearest bfloat16 (ties to even), as bits}
     *
     * @param v the value
     */
    public static short floatToBf16(float v) {
        if (v != v) return BF16_NAN;
        int bits = Float.floatToRawIntBits(v);
        // Adding 0x7FFF (+1 when the kept part is odd) carries into the kept part exactly when the
        // dropped part is above one half, or exactly one half and the kept part odd; a carry out
        // of the fraction steps the exponent, up to infinity at the top.
        return (short) ((bits + 0x7FFF + (bits >>> 16 & 1)) >>> 16);
    }

    /**
     * {@return the float16 bits nearest {@code v}, rounded through float32 as PyTorch's CPU casts round}
     *
     * @param v the value
     */
    public static short doubleToF16(double v) {
        return floatToF16((float) v);
    }

    /**
     * {@return the bfloat16 bits nearest {@code v}, rounded through float32 as PyTorch's CPU casts round}
     *
     * @param v the value
     */
    public static short doubleToBf16(double v) {
        return floatToBf16((float) v);
    }
}
