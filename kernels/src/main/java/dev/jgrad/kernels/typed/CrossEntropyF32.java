package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.CrossEntropyRef;
import dev.jgrad.kernels.simd.ElementwiseVec;
import dev.jgrad.kernels.simd.RowsVec;

/**
 * Fast float32 fused softmax cross-entropy, forward and backward, multi-threaded over rows; the
 * float32 counterpart of {@link CrossEntropyRef} (same definitions, same arguments). With SIMD a
 * forward row is two vector passes (the max, then exp(x − max) summed in float within blocks of
 * {@link RowsVec#SUM_BLOCK} and in double across them) and a backward row two more (exp(x − lse),
 * then the scaling); rows shorter than a vector, and every row without SIMD, are computed in
 * double and rounded once, giving the reference's values.
 *
 * <pre>{@code
 * // logits [N, V] contiguous, targets long[N], mean reduction: dloss is one value 1/N, stride 0
 * CrossEntropyF32.forward(N, V, logits, 0, V, targets, 0, -100, loss, 0, lse, 0);
 * CrossEntropyF32.backward(N, V, logits, 0, V, lse, 0, targets, 0, -100, new float[] {1f / N}, 0, 0, dlogits, 0, V);
 * }</pre>
 */
public final class CrossEntropyF32 {
    private CrossEntropyF32() {}

    /**
     * {@link CrossEntropyRef#forward} over float arrays.
     *
     * @param rows        number of rows (samples)
     * @param classes     values per row
     * @param logits      the scores
     * @param xOff        index in {@code logits} of row 0
     * @param xRowStride  step in {@code logits} from one row to the next
     * @param targets     each row's class
     * @param tOff        index in {@code targets} of row 0's target
     * @param ignoreIndex the target value whose rows give loss 0
     * @param loss        receives each row's loss
     * @param lossOff     index in {@code loss} of row 0
     * @param lse         receives each row's log Σ exp
     * @param lseOff      index in {@code lse} of row 0
     */
    public static void forward(int rows, int classes, float[] logits, int xOff, int xRowStride, long[] targets, int tOff, long ignoreIndex,
                               float[] loss, int lossOff, float[] lse, int lseOff) {
        CrossEntropyRef.checkTargets(rows, classes, targets, tOff, ignoreIndex);
        boolean simd = Simd.enabled() && classes >= RowsVec.L;
        Parallel.forRange(rows, 16L * rows * classes, (from, to) -> {
            float[] scratch = simd ? new float[Math.min(classes, RowsVec.SUM_BLOCK)] : null;
            for (int n = from; n < to; n++) {
                int xo = xOff + n * xRowStride;
                double l = simd ? lseVec(logits, xo, classes, scratch) : lseScalar(logits, xo, classes);
                long t = targets[tOff + n];
                lse[lseOff + n] = (float) l;
                loss[lossOff + n] = t == ignoreIndex ? 0f : (float) (l - logits[xo + (int) t]);
            }
        });
    }

    /**
     * {@link CrossEntropyRef#backward} over float arrays; dlogits may be the logits array itself (same offset
     * and row stride).
     *
     * @param rows        number of rows (samples)
     * @param classes     values per row
     * @param logits      the scores
     * @param xOff        index in {@code logits} of row 0
     * @param xRowStride  step in {@code logits} from one row to the next
     * @param lse         each row's log Σ exp from the forward pass
     * @param lseOff      index in {@code lse} of row 0
     * @param targets     each row's class
     * @param tOff        index in {@code targets} of row 0's target
     * @param ignoreIndex the target value whose rows get a zero gradient
     * @param dloss       the upstream gradient of the losses
     * @param dlossOff    index in {@code dloss} of row 0's gradient
     * @param dlossStride step in {@code dloss} from one row to the next (0 broadcasts one value)
     * @param dlogits     receives the gradient of the logits; may be {@code logits} itself
     * @param dxOff       index in {@code dlogits} of row 0
     * @param dxRowStride step in {@code dlogits} from one row to the next
     */
    public static void backward(int rows, int classes, float[] logits, int xOff, int xRowStride, float[] lse, int lseOff, long[] targets,
                                int tOff, long ignoreIndex, float[] dloss, int dlossOff, int dlossStride, float[] dlogits, int dxOff,
                                int dxRowStride) {
        CrossEntropyRef.checkTargets(rows, classes, targets, tOff, ignoreIndex);
        boolean simd = Simd.enabled() && classes >= RowsVec.L;
        Parallel.forRange(rows, 16L * rows * classes, (from, to) -> {
            for (int n = from; n < to; n++) {
                int xo = xOff + n * xRowStride, dxo = dxOff + n * dxRowStride;
                long t = targets[tOff + n];
                float d = dloss[dlossOff + n * dlossStride];
                if (t == ignoreIndex) java.util.Arrays.fill(dlogits, dxo, dxo + classes, 0f);
                else if (simd) gradVec(logits, xo, lse[lseOff + n], (int) t, d, dlogits, dxo, classes);
                else gradScalar(logits, xo, lse[lseOff + n], (int) t, d, dlogits, dxo, classes);
            }
        });
    }

    /** The row's log-sum-exp in double, as the reference computes it. */
    private static double lseScalar(float[] x, int xo, int classes) {
        double m = RowsScalar.max(true, x, xo, classes);
        if (m == Double.NEGATIVE_INFINITY) m = 0;   // an all −∞ row: lse −∞ (see CrossEntropyRef)
        double sum = 0;
        for (int j = 0; j < classes; j++) sum += Math.exp(x[xo + j] - m);
        return m + Math.log(sum);
    }

    /** The row's log-sum-exp: vector max, then vector exp(x − max) summed per block (scratch receives the exps). */
    private static double lseVec(float[] x, int xo, int classes, float[] scratch) {
        float m = RowsVec.max(true, x, xo, classes);
        if (m == Float.NEGATIVE_INFINITY) m = 0;
        double sum = 0;
        for (int b = 0; b < classes; b += RowsVec.SUM_BLOCK) {
            sum += ElementwiseVec.expShift(x, xo + b, scratch, 0, Math.min(RowsVec.SUM_BLOCK, classes - b), m);
        }
        return m + Math.log(sum);
    }

    private static void gradScalar(float[] x, int xo, float lse, int t, float d, float[] dx, int dxo, int classes) {
        for (int j = 0; j < classes; j++) dx[dxo + j] = (float) ((Math.exp((double) x[xo + j] - lse) - (j == t ? 1 : 0)) * d);
    }

    /** dx = exp(x − lse)·d, then the target's (p_t − 1)·d from the unscaled p_t. */
    private static void gradVec(float[] x, int xo, float lse, int t, float d, float[] dx, int dxo, int classes) {
        ElementwiseVec.expShift(x, xo, dx, dxo, classes, lse);
        float pt = dx[dxo + t];
        RowsVec.scale(dx, dxo, classes, d);
        dx[dxo + t] = (pt - 1f) * d;
    }
}
