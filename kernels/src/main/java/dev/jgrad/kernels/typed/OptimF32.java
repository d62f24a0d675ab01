package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.OptimRef;
import dev.jgrad.kernels.simd.OptimVec;

/**
 * Fused optimizer updates in float32 (Adam/AdamW, SGD with momentum): one pass over a parameter,
 * its gradient and its state, updating the parameter and the state in place. The composed update
 * (Adam: a dozen elementwise ops) allocated about ten full-size arrays per parameter per step and
 * read and wrote each of them once.
 *
 * <p>The loops round after every operation in the order of the composed tensor ops of
 * {@code dev.jgrad.nn.optim.Adam} and {@code SGD} (scalars rounded to float32 the way
 * {@code Tensor.mul(double)} rounds them), so their results are bit-for-bit those of the composed
 * update ({@link OptimF64} does the same in float64). The vector loops use only IEEE-exact lane
 * operations (×, +, ÷, sqrt; no fma), so they match the scalar references {@link OptimRef#adam}
 * and {@link OptimRef#sgd} exactly.
 *
 * <pre>{@code
 * OptimF32.adam(p, 0, g, 0, m, 0, v, 0, n, 1e-3, 0.9, 0.999, 1e-8, 0, false, 1 - Math.pow(0.9, t), 1 - Math.pow(0.999, t));
 * OptimF32.sgd(p, 0, g, 0, buf, 0, n, 0.01, 0.9, 0, 5e-4, true, step == 1);   // buf: the momentum buffer
 * }</pre>
 */
public final class OptimF32 {
    private OptimF32() {}

    // What the fused step saves over the composed one: docs/design-notes.md ("Fused passes in the
    // MNIST-CNN step").

    /**
     * The Adam step's scalars as the composed float32 ops see them (each rounded to float32 once).
     *
     * @param decay     1 − lr·wd, AdamW's factor on the parameter
     * @param wd        weight decay
     * @param b1        β1
     * @param c1        1 − β1
     * @param b2        β2
     * @param c2        1 − β2
     * @param sqrtBc2   √(1 − β2^t)
     * @param eps       added to the denominator
     * @param stepSize  lr / (1 − β1^t)
     * @param decoupled AdamW's decoupled decay rather than Adam's L2 term
     * @param hasDecay  weight decay is not 0
     */
    public record AdamScalars(float decay, float wd, float b1, float c1, float b2, float c2, float sqrtBc2, float eps, float stepSize,
                       boolean decoupled, boolean hasDecay) {
        /**
         * Rounds the step's scalars to float32 as the composed update does.
         *
         * @param lr        learning rate
         * @param beta1     decay of the first moment
         * @param beta2     decay of the second moment
         * @param eps       added to the denominator
         * @param wd        weight decay (0: none)
         * @param decoupled AdamW's decoupled decay rather than Adam's L2 term
         * @param bc1       bias correction 1 − β1^t
         * @param bc2       bias correction 1 − β2^t
         * @return the scalars
         */
        public static AdamScalars of(double lr, double beta1, double beta2, double eps, double wd, boolean decoupled, double bc1, double bc2) {
            return new AdamScalars((float) (1 - lr * wd), (float) wd, (float) beta1, (float) (1 - beta1), (float) beta2, (float) (1 - beta2),
                    (float) Math.sqrt(bc2), (float) eps, (float) (lr / bc1), decoupled, wd != 0);
        }
    }

