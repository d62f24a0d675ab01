package dev.jgrad.kernels;

/**
 * Associative reductions: a starting value, a combining step (in double, and in long for integer
 * tensors) and the name of its CUDA kernels.
 *
 * <pre>{@code
 * double acc = ReduceFn.MAX.identity();
 * for (double v : values) acc = ReduceFn.MAX.combine(acc, v);
 * }</pre>
 */
public enum ReduceFn {
    /** Sum; 0 over no elements. */
    SUM("sum", 0, 0) {
        public double combine(double acc, double v) { return acc + v; }
        public long combineLong(long acc, long v) { return acc + v; }
    },
    /** Product; 1 over no elements. */
    PROD("prod", 1, 1) {
        public double combine(double acc, double v) { return acc * v; }
        public long combineLong(long acc, long v) { return acc * v; }
    },
    /** NaN wins, as in PyTorch. */
    MAX("max", Double.NEGATIVE_INFINITY, Long.MIN_VALUE) {
        public double combine(double acc, double v) { return Math.max(acc, v); }
        public long combineLong(long acc, long v) { return Math.max(acc, v); }
    },
    /** NaN wins, as in PyTorch. */
    MIN("min", Double.POSITIVE_INFINITY, Long.MAX_VALUE) {
        public double combine(double acc, double v) { return Math.min(acc, v); }
        public long combineLong(long acc, long v) { return Math.min(acc, v); }
    };

    private final String cudaName;
    private final double identity;
    private final long identityLong;

    ReduceFn(String cudaName, double identity, long identityLong) {
        this.cudaName = cudaName;
        this.identity = identity;
        this.identityLong = identityLong;
    }

    /**
     * {@return the reduction's part of its CUDA kernels' names in reduce.cu: {@code
     * reduce_rows_<cudaName>_<type suffix>}}
     */
    public String cudaName() {
        return cudaName;
    }

    /** {@return the value of the reduction over no elements} */
    public double identity() {
        return identity;
    }

    /** {@return the value of the reduction over no integers (the integer kernels accumulate in long)} */
    public long identityLong() {
        return identityLong;
    }

    /**
     * {@return the accumulator after seeing one more value}
     *
     * @param acc the accumulator so far
     * @param v   the next value
     */
    public abstract double combine(double acc, double v);

    /**
     * {@return the long accumulator after seeing one more integer: exact, sums and products wrapping on
     * overflow}
     *
     * @param acc the accumulator so far
     * @param v   the next value
     */
    public abstract long combineLong(long acc, long v);
}
