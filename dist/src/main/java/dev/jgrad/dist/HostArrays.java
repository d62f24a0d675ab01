package dev.jgrad.dist;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Java arrays as memory segments, and copies between them and native memory. */
final class HostArrays {
    private HostArrays() {}

    /** {@return a heap segment over the whole array} */
    static MemorySegment segment(Object array) {
        return switch (array) {
            case float[] a -> MemorySegment.ofArray(a);
            case double[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            case byte[] a -> MemorySegment.ofArray(a);
            default -> throw new IllegalArgumentException("no memory segment over " + array.getClass().getSimpleName());
        };
    }

    /** Copies elements [offset, offset + n) of {@code array} to the start of {@code dst}. */
    static void copyOut(Object array, int offset, int n, MemorySegment dst) {
        if (array instanceof boolean[] b) {
            for (int i = 0; i < n; i++) dst.set(ValueLayout.JAVA_BYTE, i, (byte) (b[offset + i] ? 1 : 0));
            return;
        }
        int es = elementSize(array);
        MemorySegment.copy(segment(array), (long) offset * es, dst, 0, (long) n * es);
    }

    /** Copies n elements from the start of {@code src} into {@code array} at {@code offset}. */
    static void copyIn(MemorySegment src, Object array, int offset, int n) {
        if (array instanceof boolean[] b) {
            for (int i = 0; i < n; i++) b[offset + i] = src.get(ValueLayout.JAVA_BYTE, i) != 0;
            return;
        }
        int es = elementSize(array);
        MemorySegment.copy(src, 0, segment(array), (long) offset * es, (long) n * es);
    }

    static int elementSize(Object array) {
        return switch (array) {
            case float[] a -> 4;
            case double[] a -> 8;
            case int[] a -> 4;
            case long[] a -> 8;
            case short[] a -> 2;
            case byte[] a -> 1;
            case boolean[] a -> 1;
            default -> throw new IllegalArgumentException("unsupported array " + array.getClass().getSimpleName());
        };
    }
}
