package dev.jgrad.cuda.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Coalescing of index spaces and the Indexer struct the kernels take; no GPU needed. */
class IndexingTest {

    @Test
    void aContiguousTensorOfAnyRankIsOneDenseRun() {
        Indexing.Plan p = Indexing.coalesce(new int[] {2, 3, 4}, new int[] {12, 4, 1}, new int[] {12, 4, 1});
        assertArrayEquals(new int[] {24}, p.shape());
        assertArrayEquals(new int[] {1}, p.strides()[0]);
        assertTrue(p.dense());
    }

    @Test
    void sizeOneDimensionsDropAndBroadcastBlocksMerging() {
        // out [4, 1, 5] contiguous; b broadcasts along dim 0
        Indexing.Plan p = Indexing.coalesce(new int[] {4, 1, 5}, new int[] {5, 5, 1}, new int[] {0, 99, 1});
        assertArrayEquals(new int[] {4, 5}, p.shape());
        assertArrayEquals(new int[] {5, 1}, p.strides()[0]);
        assertArrayEquals(new int[] {0, 1}, p.strides()[1]);
        assertFalse(p.dense());
    }

    @Test
    void aTransposeStaysTwoDimensional() {
        Indexing.Plan p = Indexing.coalesce(new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 3});
        assertArrayEquals(new int[] {3, 2}, p.shape());
        assertArrayEquals(new int[] {1, 3}, p.strides()[1]);
    }

    @Test
    void scalarsAndEmptySpaces() {
        Indexing.Plan s = Indexing.coalesce(new int[0], new int[0]);
        assertEquals(0, s.ndim());
        assertEquals(1, s.numel());
        Indexing.Plan z = Indexing.coalesce(new int[] {3, 0, 2}, new int[] {0, 2, 1});
        assertEquals(0, z.numel());
    }

    @Test
    void theStructListsTheInnermostDimensionFirst() {
        Indexing.Plan p = new Indexing.Plan(new int[] {4, 5}, new int[][] {{5, 1}, {0, 1}});
        int[] ints = p.toInts();
        assertEquals(Indexing.structBytes(2) / 4, ints.length);
        assertEquals(25, ints.length);
        assertEquals(2, ints[0]);
        assertArrayEquals(new int[] {5, 4, 1, 1, 1, 1, 1, 1}, java.util.Arrays.copyOfRange(ints, 1, 9));
        assertArrayEquals(new int[] {1, 5, 0, 0, 0, 0, 0, 0}, java.util.Arrays.copyOfRange(ints, 9, 17));
        assertArrayEquals(new int[] {1, 0, 0, 0, 0, 0, 0, 0}, java.util.Arrays.copyOfRange(ints, 17, 25));
    }

    @Test
    void spacesDeeperThanEightDimensionsAreSplitOnTheHost() {
        // 10 dims of size 2 with strides that never merge: operand 1 is a permutation
        int nd = 10;
        int[] shape = new int[nd], s0 = new int[nd], s1 = new int[nd];
        for (int d = 0; d < nd; d++) {
            shape[d] = 2;
            s0[d] = 1 << (2 * (nd - 1 - d));       // gaps: nothing merges
            s1[d] = 1 << d;                        // reversed
        }
        Indexing.Plan p = Indexing.coalesce(shape, s0, s1);
        assertEquals(10, p.ndim());
        List<Indexing.Chunk> chunks = p.chunks();
        assertEquals(4, chunks.size());
        // every element of the space is visited exactly once across chunks
        Set<Long> seen = new HashSet<>();
        for (Indexing.Chunk c : chunks) {
            assertEquals(8, c.plan().ndim());
            for (int i = 0; i < c.plan().numel(); i++) {
                long off0 = c.offsets()[0], off1 = c.offsets()[1];
                int rem = i;
                for (int d = 7; d >= 0; d--) {
                    int r = rem % 2;
                    rem /= 2;
                    off0 += (long) r * c.plan().strides()[0][d];
                    off1 += (long) r * c.plan().strides()[1][d];
                }
                assertTrue(seen.add(off0 * 1_000_000 + off1));
            }
        }
        assertEquals(1024, seen.size());
    }
}
