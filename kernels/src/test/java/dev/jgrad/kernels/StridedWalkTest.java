package dev.jgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Row-major order and per-operand offsets of {@link StridedWalk}. */
class StridedWalkTest {
    private static final Buf ANY = new Buf.F32(new float[64]);

    /** Offsets of operand {@code k} over the whole walk. */
    private static int[] offsets(int[] shape, int k, Strided... ops) {
        StridedWalk it = new StridedWalk(shape, ops);
        int[] out = new int[Strided.numel(shape)];
        for (int i = 0; i < out.length; i++, it.next()) out[i] = it.offset(k);
        return out;
    }

    @Test
    void contiguousWalkIsRowMajorFromTheOffset() {
        assertArrayEquals(new int[] {5, 6, 7, 8, 9, 10}, offsets(new int[] {2, 3}, 0, new Strided(ANY, 5, new int[] {3, 1})));
    }

    @Test
    void transposedOperandFollowsItsStrides() {
        // a contiguous 3x2 matrix read as its 2x3 transpose
        assertArrayEquals(new int[] {0, 2, 4, 1, 3, 5}, offsets(new int[] {2, 3}, 0, new Strided(ANY, 0, new int[] {1, 2})));
    }

    @Test
    void strideZeroBroadcastsARow() {
        Strided out = new Strided(ANY, 0, new int[] {3, 1});
        Strided row = new Strided(ANY, 10, new int[] {0, 1});
        Strided col = new Strided(ANY, 20, new int[] {1, 0});
        assertArrayEquals(new int[] {10, 11, 12, 10, 11, 12}, offsets(new int[] {2, 3}, 1, out, row, col));
        assertArrayEquals(new int[] {20, 20, 20, 21, 21, 21}, offsets(new int[] {2, 3}, 2, out, row, col));
    }

    @Test
    void indicesAdvanceLastDimensionFirst() {
        StridedWalk it = new StridedWalk(new int[] {2, 2, 2}, Strided.contiguous(ANY, new int[] {2, 2, 2}));
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < 8; n++, it.next()) sb.append(it.index(0)).append(it.index(1)).append(it.index(2)).append(' ');
        assertEquals("000 001 010 011 100 101 110 111 ", sb.toString());
    }

    @Test
    void wrapsToTheStartAfterTheLastElement() {
        StridedWalk it = new StridedWalk(new int[] {2, 3}, new Strided(ANY, 4, new int[] {3, 1}));
        for (int n = 0; n < 6; n++) it.next();
        assertEquals(4, it.offset(0));
        assertEquals(0, it.index(0));
        assertEquals(0, it.index(1));
    }

    @Test
    void zeroDimensionalShapeHasOneElementAtTheOffset() {
        assertEquals(1, Strided.numel(new int[0]));
        StridedWalk it = new StridedWalk(new int[0], new Strided(ANY, 7, new int[0]), new Strided(ANY, 3, new int[0]));
        assertEquals(7, it.offset(0));
        assertEquals(3, it.offset(1));
        it.next();
        assertEquals(7, it.offset(0));
        assertEquals(3, it.offset(1));
    }

    @Test
    void sizeZeroDimensionMeansNoElements() {
        assertEquals(0, Strided.numel(new int[] {3, 0, 2}));
        assertArrayEquals(new int[0], offsets(new int[] {3, 0, 2}, 0, Strided.contiguous(ANY, new int[] {3, 0, 2})));
    }

    @Test
    void contiguousStridesTreatZeroSizesAsOne() {
        assertArrayEquals(new int[] {12, 4, 1}, Strided.contiguousStrides(new int[] {2, 3, 4}));
        assertArrayEquals(new int[] {3, 3, 1}, Strided.contiguousStrides(new int[] {2, 0, 3}));
        assertArrayEquals(new int[0], Strided.contiguousStrides(new int[0]));
    }

    @Test
    void rejectsAnOperandOfAnotherRank() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new StridedWalk(new int[] {2, 3}, new Strided(ANY, 0, new int[] {1})));
        assertTrue(e.getMessage().contains("operand 0 has 1 strides for a 2-d index space"), e.getMessage());
    }

    @Test
    void numelRejectsMoreThanIntMaxElements() {
        var e = assertThrows(IllegalArgumentException.class, () -> Strided.numel(new int[] {65536, 65536}));
        assertTrue(e.getMessage().contains("4294967296"), e.getMessage());
    }
}
