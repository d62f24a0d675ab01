package dev.jgrad.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/** Strided block copies with the Vector API (masked at row ends). Loaded only when {@link Simd#enabled}. */
final class CopyVec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private CopyVec() {}

    /** {@code rows} rows of {@code width} floats, from stride {@code srcStride} to stride {@code dstStride}. */
    static void copyRows(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, int rows, int width) {
        int full = width - width % L;
        VectorMask<Float> tail = S.indexInRange(full, width);
        for (int r = 0; r < rows; r++) {
            int si = srcOff + r * srcStride, di = dstOff + r * dstStride;
            for (int q = 0; q < full; q += L) FloatVector.fromArray(S, src, si + q).intoArray(dst, di + q);
            if (full < width) FloatVector.fromArray(S, src, si + full, tail).intoArray(dst, di + full, tail);
        }
    }
}
