package dev.jgrad.nn.data;

import dev.jgrad.tensor.Tensor;

/**
 * A batch: inputs and targets stacked along a new first dimension.
 *
 * <pre>{@code
 * for (Batch b : loader) { Tensor loss = Losses.crossEntropy(model.forward(b.inputs()), b.targets()); }
 * }</pre>
 *
 * @param inputs  the inputs [batch, …]
 * @param targets the targets [batch, …]
 */
public record Batch(Tensor inputs, Tensor targets) {
    /** {@return number of samples} */
    public int size() {
        return inputs.size(0);
    }
}
