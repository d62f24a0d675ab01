package dev.jgrad.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.UnaryFn;
import org.junit.jupiter.api.Test;

/** The reference elementwise kernels on tiny, hand-computed cases. */
class ElementwiseRefTest {

    private static Strided f64(double[] data, int offset, int... strides) {
        return new Strided(new Buf.F64(data), offset, strides);
    }

    @Test
    void unaryOverAContiguousVector() {
        double[] out = new double[4];
        ElementwiseRef.unary(UnaryFn.NEG, new int[] {4}, f64(out, 0, 1), f64(new double[] {1, -2, 0, 3.5}, 0, 1));
        assertArrayEquals(new double[] {-1, 2, -0.0, -3.5}, out, 0);
    }

    @Test
    void unaryReadsAndWritesThroughStrides() {
        // x: every other element from offset 1; out: written backwards into a 3-slot buffer
        double[] x = {9, 1, 9, 4, 9, 9};
        double[] out = new double[3];
        ElementwiseRef.unary(UnaryFn.SQRT, new int[] {2}, f64(out, 2, -2), f64(x, 1, 2));
        assertArrayEquals(new double[] {2, 0, 1}, out, 0);
    }

    @Test
    void binaryBroadcastsARowAndAColumn() {
        double[] out = new double[6];
        double[] row = {10, 20, 30};
        double[] col = {1, 2};
        ElementwiseRef.binary(BinaryFn.ADD, new int[] {2, 3}, f64(out, 0, 3, 1), f64(row, 0, 0, 1), f64(col, 0, 1, 0));
        assertArrayEquals(new double[] {11, 21, 31, 12, 22, 32}, out, 0);
    }

    @Test
    void binaryPredicateIntoBool() {
        boolean[] out = new boolean[4];
        ElementwiseRef.binary(BinaryFn.LT, new int[] {4}, new Strided(new Buf.Bool(out), 0, new int[] {1}),
                f64(new double[] {1, 2, 3, Double.NaN}, 0, 1), f64(new double[] {2}, 0, 0));
        assertArrayEquals(new boolean[] {true, false, false, false}, out);
    }

    @Test
    void binaryRoundsFloat32OnStore() {
        float[] out = new float[1];
        ElementwiseRef.binary(BinaryFn.DIV, new int[] {1}, new Strided(new Buf.F32(out), 0, new int[] {1}),
                f64(new double[] {1}, 0, 1), f64(new double[] {3}, 0, 1));
        assertArrayEquals(new float[] {(float) (1.0 / 3)}, out);
    }

    @Test
    void whereSelectsByCondition() {
        double[] out = new double[4];
        boolean[] cond = {true, false, false, true};
        ElementwiseRef.where(new int[] {4}, f64(out, 0, 1), new Strided(new Buf.Bool(cond), 0, new int[] {1}),
                f64(new double[] {1, 2, 3, 4}, 0, 1), f64(new double[] {-7}, 0, 0));
        assertArrayEquals(new double[] {1, -7, -7, 4}, out, 0);
    }

    @Test
    void copyConvertsBetweenTypes() {
        double[] x = {-2.7, 2.7, 0.0, 0.5};
        int[] i32 = new int[4];
        boolean[] bools = new boolean[4];
        ElementwiseRef.copy(new int[] {4}, new Strided(new Buf.I32(i32), 0, new int[] {1}), f64(x, 0, 1));
        ElementwiseRef.copy(new int[] {4}, new Strided(new Buf.Bool(bools), 0, new int[] {1}), f64(x, 0, 1));
        assertArrayEquals(new int[] {-2, 2, 0, 0}, i32);   // truncation toward zero
        assertArrayEquals(new boolean[] {true, true, false, true}, bools);
    }

    @Test
    void copyMovesInt64ExactlyBeyondTwoToThe53() {
        long big = (1L << 53) + 1;   // not representable as a double
        long[] src = {big, Long.MIN_VALUE, -3};
        long[] dst = new long[3];
        ElementwiseRef.copy(new int[] {3}, new Strided(new Buf.I64(dst), 0, new int[] {1}), new Strided(new Buf.I64(src), 0, new int[] {1}));
        assertArrayEquals(src, dst);
    }

    @Test
    void copyTransposes() {
        double[] x = {1, 2, 3, 4, 5, 6};   // 2x3 contiguous
        double[] out = new double[6];
        ElementwiseRef.copy(new int[] {3, 2}, f64(out, 0, 2, 1), f64(x, 0, 1, 3));
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, out, 0);
    }

    @Test
    void fillWritesOnlyTheStridedElements() {
        double[] out = new double[7];
        ElementwiseRef.fill(new int[] {3}, f64(out, 1, 2), 5);
        assertArrayEquals(new double[] {0, 5, 0, 5, 0, 5, 0}, out, 0);
    }

    @Test
    void zeroDimensionalOperands() {
        double[] out = {0, 0};
        ElementwiseRef.binary(BinaryFn.MUL, new int[0], f64(out, 1), f64(new double[] {3}, 0), f64(new double[] {0, 4}, 1));
        assertArrayEquals(new double[] {0, 12}, out, 0);
    }

    @Test
    void emptyShapeTouchesNothing() {
        double[] out = {-1};
        ElementwiseRef.fill(new int[] {0, 3}, f64(out, 0, 3, 1), 5);
        assertArrayEquals(new double[] {-1}, out, 0);
    }
}
