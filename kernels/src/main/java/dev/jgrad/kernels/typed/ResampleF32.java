package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.ref.ResampleRef;
import java.util.Arrays;

/**
 * Fast float32 resampling of one dimension of contiguous [outer, in, inner] data (nearest: a copy
 * of one source row per output row; linear: a blend of two), forward and backward,
 * multi-threaded; checked against {@link ResampleRef}, whose class comment gives the layout. Rows
 * of {@code inner} contiguous floats are the unit of work: a blend of two rows is a loop C2
 * vectorises, and the last dimension (inner = 1) is a gather along each row. The backward pass
 * adds each output's gradient to its taps in output order, slab by slab ({@code outer}) and, when
 * there are few slabs, in column ranges of {@code inner}, so no two threads write one element.
 *
 * <pre>{@code
 * ResampleF32.forward(outer, in, inner, out, i0, null, null, null, x, y);   // nearest
 * ResampleF32.backward(outer, in, inner, out, i0, i1, w0, w1, g, dx);      // linear
 * }</pre>
 */
public final class ResampleF32 {
    private ResampleF32() {}

    /** Columns of {@code inner} per task when slabs alone are too few to share among the threads. */
    private static final int COLUMNS = 1024;

    /**
     * y from x; i1, w0 and w1 may be null (one tap, weight 1).
     *
     * @param outer number of independent slabs before the resampled dimension
     * @param in    source length of the resampled dimension
     * @param inner contiguous elements after the resampled dimension
     * @param out   resampled length of the dimension
     * @param i0    first source position of each output position [out]
     * @param i1    second source position of each output position [out], or null (one tap)
     * @param w0    weight of the first tap [out], or null (weight 1)
     * @param w1    weight of the second tap [out], or null when {@code i1} is
     * @param x     input [outer, in, inner]
     * @param y     receives the output [outer, out, inner]
     */
    public static void forward(int outer, int in, int inner, int out, int[] i0, int[] i1, float[] w0, float[] w1, float[] x, float[] y) {
        long work = (long) outer * out * inner * (i1 == null ? 1 : 3);
        if (inner == 1) {
            Parallel.forRange(outer, work, (from, to) -> {
                for (int o = from; o < to; o++) {
                    int xo = o * in, yo = o * out;
                    if (i1 == null) {
                        for (int j = 0; j < out; j++) y[yo + j] = x[xo + i0[j]];
                    } else {
                        for (int j = 0; j < out; j++) y[yo + j] = w0[j] * x[xo + i0[j]] + w1[j] * x[xo + i1[j]];
                    }
                }
            });
            return;
        }
        Parallel.forRange(outer * out, work, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r / out, j = r % out, a = (o * in + i0[j]) * inner, d = r * inner;
                if (i1 == null) {
                    if (w0 == null) System.arraycopy(x, a, y, d, inner);
                    else for (int t = 0; t < inner; t++) y[d + t] = w0[j] * x[a + t];
                } else {
                    int b = (o * in + i1[j]) * inner;
                    float p = w0[j], q = w1[j];
                    for (int t = 0; t < inner; t++) y[d + t] = p * x[a + t] + q * x[b + t];
                }
            }
        });
    }

    /**
     * dx (overwritten) = the adjoint of {@link #forward} applied to g.
     *
     * @param outer number of independent slabs before the resampled dimension
     * @param in    source length of the resampled dimension
     * @param inner contiguous elements after the resampled dimension
     * @param out   resampled length of the dimension
     * @param i0    first source position of each output position [out]
     * @param i1    second source position of each output position [out], or null (one tap)
     * @param w0    weight of the first tap [out], or null (weight 1)
     * @param w1    weight of the second tap [out], or null when {@code i1} is
     * @param g     output gradient [outer, out, inner]
     * @param dx    receives the input gradient [outer, in, inner], overwritten
     */
    public static void backward(int outer, int in, int inner, int out, int[] i0, int[] i1, float[] w0, float[] w1, float[] g, float[] dx) {
        Arrays.fill(dx, 0, outer * in * inner, 0f);
        long work = (long) outer * out * inner * (i1 == null ? 1 : 2);
        if (inner == 1) {
            Parallel.forRange(outer, work, (from, to) -> {
                for (int o = from; o < to; o++) {
                    int xo = o * in, go = o * out;
                    if (i1 == null) {
                        for (int j = 0; j < out; j++) dx[xo + i0[j]] += g[go + j];
                    } else {
                        for (int j = 0; j < out; j++) {
                            float v = g[go + j];
                            dx[xo + i0[j]] += w0[j] * v;
                            dx[xo + i1[j]] += w1[j] * v;
                        }
                    }
                }
            });
            return;
        }
        int chunks = outer >= Parallel.threads() || inner < 2 * COLUMNS ? 1 : (inner + COLUMNS - 1) / COLUMNS;
        Parallel.forEach(outer * chunks, work, task -> {
            int o = task / chunks, t0 = task % chunks * COLUMNS, t1 = chunks == 1 ? inner : Math.min(inner, t0 + COLUMNS);
            for (int j = 0; j < out; j++) {
                int a = (o * in + i0[j]) * inner, d = (o * out + j) * inner;
                if (w0 == null) {
                    for (int t = t0; t < t1; t++) dx[a + t] += g[d + t];
                } else {
                    float p = w0[j];
                    for (int t = t0; t < t1; t++) dx[a + t] += p * g[d + t];
                }
                if (i1 != null) {
                    int b = (o * in + i1[j]) * inner;
                    float q = w1[j];
                    for (int t = t0; t < t1; t++) dx[b + t] += q * g[d + t];
                }
            }
        });
    }
}
