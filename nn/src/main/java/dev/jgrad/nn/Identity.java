package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * Returns its input unchanged: a placeholder where an architecture has an optional layer (a
 * classifier head removed for feature extraction, a skipped normalisation), as PyTorch's
 * {@code nn.Identity}. It has no parameters.
 *
 * <pre>{@code
 * Sequential net = new Sequential(new Linear(784, 128), useNorm ? new LayerNorm(128) : new Identity(), Activation.relu());
 * }</pre>
 */
public final class Identity extends Module {

    /** An identity layer. */
    public Identity() {}

    @Override
    public Tensor forward(Tensor x) {
        return Args.input(this, x);
    }
}
