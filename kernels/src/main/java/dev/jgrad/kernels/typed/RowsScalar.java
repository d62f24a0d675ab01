package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.simd.RowsVec;

/** The row primitives of {@link RowsVec} as plain float loops, for when SIMD is off. */
final class RowsScalar {
    private RowsScalar() {}

    static double sum(float[] x, int o, int n) {
        double total = 0;
        for (int j = 0; j < n; j++) total += x[o + j];
        return total;
    }

    static float max(boolean max, float[] x, int o, int n) {
        float r = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        for (int j = 0; j < n; j++) r = max ? Math.max(r, x[o + j]) : Math.min(r, x[o + j]);
        return r;
    }

    static void accumulate(ReduceFn fn, float[] acc, int ao, float[] x, int xo, int n) {
        for (int j = 0; j < n; j++) acc[ao + j] = (float) fn.combine(acc[ao + j], x[xo + j]);
    }

    /** Softmax of one row computed in double and rounded once: the reference's values. */
    static void softmax(boolean log, float[] x, int xo, float[] out, int oo, int n) {
        double m = max(true, x, xo, n);
        if (m == Double.NEGATIVE_INFINITY) m = 0;
        double sum = 0;
        for (int j = 0; j < n; j++) sum += Math.exp(x[xo + j] - m);
        double logSum = Math.log(sum);
        for (int j = 0; j < n; j++) {
            double shifted = x[xo + j] - m;
            out[oo + j] = (float) (log ? shifted - logSum : Math.exp(shifted) / sum);
        }
    }

    static void softmaxBackward(boolean log, float[] y, int yo, float[] dy, int go, float[] dx, int xo, int n) {
        double s = 0;
        for (int j = 0; j < n; j++) s += log ? dy[go + j] : (double) dy[go + j] * y[yo + j];
        for (int j = 0; j < n; j++) {
            dx[xo + j] = log ? (float) (dy[go + j] - Math.exp(y[yo + j]) * s) : (float) ((dy[go + j] - s) * y[yo + j]);
        }
    }

    static double squaredDeviations(float[] x, int o, int n, float mean) {
        double s = 0;
        for (int j = 0; j < n; j++) {
            double d = x[o + j] - mean;
            s += d * d;
        }
        return s;
    }

    static void normalize(float[] x, int xo, float[] out, int oo, int n, float mean, float rstd, float[] w, float[] b) {
        for (int j = 0; j < n; j++) {
            float v = (x[xo + j] - mean) * rstd;
            if (w != null) v *= w[j];
            if (b != null) v += b[j];
            out[oo + j] = v;
        }
    }

    static void layerNormBackward(float[] x, int xo, float[] dy, int go, float[] dx, int dxo, int n, float mean, float rstd,
                                  float[] w, float[] dw, float[] db) {
        double sumG = 0, sumGx = 0;
        for (int j = 0; j < n; j++) {
            float xh = (x[xo + j] - mean) * rstd, d = dy[go + j], g = d * w[j];
            sumG += g;
            sumGx += g * xh;
            if (dw != null) dw[j] += d * xh;
            if (db != null) db[j] += d;
        }
        float meanG = (float) (sumG / n), meanGx = (float) (sumGx / n);
        for (int j = 0; j < n; j++) {
            float xh = (x[xo + j] - mean) * rstd, g = dy[go + j] * w[j];
            dx[dxo + j] = (g - meanG - xh * meanGx) * rstd;
        }
    }

    static float expShiftSum(float[] s, int o, int n, float m) {
        float sum = 0;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(s[o + j] - m);
            s[o + j] = e;
            sum += e;
        }
        return sum;
    }

    static void scale(float[] a, int o, int n, float f) {
        for (int j = 0; j < n; j++) a[o + j] *= f;
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        double s = 0;
        for (int j = 0; j < n; j++) s += a[ao + j] * b[bo + j];
        return (float) s;
    }

    static void softmaxGrad(float[] p, float[] dp, float[] ds, int o, int n, float d) {
        for (int j = 0; j < n; j++) ds[o + j] = p[o + j] * (dp[o + j] - d);
    }
}
