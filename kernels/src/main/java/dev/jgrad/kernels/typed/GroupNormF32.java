package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.GroupNormRef;
import dev.jgrad.kernels.simd.GroupNormVec;
import dev.jgrad.kernels.simd.RowsVec;

/**
 * Fast float32 group normalisation of contiguous [N, C, S] data, forward and backward,
 * multi-threaded; checked against {@link GroupNormRef}. Each (sample, group) is one contiguous
 * row of C/groups·S elements: its mean and rstd come from the layer-norm row primitives (two-pass
 * variance, in double across the row); the output is (x − mean)·(rstd·w[c]) + b[c] per channel.
 * The backward pass first sums dy and dy·(x − mean) per (sample, channel), which gives dw and db
 * (added over samples in double, in a fixed order) and the two group sums of dx, then writes
 * dx = dy·rstd·w[c] + (x − mean)·β + γ per group.
 *
 * <pre>{@code
 * float[] mean = new float[n * groups], rstd = new float[n * groups];
 * GroupNormF32.forward(n, c, s, groups, 1e-5f, x, w, b, y, mean, rstd);
 * GroupNormF32.backward(n, c, s, groups, dy, x, w, mean, rstd, dx, dw, db);
 * }</pre>
 */
public final class GroupNormF32 {
    private GroupNormF32() {}

    /**
     * y = the normalised x, and per (sample, group) mean and rstd; w and b ([C]) may be null (1 and 0).
     *
     * @param n      number of samples
     * @param c      number of channels, a multiple of {@code groups}
     * @param s      positions per channel (1 when there are none)
     * @param groups number of groups the channels are split into
     * @param eps    added to the variance
     * @param x      input [n, c, s], contiguous
     * @param w      per-channel scale [c], or null
     * @param b      per-channel shift [c], or null
     * @param y      receives the output [n, c, s]
     * @param mean   receives each (sample, group)'s mean [n·groups]
     * @param rstd   receives each (sample, group)'s 1/√(variance + eps) [n·groups]
     */
    public static void forward(int n, int c, int s, int groups, float eps, float[] x, float[] w, float[] b, float[] y, float[] mean,
                               float[] rstd) {
        int cg = c / groups, len = cg * s, rows = n * groups;
        boolean simd = Simd.enabled();
        Parallel.forRange(rows, (long) rows * len * 4, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xo = r * len, c0 = r % groups * cg;
                float m = (float) ((simd ? RowsVec.sum(x, xo, len) : RowsScalar.sum(x, xo, len)) / len);
                double ss = simd ? RowsVec.squaredDeviations(x, xo, len, m) : RowsScalar.squaredDeviations(x, xo, len, m);
                float rs = (float) (1 / Math.sqrt(ss / len + eps));
                for (int k = 0; k < cg; k++) {
                    float scale = w == null ? rs : rs * w[c0 + k], shift = b == null ? 0 : b[c0 + k];
                    int o = xo + k * s;
                    if (simd) GroupNormVec.affine(x, o, y, o, s, m, scale, shift);
                    else for (int j = 0; j < s; j++) y[o + j] = Math.fma(x[o + j] - m, scale, shift);
                }
                mean[r] = m;
                rstd[r] = rs;
            }
        });
    }

    /**
     * dx (may be null: not computed) from dy, x, w (may be null) and the forward statistics; dw
     * and db ([C], each may be null) are overwritten with the sums over samples and positions of
     * dy·x̂ and dy.
     *
     * @param n      number of samples
     * @param c      number of channels, a multiple of {@code groups}
     * @param s      positions per channel (1 when there are none)
     * @param groups number of groups the channels are split into
     * @param dy     output gradient [n, c, s]
     * @param x      the forward pass's input [n, c, s]
     * @param w      per-channel scale [c], or null
     * @param mean   the forward pass's (sample, group) means [n·groups]
     * @param rstd   the forward pass's (sample, group) 1/√(variance + eps) [n·groups]
     * @param dx     receives the input gradient [n, c, s], or null
     * @param dw     receives the scale gradient [c], or null
     * @param db     receives the shift gradient [c], or null
     */
    public static void backward(int n, int c, int s, int groups, float[] dy, float[] x, float[] w, float[] mean, float[] rstd, float[] dx,
                                float[] dw, float[] db) {
        int cg = c / groups, len = cg * s, rows = n * groups;
        boolean simd = Simd.enabled();
        double[] sums = new double[2 * n * c];   // per (sample, channel): Σ dy, Σ dy·(x − mean)
        Parallel.forRange(n * c, (long) n * c * s * 2, (from, to) -> {
            double[] acc = new double[2];
            for (int i = from; i < to; i++) {
                float m = mean[i / cg];   // (sample·C + channel) / (C/groups) is the row sample·groups + group
                int o = i * s;
                acc[0] = acc[1] = 0;
                if (simd) {
                    GroupNormVec.sums(dy, o, x, o, s, m, acc);
                } else {
                    for (int j = 0; j < s; j++) {
                        acc[0] += dy[o + j];
                        acc[1] += (double) dy[o + j] * (x[o + j] - m);
                    }
                }
                sums[2 * i] = acc[0];
                sums[2 * i + 1] = acc[1];
            }
        });
        if (dx != null) {
            Parallel.forRange(rows, (long) rows * len * 3, (from, to) -> {
                for (int r = from; r < to; r++) {
                    int c0 = r % groups * cg, sample = r / groups;
                    float m = mean[r], rs = rstd[r];
                    double sumG = 0, sumGx = 0;   // Σ ĝ and Σ ĝ·x̂ over the group, ĝ = dy·w
                    for (int k = 0; k < cg; k++) {
                        int i = sample * c + c0 + k;
                        double wk = w == null ? 1 : w[c0 + k];
                        sumG += wk * sums[2 * i];
                        sumGx += wk * sums[2 * i + 1] * rs;
                    }
                    float beta = (float) (-(double) rs * rs * sumGx / len), gamma = (float) (-rs * sumG / len);
                    for (int k = 0; k < cg; k++) {
                        float alpha = w == null ? rs : rs * w[c0 + k];
                        int o = (sample * c + c0 + k) * s;
                        if (simd) {
                            GroupNormVec.inputGradient(dy, o, x, o, dx, o, s, m, alpha, beta, gamma);
                        } else {
                            for (int j = 0; j < s; j++) dx[o + j] = Math.fma(dy[o + j], alpha, Math.fma(x[o + j] - m, beta, gamma));
                        }
                    }
                }
            });
        }
        for (int ch = 0; ch < c && (dw != null || db != null); ch++) {
            double accW = 0, accB = 0;
            for (int sample = 0; sample < n; sample++) {
                int i = sample * c + ch;
                accW += sums[2 * i + 1] * rstd[sample * groups + ch / cg];
                accB += sums[2 * i];
            }
            if (dw != null) dw[ch] = (float) accW;
            if (db != null) db[ch] = (float) accB;
        }
    }
}
