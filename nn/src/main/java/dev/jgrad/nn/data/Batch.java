package dev.jgrad.nn.data;

import dev.jgrad.tensor.Tensor;

/**
 * A batch: inputs and targets stacked along a new first dimension.
 *
 * <pre>{@code
 * for (Batch b : loader) { Tensor loss = Losses.crossEntropy(model.forward(b.inputs()), b.targets()); }
 * }</pre>
 */
public record Batch(Tensor inputs, Tensor targets) {
    /** Number of samples. */
    public int size() {
        return inputs.size(0);
    }
}
