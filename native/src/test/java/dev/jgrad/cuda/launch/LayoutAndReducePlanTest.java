package dev.jgrad.cuda.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** cuBLAS operand layouts and reduction launch plans; no GPU needed. */
class LayoutAndReducePlanTest {

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
