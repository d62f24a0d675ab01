package dev.jgrad.kernels;

/**
 * Associative reductions: a starting value, a combining step and the name of its CUDA kernels.
 *
 * <pre>{@code
 * double acc = ReduceFn.MAX.identity();
 * for (double v : values) acc = ReduceFn.MAX.combine(acc, v);
 * }</pre>
 */
public enum ReduceFn {
    SUM("sum", 0) { public double combine(double acc, double v) { return acc + v; } },
    PROD("prod", 1) { public double combine(double acc, double v) { return acc * v; } },
    /** NaN wins, as in PyTorch. */
    MAX("max", Double.NEGATIVE_INFINITY) { public double combine(double acc, double v) { return Math.max(acc, v); } },
    /** NaN wins, as in PyTorch. */
    MIN("min", Double.POSITIVE_INFINITY) { public double combine(double acc, double v) { return Math.min(acc, v); } };

    private final String cudaName;
    private final double identity;

    ReduceFn(String cudaName, double identity) {
        this.cudaName = cudaName;
        this.identity = identity;
    }

    /** The reduction's part of its CUDA kernels' names in reduce.cu: {@code reduce_rows_<cudaName>_<type suffix>}. */
    public String cudaName() {
        return cudaName;
    }

    /** The value of the reduction over no elements. */
    public double identity() {
        return identity;
    }

    /** The accumulator after seeing one more value. */
    public abstract double combine(double acc, double v);
}
