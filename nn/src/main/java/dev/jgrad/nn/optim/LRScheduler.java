package dev.jgrad.nn.optim;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

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
    /** The optimizer whose learning rate this schedule sets. */
    protected final Optimizer optimizer;
    /** The learning rate the schedule starts from (the optimizer's when the scheduler was made, or a checkpoint's). */
    protected double baseLr;
    private int epoch;

    /**
     * A schedule for {@code optimizer}, starting from its current learning rate.
     *
     * @param optimizer the optimizer
     */
    protected LRScheduler(Optimizer optimizer) {
        if (optimizer == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": the optimizer is null");
        this.optimizer = optimizer;
        this.baseLr = optimizer.learningRate();
    }

    /**
     * {@return the learning rate for {@code epoch} (0 is the start)}
     *
     * @param epoch the epoch
     */
    protected abstract double lrAt(int epoch);

    /** Advances one epoch and sets the optimizer's learning rate. */
    public void step() {
        epoch++;
        optimizer.setLearningRate(lrAt(epoch));
    }

    /** {@return epochs stepped so far} */
    public final int epoch() {
        return epoch;
    }

    /**
     * Restores the epoch counter (for resuming) and the matching learning rate.
     *
     * @param epoch the number of epochs completed
     */
    public void setEpoch(int epoch) {
        this.epoch = epoch;
        optimizer.setLearningRate(lrAt(epoch));
    }

    /**
     * The state to checkpoint: {@code "epoch"} (int64) and {@code "base_lr"} (float64). The shape
     * of the schedule (step size, γ, tMax, …) is not saved: it comes from the code that builds the
     * scheduler, as in PyTorch.
     *
     * <pre>{@code
     * Map<String, Tensor> saved = sched.stateDict();
     * LRScheduler.cosine(opt, 50, 0).loadStateDict(saved);   // the same schedule, continued
     * }</pre>
     *
     * @return the state by key
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("epoch", Tensor.scalar(epoch, DType.INT64));
        out.put("base_lr", Tensor.scalar(baseLr, DType.FLOAT64));
        return out;
    }

    /**
     * Restores what {@link #stateDict()} saved. The optimizer's learning rate is left alone: it is
     * part of the optimizer's own state ({@link Optimizer#loadStateDict}).
     *
     * @param state a state from {@link #stateDict()}
     * @throws IllegalArgumentException when a key is missing or extra, or the epoch is negative or the base rate not a finite number ≥ 0
     */
    public void loadStateDict(Map<String, Tensor> state) {
        String name = getClass().getSimpleName().isEmpty() ? "LRScheduler" : getClass().getSimpleName();
        if (state == null) throw new IllegalArgumentException(name + ".loadStateDict: state is null");
        if (!state.keySet().equals(java.util.Set.of("epoch", "base_lr"))) {
            throw new IllegalArgumentException(name + ".loadStateDict: expected the keys [base_lr, epoch], got " + new java.util.TreeSet<>(state.keySet()));
        }
        Tensor e = state.get("epoch"), lr = state.get("base_lr");
        if (e.numel() != 1 || lr.numel() != 1) throw new IllegalArgumentException(name + ".loadStateDict: \"epoch\" and \"base_lr\" must hold one element each");
        long savedEpoch = e.itemLong();
        double savedLr = lr.item();
        if (savedEpoch < 0 || savedEpoch > Integer.MAX_VALUE) throw new IllegalArgumentException(name + ".loadStateDict: epoch must be in [0, 2^31), got " + savedEpoch);
        if (!(savedLr >= 0) || Double.isInfinite(savedLr)) throw new IllegalArgumentException(name + ".loadStateDict: base_lr must be finite and >= 0, got " + savedLr);
        epoch = (int) savedEpoch;
        baseLr = savedLr;
    }

    /**
     * lr·γ^⌊epoch/stepSize⌋ (PyTorch's StepLR).
     *
     * @param opt      the optimizer
     * @param stepSize epochs between decays
     * @param gamma    the decay factor
     * @return the scheduler
     */
    public static LRScheduler step(Optimizer opt, int stepSize, double gamma) {
        if (stepSize < 1) throw new IllegalArgumentException("StepLR: step size must be >= 1, got " + stepSize);
        if (!(gamma >= 0) || Double.isInfinite(gamma)) throw new IllegalArgumentException("StepLR: gamma must be finite and >= 0, got " + gamma);
        return new LRScheduler(opt) {
            protected double lrAt(int e) {
                return baseLr * Math.pow(gamma, e / stepSize);
            }
        };
    }

    /**
     * η_min + (lr − η_min)(1 + cos(π·epoch/tMax))/2 (PyTorch's CosineAnnealingLR, without restarts).
     *
     * @param opt    the optimizer
     * @param tMax   the epochs of the half cosine period
     * @param etaMin the smallest learning rate
     * @return the scheduler
     */
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

    /**
     * Linear warm-up: the factor goes from {@code startFactor} to 1 over {@code warmupSteps}, then stays 1
     * (PyTorch's LinearLR).
     *
     * @param opt         the optimizer
     * @param startFactor the factor at epoch 0
     * @param warmupSteps the epochs of the warm-up
     * @return the scheduler
     */
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
