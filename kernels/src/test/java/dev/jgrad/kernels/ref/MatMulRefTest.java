package dev.jgrad.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Strided;
import org.junit.jupiter.api.Test;

/** The reference batched matrix product on hand-computed cases. */
class MatMulRefTest {
    // A = [[1, 2, 3], [4, 5, 6]] (2x3), B = [[7, 8], [9, 10], [11, 12]] (3x2)
    private static final double[] A = {1, 2, 3, 4, 5, 6};
    private static final double[] B = {7, 8, 9, 10, 11, 12};
    private static final double[] AB = {58, 64, 139, 154};

    @Test
    void contiguous2x3Times3x2() {
        double[] c = new double[4];
        MatMulRef.matmul(1, 2, 2, 3, new Strided(new Buf.F64(c), 0, new int[] {4, 2, 1}),
                new Strided(new Buf.F64(A), 0, new int[] {6, 3, 1}), new Strided(new Buf.F64(B), 0, new int[] {6, 2, 1}));
        assertArrayEquals(AB, c, 0);
    }

    @Test
    void transposedOperandsThroughStrides() {
        // Bᵀ stored contiguously as 2x3 {{7, 9, 11}, {8, 10, 12}}, read with strides (1, 3)
        double[] bt = {7, 9, 11, 8, 10, 12};
        double[] c = new double[4];
        MatMulRef.matmul(1, 2, 2, 3, new Strided(new Buf.F64(c), 0, new int[] {0, 2, 1}),
                new Strided(new Buf.F64(A), 0, new int[] {0, 3, 1}), new Strided(new Buf.F64(bt), 0, new int[] {0, 1, 3}));
        assertArrayEquals(AB, c, 0);
    }

    @Test
    void batchStrideZeroBroadcastsOneOperand() {
        // batch 0: A·B; batch 1: (2A)·B, with B shared
        double[] a2 = new double[12];
        for (int i = 0; i < 6; i++) {
            a2[i] = A[i];
            a2[6 + i] = 2 * A[i];
        }
        double[] c = new double[8];
        MatMulRef.matmul(2, 2, 2, 3, new Strided(new Buf.F64(c), 0, new int[] {4, 2, 1}),
                new Strided(new Buf.F64(a2), 0, new int[] {6, 3, 1}), new Strided(new Buf.F64(B), 0, new int[] {0, 2, 1}));
        assertArrayEquals(new double[] {58, 64, 139, 154, 116, 128, 278, 308}, c, 0);
    }

    @Test
    void outputWithOffsetAndFloat32() {
        float[] c = new float[5];
        MatMulRef.matmul(1, 1, 1, 3, new Strided(new Buf.F32(c), 4, new int[] {1, 1, 1}),
                new Strided(new Buf.F32(new float[] {0.5f, 0.25f, 2}), 0, new int[] {3, 3, 1}),
                new Strided(new Buf.F32(new float[] {2, 4, 0.5f}), 0, new int[] {3, 1, 1}));
        assertArrayEquals(new float[] {0, 0, 0, 0, 3}, c);
    }

    @Test
    void integerBuffers() {
        long[] c = new long[4];
        MatMulRef.matmul(1, 2, 2, 3, new Strided(new Buf.I64(c), 0, new int[] {4, 2, 1}),
                new Strided(new Buf.I64(new long[] {1, 2, 3, 4, 5, 6}), 0, new int[] {6, 3, 1}),
                new Strided(new Buf.I32(new int[] {7, 8, 9, 10, 11, 12}), 0, new int[] {6, 2, 1}));
        assertArrayEquals(new long[] {58, 64, 139, 154}, c);
    }

    @Test
    void innerSizeZeroGivesZeros() {
        double[] c = {9, 9};
        MatMulRef.matmul(1, 1, 2, 0, new Strided(new Buf.F64(c), 0, new int[] {2, 2, 1}),
                new Strided(new Buf.F64(new double[0]), 0, new int[] {0, 0, 1}), new Strided(new Buf.F64(new double[0]), 0, new int[] {0, 2, 1}));
        assertArrayEquals(new double[] {0, 0}, c, 0);
    }
}
