package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.SoftmaxRef;
import dev.jgrad.kernels.simd.ElementwiseVec;
import dev.jgrad.kernels.simd.RowsVec;

/**
 * Fast float32 softmax, log-softmax (forward and backward) and log-sum-exp over rows (a contiguous
 * last dimension), multi-threaded over rows; the float32 counterpart of {@link SoftmaxRef#forward}. A row is
 * three SIMD passes: max, exp(x − max) and its sum, then the scaling (or the log shift).
 *
 * <pre>{@code
 * // logits [64, 10] contiguous
 * SoftmaxF32.forward(true, 64, 10, x, 0, 10, out, 0, 10);
 * }</pre>
 */
public final class SoftmaxF32 {
    private SoftmaxF32() {}

    /**
     * out[r, :] = softmax(x[r, :]) (log-softmax when {@code log}) for r &lt; rows; row r of x starts
     * at {@code xOff + r·xRowStride} and holds n contiguous floats, likewise out.
     *
     * @param log        compute log-softmax
     * @param rows       number of rows
     * @param n          elements per row
     * @param x          the input
     * @param xOff       index in {@code x} of row 0
     * @param xRowStride step in {@code x} from one row to the next
     * @param out        receives the output
     * @param oOff       index in {@code out} of row 0
     * @param oRowStride step in {@code out} from one row to the next
     */
    public static void forward(boolean log, int rows, int n, float[] x, int xOff, int xRowStride, float[] out, int oOff, int oRowStride) {
        boolean simd = Simd.enabled();
        Parallel.forRange(rows, (long) rows * n * 12, (from, to) -> {
            for (int r = from; r < to; r++) {
                // a row shorter than a vector runs the scalar row, which computes in double (and so
                // gives the reference's values exactly, e.g. softmax([0, ln 3]) = [0.25, 0.75])
                if (simd && n >= RowsVec.L) RowsVec.softmax(log, x, xOff + r * xRowStride, out, oOff + r * oRowStride, n);
                else RowsScalar.softmax(log, x, xOff + r * xRowStride, out, oOff + r * oRowStride, n);
            }
        });
    }

    /**
     * The gradient through {@link #forward} given its output y: dx = y·(dy − Σ dy·y) for softmax,
     * dx = dy − exp(y)·Σ dy for log-softmax, row by row (contiguous rows as in forward).
     *
     * @param log         the forward pass computed log-softmax
     * @param rows        number of rows
     * @param n           elements per row
     * @param y           the forward pass's output
     * @param yOff        index in {@code y} of row 0
     * @param yRowStride  step in {@code y} from one row to the next
     * @param dy          the gradient of the output
     * @param dyOff       index in {@code dy} of row 0
     * @param dyRowStride step in {@code dy} from one row to the next
     * @param dx          receives the gradient of the input
     * @param dxOff       index in {@code dx} of row 0
     * @param dxRowStride step in {@code dx} from one row to the next
     */
    public static void backward(boolean log, int rows, int n, float[] y, int yOff, int yRowStride, float[] dy, int dyOff, int dyRowStride,
                                float[] dx, int dxOff, int dxRowStride) {
        boolean simd = Simd.enabled();
        Parallel.forRange(rows, (long) rows * n * 4, (from, to) -> {
            for (int r = from; r < to; r++) {
                int yo = yOff + r * yRowStride, go = dyOff + r * dyRowStride, xo = dxOff + r * dxRowStride;
                if (simd) RowsVec.softmaxBackward(log, y, yo, dy, go, dx, xo, n);
                else RowsScalar.softmaxBackward(log, y, yo, dy, go, dx, xo, n);
            }
        });
    }

    /**
     * out[r] = log Σ_j exp(x[r, j]) for r &lt; rows of n contiguous floats (row r at
     * {@code xOff + r·xRowStride}): the float32 counterpart of {@link SoftmaxRef#logSumExp}, one read
     * for the maximum and one for the shifted exponentials, multi-threaded over rows.
     *
     * @param rows       number of rows
     * @param n          elements per row
     * @param x          the input
     * @param xOff       index in {@code x} of row 0
     * @param xRowStride step in {@code x} from one row to the next
     * @param out        receives each row's result
     * @param oOff       index in {@code out} of row 0's result
     */
    public static void logSumExp(int rows, int n, float[] x, int xOff, int xRowStride, float[] out, int oOff) {
        boolean simd = Simd.enabled();
        Parallel.forRange(rows, (long) rows * n * 8, (from, to) -> {
            float[] scratch = simd && n >= RowsVec.L ? new float[n] : null;   // the exponentials, written and summed by one vector pass
            for (int r = from; r < to; r++) {
                int o = xOff + r * xRowStride;
                float m = scratch != null ? RowsVec.max(true, x, o, n) : RowsScalar.max(true, x, o, n);
                if (Float.isInfinite(m) || Float.isNaN(m)) {
                    out[oOff + r] = m;
                } else if (scratch != null) {
                    out[oOff + r] = (float) (m + Math.log(ElementwiseVec.expShift(x, o, scratch, 0, n, m)));
                } else {
                    double sum = 0;   // a row shorter than a vector: in double, as the reference
                    for (int j = 0; j < n; j++) sum += Math.exp(x[o + j] - m);
                    out[oOff + r] = (float) (m + Math.log(sum));
                }
            }
        });
    }
}
