package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.typed.LayerNormF32;

/**
 * Reference layer normalisation over the last dimension of contiguous rows, in double: the oracle
 * for {@link LayerNormF32}. y = (x − mean)·rstd·w + b with rstd = 1/√(var + eps) and the biased
 * variance, as PyTorch's {@code layer_norm}.
 *
 * <pre>{@code
 * LayerNormRef.forward(rows, n, 1e-5, x, w, b, y, mean, rstd);
 * }</pre>
 */
public final class LayerNormRef {
    private LayerNormRef() {}

    /**
     * y, and per row mean and rstd; w and b may be null (1 and 0).
     *
     * @param rows number of rows normalised independently
     * @param n    elements per row
     * @param eps  added to the variance
     * @param x    input [rows, n], contiguous
     * @param w    scale [n], or null
     * @param b    shift [n], or null
     * @param y    receives the output [rows, n]
     * @param mean receives each row's mean [rows]
     * @param rstd receives each row's 1/√(variance + eps) [rows]
     */
    public static void forward(int rows, int n, double eps, Buf x, Buf w, Buf b, Buf y, Buf mean, Buf rstd) {
        for (int r = 0; r < rows; r++) {
            double m = 0;
            for (int j = 0; j < n; j++) m += x.get(r * n + j);
            m /= n;
            double v = 0;
            for (int j = 0; j < n; j++) {
                double d = x.get(r * n + j) - m;
                v += d * d;
            }
            double rs = 1 / Math.sqrt(v / n + eps);
            for (int j = 0; j < n; j++) {
                double o = (x.get(r * n + j) - m) * rs;
                if (w != null) o *= w.get(j);
                if (b != null) o += b.get(j);
                y.set(r * n + j, o);
            }
            mean.set(r, m);
            rstd.set(r, rs);
        }
    }

    /**
     * dx, and dw and db summed over rows (each may be null: not computed), given dy and the
     * forward pass's mean and rstd.
     *
     * @param rows number of rows
     * @param n    elements per row
     * @param dy   output gradient [rows, n]
     * @param x    the forward pass's input [rows, n]
     * @param w    scale [n], or null
     * @param mean the forward pass's row means
     * @param rstd the forward pass's row 1/√(variance + eps)
     * @param dx   receives the input gradient, or null
     * @param dw   receives the scale gradient, or null
     * @param db   receives the shift gradient, or null
     */
    public static void backward(int rows, int n, Buf dy, Buf x, Buf w, Buf mean, Buf rstd, Buf dx, Buf dw, Buf db) {
        double[] dwAcc = new double[n], dbAcc = new double[n];
        for (int r = 0; r < rows; r++) {
            double m = mean.get(r), rs = rstd.get(r), sumG = 0, sumGx = 0;
            for (int j = 0; j < n; j++) {
                double xh = (x.get(r * n + j) - m) * rs, d = dy.get(r * n + j), g = w == null ? d : d * w.get(j);
                sumG += g;
                sumGx += g * xh;
                dwAcc[j] += d * xh;
                dbAcc[j] += d;
            }
            for (int j = 0; j < n; j++) {
                double xh = (x.get(r * n + j) - m) * rs, d = dy.get(r * n + j), g = w == null ? d : d * w.get(j);
                dx.set(r * n + j, (g - sumG / n - xh * sumGx / n) * rs);
            }
        }
        if (dw != null) dw.setAll(dwAcc);
        if (db != null) db.setAll(dbAcc);
    }
}
