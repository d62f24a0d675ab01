package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * Merges dimensions {@code start}…{@code end} (default 1…−1: everything but the batch).
 *
 * <pre>{@code
 * new Flatten().forward(Tensor.zeros(64, 1, 28, 28));   // [64, 784]
 * }</pre>
 */
public final class Flatten extends Module {
    private final int start, end;

    /** Flattens every dimension but the first (the batch). */
    public Flatten() {
        this(1, -1);
    }

    /**
     * Flattens dimensions {@code start} to {@code end}, inclusive (negative counts from the end).
     *
     * @param start the first dimension merged
     * @param end   the last dimension merged
     */
    public Flatten(int start, int end) {
        this.start = start;
        this.end = end;
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        return x.flatten(start, end);
    }
}
