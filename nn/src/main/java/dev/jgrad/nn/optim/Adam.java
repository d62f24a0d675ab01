package dev.jgrad.nn.optim;

import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.internal.TensorInternals;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma &amp; Ba) with bias correction and optional AMSGrad; {@code weightDecay} adds
 * λ·p to the gradient (L2), while {@link AdamW} decays the weights directly.
 *
 * <pre>{@code
 * Optimizer opt = new Adam(model.parameters(), 1e-3);
 * }</pre>
 */
public class Adam extends Optimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final boolean amsgrad;
    private final boolean decoupled;

    /**
     * Adam with β = (0.9, 0.999), ε = 1e-8, no weight decay.
     *
     * @param params the parameters to update
     * @param lr     the learning rate
     */
    public Adam(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    /**
     * Adam with every option.
     *
     * @param params      the parameters to update
     * @param lr          the learning rate
     * @param beta1       decay of the first moment, in [0, 1)
     * @param beta2       decay of the second moment, in [0, 1)
     * @param eps         added to the denominator
     * @param weightDecay L2 weight decay, added to the gradient
     * @param amsgrad     use the maximum of the past second moments (AMSGrad)
     */
    public Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        this(params, lr, beta1, beta2, eps, weightDecay, amsgrad, false);
    }

    Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad, boolean decoupled) {
        super(params, lr);
        checkRate("beta1", beta1);
        checkRate("beta2", beta2);
        checkPositive("eps", eps);
        checkPositive("weight decay", weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.amsgrad = amsgrad;
        this.decoupled = decoupled;
    }

    @Override
    protected java.util.Set<String> stateNames() {
        return java.util.Set.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq");
    }

    // Fused in place on the parameter's device (one pass per parameter; on the CPU bit-for-bit the
    // composed update below, which allocated ~10 full-size tensors per parameter per step).
    @Override
    protected boolean updateInPlace(Tensor p, Tensor g, Map<String, Tensor> s, long step) {
        if (amsgrad) return false;
        Tensor m = s.get("exp_avg"), v = s.get("exp_avg_sq");
        if (m == null) m = Tensor.zerosLike(p);
        if (v == null) v = Tensor.zerosLike(p);
        if (!TensorInternals.adam(p, g, m, v, learningRate(), beta1, beta2, eps, weightDecay, decoupled, 1 - Math.pow(beta1, step),
                1 - Math.pow(beta2, step))) {
            return false;
        }
        s.put("exp_avg", m);
        s.put("exp_avg_sq", v);
        return true;
    }

    @Override
    protected Tensor update(Tensor p, Tensor g, Map<String, Tensor> s, long step) {
        double lr = learningRate();
        if (weightDecay != 0) {
            if (decoupled) p = p.mul(1 - lr * weightDecay);
            else g = g.add(p.mul(weightDecay));
        }
        Tensor m = s.getOrDefault("exp_avg", Tensor.zerosLike(p)).mul(beta1).add(g.mul(1 - beta1));
        // g·g, not g.square(): square is pow(x, 2), whose float32 kernel takes the scalar Math.pow
        // path (its cost: docs/design-notes.md, "Squares as products in the optimizers"); the
        // products are the same
        Tensor v = s.getOrDefault("exp_avg_sq", Tensor.zerosLike(p)).mul(beta2).add(g.mul(g).mul(1 - beta2));
        s.put("exp_avg", m);
        s.put("exp_avg_sq", v);
        if (amsgrad) {
            Tensor vMax = s.getOrDefault("max_exp_avg_sq", Tensor.zerosLike(p)).maximum(v);
            s.put("max_exp_avg_sq", vMax);
            v = vMax;
        }
        double correction1 = 1 - Math.pow(beta1, step), correction2 = 1 - Math.pow(beta2, step);
        Tensor denominator = v.sqrt().div(Math.sqrt(correction2)).add(eps);
        return p.sub(m.div(denominator).mul(lr / correction1));
    }
}
