package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.LayerNormRef;
import dev.jgrad.kernels.simd.RowsVec;
import java.util.Arrays;

/**
 * Fast float32 layer normalisation over the last dimension of contiguous rows, forward and
 * backward, multi-threaded over rows; checked against {@link LayerNormRef}. The forward pass returns
 * each row's mean and rstd = 1/√(var + eps) for the backward pass (two-pass variance, in double
 * across the row). The weight and bias gradients sum over rows with one partial sum per block of rows (as many
 * blocks as the shape gives, whatever the thread count, so their bits do not depend on it).
 *
 * <pre>{@code
 * float[] mean = new float[rows], rstd = new float[rows];
 * LayerNormF32.forward(rows, n, 1e-5f, x, 0, w, b, y, 0, mean, rstd);
 * LayerNormF32.backward(rows, n, dy, 0, x, 0, w, mean, rstd, dx, 0, dw, db);
 * }</pre>
 */
public final class LayerNormF32 {
    private LayerNormF32() {}

    /**
     * y[r, :] = (x[r, :] − mean_r)·rstd_r·w + b for r &lt; rows, rows of n contiguous floats from
     * {@code xOff} and {@code yOff}; w and b (length n) may be null; {@code mean} and {@code rstd}
     * (length rows, may be null) receive the statistics.
     *
     * @param rows number of rows normalised independently
     * @param n    elements per row
     * @param eps  added to the variance
     * @param x    input [rows, n]
     * @param xOff index in {@code x} of row 0
     * @param w    scale [n], or null
     * @param b    shift [n], or null
     * @param y    receives the output [rows, n]
     * @param yOff index in {@code y} of row 0
     * @param mean receives each row's mean [rows], or null
     * @param rstd receives each row's 1/√(variance + eps) [rows], or null
     */
    public static void forward(int rows, int n, float eps, float[] x, int xOff, float[] w, float[] b, float[] y, int yOff,
                               float[] mean, float[] rstd) {
        boolean simd = Simd.enabled();
        Parallel.forRange(rows, (long) rows * n * 4, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xo = xOff + r * n, yo = yOff + r * n;
                float m = (float) ((simd ? RowsVec.sum(x, xo, n) : RowsScalar.sum(x, xo, n)) / n);
                double ss = simd ? RowsVec.squaredDeviations(x, xo, n, m) : RowsScalar.squaredDeviations(x, xo, n, m);
                float rs = (float) (1 / Math.sqrt(ss / n + eps));
                if (simd) RowsVec.normalize(x, xo, y, yo, n, m, rs, w, b);
                else RowsScalar.normalize(x, xo, y, yo, n, m, rs, w, b);
                if (mean != null) mean[r] = m;
                if (rstd != null) rstd[r] = rs;
            }
        });
    }

    /**
     * dx from dy, x, w (may be null) and the forward statistics; dw and db (length n, may be null)
     * are overwritten with the sums over rows of dy·x̂ and dy.
     *
     * @param rows  number of rows
     * @param n     elements per row
     * @param dy    output gradient [rows, n]
     * @param dyOff index in {@code dy} of row 0
     * @param x     the forward pass's input [rows, n]
     * @param xOff  index in {@code x} of row 0
     * @param w     scale [n], or null
     * @param mean  the forward pass's row means
     * @param rstd  the forward pass's row 1/√(variance + eps)
     * @param dx    receives the input gradient
     * @param dxOff index in {@code dx} of row 0
     * @param dw    receives the scale gradient (overwritten), or null
     * @param db    receives the shift gradient (overwritten), or null
     */
    public static void backward(int rows, int n, float[] dy, int dyOff, float[] x, int xOff, float[] w, float[] mean, float[] rstd,
                                float[] dx, int dxOff, float[] dw, float[] db) {
        boolean simd = Simd.enabled();
        float[] weight = w != null ? w : ones(n);
        int parts = parts(rows, n);
        float[][] dwPart = new float[parts][], dbPart = new float[parts][];
        int partsF = parts;
        Parallel.forEach(parts, (long) rows * n * 8, part -> {
            float[] pdw = dw == null ? null : new float[n], pdb = db == null ? null : new float[n];
            dwPart[part] = pdw;
            dbPart[part] = pdb;
            int from = (int) ((long) rows * part / partsF), to = (int) ((long) rows * (part + 1) / partsF);
            for (int r = from; r < to; r++) {
                int xo = xOff + r * n, go = dyOff + r * n, o = dxOff + r * n;
                if (simd) RowsVec.layerNormBackward(x, xo, dy, go, dx, o, n, mean[r], rstd[r], weight, pdw, pdb);
                else RowsScalar.layerNormBackward(x, xo, dy, go, dx, o, n, mean[r], rstd[r], weight, pdw, pdb);
            }
        });
        if (dw != null) sumParts(dwPart, dw, n);
        if (db != null) sumParts(dbPart, db, n);
    }

    /** Rows per part of the backward pass, at least: a part's dw and db partial sums cost 2·n floats. */
    static final int PART_ROWS = 64;

    /**
     * The number of row blocks the backward pass splits into, each with its own dw and db partial
     * sums, added in block order at the end. It depends on the shape only, never on the thread count,
     * so dw and db have the same bits on any machine; several blocks per thread let the pool balance
     * them when another process takes a core.
     */
    static int parts(int rows, int n) {
        if ((long) rows * n * 8 < Parallel.INLINE_WORK) return 1;
        return (int) Math.max(1, Math.min(32, rows / PART_ROWS));
    }

    private static float[] ones(int n) {
        float[] w = new float[n];
        Arrays.fill(w, 1f);
        return w;
    }

    private static void sumParts(float[][] parts, float[] out, int n) {
        Arrays.fill(out, 0, n, 0f);
        for (float[] p : parts) for (int j = 0; j < n; j++) out[j] += p[j];
    }
}
