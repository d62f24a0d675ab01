package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Half;
import dev.jgrad.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Contiguous runs converted between float32 and the 16-bit floats with the Vector API, bit for
 * bit as {@link Half}'s scalar conversions (the tests compare them over every 16-bit pattern and
 * every rounding boundary). Each loop stops at the last whole vector and returns how far it got;
 * the caller finishes with {@link Half}. Loaded only when {@link Simd#enabled()}.
 *
 * <p>Only integer lane operations and IEEE-exact float multiplies and adds are used, so results do
 * not depend on whether C2 has compiled the loop. float16 → float32 decodes the fields with
 * integer operations (a subnormal through an exact int → float conversion); float32 → float16 is
 * the branch-free rounding of c10's {@code fp16_ieee_from_fp32_value}: a multiply by 2^112 then
 * 2^-110 rounds the fraction at the right position (ties to even, subnormals included), and an
 * add of the rescaled exponent moves it into place.
 */
public final class HalfVec {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Shorts as many as F's lanes, in half the bits. */
    static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final int L = F.length();

    private HalfVec() {}

    private static IntVector widen(short[] x, int i) {
        return (IntVector) ShortVector.fromArray(H, x, i).convertShape(VectorOperators.S2I, I, 0);
    }

    private static void narrow(IntVector v, short[] out, int i) {
        ((ShortVector) v.convertShape(VectorOperators.I2S, H, 0)).intoArray(out, i);
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
        int bound = F.loopBound(n);
        for (int j = 0; j < bound; j += L) {
            FloatVector f = FloatVector.fromArray(F, x, xi + j);
            IntVector bits = f.reinterpretAsInts();
            IntVector odd = bits.lanewise(VectorOperators.LSHR, 16).and(1);
            IntVector r = bits.add(odd).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> nan = f.test(VectorOperators.IS_NAN).cast(I);
            narrow(r.blend(Half.BF16_NAN, nan), out, o + j);
        }
        return bound;
    }

    /** out[o + j] = float of the float16 bits x[xi + j] (exact; a NaN gets its quiet bit); returns how far it got. */
    public static int f16ToFloat(int n, short[] x, int xi, float[] out, int o) {
        int bound = F.loopBound(n);
        for (int j = 0; j < bound; j += L) {
            IntVector h = widen(x, xi + j);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            IntVector exp = h.lanewise(VectorOperators.LSHR, 10).and(0x1F);
            IntVector man = h.and(0x3FF);
            // normal: rebias the exponent by 127 − 15 and move the fraction up 13 bits
            IntVector normal = exp.add(112).lanewise(VectorOperators.LSHL, 23).or(man.lanewise(VectorOperators.LSHL, 13));
            // infinity or NaN: all-ones exponent, the fraction kept, a NaN quieted
            VectorMask<Integer> nan = exp.eq(0x1F).and(man.compare(VectorOperators.NE, 0));
            IntVector special = man.lanewise(VectorOperators.LSHL, 13).or(0x7F800000).blend(
                    man.lanewise(VectorOperators.LSHL, 13).or(0x7FC00000), nan);
            // zero or subnormal: fraction × 2^-24, exact in float32
            IntVector tiny = ((FloatVector) man.convert(VectorOperators.I2F, 0)).mul(0x1p-24f).reinterpretAsInts();
            IntVector r = normal.blend(special, exp.eq(0x1F)).blend(tiny, exp.eq(0));
            r.or(sign).reinterpretAsFloats().intoArray(out, o + j);
        }
        return bound;
    }

    /** out[o + j] = the float16 bits nearest x[xi + j] (ties to even, subnormals, overflow to ∞, NaN → sign | 0x7E00); returns how far it got. */
    public static int floatToF16(int n, float[] x, int xi, short[] out, int o) {
        int bound = F.loopBound(n);
        for (int j = 0; j < bound; j += L) {
            FloatVector f = FloatVector.fromArray(F, x, xi + j);
            IntVector w = f.reinterpretAsInts();
            // |f| scaled up by 2^112 then down by 2^-110: overflow goes to ∞ here, and the result
            // carries |f|'s significand with the float16 rounding still to do
            FloatVector base = f.abs().mul(0x1p112f).mul(0x1p-110f);
            // the exponent field of f, at least that of 2^-14 (the smallest normal float16's)
            IntVector bias = w.and(0x7F800000).max(0x38800000);
            // adding 2^(e+1-10)-ish rounds the fraction to 10 bits (11 for the hidden one), ties to even
            FloatVector rounded = bias.add(0x07800000).reinterpretAsFloats().add(base);
            IntVector bits = rounded.reinterpretAsInts();
            IntVector nonsign = bits.lanewise(VectorOperators.LSHR, 13).and(0x7C00).add(bits.and(0x0FFF));
            VectorMask<Integer> nan = f.test(VectorOperators.IS_NAN).cast(I);
            IntVector r = nonsign.blend(0x7E00, nan).or(w.lanewise(VectorOperators.LSHR, 16).and(0x8000));
            narrow(r, out, o + j);
        }
        return bound;
    }
}
