package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max pooling with a 2×2 window, stride 2, no padding or dilation, with the Vector API: L outputs
 * of a plane per step, their four taps gathered (the plane is walked as one flat run of outputs,
 * so rows shorter than a vector — 14 at 28×28 — cost nothing extra). The maximum and its position
 * are chosen with masks, in the reference's order (row by row, left to right; ties keep the
 * first; NaN wins, the last NaN), so there are no branches: on real data "does this tap beat the
 * best" is a coin flip, and the scalar loop spent most of its time in mispredictions (it ran much
 * slower on random data than on smooth data: docs/design-notes.md, "Fused passes in the MNIST-CNN
 * step"). Loaded only when {@link Simd#enabled()}.
 */
public final class PoolVec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    static final VectorSpecies<Long> LS = VectorSpecies.of(long.class, S.vectorShape());
    static final int L = S.length();

    private PoolVec() {}

    /**
     * Outputs o &lt; (n rounded down to a multiple of L) of one plane: the maximum of x at
     * xb + map[o] + {0, 1, w, w + 1} into y[yb + o], its in-plane position into idx[yb + o];
     * {@code map[o]} is the in-plane position of output o's top-left tap. Returns how many it did.
     */
    public static int max2x2(float[] x, int xb, int w, int[] map, float[] y, long[] idx, int yb, int n) {
        int bound = n - n % L;
        for (int o = 0; o < bound; o += L) {
            IntVector pos = IntVector.fromArray(I, map, o);
            FloatVector best = FloatVector.fromArray(S, x, xb, map, o);
            IntVector at = pos;
            FloatVector v = FloatVector.fromArray(S, x, xb + 1, map, o);
            VectorMask<Float> m = v.compare(VectorOperators.GT, best).or(v.test(VectorOperators.IS_NAN));
            best = best.blend(v, m);
            at = at.blend(pos.add(1), m.cast(I));
            v = FloatVector.fromArray(S, x, xb + w, map, o);
            m = v.compare(VectorOperators.GT, best).or(v.test(VectorOperators.IS_NAN));
            best = best.blend(v, m);
            at = at.blend(pos.add(w), m.cast(I));
            v = FloatVector.fromArray(S, x, xb + w + 1, map, o);
            m = v.compare(VectorOperators.GT, best).or(v.test(VectorOperators.IS_NAN));
            best = best.blend(v, m);
            at = at.blend(pos.add(w + 1), m.cast(I));
            best.intoArray(y, yb + o);
            ((LongVector) at.convertShape(VectorOperators.I2L, LS, 0)).intoArray(idx, yb + o);
            ((LongVector) at.convertShape(VectorOperators.I2L, LS, 1)).intoArray(idx, yb + o + L / 2);
        }
        return bound;
    }
}
