package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Half;
import dev.jgrad.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Contiguous runs converted between float32 and the 16-bit floats with the Vector API, bit for
 * bit as {@link Half}'s scalar conversions (the tests compare them over every 16-bit pattern and
 * every rounding boundary). Each loop stops at the last whole vector and returns how far it got;
 * the caller finishes with {@link Half}. Loaded only when {@link Simd#enabled()}.
 *
 * <p>Only integer lane operations and IEEE-exact float multiplies and adds are used, so results do
 * not depend on whether C2 has compiled the loop: the branch-free conversions of c10's
 * {@code fp16_ieee_to_fp32_value} and {@code fp16_ieee_from_fp32_value}, lane-wise.
 *
 * <p>Rounding loops compute each result in the upper half of an int lane and store two float
 * vectors' worth at once: one two-vector rearrange picks the upper halves of both into a full
 * short vector, which kept up with a float32 copy where narrowing each vector with an int → short
 * conversion and a half-width store did not (docs/design-notes.md, "The 16-bit floats"). Every
 * loop is written out in its method, with no helper taking or returning a vector: C2 sometimes
 * declined to inline such a helper in the rounding loops (its node-count cutoff), and the vectors
 * it passed were then boxed, several times slower.
 */
public final class HalfVec {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Shorts as many as F's lanes, in half the bits. */
    static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /** Shorts in F's bits: twice F's lanes. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    static final int L = F.length();
    /** The upper 16 bits of every int lane of two vectors (seen as shorts: the odd lanes, little-endian), in order. */
    private static final VectorShuffle<Short> UPPER_HALVES = upperHalves();

    private static VectorShuffle<Short> upperHalves() {
        int[] idx = new int[2 * L];
        for (int i = 0; i < L; i++) {
            idx[i] = 2 * i + 1;                  // from the first vector
            idx[L + i] = 2 * i + 1 - 2 * L;      // a negative (exceptional) index: from the second vector
        }
        return VectorShuffle.fromValues(S, idx);
    }

    private HalfVec() {}

    private static IntVector widen(short[] x, int i) {
        return (IntVector) ShortVector.fromArray(H, x, i).convertShape(VectorOperators.S2I, I, 0);
    }

    /** out[o + j] = float of the bfloat16 bits x[xi + j], for j below the last whole vector of n; returns that bound. */
    public static int bf16ToFloat(int n, short[] x, int xi, float[] out, int o) {
        int bound = F.loopBound(n);
        for (int j = 0; j < bound; j += L) {
            widen(x, xi + j).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(out, o + j);
        }
        return bound;
    }

    /** out[o + j] = the bfloat16 bits nearest x[xi + j] (ties to even; NaN → 0x7FC0); returns how far it got. */
    public static int floatToBf16(int n, float[] x, int xi, short[] out, int o) {
        int j = 0;
        for (; j <= n - 2 * L; j += 2 * L) {
            IntVector w0 = FloatVector.fromArray(F, x, xi + j).reinterpretAsInts(), w1 = FloatVector.fromArray(F, x, xi + j + L).reinterpretAsInts();
            // adding 0x7FFF (+1 when the kept half is odd) carries into the kept half as round-to-nearest-even does;
            // NaN (an exponent of all ones and a fraction) becomes 0x7FC0
            IntVector r0 = w0.add(w0.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF)
                    .blend(Half.BF16_NAN << 16, w0.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000));
            IntVector r1 = w1.add(w1.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF)
                    .blend(Half.BF16_NAN << 16, w1.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000));
            r0.reinterpretAsShorts().rearrange(UPPER_HALVES, r1.reinterpretAsShorts()).intoArray(out, o + j);
        }
        return j;
    }

    /**
     * out[o + j] = float of the float16 bits x[xi + j] (exact; a NaN gets its quiet bit); returns
     * how far it got. c10's fp16_ieee_to_fp32_value lane-wise: a normal or special value is its
     * bits moved into float32's fields with the exponent 2^112 too large, then scaled by 2^-112
     * (exact; a NaN is quieted by the multiply, its payload kept); a subnormal is 0.5 + m·2^-24
     * built in the bits, minus 0.5 (exact).
     */
    public static int f16ToFloat(int n, short[] x, int xi, float[] out, int o) {
        int bound = F.loopBound(n);
        for (int j = 0; j < bound; j += L) {
            IntVector w = widen(x, xi + j).lanewise(VectorOperators.LSHL, 16);
            IntVector twoW = w.add(w);
            IntVector normal = twoW.lanewise(VectorOperators.LSHR, 4).add(0x70000000).reinterpretAsFloats().mul(0x1p-112f).reinterpretAsInts();
            IntVector tiny = twoW.lanewise(VectorOperators.LSHR, 17).or(0x3F000000).reinterpretAsFloats().sub(0.5f).reinterpretAsInts();
            VectorMask<Integer> subnormal = twoW.compare(VectorOperators.ULT, 0x08000000);
            normal.blend(tiny, subnormal).or(w.and(0x80000000)).reinterpretAsFloats().intoArray(out, o + j);
        }
        return bound;
    }

    /**
     * out[o + j] = the float16 bits nearest x[xi + j] (ties to even, subnormals, overflow to ∞,
     * NaN → sign | 0x7E00); returns how far it got. c10's fp16_ieee_from_fp32_value lane-wise:
     * base = 4·|f| (by 2^112 then 2^-110: a value past float16's range becomes ∞ there); adding
     * 2^(E+15), E = f's exponent but at least −14, makes the float32 addition round base to a
     * multiple of 4× float16's ulp at |f| (ties to even, subnormals included), and the sum's bits
     * then hold the float16 exponent (bits 23–27 → 10–14) and fraction (bits 0–11, a carry included).
     */
    public static int floatToF16(int n, float[] x, int xi, short[] out, int o) {
        int j = 0;
        for (; j <= n - 2 * L; j += 2 * L) {
            FloatVector f0 = FloatVector.fromArray(F, x, xi + j), f1 = FloatVector.fromArray(F, x, xi + j + L);
            IntVector w0 = f0.reinterpretAsInts(), w1 = f1.reinterpretAsInts();
            IntVector s0 = w0.and(0x7F800000).max(0x38800000).add(0x07800000).reinterpretAsFloats()
                    .add(f0.abs().mul(0x1p112f).mul(0x1p-110f)).reinterpretAsInts();
            IntVector s1 = w1.and(0x7F800000).max(0x38800000).add(0x07800000).reinterpretAsFloats()
                    .add(f1.abs().mul(0x1p112f).mul(0x1p-110f)).reinterpretAsInts();
            IntVector h0 = s0.lanewise(VectorOperators.LSHR, 13).and(0x7C00).add(s0.and(0x0FFF))
                    .blend(0x7E00, w0.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000)).lanewise(VectorOperators.LSHL, 16)
                    .or(w0.and(0x80000000));
            IntVector h1 = s1.lanewise(VectorOperators.LSHR, 13).and(0x7C00).add(s1.and(0x0FFF))
                    .blend(0x7E00, w1.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000)).lanewise(VectorOperators.LSHL, 16)
                    .or(w1.and(0x80000000));
            h0.reinterpretAsShorts().rearrange(UPPER_HALVES, h1.reinterpretAsShorts()).intoArray(out, o + j);
        }
        return j;
    }
}
