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

    public Flatten() {
        this(1, -1);
    }

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
