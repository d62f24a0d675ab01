package dev.jgrad.nn.train;

import dev.jgrad.tensor.Tensor;

/**
 * A quantity accumulated over the batches of an epoch and read once at its end.
 *
 * <pre>{@code
 * Metric acc = Metric.accuracy();
 * acc.reset(); acc.update(logits, labels); acc.value();
 * }</pre>
 */
public interface Metric {
    /** {@return the key in logs and history ("accuracy", "f1", …)} */
    String name();

    /** Forgets what was accumulated. */
    void reset();

    /**
     * Accumulates one batch (outputs and targets are detached, on any device). The trainer closes
     * them when its step ends (docs/memory.md): a metric that keeps them must copy them; the tensors
     * it makes here are its own, outside the step's scope.
     *
     * @param output the model's outputs for the batch
     * @param target the batch's targets
     */
    void update(Tensor output, Tensor target);

    /** {@return the value over everything accumulated since {@link #reset()}} */
    double value();

    /**
     * Fraction of correct predictions. Outputs [N, C] are classified by argmax; outputs [N] or
     * [N, 1] (binary) by output &gt; 0 for logits.
     *
     * @return the metric
     */
    static Metric accuracy() {
        return new ConfusionMetric("accuracy", 0);
    }

    /**
     * Macro-averaged precision over {@code classes} classes.
     *
     * @param classes the number of classes
     * @return the metric
     */
    static Metric precision(int classes) {
        return new ConfusionMetric("precision", classes);
    }

    /**
     * Macro-averaged recall.
     *
     * @param classes the number of classes
     * @return the metric
     */
    static Metric recall(int classes) {
        return new ConfusionMetric("recall", classes);
    }

    /**
     * Macro-averaged F1 score.
     *
     * @param classes the number of classes
     * @return the metric
     */
    static Metric f1(int classes) {
        return new ConfusionMetric("f1", classes);
    }

    /**
     * Mean squared error over all elements.
     *
     * @return the metric
     */
    static Metric mse() {
        return new ErrorMetric("mse", true);
    }

    /**
     * Mean absolute error over all elements.
     *
     * @return the metric
     */
    static Metric mae() {
        return new ErrorMetric("mae", false);
    }
}
