package dev.jgrad.nn.optim;

import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adagrad: each element's step shrinks with the square root of its summed squared gradients.
 *
 * <pre>{@code
 * Optimizer opt = new Adagrad(model.parameters(), 0.01);
 * }</pre>
 */
public final class Adagrad extends Optimizer {
    private final double lrDecay, weightDecay, initialAccumulator, eps;

    /**
     * Adagrad with PyTorch's defaults (no decay, accumulator 0, ε = 1e-10).
     *
     * @param params the parameters to update
     * @param lr     the learning rate
     */
    public Adagrad(List<Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, 1e-10);
    }

    /**
     * Adagrad with every option.
     *
     * @param params             the parameters to update
     * @param lr                 the learning rate
     * @param lrDecay            the learning-rate decay per step
     * @param weightDecay        L2 weight decay
     * @param initialAccumulator the starting value of the sum of squared gradients
     * @param eps                added to the denominator
     */
    public Adagrad(List<Tensor> params, double lr, double lrDecay, double weightDecay, double initialAccumulator, double eps) {
        super(params, lr);
        checkPositive("lr decay", lrDecay);
        checkPositive("weight decay", weightDecay);
        checkPositive("initial accumulator value", initialAccumulator);
        checkPositive("eps", eps);
        this.lrDecay = lrDecay;
        this.weightDecay = weightDecay;
        this.initialAccumulator = initialAccumulator;
        this.eps = eps;
    }

    // x·x, not x.square(): square is pow(x, 2), whose float32 kernel takes the scalar Math.pow path
    // (as in Adam; see docs/design-notes.md, "Squares as products in the optimizers"); same products
    @Override
    protected java.util.Set<String> stateNames() {
        return java.util.Set.of("sum");
    }

    @Override
    protected Tensor update(Tensor p, Tensor g, Map<String, Tensor> s, long step) {
        if (weightDecay != 0) g = g.add(p.mul(weightDecay));
        double lr = learningRate() / (1 + (step - 1) * lrDecay);
        Tensor sum = s.getOrDefault("sum", Tensor.fullLike(p, initialAccumulator)).add(g.mul(g));
        s.put("sum", sum);
        return p.sub(g.div(sum.sqrt().add(eps)).mul(lr));
    }
}
