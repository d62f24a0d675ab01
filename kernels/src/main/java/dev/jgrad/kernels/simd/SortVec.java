package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API loops of the float32 sort and top-k kernels ({@code SortF32}): turning a row of
 * floats into int keys whose signed order is the sort order, and finding the next key below a
 * bound (top-k's scan, which rejects most elements a vector at a time). Integer operations only,
 * so the results are exact whether or not C2 compiled them. Loaded only when {@link Simd#enabled()}.
 */
public final class SortVec {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    public static final int L = I.length();

    private SortVec() {}

    /**
     * keys[j] = the order key of x[o + j] for j &lt; n (descending: its complement), as
     * {@code SortF32.key} defines it: −0.0 counts as 0.0 and every NaN as the largest value.
     */
    public static void keys(float[] x, int o, int n, int[] keys, boolean descending) {
        int bound = F.loopBound(n), j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(F, x, o + j).add(0f);   // −0.0 + 0.0 = +0.0
            IntVector b = v.reinterpretAsInts();
            IntVector k = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.ASHR, 31).lanewise(VectorOperators.AND, 0x7FFFFFFF));
            VectorMask<Integer> nan = v.test(VectorOperators.IS_NAN).cast(I);
            k = k.blend(Integer.MAX_VALUE, nan);
            if (descending) k = k.not();
            k.intoArray(keys, j);
        }
        for (; j < n; j++) {
            float f = x[o + j];
            int k;
            if (f != f) {
                k = Integer.MAX_VALUE;
            } else {
                int b = Float.floatToRawIntBits(f + 0f);
                k = b ^ ((b >> 31) & 0x7FFFFFFF);
            }
            keys[j] = descending ? ~k : k;
        }
    }

    /** The first j in [from, n) with keys[j] &lt; bound, or n when there is none. */
    public static int firstBelow(int[] keys, int from, int n, int bound) {
        IntVector b = IntVector.broadcast(I, bound);
        int j = from;
        for (int upper = n - L; j <= upper; j += L) {
            VectorMask<Integer> m = IntVector.fromArray(I, keys, j).lt(b);
            if (m.anyTrue()) return j + m.firstTrue();
        }
        for (; j < n; j++) if (keys[j] < bound) return j;
        return n;
    }
}
