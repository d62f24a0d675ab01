package dev.jgrad.nn.train;

import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;

/**
 * One epoch's training losses, kept on their device and read back to the host a group at a
 * time: {@code groupSize} losses cost one transfer, and so one wait for the device, instead of
 * one each. When a group is read, each of its batches is checked for a non-finite loss and
 * delivered to the listeners' {@code onBatchEnd} in order, with its own value and size.
 *
 * <p>With groups of one ({@link #readsEachStep()}) the trainer reads each loss before the
 * optimizer steps ({@link #readBeforeStep}), so a non-finite loss stops training with the model
 * and the optimizer as they were after the previous batch; the value read is then delivered with
 * {@link #addRead} after the step, without reading it again.
 *
 * <p>A pending loss outlives the scope of the step that computed it (it is taken out with
 * {@link TensorScope#escape}) and is closed once read; the listeners run outside every scope, so
 * what they make lives as it would without one.
 *
 * <pre>{@code
 * DeferredLosses losses = new DeferredLosses(trainer, listeners, epoch, 16);
 * for (Batch b : loader) { ...; losses.add(loss, b.size()); }
 * losses.flush();                      // the last, partial group
 * double epochLoss = losses.mean();
 * }</pre>
 */
final class DeferredLosses {
    private final Trainer trainer;
    private final List<TrainingListener> listeners;
    private final int epoch;
    private final int groupSize;
    private final List<Tensor> pending;
    private final int[] pendingSizes;
    private int stepsTaken;   // batches trained so far this epoch, read or not
    private int delivered;    // batches whose loss has been read and delivered
    private double lossSum;
    private long samples;

    DeferredLosses(Trainer trainer, List<TrainingListener> listeners, int epoch, int groupSize) {
        this.trainer = trainer;
        this.listeners = listeners;
        this.epoch = epoch;
        this.groupSize = groupSize;
        this.pending = new ArrayList<>(groupSize);
        this.pendingSizes = new int[groupSize];
    }

    /** Whether each loss is read at its own step, before the optimizer steps. */
    boolean readsEachStep() {
        return groupSize == 1;
    }

    /**
     * Reads the loss of the step about to be taken (groups of one only); throws, naming the epoch
     * and the batch, when it is not finite, so the caller does not step.
     */
    double readBeforeStep(Tensor loss) {
        checkOneElement(loss);
        double value = loss.item();
        if (!Double.isFinite(value)) {
            throw new IllegalStateException("fit: stopped before the step, with the model and the optimizer as after the previous batch:"
                    + " the loss became " + value + " at epoch " + epoch + ", batch " + (stepsTaken + 1) + "; lower the learning rate or check the data");
        }
        return value;
    }

    /** Delivers a step's loss already read by {@link #readBeforeStep}. */
    void addRead(double value, int batchSize) {
        stepsTaken++;
        deliver(value, batchSize);
    }

    private static void checkOneElement(Tensor loss) {
        if (loss.numel() != 1) {
            throw new IllegalArgumentException("fit: the loss must have one element, got shape " + java.util.Arrays.toString(loss.shape()));
        }
    }

    /** Keeps one step's loss (detached; its graph is not held) and reads the group once it is full. */
    void add(Tensor loss, int batchSize) {
        checkOneElement(loss);
        pendingSizes[pending.size()] = batchSize;
        pending.add(TensorScope.escape(loss.detach().reshape(-1)));   // its storage outlives the step's scope until read
        stepsTaken++;
        if (pending.size() == groupSize) flush();
    }

    /** Reads the losses not yet read, in one transfer, and delivers their batches in order. */
    void flush() {
        if (pending.isEmpty()) return;
        // one device-to-host copy for the whole group: the only point where the host waits for the device
        Tensor group = pending.size() == 1 ? pending.get(0) : Tensor.cat(pending, 0);
        double[] values = group.toDoubleArray();
        group.close();
        for (Tensor t : pending) t.close();
        pending.clear();
        for (int i = 0; i < values.length; i++) {
            int batch = delivered + 1;
            double value = values[i];
            if (!Double.isFinite(value)) {
                // read after the step: the model has taken this batch's step and any later ones of the group
                throw new IllegalStateException("fit: the loss became " + value + " at epoch " + epoch + ", batch " + batch
                        + "; lower the learning rate or check the data (losses are read every " + groupSize + " steps; training had reached batch "
                        + stepsTaken + ", so the model and the optimizer have taken the steps of batches " + batch + "-" + stepsTaken
                        + "; lossSyncEvery(1) stops before the step)");
            }
            deliver(value, pendingSizes[i]);
        }
    }

    private void deliver(double value, int size) {
        int batch = delivered + 1;
        lossSum += value * size;
        samples += size;
        delivered = batch;
        try (var _ = TensorScope.unscoped()) {   // a listener's tensors are its own, not the step's
            for (TrainingListener l : listeners) l.onBatchEnd(trainer, epoch, batch, value, size);
        }
    }

    /** The sample-weighted mean of the losses delivered so far (0 when none). */
    double mean() {
        return lossSum / Math.max(samples, 1);
    }
}
