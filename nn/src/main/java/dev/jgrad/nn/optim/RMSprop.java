package dev.jgrad.nn.optim;

import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * RMSprop: steps divided by a running RMS of gradients; optionally centered (subtracting the
 * running mean of gradients) and with momentum. PyTorch's defaults: α = 0.99, ε = 1e-8.
 *
 * <pre>{@code
 * Optimizer opt = new RMSprop(model.parameters(), 0.01);
 * }</pre>
 */
public final class RMSprop extends Optimizer {
    private final double alpha, eps, weightDecay, momentum;
    private final boolean centered;

    /**
     * RMSprop with PyTorch's defaults α = 0.99, ε = 1e-8, no weight decay or momentum, not centered.
     *
     * @param params the parameters to update
     * @param lr     the learning rate
     */
    public RMSprop(List<Tensor> params, double lr) {
        this(params, lr, 0.99, 1e-8, 0, 0, false);
    }

    /**
     * RMSprop with every option.
     *
     * @param params      the parameters to update
     * @param lr          the learning rate
     * @param alpha       the decay of the running mean square, in [0, 1)
     * @param eps         added to the denominator
     * @param weightDecay L2 weight decay
     * @param momentum    momentum factor (0: none)
     * @param centered    subtract the running mean of the gradients
     */
    public RMSprop(List<Tensor> params, double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered) {
        super(params, lr);
        checkRate("alpha", alpha);
        checkPositive("eps", eps);
        checkPositive("weight decay", weightDecay);
        checkPositive("momentum", momentum);
        this.alpha = alpha;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.momentum = momentum;
        this.centered = centered;
    }

    // x·x, not x.square(): square is pow(x, 2), whose float32 kernel takes the scalar Math.pow path
    // (as in Adam; see docs/design-notes.md, "Squares as products in the optimizers"); same products
    @Override
    protected java.util.Set<String> stateNames() {
        return java.util.Set.of("square_avg", "grad_avg", "momentum_buffer");
    }

    @Override
    protected Tensor update(Tensor p, Tensor g, Map<String, Tensor> s, long step) {
        if (weightDecay != 0) g = g.add(p.mul(weightDecay));
        Tensor squareAvg = s.getOrDefault("square_avg", Tensor.zerosLike(p)).mul(alpha).add(g.mul(g).mul(1 - alpha));
        s.put("square_avg", squareAvg);
        Tensor avg;
        if (centered) {
            Tensor gradAvg = s.getOrDefault("grad_avg", Tensor.zerosLike(p)).mul(alpha).add(g.mul(1 - alpha));
            s.put("grad_avg", gradAvg);
            avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt().add(eps);
        } else {
            avg = squareAvg.sqrt().add(eps);
        }
        if (momentum > 0) {
            Tensor buf = s.getOrDefault("momentum_buffer", Tensor.zerosLike(p)).mul(momentum).add(g.div(avg));
            s.put("momentum_buffer", buf);
            return p.sub(buf.mul(learningRate()));
        }
        return p.sub(g.div(avg).mul(learningRate()));
    }
}
