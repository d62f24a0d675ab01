package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * How a loss combines its per-element values.
 *
 * <pre>{@code
 * Tensor perSample = Losses.mse(pred, target, Reduction.NONE);
 * }</pre>
 */
public enum Reduction {
    /** The mean over all elements. */
    MEAN,
    /** The sum over all elements. */
    SUM,
    /** The per-element values, unreduced. */
    NONE;

    /**
     * Applies this reduction.
     *
     * @param values the values to reduce
     * @return the reduced tensor
     */
    public Tensor apply(Tensor values) {
        return switch (this) {
            case MEAN -> values.mean();
            case SUM -> values.sum();
            case NONE -> values;
        };
    }
}
