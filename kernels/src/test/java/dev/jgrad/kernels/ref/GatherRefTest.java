package dev.jgrad.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Strided;
import org.junit.jupiter.api.Test;

/** Reference gather and scatter-add, including out-of-range (and so negative) indices. */
class GatherRefTest {
    // x = [[1, 2, 3], [4, 5, 6]]
    private static final double[] X = {1, 2, 3, 4, 5, 6};

    private static double[] gather(int[] shape, int dim, int dimSize, long[] index) {
        double[] out = new double[Strided.numel(shape)];
        GatherRef.gather(shape, dim, dimSize, Strided.contiguous(new Buf.F64(out), shape),
                new Strided(new Buf.F64(X), 0, new int[] {3, 1}), Strided.contiguous(new Buf.I64(index), shape));
        return out;
    }

    @Test
    void gatherAlongColumns() {
        assertArrayEquals(new double[] {3, 1, 5, 5}, gather(new int[] {2, 2}, 1, 3, new long[] {2, 0, 1, 1}), 0);
    }

    @Test
    void gatherAlongRows() {
        assertArrayEquals(new double[] {4, 2, 3}, gather(new int[] {1, 3}, 0, 2, new long[] {1, 0, 0}), 0);
    }

    @Test
    void negativeIndicesAreOutOfBounds() {
        // PyTorch's gather raises for them; they used to count from the end (-1 took the last column)
        var e = assertThrows(IndexOutOfBoundsException.class, () -> gather(new int[] {2, 2}, 1, 3, new long[] {0, 1, -1, 2}));
        assertEquals("index -1 is out of bounds for dimension 1 with size 3", e.getMessage());
        double[] out = {10, 20, 30};
        var s = assertThrows(IndexOutOfBoundsException.class, () -> GatherRef.scatterAdd(new int[] {1}, 0, 3,
                Strided.contiguous(new Buf.F64(out), new int[] {3}), Strided.contiguous(new Buf.I32(new int[] {-1}), new int[] {1}),
                Strided.contiguous(new Buf.F64(new double[] {1}), new int[] {1})));
        assertEquals("index -1 is out of bounds for dimension 0 with size 3", s.getMessage());
        assertArrayEquals(new double[] {10, 20, 30}, out, 0);
    }

    @Test
    void outOfRangeIndexNamesIndexDimensionAndSize() {
        var high = assertThrows(IndexOutOfBoundsException.class, () -> gather(new int[] {2, 2}, 1, 3, new long[] {0, 3, 0, 0}));
        assertEquals("index 3 is out of bounds for dimension 1 with size 3", high.getMessage());
        var low = assertThrows(IndexOutOfBoundsException.class, () -> gather(new int[] {2, 2}, 1, 3, new long[] {0, 0, -4, 0}));
        assertEquals("index -4 is out of bounds for dimension 1 with size 3", low.getMessage());
    }

    @Test
    void broadcastIndexSelectsRows() {
        // index_select(dim 0, [1, 1, 0]) as a gather whose index is broadcast along dim 1
        double[] out = new double[9];
        GatherRef.gather(new int[] {3, 3}, 0, 2, Strided.contiguous(new Buf.F64(out), new int[] {3, 3}),
                new Strided(new Buf.F64(X), 0, new int[] {3, 1}), new Strided(new Buf.I64(new long[] {1, 1, 0}), 0, new int[] {1, 0}));
        assertArrayEquals(new double[] {4, 5, 6, 4, 5, 6, 1, 2, 3}, out, 0);
    }

    @Test
    void scatterAddAccumulatesRepeatedIndices() {
        double[] out = {10, 20, 30, 40, 50, 60};
        long[] index = {0, 0, 2, 2};   // [[0, 0], [2, 2]] along dim 1
        double[] src = {1, 2, 3, 4};
        GatherRef.scatterAdd(new int[] {2, 2}, 1, 3, new Strided(new Buf.F64(out), 0, new int[] {3, 1}),
                Strided.contiguous(new Buf.I64(index), new int[] {2, 2}), Strided.contiguous(new Buf.F64(src), new int[] {2, 2}));
        assertArrayEquals(new double[] {13, 20, 30, 40, 50, 67}, out, 0);
    }

    @Test
    void scatterAddRejectsOutOfRangeIndex() {
        double[] out = new double[3];
        var e = assertThrows(IndexOutOfBoundsException.class, () -> GatherRef.scatterAdd(new int[] {1}, 0, 3,
                Strided.contiguous(new Buf.F64(out), new int[] {3}), Strided.contiguous(new Buf.I32(new int[] {5}), new int[] {1}),
                Strided.contiguous(new Buf.F64(new double[] {1}), new int[] {1})));
        assertEquals("index 5 is out of bounds for dimension 0 with size 3", e.getMessage());
    }
}
