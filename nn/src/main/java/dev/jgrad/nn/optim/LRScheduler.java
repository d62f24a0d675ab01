package dev.jgrad.nn.optim;

/**
 * Changes an optimizer's learning rate as training goes on. Call {@link #step()} once per
 * epoch (or per batch, for warm-up), after {@code optimizer.step()}.
 *
 * <pre>{@code
 * LRScheduler sched = LRScheduler.cosine(opt, 50, 0);
 * for (int epoch = 0; epoch < 50; epoch++) { train(); sched.step(); }
 * }</pre>
 */
public abstract class LRScheduler {
    protected final Optimizer optimizer;
    protected final double baseLr;
    private int epoch;

    protected LRScheduler(Optimizer optimizer) {
        if (optimizer == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": the optimizer is null");
        this.optimizer = optimizer;
        this.baseLr = optimizer.learningRate();
    }

    /** The learning rate for {@code epoch} (0 is the start). */
    protected abstract double lrAt(int epoch);

    /** Advances one epoch and sets the optimizer's learning rate. */
    public void step() {
        epoch++;
        optimizer.setLearningRate(lrAt(epoch));
    }

    /** Epochs stepped so far. */
    public final int epoch() {
        return epoch;
    }

    /** Restores the epoch counter (for resuming) and the matching learning rate. */
    public void setEpoch(int epoch) {
        this.epoch = epoch;
        optimizer.setLearningRate(lrAt(epoch));
    }

    /** lr·γ^⌊epoch/stepSize⌋ (PyTorch's StepLR). */
    public static LRScheduler step(Optimizer opt, int stepSize, double gamma) {
        if (stepSize < 1) throw new IllegalArgumentException("StepLR: step size must be >= 1, got " + stepSize);
        if (!(gamma >= 0) || Double.isInfinite(gamma)) throw new IllegalArgumentException("StepLR: gamma must be finite and >= 0, got " + gamma);
        return new LRScheduler(opt) {
            protected double lrAt(int e) {
                return baseLr * Math.pow(gamma, e / stepSize);
            }
        };
    }

    /** η_min + (lr − η_min)(1 + cos(π·epoch/tMax))/2 (PyTorch's CosineAnnealingLR, without restarts). */
    public static LRScheduler cosine(Optimizer opt, int tMax, double etaMin) {
        if (tMax < 1) throw new IllegalArgumentException("CosineAnnealingLR: tMax must be >= 1, got " + tMax);
        if (!(etaMin >= 0) || Double.isInfinite(etaMin)) {
            throw new IllegalArgumentException("CosineAnnealingLR: etaMin must be finite and >= 0, got " + etaMin);
        }
        return new LRScheduler(opt) {
            protected double lrAt(int e) {
                return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * Math.min(e, tMax) / tMax)) / 2;
            }
        };
    }

    /** Linear warm-up: the factor goes from {@code startFactor} to 1 over {@code warmupSteps}, then stays 1 (PyTorch's LinearLR). */
    public static LRScheduler linearWarmup(Optimizer opt, double startFactor, int warmupSteps) {
        if (!(startFactor > 0 && startFactor <= 1) || warmupSteps < 1) {
            throw new IllegalArgumentException("LinearLR: start factor must be in (0, 1] and steps >= 1, got " + startFactor + ", " + warmupSteps);
        }
        LRScheduler s = new LRScheduler(opt) {
            protected double lrAt(int e) {
                return baseLr * (startFactor + (1 - startFactor) * Math.min(e, warmupSteps) / warmupSteps);
            }
        };
        opt.setLearningRate(s.lrAt(0));
        return s;
    }
}
