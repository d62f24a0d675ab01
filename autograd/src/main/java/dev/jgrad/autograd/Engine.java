package dev.jgrad.autograd;

import dev.jgrad.tensor.BackwardEngine;
import dev.jgrad.tensor.Tensor;

/**
 * The engine behind {@link Tensor#backward()}: a {@link BackwardPass} run to its end.
 * Found by {@code Tensor} through {@link java.util.ServiceLoader}.
 *
 * <pre>{@code
 * loss.backward();   // same as new Engine().backward(loss, null, false)
 * }</pre>
 */
public final class Engine implements BackwardEngine {

    /** Public for the service loader. */
    public Engine() {}

    @Override
    public void backward(Tensor root, Tensor seed, boolean retainGraph) {
        BackwardCallbacks.around(() -> {
            BackwardPass pass = new BackwardPass(root, seed, retainGraph, true);
            while (pass.hasNext()) pass.step();
        });
    }
}
