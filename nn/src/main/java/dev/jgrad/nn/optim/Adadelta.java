package dev.jgrad.nn.optim;

import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adadelta (Zeiler): steps scaled by the ratio of running RMS of past updates to running RMS of
 * gradients; PyTorch's defaults lr = 1, ρ = 0.9, ε = 1e-6.
 *
 * <pre>{@code
 * Optimizer opt = new Adadelta(model.parameters(), 1.0);
 * }</pre>
 */
public final class Adadelta extends Optimizer {
    private final double rho, eps, weightDecay;

    /**
     * Adadelta with PyTorch's defaults ρ = 0.9, ε = 1e-6, no weight decay.
     *
     * @param params the parameters to update
     * @param lr     the learning rate (PyTorch's default is 1)
     */
    public Adadelta(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 1e-6, 0);
    }

    /**
     * Adadelta with every option.
     *
     * @param params      the parameters to update
     * @param lr          the learning rate
     * @param rho         the decay of the running averages, in [0, 1)
     * @param eps         added to the RMS terms
     * @param weightDecay L2 weight decay
     */
    public Adadelta(List<Tensor> params, double lr, double rho, double eps, double weightDecay) {
        super(params, lr);
        checkRate("rho", rho);
        checkPositive("eps", eps);
        checkPositive("weight decay", weightDecay);
        this.rho = rho;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    // x·x, not x.square(): square is pow(x, 2), whose float32 kernel takes the scalar Math.pow path
    // (as in Adam; see docs/design-notes.md, "Squares as products in the optimizers"); same products
    @Override
    protected java.util.Set<String> stateNames() {
        return java.util.Set.of("square_avg", "acc_delta");
    }

    @Override
    protected Tensor update(Tensor p, Tensor g, Map<String, Tensor> s, long step) {
        if (weightDecay != 0) g = g.add(p.mul(weightDecay));
        Tensor squareAvg = s.getOrDefault("square_avg", Tensor.zerosLike(p)).mul(rho).add(g.mul(g).mul(1 - rho));
        Tensor accDelta = s.getOrDefault("acc_delta", Tensor.zerosLike(p));
        Tensor delta = accDelta.add(eps).sqrt().div(squareAvg.add(eps).sqrt()).mul(g);
        s.put("square_avg", squareAvg);
        s.put("acc_delta", accDelta.mul(rho).add(delta.mul(delta).mul(1 - rho)));
        return p.sub(delta.mul(learningRate()));
    }
}
