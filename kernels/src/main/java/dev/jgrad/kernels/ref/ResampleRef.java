package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.typed.ResampleF32;

/**
 * Reference resampling of one dimension, in double: the oracle for {@link ResampleF32}. Data is
 * contiguous [outer, in, inner] → [outer, out, inner]; output position j along the dimension
 * reads source position {@code i0[j]} with weight {@code w0[j]} and, for the linear modes, also
 * {@code i1[j]} with weight {@code w1[j]}: y[o, j, t] = w0[j]·x[o, i0[j], t] + w1[j]·x[o, i1[j], t].
 * Nearest-neighbour resampling has one tap and no weights (null): a copy.
 *
 * <pre>{@code
 * ResampleRef.forward(outer, in, inner, out, i0, i1, w0, w1, x, y);   // i1, w0, w1 null: nearest
 * }</pre>
 */
public final class ResampleRef {
    private ResampleRef() {}

    /**
     * y from x (see the class comment); i1, w0 and w1 may be null (one tap, weight 1).
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
    public static void forward(int outer, int in, int inner, int out, int[] i0, int[] i1, double[] w0, double[] w1, Buf x, Buf y) {
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < out; j++) {
                int a = (o * in + i0[j]) * inner, b = i1 == null ? 0 : (o * in + i1[j]) * inner, d = (o * out + j) * inner;
                for (int t = 0; t < inner; t++) {
                    double v = w0 == null ? x.get(a + t) : w0[j] * x.get(a + t);
                    if (i1 != null) v += w1[j] * x.get(b + t);
                    y.set(d + t, v);
                }
            }
        }
    }

    /**
     * dx (overwritten) = the adjoint of {@link #forward} applied to g: each output's gradient added to
     * its taps, times their weights.
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
    public static void backward(int outer, int in, int inner, int out, int[] i0, int[] i1, double[] w0, double[] w1, Buf g, Buf dx) {
        double[] acc = new double[outer * in * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < out; j++) {
                int a = (o * in + i0[j]) * inner, b = i1 == null ? 0 : (o * in + i1[j]) * inner, d = (o * out + j) * inner;
                for (int t = 0; t < inner; t++) {
                    double gv = g.get(d + t);
                    acc[a + t] += w0 == null ? gv : w0[j] * gv;
                    if (i1 != null) acc[b + t] += w1[j] * gv;
                }
            }
        }
        dx.setAll(acc);
    }
}
