package dev.jgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Philox known answers, cuBLAS operand layouts and reduction launch plans; no GPU needed. */
class PhiloxAndLayoutTest {

    @Test
    void philoxMatchesTheRandom123KnownAnswers() {
        // kat_vectors of Random123: philox4x32 10 rounds
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, Philox.block(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                Philox.block(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void dropoutUniformsAreInTheUnitIntervalAndRoughlyUniform() {
        int n = 40000, below = 0;
        for (int i = 0; i < n; i++) {
            float u = Philox.uniform(Philox.word(1234, 0, i));
            assertTrue(u >= 0 && u < 1);
            if (u < 0.3f) below++;
        }
        assertEquals(0.3, below / (double) n, 0.01);
        assertEquals(0f, Philox.uniform(0));
        assertEquals(1 - 1f / 16777216, Philox.uniform(-1));
    }

    @Test
    void blasSeesRowMajorColumnMajorOrNeither() {
        assertArrayEquals(new int[] {0, 5}, Blas.layout(3, 5, 5, 1));     // contiguous
        assertArrayEquals(new int[] {0, 8}, Blas.layout(3, 5, 8, 1));     // padded rows
        assertArrayEquals(new int[] {1, 3}, Blas.layout(3, 5, 1, 3));     // a transpose
        assertArrayEquals(new int[] {0, 5}, Blas.layout(1, 5, 0, 1));     // one row: any row stride
        assertArrayEquals(new int[] {0, 1}, Blas.layout(4, 1, 1, 0));     // one column
        assertNull(Blas.layout(3, 5, 10, 2));                             // strided both ways
        assertNull(Blas.layout(3, 5, 0, 1));                              // broadcast rows
        assertTrue(Blas.supports(3, 4, 5, new int[] {0, 5, 1}, new int[] {0, 1, 5}));
        assertFalse(Blas.supports(3, 4, 5, new int[] {0, 10, 2}, new int[] {0, 4, 1}));
    }

    @Test
    void reductionsPickRowsOrColumnsAndSplitLongReductions() {
        int sms = 132;
        // sum over the last dim of [4096, 1024]: coalesced rows, no split
        CudaKernels.ReducePlan rows = CudaKernels.reducePlan(Indexing.coalesce(new int[] {4096}, new int[] {1}, new int[] {1024}),
                Indexing.coalesce(new int[] {1024}, new int[] {1}), sms);
        assertTrue(rows.rows());
        assertEquals(256, rows.bx());
        assertEquals(1, rows.chunks());
        // sum over dim 0 of [100000, 64]: columns, and split: 2 blocks of outputs would idle the GPU
        CudaKernels.ReducePlan cols = CudaKernels.reducePlan(Indexing.coalesce(new int[] {64}, new int[] {1}, new int[] {1}),
                Indexing.coalesce(new int[] {100000}, new int[] {64}), sms);
        assertFalse(cols.rows());
        assertTrue(cols.chunks() > 1);
        assertTrue((long) cols.chunks() * cols.chunk() >= 100000);
        // full reduction of 10^8 elements: one output, split over many blocks
        CudaKernels.ReducePlan all = CudaKernels.reducePlan(Indexing.coalesce(new int[0], new int[0], new int[0]),
                Indexing.coalesce(new int[] {100_000_000}, new int[] {1}), sms);
        assertTrue(all.rows());
        assertEquals(1024, all.bx());
        assertEquals(sms * 4, all.chunks());
    }
}
