package dev.jgrad.nn.optim;

import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.internal.TensorInternals;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum (PyTorch's form: the buffer starts at the
 * first gradient), dampening, Nesterov momentum and L2 weight decay.
 *
 * <pre>{@code
 * Optimizer opt = new SGD(model.parameters(), 0.01, 0.9, true, 5e-4);
 * }</pre>
 */
public final class SGD extends Optimizer {
    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;

    /**
     * Plain SGD.
     *
     * @param params the parameters to update
     * @param lr     the learning rate
     */
    public SGD(List<Tensor> params, double lr) {
        this(params, lr, 0, false, 0);
    }

    /**
     * SGD with momentum, Nesterov and weight decay (no dampening).
     *
     * @param params      the parameters to update
     * @param lr          the learning rate
     * @param momentum    momentum factor (0: none)
     * @param nesterov    use Nesterov momentum
     * @param weightDecay L2 weight decay
     */
    public SGD(List<Tensor> params, double lr, double momentum, boolean nesterov, double weightDecay) {
        this(params, lr, momentum, 0, nesterov, weightDecay);
    }

    /**
     * SGD with every option.
     *
     * @param params      the parameters to update
     * @param lr          the learning rate
     * @param momentum    momentum factor (0: none)
     * @param dampening   dampening of the momentum
     * @param nesterov    use Nesterov momentum (needs momentum &gt; 0 and no dampening)
     * @param weightDecay L2 weight decay
     */
    public SGD(List<Tensor> params, double lr, double momentum, double dampening, boolean nesterov, double weightDecay) {
        super(params, lr);
        checkPositive("momentum", momentum);
        checkPositive("dampening", dampening);
        checkPositive("weight decay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum > 0 and zero dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
    }

    @Override
    protected java.util.Set<String> stateNames() {
        return java.util.Set.of("momentum_buffer");
    }

    // Fused in place on the parameter's device (one pass; on the CPU bit-for-bit the composed update below).
    @Override
    protected boolean updateInPlace(Tensor p, Tensor g, Map<String, Tensor> s, long step) {
        Tensor buf = momentum == 0 ? null : s.get("momentum_buffer");
        boolean first = momentum != 0 && buf == null;
        if (first) buf = Tensor.zerosLike(p);
        if (!TensorInternals.sgd(p, g, buf, learningRate(), momentum, dampening, weightDecay, nesterov, first)) return false;
        if (buf != null) s.put("momentum_buffer", buf);
        return true;
    }

    @Override
    protected Tensor update(Tensor p, Tensor g, Map<String, Tensor> s, long step) {
        if (weightDecay != 0) g = g.add(p.mul(weightDecay));
        if (momentum != 0) {
            Tensor buf = s.get("momentum_buffer");
            buf = buf == null ? g : buf.mul(momentum).add(g.mul(1 - dampening));
            s.put("momentum_buffer", buf);
            g = nesterov ? g.add(buf.mul(momentum)) : buf;
        }
        return p.sub(g.mul(learningRate()));
    }
}
