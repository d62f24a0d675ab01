package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.typed.GroupNormF32;

/**
 * Reference group normalisation of contiguous [N, C, S] data (S = the positions of a channel,
 * 1 when there are none), in double: the oracle for {@link GroupNormF32}. Each of the
 * {@code groups} groups of C/groups channels of each sample is normalised over its channels and
 * positions with the biased variance, then each channel scaled and shifted:
 * y = (x − mean)·rstd·w[c] + b[c], rstd = 1/√(var + eps), as PyTorch's {@code group_norm}.
 *
 * <pre>{@code
 * GroupNormRef.forward(n, c, s, groups, 1e-5, x, w, b, y, mean, rstd);   // mean, rstd: [n·groups]
 * }</pre>
 */
public final class GroupNormRef {
    private GroupNormRef() {}

    /**
     * y, and per (sample, group) mean and rstd; w and b ([C]) may be null (1 and 0).
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
    public static void forward(int n, int c, int s, int groups, double eps, Buf x, Buf w, Buf b, Buf y, Buf mean, Buf rstd) {
        int cg = c / groups, len = cg * s;
        for (int row = 0; row < n * groups; row++) {
            int base = row * len, c0 = row % groups * cg;
            double m = 0;
            for (int j = 0; j < len; j++) m += x.get(base + j);
            m /= len;
            double v = 0;
            for (int j = 0; j < len; j++) {
                double d = x.get(base + j) - m;
                v += d * d;
            }
            double rs = 1 / Math.sqrt(v / len + eps);
            for (int j = 0; j < len; j++) {
                int ch = c0 + j / s;
                double o = (x.get(base + j) - m) * rs;
                if (w != null) o *= w.get(ch);
                if (b != null) o += b.get(ch);
                y.set(base + j, o);
            }
            mean.set(row, m);
            rstd.set(row, rs);
        }
    }

    /**
     * dx (may be null: not computed), and dw and db ([C], each may be null) summed over samples
     * and positions, given dy and the forward pass's mean and rstd:
     * dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) over each group with ĝ = dy·w[c], dw = Σ dy·x̂, db = Σ dy.
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
    public static void backward(int n, int c, int s, int groups, Buf dy, Buf x, Buf w, Buf mean, Buf rstd, Buf dx, Buf dw, Buf db) {
        int cg = c / groups, len = cg * s;
        double[] dwAcc = new double[c], dbAcc = new double[c];
        for (int row = 0; row < n * groups; row++) {
            int base = row * len, c0 = row % groups * cg;
            double m = mean.get(row), rs = rstd.get(row), sumG = 0, sumGx = 0;
            for (int j = 0; j < len; j++) {
                int ch = c0 + j / s;
                double xh = (x.get(base + j) - m) * rs, d = dy.get(base + j), g = w == null ? d : d * w.get(ch);
                sumG += g;
                sumGx += g * xh;
                dwAcc[ch] += d * xh;
                dbAcc[ch] += d;
            }
            if (dx == null) continue;
            for (int j = 0; j < len; j++) {
                int ch = c0 + j / s;
                double xh = (x.get(base + j) - m) * rs, d = dy.get(base + j), g = w == null ? d : d * w.get(ch);
                dx.set(base + j, (g - sumG / len - xh * sumGx / len) * rs);
            }
        }
        if (dw != null) dw.setAll(dwAcc);
        if (db != null) db.setAll(dbAcc);
    }
}
