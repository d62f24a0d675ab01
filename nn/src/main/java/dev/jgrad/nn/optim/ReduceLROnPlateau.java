package dev.jgrad.nn.optim;

/**
 * Multiplies the learning rate by {@code factor} when a monitored metric has not improved (by a
 * relative {@code threshold}) for {@code patience} epochs, then waits {@code cooldown} epochs;
 * never goes below {@code minLr}. PyTorch's ReduceLROnPlateau in "min" / "max" mode with "rel"
 * thresholds.
 *
 * <pre>{@code
 * ReduceLROnPlateau sched = new ReduceLROnPlateau(opt, true, 0.1, 10, 1e-4, 0, 0);
 * sched.step(validationLoss);
 * }</pre>
 */
public final class ReduceLROnPlateau {
    private final Optimizer optimizer;
    private final boolean minimize;
    private final double factor, threshold, minLr;
    private final int patience, cooldown;
    private double best;
    private int badEpochs, cooldownLeft;

    /**
     * PyTorch's defaults: minimize, factor 0.1, patience 10, threshold 1e-4, no cooldown, no floor.
     *
     * @param optimizer the optimizer whose learning rate is lowered
     */
    public ReduceLROnPlateau(Optimizer optimizer) {
        this(optimizer, true, 0.1, 10, 1e-4, 0, 0);
    }

    /**
     * A plateau scheduler with every option.
     *
     * @param optimizer the optimizer whose learning rate is lowered
     * @param minimize  the metric improves by going down (else up)
     * @param factor    the learning rate's factor on a plateau, in (0, 1)
     * @param patience  epochs without improvement tolerated
     * @param threshold the relative change that counts as an improvement
     * @param cooldown  epochs to wait after a reduction
     * @param minLr     the smallest learning rate
     */
    public ReduceLROnPlateau(Optimizer optimizer, boolean minimize, double factor, int patience, double threshold, int cooldown, double minLr) {
        if (!(factor > 0 && factor < 1)) throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in (0, 1), got " + factor);
        if (patience < 0 || cooldown < 0) throw new IllegalArgumentException("ReduceLROnPlateau: patience and cooldown must be >= 0");
        if (optimizer == null) throw new IllegalArgumentException("ReduceLROnPlateau: the optimizer is null");
        if (!(threshold >= 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: threshold must be finite and >= 0, got " + threshold);
        }
        if (!(minLr >= 0) || Double.isInfinite(minLr)) throw new IllegalArgumentException("ReduceLROnPlateau: minLr must be finite and >= 0, got " + minLr);
        this.optimizer = optimizer;
        this.minimize = minimize;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.best = minimize ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /**
     * Records this epoch's metric and lowers the learning rate if it has plateaued.
     *
     * @param metric this epoch's value of the monitored metric
     */
    public void step(double metric) {
        if (Double.isNaN(metric)) throw new IllegalArgumentException("ReduceLROnPlateau: metric is NaN");
        boolean better = minimize ? metric < best * (1 - threshold) : metric > best * (1 + threshold);  // PyTorch's "rel" mode
        if (better) {
            best = metric;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (cooldownLeft > 0) {
            cooldownLeft--;
            badEpochs = 0;
        }
        if (badEpochs > patience) {
            optimizer.setLearningRate(Math.max(optimizer.learningRate() * factor, minLr));
            cooldownLeft = cooldown;
            badEpochs = 0;
        }
    }
}
