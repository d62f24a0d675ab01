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

    /** y, and per row mean and rstd; w and b may be null (1 and 0). */
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
