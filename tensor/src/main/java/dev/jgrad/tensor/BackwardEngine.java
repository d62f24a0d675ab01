package dev.jgrad.tensor;

/**
 * The service {@link Tensor#backward()} delegates to; the {@code dev.jgrad.autograd} module
 * provides it, which keeps this module free of a dependency on autograd.
 *
 * <pre>{@code
 * // module-info.java of an engine module
 * provides dev.jgrad.tensor.BackwardEngine with my.Engine;
 * }</pre>
 */
public interface BackwardEngine {

    /**
     * Accumulates ∂root/∂leaf into every leaf's gradient.
     *
     * @param root        the tensor to differentiate (a scalar unless {@code seed} is given)
     * @param seed        ∂loss/∂root with root's shape, or null for a scalar root (seed 1)
     * @param retainGraph keep the graph so that it can be walked again
     */
    void backward(Tensor root, Tensor seed, boolean retainGraph);
}
