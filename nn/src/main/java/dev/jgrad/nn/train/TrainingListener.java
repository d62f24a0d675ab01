package dev.jgrad.nn.train;

import java.util.Map;

/**
 * Callbacks from {@link Trainer#fit}; every method has an empty default.
 *
 * <pre>{@code
 * trainer.listeners(new TrainingListener() {
 *     public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) { System.out.println(logs); }
 * });
 * }</pre>
 */
public interface TrainingListener {
    /**
     * Before the first epoch of a {@link Trainer#fit} call; {@code epochs} is the number of the last
     * planned epoch: the planned total for a new run, 6 for {@code fit(…, 3)} resumed after epoch 3.
     *
     * @param trainer         the trainer
     * @param epochs          the number of the last planned epoch
     * @param batchesPerEpoch batches per epoch
     * @param samplesPerEpoch samples per epoch
     */
    default void onTrainBegin(Trainer trainer, int epochs, int batchesPerEpoch, int samplesPerEpoch) {}

    /**
     * Before each epoch (1-based).
     *
     * @param trainer the trainer
     * @param epoch   the epoch's number
     */
    default void onEpochBegin(Trainer trainer, int epoch) {}

    /**
     * After each training batch (1-based), with its loss and size, once per batch and in order.
     * The loss is read from the device a group of steps at a time ({@link Trainer#lossSyncEvery(int)}:
     * every step on the CPU, every 16 on a GPU unless set), so on a GPU the calls come in bursts and
     * the model may have taken up to that many − 1 further steps; all of an epoch's calls come before
     * its {@link #onEpochEnd}.
     *
     * @param trainer   the trainer
     * @param epoch     the epoch's number
     * @param batch     the batch's number in the epoch
     * @param loss      the batch's loss
     * @param batchSize the batch's size
     */
    default void onBatchEnd(Trainer trainer, int epoch, int batch, double loss, int batchSize) {}

    /**
     * After each epoch, with its logs (training loss, metrics, validation results, lr, seconds).
     *
     * @param trainer the trainer
     * @param epoch   the epoch's number
     * @param logs    the epoch's values by key
     */
    default void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {}

    /**
     * After training ends (normally or by {@link Trainer#requestStop()}).
     *
     * @param trainer the trainer
     * @param history the history of the {@link Trainer#fit} call's epochs
     */
    default void onTrainEnd(Trainer trainer, History history) {}
}
