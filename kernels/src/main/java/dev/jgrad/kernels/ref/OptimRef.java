package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.typed.OptimF32;
import dev.jgrad.kernels.typed.OptimF64;

/**
 * The references of the fused optimizer updates: the composed update of
 * {@code dev.jgrad.nn.optim.Adam} and {@code SGD}, one elementwise op at a time over whole
 * buffers, each result rounded on store to the buffers' element type (float32 or float64) with
 * every scalar rounded to that type first, as {@code Tensor.mul(double)} does. {@link OptimF32}
 * and {@link OptimF64} must give exactly these values. Slow; for tests.
 *
 * <pre>{@code
 * OptimRef.adam(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 0, false, 1 - Math.pow(0.9, t), 1 - Math.pow(0.999, t));
 * OptimRef.sgd(p, g, buf, 0.01, 0.9, 0, 5e-4, true, step == 1);
 * }</pre>
 */
public final class OptimRef {
    private OptimRef() {}

    /**
     * The reference: the composed update, one elementwise op at a time over whole buffers, each
     * result rounded on store to the buffers' element type (float32 or float64), with every scalar
     * rounded to that type first, as {@code Tensor.mul(double)} does. Slow; for tests.
     *
     * @param p           the parameter, updated in place
     * @param g           its gradient
     * @param m           the first moment (exp_avg), updated in place
     * @param v           the second moment (exp_avg_sq), updated in place
     * @param lr          learning rate
     * @param beta1       decay of the first moment
     * @param beta2       decay of the second moment
     * @param eps         added to the denominator
     * @param weightDecay weight decay (0: none)
     * @param decoupled   AdamW's decoupled decay rather than Adam's L2 term
     * @param bc1         bias correction 1 − β1^t
     * @param bc2         bias correction 1 − β2^t
     */
    public static void adam(Buf p, Buf g, Buf m, Buf v, double lr, double beta1, double beta2, double eps, double weightDecay,
                            boolean decoupled, double bc1, double bc2) {
        int n = p.length();
        Buf t = p.allocate(1);
        java.util.function.DoubleUnaryOperator r = x -> {   // rounds to the element type
            t.set(0, x);
            return t.get(0);
        };
        Buf gg = g.allocate(n), w = p.allocate(n);
        for (int i = 0; i < n; i++) {
            w.set(i, p.get(i));
            gg.set(i, g.get(i));
        }
        if (weightDecay != 0) {
            if (decoupled) for (int i = 0; i < n; i++) w.set(i, w.get(i) * r.applyAsDouble(1 - lr * weightDecay));
            else for (int i = 0; i < n; i++) gg.set(i, gg.get(i) + r.applyAsDouble(w.get(i) * r.applyAsDouble(weightDecay)));
        }
        for (int i = 0; i < n; i++) {
            double gi = gg.get(i);
            double mi = r.applyAsDouble(r.applyAsDouble(m.get(i) * r.applyAsDouble(beta1)) + r.applyAsDouble(gi * r.applyAsDouble(1 - beta1)));
            double vi = r.applyAsDouble(r.applyAsDouble(v.get(i) * r.applyAsDouble(beta2))
                    + r.applyAsDouble(r.applyAsDouble(gi * gi) * r.applyAsDouble(1 - beta2)));
            m.set(i, mi);
            v.set(i, vi);
            double den = r.applyAsDouble(r.applyAsDouble(r.applyAsDouble(Math.sqrt(vi)) / r.applyAsDouble(Math.sqrt(bc2))) + r.applyAsDouble(eps));
            double step = r.applyAsDouble(r.applyAsDouble(mi / den) * r.applyAsDouble(lr / bc1));
            p.set(i, r.applyAsDouble(w.get(i) - step));
        }
    }

    /**
     * The SGD reference: the composed update of {@code dev.jgrad.nn.optim.SGD}, one elementwise op
     * at a time over whole buffers, rounding as {@link #adam} does. {@code buf} may be
     * null without momentum. Slow; for tests.
     *
     * @param p           the parameter, updated in place
     * @param g           its gradient
     * @param buf         the momentum buffer, updated in place (null without momentum)
     * @param lr          learning rate
     * @param momentum    momentum factor (0: none)
     * @param dampening   dampening of the momentum
     * @param weightDecay weight decay (0: none)
     * @param nesterov    use Nesterov momentum
     * @param first       this is the parameter's first step: the buffer starts as the gradient
     */
    public static void sgd(Buf p, Buf g, Buf buf, double lr, double momentum, double dampening, double weightDecay,
                           boolean nesterov, boolean first) {
        int n = p.length();
        Buf t = p.allocate(1);
        java.util.function.DoubleUnaryOperator r = x -> {   // rounds to the element type
            t.set(0, x);
            return t.get(0);
        };
        Buf gg = g.allocate(n);
        for (int i = 0; i < n; i++) gg.set(i, g.get(i));
        if (weightDecay != 0) for (int i = 0; i < n; i++) gg.set(i, gg.get(i) + r.applyAsDouble(p.get(i) * r.applyAsDouble(weightDecay)));
        if (momentum != 0) {
            double m = r.applyAsDouble(momentum), damp = r.applyAsDouble(1 - dampening);
            for (int i = 0; i < n; i++) {
                double b = first ? gg.get(i) : r.applyAsDouble(r.applyAsDouble(buf.get(i) * m) + r.applyAsDouble(gg.get(i) * damp));
                buf.set(i, b);
                gg.set(i, nesterov ? r.applyAsDouble(gg.get(i) + r.applyAsDouble(b * m)) : b);
            }
        }
        for (int i = 0; i < n; i++) p.set(i, p.get(i) - r.applyAsDouble(gg.get(i) * r.applyAsDouble(lr)));
    }
}
