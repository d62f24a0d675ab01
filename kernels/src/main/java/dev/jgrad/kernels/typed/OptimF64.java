package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.ref.OptimRef;

/**
 * The fused optimizer updates of {@link OptimF32} in float64: scalar loops with the same order of
 * operations, so their results are bit-for-bit those of the composed float64 update (and of
 * {@link OptimRef} over float64 buffers). Multi-threaded over ranges.
 *
 * <pre>{@code
 * OptimF64.adam(p, 0, g, 0, m, 0, v, 0, n, 1e-3, 0.9, 0.999, 1e-8, 0, false, 1 - Math.pow(0.9, t), 1 - Math.pow(0.999, t));
 * OptimF64.sgd(p, 0, g, 0, buf, 0, n, 0.01, 0.9, 0, 5e-4, true, step == 1);
 * }</pre>
 */
public final class OptimF64 {
    private OptimF64() {}

    /**
     * {@link OptimF32#adam} in float64 (scalar loop; the same order of operations).
     *
     * @param p           the parameter, updated in place
     * @param pOff        index in {@code p} of the first element
     * @param g           its gradient
     * @param gOff        index in {@code g} of the first element
     * @param m           the first moment (exp_avg), updated in place
     * @param mOff        index in {@code m} of the first element
     * @param v           the second moment (exp_avg_sq), updated in place
     * @param vOff        index in {@code v} of the first element
     * @param n           number of elements
     * @param lr          learning rate
     * @param beta1       decay of the first moment
     * @param beta2       decay of the second moment
     * @param eps         added to the denominator
     * @param weightDecay weight decay (0: none)
     * @param decoupled   AdamW's decoupled decay rather than Adam's L2 term
     * @param bc1         bias correction 1 − β1^t
     * @param bc2         bias correction 1 − β2^t
     */
    public static void adam(double[] p, int pOff, double[] g, int gOff, double[] m, int mOff, double[] v, int vOff, int n, double lr,
                            double beta1, double beta2, double eps, double weightDecay, boolean decoupled, double bc1, double bc2) {
        double decay = 1 - lr * weightDecay, c1 = 1 - beta1, c2 = 1 - beta2, sqrtBc2 = Math.sqrt(bc2), stepSize = lr / bc1;
        boolean hasDecay = weightDecay != 0;
        Parallel.forRange(n, 16L * n, (from, to) -> {
            for (int i = from; i < to; i++) {
                double w = p[pOff + i], gi = g[gOff + i];
                if (hasDecay) {
                    if (decoupled) w = w * decay;
                    else gi = gi + w * weightDecay;
                }
                double mi = m[mOff + i] * beta1 + gi * c1;
                double vi = v[vOff + i] * beta2 + gi * gi * c2;
                m[mOff + i] = mi;
                v[vOff + i] = vi;
                p[pOff + i] = w - mi / (Math.sqrt(vi) / sqrtBc2 + eps) * stepSize;
            }
        });
    }

    /**
     * {@link OptimF32#sgd} in float64 (scalar loop; the same order of operations).
     *
     * @param p           the parameter, updated in place
     * @param pOff        index in {@code p} of the first element
     * @param g           its gradient
     * @param gOff        index in {@code g} of the first element
     * @param buf         the momentum buffer, updated in place (null without momentum)
     * @param bufOff      index in {@code buf} of the first element
     * @param n           number of elements
     * @param lr          learning rate
     * @param momentum    momentum factor (0: none)
     * @param dampening   dampening of the momentum
     * @param weightDecay weight decay (0: none)
     * @param nesterov    use Nesterov momentum
     * @param first       this is the parameter's first step: the buffer starts as the gradient
     */
    public static void sgd(double[] p, int pOff, double[] g, int gOff, double[] buf, int bufOff, int n, double lr, double momentum,
                           double dampening, double weightDecay, boolean nesterov, boolean first) {
        double damp = 1 - dampening;
        boolean hasDecay = weightDecay != 0, hasMomentum = momentum != 0;
        Parallel.forRange(n, 8L * n, (from, to) -> {
            for (int i = from; i < to; i++) {
                double w = p[pOff + i], gi = g[gOff + i];
                if (hasDecay) gi = gi + w * weightDecay;
                if (hasMomentum) {
                    double b = first ? gi : buf[bufOff + i] * momentum + gi * damp;
                    buf[bufOff + i] = b;
                    gi = nesterov ? gi + b * momentum : b;
                }
                p[pOff + i] = w - gi * lr;
            }
        });
    }
}
