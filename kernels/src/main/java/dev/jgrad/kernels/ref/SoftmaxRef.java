package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.StridedWalk;

/**
 * Reference softmax, log-softmax and log-sum-exp, stable for any input magnitude: the row
 * maximum is subtracted before exponentiating.
 *
 * <pre>{@code
 * SoftmaxRef.forward(false, new int[] {2, 5}, 1, out, x);   // each of the 2 rows sums to 1
 * }</pre>
 */
public final class SoftmaxRef {
    private SoftmaxRef() {}

    /**
     * out = softmax(x) (or log-softmax when {@code log}) along {@code dim} of {@code shape}.
     *
     * @param log   compute log-softmax
     * @param shape the index space
     * @param dim   the dimension normalised over
     * @param out   the output operand
     * @param x     the input operand
     */
    public static void forward(boolean log, int[] shape, int dim, Strided out, Strided x) {
        int len = shape[dim];
        int xs = x.strides()[dim], os = out.strides()[dim];
        int[] rows = shape.clone();
        rows[dim] = 1;
        Buf xb = x.buf(), o = out.buf();
        StridedWalk it = new StridedWalk(rows, out, x);
        for (int n = Strided.numel(rows); n > 0; n--, it.next()) {
            int xo = it.offset(1), oo = it.offset(0);
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) max = Math.max(max, xb.get(xo + j * xs));
            double sum = 0;
            for (int j = 0; j < len; j++) sum += Math.exp(xb.get(xo + j * xs) - max);
            double logSum = Math.log(sum);
            for (int j = 0; j < len; j++) {
                double shifted = xb.get(xo + j * xs) - max;
                o.set(oo + j * os, log ? shifted - logSum : Math.exp(shifted) / sum);
            }
        }
    }

    /**
     * out[r] = log Σ_j exp(x[r, j]) for r &lt; rows, each row n contiguous elements (row r at
     * {@code xOff + r·n}): the row maximum m is taken out first, so any magnitude works; a row of
     * −∞ (or an empty row) gives −∞, a +∞ gives +∞, a NaN gives NaN.
     *
     * @param rows   number of rows
     * @param n      elements per row
     * @param x      the input
     * @param xOff   index in {@code x} of row 0
     * @param out    receives each row's result
     * @param outOff index in {@code out} of row 0's result
     */
    public static void logSumExp(int rows, int n, Buf x, int xOff, Buf out, int outOff) {
        for (int r = 0; r < rows; r++) {
            int o = xOff + r * n;
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) m = Math.max(m, x.get(o + j));
            if (Double.isInfinite(m) || Double.isNaN(m)) {
                out.set(outOff + r, m);
                continue;
            }
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(x.get(o + j) - m);
            out.set(outOff + r, m + Math.log(sum));
        }
    }
}
