package dev.jgrad.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.Strided;
import org.junit.jupiter.api.Test;

/** Reference reductions and arg-reductions on a 2x3 matrix {{1, 5, 2}, {7, 0, 7}}. */
class ReduceRefTest {
    private static final double[] M = {1, 5, 2, 7, 0, 7};

    private static double[] reduce(ReduceFn fn, int[] kept, int[] reduced, double[] x, int... xStrides) {
        double[] out = new double[Math.max(Strided.numel(kept), 1)];
        ReduceRef.reduce(fn, kept, Strided.contiguous(new Buf.F64(out), kept), reduced, new Strided(new Buf.F64(x), 0, xStrides));
        return out;
    }

    private static long[] argReduce(boolean max, int[] kept, int[] reduced, double[] x, int... xStrides) {
        long[] out = new long[Math.max(Strided.numel(kept), 1)];
        ReduceRef.argReduce(max, kept, Strided.contiguous(new Buf.I64(out), kept), reduced, new Strided(new Buf.F64(x), 0, xStrides));
        return out;
    }

    @Test
    void rowAndColumnSums() {
        assertArrayEquals(new double[] {8, 14}, reduce(ReduceFn.SUM, new int[] {2}, new int[] {3}, M, 3, 1), 0);
        assertArrayEquals(new double[] {8, 5, 9}, reduce(ReduceFn.SUM, new int[] {3}, new int[] {2}, M, 1, 3), 0);
    }

    @Test
    void allElementsIntoA0dOutput() {
        assertArrayEquals(new double[] {22}, reduce(ReduceFn.SUM, new int[0], new int[] {2, 3}, M, 3, 1), 0);
        assertArrayEquals(new double[] {0}, reduce(ReduceFn.PROD, new int[0], new int[] {2, 3}, M, 3, 1), 0);
        assertArrayEquals(new double[] {7}, reduce(ReduceFn.MAX, new int[0], new int[] {2, 3}, M, 3, 1), 0);
        assertArrayEquals(new double[] {0}, reduce(ReduceFn.MIN, new int[0], new int[] {2, 3}, M, 3, 1), 0);
    }

    @Test
    void productOfRows() {
        assertArrayEquals(new double[] {10, 0}, reduce(ReduceFn.PROD, new int[] {2}, new int[] {3}, M, 3, 1), 0);
    }

    @Test
    void emptyReductionGivesTheIdentity() {
        double[] none = {};
        assertArrayEquals(new double[] {0}, reduce(ReduceFn.SUM, new int[0], new int[] {0}, none, 1), 0);
        assertArrayEquals(new double[] {1}, reduce(ReduceFn.PROD, new int[0], new int[] {0}, none, 1), 0);
        assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY}, reduce(ReduceFn.MAX, new int[0], new int[] {0}, none, 1), 0);
    }

    @Test
    void nanWinsMaxAndMinAndPoisonsSum() {
        double[] x = {1, Double.NaN, 3};
        assertTrue(Double.isNaN(reduce(ReduceFn.MAX, new int[0], new int[] {3}, x, 1)[0]));
        assertTrue(Double.isNaN(reduce(ReduceFn.MIN, new int[0], new int[] {3}, x, 1)[0]));
        assertTrue(Double.isNaN(reduce(ReduceFn.SUM, new int[0], new int[] {3}, x, 1)[0]));
    }

    @Test
    void reduceThroughABroadcastStride() {
        // a length-3 vector broadcast to 4x3 (stride 0 along the reduced dimension): each column summed 4 times
        assertArrayEquals(new double[] {4, 8, 12}, reduce(ReduceFn.SUM, new int[] {3}, new int[] {4}, new double[] {1, 2, 3}, 1, 0), 0);
    }

    @Test
    void argMaxFirstWinsTies() {
        assertArrayEquals(new long[] {1, 0}, argReduce(true, new int[] {2}, new int[] {3}, M, 3, 1));   // 7 at 0 and 2 → 0
        assertArrayEquals(new long[] {0, 1}, argReduce(false, new int[] {2}, new int[] {3}, M, 3, 1));
        assertArrayEquals(new long[] {1, 0, 1}, argReduce(true, new int[] {3}, new int[] {2}, M, 1, 3));
    }

    @Test
    void argOverAllElementsIsTheRowMajorPosition() {
        assertArrayEquals(new long[] {3}, argReduce(true, new int[0], new int[] {2, 3}, M, 3, 1));
        assertArrayEquals(new long[] {4}, argReduce(false, new int[0], new int[] {2, 3}, M, 3, 1));
        // over the transpose (3x2 view of M): the position counts in the view's order
        assertArrayEquals(new long[] {1}, argReduce(true, new int[0], new int[] {3, 2}, M, 1, 3));
    }

    @Test
    void argTreatsTheFirstNaNAsBothLargestAndSmallest() {
        double[] x = {1, Double.NaN, 9, Double.NaN, -9};
        assertArrayEquals(new long[] {1}, argReduce(true, new int[0], new int[] {5}, x, 1));
        assertArrayEquals(new long[] {1}, argReduce(false, new int[0], new int[] {5}, x, 1));
        assertArrayEquals(new long[] {0}, argReduce(true, new int[0], new int[] {2}, new double[] {Double.NaN, 5}, 1));
    }

    @Test
    void argOfInfinities() {
        double[] x = {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY};
        assertArrayEquals(new long[] {0}, argReduce(true, new int[0], new int[] {2}, x, 1));
    }

    @Test
    void argOverAnEmptyDimensionIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> argReduce(true, new int[0], new int[] {0}, new double[0], 1));
        assertEquals("argmax over an empty dimension", e.getMessage());
    }
}
