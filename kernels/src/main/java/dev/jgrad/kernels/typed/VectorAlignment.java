package dev.jgrad.kernels.typed;

/**
 * Where a float array's elements meet vector boundaries in memory, so that streaming loops can
 * start their vector loads on one.
 *
 * <p>A large Java array (past half a G1 region: every operand that streams from L3 or memory) starts
 * on a region boundary, so its element i lies at a fixed distance from a cache line: the array
 * header's size plus 4·i bytes. With the default header (16 bytes) element 0 is 16 bytes past a
 * line, and every 64-byte vector load of a loop from element 0 straddles two lines; starting the
 * loop {@link #peel} elements later makes each load one line (measured in docs/design-notes.md,
 * "Aligned vector loads"). Small arrays start anywhere 8-byte aligned and gain nothing, but lose
 * nothing either: the peel depends only on the element index, never on an address, so results
 * stay the same from run to run.
 *
 * <pre>{@code
 * int h = VectorAlignment.peel(o, 16);   // 0..15 elements before x[o + h] starts a 64-byte line
 * }</pre>
 */
public final class VectorAlignment {
    /** Byte offset of element 0 in a float array (the JVM's array header), 16 where it cannot be read. */
    static final int FLOAT_BASE_BYTES = floatBaseBytes();

    private VectorAlignment() {}

    /**
     * {@return how many elements from index {@code i} of a float array to the next element at a
     * multiple of {@code lanes} floats in memory (0 when {@code i} is on one), assuming the array
     * starts on such a boundary}
     *
     * @param i     an element index
     * @param lanes the vector length in floats, a power of two
     */
    public static int peel(int i, int lanes) {
        int at = FLOAT_BASE_BYTES / Float.BYTES + i;
        return (lanes - (at & (lanes - 1))) & (lanes - 1);
    }

    /**
     * The header size, read from {@code sun.misc.Unsafe.ARRAY_FLOAT_BASE_OFFSET} by reflection (no
     * memory access through Unsafe): 16 bytes on 64-bit HotSpot, 12 with compact object headers.
     */
    private static int floatBaseBytes() {
        try {
            Object v = Class.forName("sun.misc.Unsafe").getField("ARRAY_FLOAT_BASE_OFFSET").get(null);
            int b = (Integer) v;
            return b >= 0 && b % Float.BYTES == 0 ? b : 16;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return 16;
        }
    }
}
