package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.typed.CrossEntropyF32;

/**
 * Reference fused softmax cross-entropy over rows of logits, in double precision (any float
 * buffer type; results rounded on store): the CPU twin of {@code crossentropy.cu} and the oracle
 * for {@link CrossEntropyF32}. The probabilities are never stored: the forward pass keeps only
 * each row's log-sum-exp, from which the backward pass recomputes them.
 *
 * <p>For row n with target t = targets[n]: lse[n] = log Σ_j exp(x[n, j]), computed with the row
 * maximum subtracted; loss[n] = lse[n] − x[n, t], or 0 when t is {@code ignoreIndex}. Backward:
 * dlogits[n, j] = (exp(x[n, j] − lse[n]) − [j = t])·dloss[n·dlossStride], 0 on an ignored row
 * (a dlossStride of 0 broadcasts one upstream gradient, as a mean or sum reduction gives).
 * A target outside [0, classes) that is not {@code ignoreIndex} throws
 * {@link IndexOutOfBoundsException} before anything is written.
 *
 * <pre>{@code
 * // logits [N, V] contiguous, targets long[N]
 * CrossEntropyRef.forward(N, V, logits, 0, V, targets, 0, -100, loss, 0, lse, 0);
 * CrossEntropyRef.backward(N, V, logits, 0, V, lse, 0, targets, 0, -100, dloss, 0, 0, dlogits, 0, V);
 * }</pre>
 */
public final class CrossEntropyRef {
    private CrossEntropyRef() {}

    /**
     * loss[lossOff + n] and lse[lseOff + n] for n &lt; rows; row n of the logits starts at
     * {@code xOff + n·xRowStride} and holds {@code classes} contiguous values.
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
    public static void forward(int rows, int classes, Buf logits, int xOff, int xRowStride, long[] targets, int tOff, long ignoreIndex,
                               Buf loss, int lossOff, Buf lse, int lseOff) {
        checkTargets(rows, classes, targets, tOff, ignoreIndex);
        Parallel.forRange(rows, 16L * rows * classes, (from, to) -> {
            for (int n = from; n < to; n++) {
                int xo = xOff + n * xRowStride;
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < classes; j++) m = Math.max(m, logits.get(xo + j));
                if (m == Double.NEGATIVE_INFINITY) m = 0;   // an all −∞ row: the sum is 0 and lse −∞, not NaN from −∞ − (−∞)
                double sum = 0;
                for (int j = 0; j < classes; j++) sum += Math.exp(logits.get(xo + j) - m);
                double l = m + Math.log(sum);
                long t = targets[tOff + n];
                lse.set(lseOff + n, l);
                loss.set(lossOff + n, t == ignoreIndex ? 0 : l - logits.get(xo + (int) t));
            }
        });
    }

    /**
     * dlogits[dxOff + n·dxRowStride + j] for n &lt; rows, j &lt; classes, from the logits and the
     * lse that {@link #forward} gave. The upstream gradient of row n is
     * {@code dloss[dlossOff + n·dlossStride]}.
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
     * @param dlogits     receives the gradient of the logits
     * @param dxOff       index in {@code dlogits} of row 0
     * @param dxRowStride step in {@code dlogits} from one row to the next
     */
    public static void backward(int rows, int classes, Buf logits, int xOff, int xRowStride, Buf lse, int lseOff, long[] targets, int tOff,
                                long ignoreIndex, Buf dloss, int dlossOff, int dlossStride, Buf dlogits, int dxOff, int dxRowStride) {
        checkTargets(rows, classes, targets, tOff, ignoreIndex);
        Parallel.forRange(rows, 16L * rows * classes, (from, to) -> {
            for (int n = from; n < to; n++) {
                int xo = xOff + n * xRowStride, dxo = dxOff + n * dxRowStride;
                long t = targets[tOff + n];
                double l = lse.get(lseOff + n), d = dloss.get(dlossOff + n * dlossStride);
                for (int j = 0; j < classes; j++) {
                    double g = t == ignoreIndex ? 0 : (Math.exp(logits.get(xo + j) - l) - (j == t ? 1 : 0)) * d;
                    dlogits.set(dxo + j, g);
                }
            }
        });
    }

    /**
     * Throws for the first target that is neither in [0, classes) nor {@code ignoreIndex}.
     *
     * @param rows        number of rows (samples)
     * @param classes     values per row
     * @param targets     each row's class
     * @param tOff        index in {@code targets} of row 0's target
     * @param ignoreIndex the target value that is allowed besides [0, classes)
     */
    public static void checkTargets(int rows, int classes, long[] targets, int tOff, long ignoreIndex) {
        for (int n = 0; n < rows; n++) {
            long t = targets[tOff + n];
            if (t != ignoreIndex && (t < 0 || t >= classes)) {
                throw new IndexOutOfBoundsException("cross_entropy: target " + t + " is out of bounds for " + classes + " classes");
            }
        }
    }
}
