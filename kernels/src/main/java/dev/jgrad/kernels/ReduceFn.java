package dev.jgrad.kernels;

/**
 * Associative reductions: a starting value and a combining step.
 *
 * <pre>{@code
 * double acc = ReduceFn.MAX.identity();
 * for (double v : values) acc = ReduceFn.MAX.combine(acc, v);
 * }</pre>
 */
public enum ReduceFn {
    SUM(0) { public double combine(double acc, double v) { return acc + v; } },
    PROD(1) { public double combine(double acc, double v) { return acc * v; } },
    /** NaN wins, as in PyTorch. */
    MAX(Double.NEGATIVE_INFINITY) { public double combine(double acc, double v) { return Math.max(acc, v); } },
    /** NaN wins, as in PyTorch. */
    MIN(Double.POSITIVE_INFINITY) { public double combine(double acc, double v) { return Math.min(acc, v); } };

    private final double identity;

    ReduceFn(double identity) {
        this.identity = identity;
    }

    /** The value of the reduction over no elements. */
    public double identity() {
        return identity;
    }

    /** The accumulator after seeing one more value. */
    public abstract double combine(double acc, double v);
}
