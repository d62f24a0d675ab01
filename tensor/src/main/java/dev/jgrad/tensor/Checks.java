package dev.jgrad.tensor;

import java.util.List;

/**
 * Argument checks at the public entry points, so that bad input fails with a message naming the
 * op instead of an exception from deep inside (see docs/robustness.md).
 */
final class Checks {
    private Checks() {}

    /**
     * The most elements one tensor may hold: the largest array the JVM reliably allocates
     * ({@code Integer.MAX_VALUE - 8}, as {@code jdk.internal.util.ArraysSupport.SOFT_MAX_ARRAY_LENGTH}).
     */
    static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** {@code value}, or an IllegalArgumentException naming the op and the parameter when it is null. */
    static <T> T notNull(String op, String what, T value) {
        if (value == null) throw new IllegalArgumentException(op + ": " + what + " is null");
        return value;
    }

    /** A list of tensors: not null, no null entries. */
    static List<Tensor> tensors(String op, List<Tensor> list) {
        notNull(op, "the list of tensors", list);
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) throw new IllegalArgumentException(op + ": tensor " + i + " of the list is null");
        }
        return list;
    }

    /**
     * Refuses a heap allocation that cannot succeed: more elements than an array holds, or more
     * bytes than the heap's maximum ({@code -Xmx}). Failing here, with the shape in the message,
     * replaces an OutOfMemoryError that would otherwise leave the caller guessing (and put the
     * rest of the JVM under memory pressure while the collector tries).
     */
    static void heapAllocation(String op, DType dtype, long numel, int[] shape) {
        if (numel > MAX_ELEMENTS) {
            throw new IllegalArgumentException(op + ": " + numel + " elements" + (shape == null ? "" : " (shape " + Shapes.str(shape) + ")")
                    + " is more than a tensor holds (at most 2^31-9, the largest Java array)");
        }
        long bytes = numel * dtype.byteSize();
        long max = Runtime.getRuntime().maxMemory();
        if (max != Long.MAX_VALUE && bytes > max) {
            throw new IllegalArgumentException(op + ": a " + dtype + " tensor of " + numel + " elements"
                    + (shape == null ? "" : " (shape " + Shapes.str(shape) + ")") + " needs " + mib(bytes)
                    + " but the Java heap holds at most " + mib(max) + " (raise -Xmx)");
        }
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }
}
