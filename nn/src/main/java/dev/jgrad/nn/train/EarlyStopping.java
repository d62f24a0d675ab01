package dev.jgrad.nn.train;

import dev.jgrad.nn.Module;
import dev.jgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stops training when a monitored value ("val_loss" by default) has not improved by at least
 * {@code minDelta} for {@code patience} epochs, optionally restoring the best weights seen.
 *
 * <pre>{@code
 * trainer.listeners(new EarlyStopping("val_loss", 3, 0.0, true));
 * }</pre>
 */
public final class EarlyStopping implements TrainingListener {
    private final String monitor;
    private final int patience;
    private final double minDelta;
    private final boolean restoreBest;
    private final boolean minimize;
    private double best;
    private int bad;
    private int stoppedEpoch;
    private Map<String, Tensor> bestState;

    /**
     * Monitors {@code monitor}; keys ending in "loss", "mse" or "mae" are minimised, others maximised.
     *
     * @param monitor     the key in the epoch logs, such as {@code "val_loss"}
     * @param patience    epochs without improvement before stopping
     * @param minDelta    the smallest change that counts as an improvement
     * @param restoreBest load the best epoch's weights back when training stops
     */
    public EarlyStopping(String monitor, int patience, double minDelta, boolean restoreBest) {
        if (monitor == null) throw new IllegalArgumentException("EarlyStopping: the monitored metric's name is null");
        if (patience < 0 || !(minDelta >= 0)) throw new IllegalArgumentException("EarlyStopping: patience and minDelta must be >= 0");
        this.monitor = monitor;
        this.patience = patience;
        this.minDelta = minDelta;
        this.restoreBest = restoreBest;
        this.minimize = monitor.endsWith("loss") || monitor.endsWith("mse") || monitor.endsWith("mae");
    }

    @Override
    public void onTrainBegin(Trainer trainer, int epochs, int batchesPerEpoch, int samplesPerEpoch) {
        best = minimize ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        bad = 0;
        stoppedEpoch = 0;
        bestState = null;
    }

    @Override
    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {
        Double v = logs.get(monitor);
        if (v == null) throw new IllegalStateException("EarlyStopping: \"" + monitor + "\" is not in the epoch logs " + logs.keySet());
        boolean improved = minimize ? v < best - minDelta : v > best + minDelta;
        if (improved) {
            best = v;
            bad = 0;
            if (restoreBest) bestState = snapshot(trainer.model());
        } else if (++bad > patience) {
            stoppedEpoch = epoch;
            trainer.requestStop();
        }
    }

    @Override
    public void onTrainEnd(Trainer trainer, History history) {
        if (restoreBest && bestState != null) trainer.model().loadStateDict(bestState);
    }

    /** {@return the epoch at which training was stopped, or 0 if it ran to the end} */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    /** {@return the best monitored value seen} */
    public double best() {
        return best;
    }

    private static Map<String, Tensor> snapshot(Module m) {
        Map<String, Tensor> copy = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }
}