    /**
     * One Adam/AdamW step over {@code n} float32 elements, in place on p, m (exp_avg) and v
     * (exp_avg_sq): with weight decay, AdamW scales p by 1 − lr·wd, Adam adds wd·p to g; then
     * m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g·g, p = p − m / (√v / √bc2 + ε) · (lr / bc1),
     * where bc1 = 1 − β1^t and bc2 = 1 − β2^t. Multi-threaded over ranges.
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
    public static void adam(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n, double lr,
                            double beta1, double beta2, double eps, double weightDecay, boolean decoupled, double bc1, double bc2) {
        AdamScalars k = AdamScalars.of(lr, beta1, beta2, eps, weightDecay, decoupled, bc1, bc2);
        Parallel.forRange(n, 16L * n, (from, to) -> {
            int done = from;
            if (Simd.enabled()) done += OptimVec.adam(k, p, pOff + from, g, gOff + from, m, mOff + from, v, vOff + from, to - from);
            adamScalar(k, p, pOff, g, gOff, m, mOff, v, vOff, done, to);
        });
    }

    private static void adamScalar(AdamScalars k, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
                                   int from, int to) {
        for (int i = from; i < to; i++) {
            float w = p[pOff + i], gi = g[gOff + i];
            if (k.hasDecay()) {
                if (k.decoupled()) w = w * k.decay();
                else gi = gi + w * k.wd();
            }
            float mi = m[mOff + i] * k.b1() + gi * k.c1();
            float vi = v[vOff + i] * k.b2() + gi * gi * k.c2();
            m[mOff + i] = mi;
            v[vOff + i] = vi;
            float den = (float) Math.sqrt(vi) / k.sqrtBc2() + k.eps();
            p[pOff + i] = w - mi / den * k.stepSize();
        }
    }

    /**
     * The SGD step's scalars as the composed float32 ops see them (each rounded to float32 once).
     *
     * @param wd          weight decay
     * @param momentum    momentum factor
     * @param damp        1 − dampening
     * @param lr          learning rate
     * @param hasDecay    weight decay is not 0
     * @param hasMomentum momentum is not 0
     * @param nesterov    use Nesterov momentum
     * @param first       this is the parameter's first step: the buffer starts as the gradient
     */
    public record SgdScalars(float wd, float momentum, float damp, float lr, boolean hasDecay, boolean hasMomentum, boolean nesterov, boolean first) {
        /**
         * Rounds the step's scalars to float32 as the composed update does.
         *
         * @param lr        learning rate
         * @param momentum  momentum factor (0: none)
         * @param dampening dampening of the momentum
         * @param wd        weight decay (0: none)
         * @param nesterov  use Nesterov momentum
         * @param first     this is the parameter's first step: the buffer starts as the gradient
         * @return the scalars
         */
        public static SgdScalars of(double lr, double momentum, double dampening, double wd, boolean nesterov, boolean first) {
            return new SgdScalars((float) wd, (float) momentum, (float) (1 - dampening), (float) lr, wd != 0, momentum != 0, nesterov, first);
        }
    }

    /**
     * One SGD step over {@code n} float32 elements (PyTorch's SGD, as {@code dev.jgrad.nn.optim.SGD}
     * composes it), in place on p and, with momentum, on the buffer: with weight decay
     * g = g + wd·p; with momentum buf = first ? g : momentum·buf + (1 − dampening)·g (the buffer
     * starts as a copy of the first gradient) and g = nesterov ? g + momentum·buf : buf; then
     * p = p − lr·g. Weight decay and momentum of 0 skip their steps; {@code buf} may then be null.
     * Multi-threaded over ranges.
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
    public static void sgd(float[] p, int pOff, float[] g, int gOff, float[] buf, int bufOff, int n, double lr, double momentum,
                           double dampening, double weightDecay, boolean nesterov, boolean first) {
        SgdScalars k = SgdScalars.of(lr, momentum, dampening, weightDecay, nesterov, first);
        Parallel.forRange(n, 8L * n, (from, to) -> {
            int done = from;
            if (Simd.enabled()) done += OptimVec.sgd(k, p, pOff + from, g, gOff + from, buf, bufOff + from, to - from);
            sgdScalar(k, p, pOff, g, gOff, buf, bufOff, done, to);
        });
    }

    private static void sgdScalar(SgdScalars k, float[] p, int pOff, float[] g, int gOff, float[] buf, int bufOff, int from, int to) {
        for (int i = from; i < to; i++) {
            float w = p[pOff + i], gi = g[gOff + i];
            if (k.hasDecay()) gi = gi + w * k.wd();
            if (k.hasMomentum()) {
                float b = k.first() ? gi : buf[bufOff + i] * k.momentum() + gi * k.damp();
                buf[bufOff + i] = b;
                gi = k.nesterov() ? gi + b * k.momentum() : b;
            }
            p[pOff + i] = w - gi * k.lr();
        }
    }
}
