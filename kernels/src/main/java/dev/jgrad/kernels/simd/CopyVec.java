package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/** Strided block copies with the Vector API (masked at row ends). Loaded only when {@link Simd#enabled()}. */
public final class CopyVec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private CopyVec() {}

    /** Bits of the preferred float vector, for {@link Simd#preferredBits()}. */
    public static int preferredBits() {
        return S.vectorBitSize();
    }

    /** Floats per preferred vector, for {@link Simd#floatLanes()}. */
    public static int lanes() {
        return L;
    }

    /** {@code rows} rows of {@code width} floats, from stride {@code srcStride} to stride {@code dstStride}. */
    public static void copyRows(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, int rows, int width) {
        int full = width - width % L;
        VectorMask<Float> tail = S.indexInRange(full, width);
        for (int r = 0; r < rows; r++) {
            int si = srcOff + r * srcStride, di = dstOff + r * dstStride;
            for (int q = 0; q < full; q += L) FloatVector.fromArray(S, src, si + q).intoArray(dst, di + q);
            if (full < width) FloatVector.fromArray(S, src, si + full, tail).intoArray(dst, di + full, tail);
        }
    }

    /**
     * As {@link #copyRows}, with the rest of each destination row, from {@code width} to
     * {@code dstStride}, set to zero: the row's end and its zeros go out in the same stores (a
     * convolution's padded source, whose rows are 14 floats and one zero at 14×14).
     */
    public static void copyRowsPadded(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, int rows, int width) {
        int full = width - width % L;
        VectorMask<Float> load = S.indexInRange(full, width), store = S.indexInRange(full, dstStride);
        for (int r = 0; r < rows; r++) {
            int si = srcOff + r * srcStride, di = dstOff + r * dstStride;
            for (int q = 0; q < full; q += L) FloatVector.fromArray(S, src, si + q).intoArray(dst, di + q);
            // lanes past width load as zero; the store reaches to the row's end or a vector, whichever is first
            FloatVector.fromArray(S, src, si + full, load).intoArray(dst, di + full, store);
            for (int q = full + L; q < dstStride; q++) dst[di + q] = 0f;
        }
    }

    /** As {@link #copyRows}, adding {@code add} to every element on the way (a convolution's bias). */
    public static void copyRowsAdd(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, int rows, int width,
            float add) {
        int full = width - width % L;
        VectorMask<Float> tail = S.indexInRange(full, width);
        FloatVector a = FloatVector.broadcast(S, add);
        for (int r = 0; r < rows; r++) {
            int si = srcOff + r * srcStride, di = dstOff + r * dstStride;
            for (int q = 0; q < full; q += L) FloatVector.fromArray(S, src, si + q).add(a).intoArray(dst, di + q);
            if (full < width) FloatVector.fromArray(S, src, si + full, tail).add(a).intoArray(dst, di + full, tail);
        }
    }

    /** Σ of {@code length} floats from {@code off}, in four vector accumulators. */
    public static float sum(float[] x, int off, int length) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= length - 4 * L; i += 4 * L) {
            a0 = a0.add(FloatVector.fromArray(S, x, off + i));
            a1 = a1.add(FloatVector.fromArray(S, x, off + i + L));
            a2 = a2.add(FloatVector.fromArray(S, x, off + i + 2 * L));
            a3 = a3.add(FloatVector.fromArray(S, x, off + i + 3 * L));
        }
        for (; i <= length - L; i += L) a0 = a0.add(FloatVector.fromArray(S, x, off + i));
        if (i < length) a1 = a1.add(FloatVector.fromArray(S, x, off + i, S.indexInRange(i, length)));
        // lanes added in a fixed order: reduceLanes(ADD) may use another order once C2 compiles it
        float[] lanes = new float[L];
        a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
        float s = 0;
        for (float v : lanes) s += v;
        return s;
    }
}
