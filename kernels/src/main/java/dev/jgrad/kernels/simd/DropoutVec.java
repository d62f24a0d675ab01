package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Philox;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.typed.DropoutF32;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DropoutF32}'s loops with the Vector API: Philox blocks several at a time (one block per
 * 64-bit lane, so the 32×32→64-bit products are exact lane multiplies), and the keep/scale/mask
 * pass over whole vectors. Integer operations, a compare and a blend only: the same bits as the
 * scalar loops. Each method stops at its last whole vector and returns how far it got. Loaded
 * only when {@link Simd#enabled()}.
 */
public final class DropoutVec {
    private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int LL = LS.length(), FL = FS.length();
    private static final long LOW = 0xffffffffL;
    /** Lane selectors that interleave two long vectors a, b: (a0, b0, a1, b1, …) in two halves. */
    private static final LongVector FIRST_HALVES = interleave(0), SECOND_HALVES = interleave(LL / 2);

    private DropoutVec() {}

    private static LongVector interleave(int from) {
        long[] idx = new long[LL];
        for (int l = 0; l < LL; l += 2) {
            idx[l] = from + l / 2;
            idx[l + 1] = LL + from + l / 2;
        }
        return LongVector.fromArray(LS, idx, 0);
    }

    /**
     * {@link Philox#fill} for the whole vectors of {@code blocks}: word j of block first + b goes
     * to out[outOff + 4b + j]. Returns the number of blocks done (a multiple of the lane count).
     */
    public static int philox(long seed, long offset, int first, int blocks, int[] out, int outOff) {
        int bound = blocks - blocks % LL;
        long k0 = seed & LOW, k1 = seed >>> 32;
        LongVector c2 = LongVector.broadcast(LS, offset & LOW), c3 = LongVector.broadcast(LS, offset >>> 32);
        LongVector m0 = LongVector.broadcast(LS, Philox.M0 & LOW), m1 = LongVector.broadcast(LS, Philox.M1 & LOW);
        LongVector iota = LongVector.zero(LS).addIndex(1);
        for (int b = 0; b < bound; b += LL) {
            LongVector x0 = iota.add((first + b) & LOW).and(LOW), x1 = LongVector.zero(LS), x2 = c2, x3 = c3;
            long key0 = k0, key1 = k1;
            for (int round = 0; round < 10; round++) {
                LongVector p0 = x0.mul(m0), p1 = x2.mul(m1);
                LongVector n0 = p1.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, x1).lanewise(VectorOperators.XOR, key0);
                LongVector n2 = p0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, x3).lanewise(VectorOperators.XOR, key1);
                x0 = n0;
                x1 = p1.and(LOW);
                x2 = n2;
                x3 = p0.and(LOW);
                key0 = (key0 + (Philox.W0 & LOW)) & LOW;
                key1 = (key1 + (Philox.W1 & LOW)) & LOW;
            }
            // lane l holds block first + b + l: pack its words as (x0 | x1 << 32), (x2 | x3 << 32),
            // interleave the two so each block's four words are adjacent, store as ints
            LongVector w01 = x0.or(x1.lanewise(VectorOperators.LSHL, 32)), w23 = x2.or(x3.lanewise(VectorOperators.LSHL, 32));
            int o = outOff + 4 * b;
            FIRST_HALVES.selectFrom(w01, w23).reinterpretAsInts().intoArray(out, o);
            SECOND_HALVES.selectFrom(w01, w23).reinterpretAsInts().intoArray(out, o + 2 * LL);
        }
        return bound;
    }

    /** The keep mask of {@code FL} words: uniform(word) ≥ p. */
    private static VectorMask<Float> keep(int[] words, int at, float p) {
        IntVector w = IntVector.fromArray(IS, words, at).lanewise(VectorOperators.LSHR, 8);
        FloatVector u = ((FloatVector) w.convert(VectorOperators.I2F, 0)).mul(1.0f / 16777216.0f);
        return u.compare(VectorOperators.GE, p);
    }

    /** out = keep ? x·scale : 0 and mask = keep for the whole vectors of count elements, words[j] being element j's. */
    public static int forward(int[] words, float[] x, int xOff, float[] out, int outOff, boolean[] mask, int maskOff, int count, float p, float scale) {
        int bound = count - count % FL;
        FloatVector zero = FloatVector.zero(FS);
        for (int j = 0; j < bound; j += FL) {
            VectorMask<Float> keep = keep(words, j, p);
            zero.blend(FloatVector.fromArray(FS, x, xOff + j).mul(scale), keep).intoArray(out, outOff + j);
            if (mask != null) keep.intoArray(mask, maskOff + j);
        }
        return bound;
    }

    /** dx = mask ? dy·scale : 0 over the whole vectors of n elements. */
    public static int backward(float[] dy, int dyOff, boolean[] mask, int maskOff, float[] dx, int dxOff, int n, float scale) {
        int bound = n - n % FL;
        FloatVector zero = FloatVector.zero(FS);
        for (int i = 0; i < bound; i += FL) {
            VectorMask<Float> keep = VectorMask.fromArray(FS, mask, maskOff + i);
            zero.blend(FloatVector.fromArray(FS, dy, dyOff + i).mul(scale), keep).intoArray(dx, dxOff + i);
        }
        return bound;
    }
}
