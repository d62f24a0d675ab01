package dev.jgrad.dist;

import java.lang.foreign.MemorySegment;
import java.util.function.IntFunction;

/**
 * The reduction of an all-reduce whose data came inline with the call header: every rank holds
 * every rank's contribution and combines them itself, always in rank order
 * ({@code ((c0 ∘ c1) ∘ c2) ∘ …}), so every rank computes the same result bit for bit. With two
 * ranks this is also MPI_Allreduce's result (sum, max and min of two values do not depend on the
 * order); with more, a sum may differ from MPI's in the last bit, as MPI's own algorithms differ
 * from one another. MAX and MIN are {@link Math#max}/{@link Math#min}: a NaN wins, and +0 is
 * larger than −0.
 */
final class LocalReduce {
    /** Contributions are copied from native memory into this array before each pass, so the pass is a loop over two Java arrays. */
    private Object scratch;

    /**
     * Replaces elements [offset, offset + n) of {@code array} with the reduction of the ranks'
     * contributions ({@code contribution.apply(r)}: rank r's n elements in native memory; this
     * rank's, {@code rank}'s, are also those in the array).
     */
    void reduce(Object array, int offset, int n, ReduceOp op, int rank, int size, IntFunction<MemorySegment> contribution) {
        if (n == 0 || size < 2) return;
        int es = HostArrays.elementSize(array);
        Object s = scratch(array, n);
        MemorySegment scratchSegment = HostArrays.segment(s);
        // ranks 0 and 1 start from their own data, already in the array: c0 ∘ c1 = c1 ∘ c0 bit for bit for these ops
        if (rank >= 2) MemorySegment.copy(contribution.apply(0), 0, HostArrays.segment(array), (long) offset * es, (long) n * es);
        for (int r = 1; r < size; r++) {
            int from = r == 1 && rank <= 1 ? 1 - rank : r;
            MemorySegment.copy(contribution.apply(from), 0, scratchSegment, 0, (long) n * es);
            switch (array) {
                case float[] f -> combine(f, offset, n, (float[]) s, op);
                case double[] f -> combine(f, offset, n, (double[]) s, op);
                case int[] f -> combine(f, offset, n, (int[]) s, op);
                case long[] f -> combine(f, offset, n, (long[]) s, op);
                default -> throw new IllegalStateException("allReduce of " + array.getClass().getSimpleName());
            }
        }
    }

    private Object scratch(Object like, int n) {
        Object s = scratch;
        if (s != null && s.getClass() == like.getClass() && java.lang.reflect.Array.getLength(s) >= n) return s;
        s = switch (like) {
            case float[] a -> new float[n];
            case double[] a -> new double[n];
            case int[] a -> new int[n];
            case long[] a -> new long[n];
            default -> throw new IllegalStateException("allReduce of " + like.getClass().getSimpleName());
        };
        scratch = s;
        return s;
    }

    // one loop per op, so that each is a plain element-wise loop the JIT vectorises

    private static void combine(float[] acc, int o, int n, float[] x, ReduceOp op) {
        switch (op) {
            case SUM, AVG -> {
                for (int i = 0; i < n; i++) acc[o + i] += x[i];
            }
            case MAX -> {
                for (int i = 0; i < n; i++) acc[o + i] = Math.max(acc[o + i], x[i]);
            }
            case MIN -> {
                for (int i = 0; i < n; i++) acc[o + i] = Math.min(acc[o + i], x[i]);
            }
        }
    }

    private static void combine(double[] acc, int o, int n, double[] x, ReduceOp op) {
        switch (op) {
            case SUM, AVG -> {
                for (int i = 0; i < n; i++) acc[o + i] += x[i];
            }
            case MAX -> {
                for (int i = 0; i < n; i++) acc[o + i] = Math.max(acc[o + i], x[i]);
            }
            case MIN -> {
                for (int i = 0; i < n; i++) acc[o + i] = Math.min(acc[o + i], x[i]);
            }
        }
    }

    private static void combine(int[] acc, int o, int n, int[] x, ReduceOp op) {
        switch (op) {
            case SUM, AVG -> {
                for (int i = 0; i < n; i++) acc[o + i] += x[i];
            }
            case MAX -> {
                for (int i = 0; i < n; i++) acc[o + i] = Math.max(acc[o + i], x[i]);
            }
            case MIN -> {
                for (int i = 0; i < n; i++) acc[o + i] = Math.min(acc[o + i], x[i]);
            }
        }
    }

    private static void combine(long[] acc, int o, int n, long[] x, ReduceOp op) {
        switch (op) {
            case SUM, AVG -> {
                for (int i = 0; i < n; i++) acc[o + i] += x[i];
            }
            case MAX -> {
                for (int i = 0; i < n; i++) acc[o + i] = Math.max(acc[o + i], x[i]);
            }
            case MIN -> {
                for (int i = 0; i < n; i++) acc[o + i] = Math.min(acc[o + i], x[i]);
            }
        }
    }
}
