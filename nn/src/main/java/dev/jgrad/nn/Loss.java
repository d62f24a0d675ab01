package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * A loss: the model's output and the target in, a scalar out. The methods of {@link Losses}
 * fit it directly.
 *
 * <pre>{@code
 * Loss loss = Losses::crossEntropy;
 * Loss smoothed = (out, y) -> Losses.crossEntropy(out, y, Losses.IGNORE_NONE, 0.1, Reduction.MEAN);
 * }</pre>
 */
@FunctionalInterface
public interface Loss {
    /**
     * {@return the loss of {@code output} against {@code target}}
     *
     * @param output the model's output
     * @param target the expected values
     */
    Tensor apply(Tensor output, Tensor target);
}
