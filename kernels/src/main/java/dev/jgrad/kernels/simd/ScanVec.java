package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Simd;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API loop of the float32 scans ({@code ScanF32}) in their lane-parallel form: when
 * the scanned dimension is not the innermost one, neighbouring columns are independent running
 * sums (or products), so one step adds a whole row of x to a row of double accumulators, a
 * vector of columns at a time. Accumulating in double keeps the results identical to the scalar
 * loop's (and to PyTorch's, which accumulates float32 scans in double). Loaded only when
 * {@link Simd#enabled()}.
 */
public final class ScanVec {
    static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats with as many lanes as {@link #D}: half its width. */
    static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    public static final int L = D.length();

    private ScanVec() {}

    /**
     * acc[j] = acc[j] + x[xo + j] (or × when {@code prod}) and out[oo + j] = (float) acc[j], for
     * j below the largest multiple of {@link #L} not above len; returns that count (the caller's
     * scalar loop does the rest).
     */
    public static int step(boolean prod, double[] acc, float[] x, int xo, float[] out, int oo, int len) {
        int bound = D.loopBound(len), j = 0;
        for (; j < bound; j += L) {
            DoubleVector v = (DoubleVector) FloatVector.fromArray(F, x, xo + j).convertShape(VectorOperators.F2D, D, 0);
            DoubleVector a = DoubleVector.fromArray(D, acc, j);
            a = prod ? a.mul(v) : a.add(v);
            a.intoArray(acc, j);
            ((FloatVector) a.convertShape(VectorOperators.D2F, F, 0)).intoArray(out, oo + j);
        }
        return j;
    }
}
