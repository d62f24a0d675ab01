package dev.jgrad.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.PoolShape;
import org.junit.jupiter.api.Test;

/** Reference max and average pooling on planes numbered 1, 2, 3, … row by row. */
class Pool2dRefTest {

    private static double[] plane(int h, int w) {
        double[] x = new double[h * w];
        for (int i = 0; i < x.length; i++) x[i] = i + 1;
        return x;
    }

    private static PoolShape shape(int hw, int k, int stride, int pad, boolean ceil) {
        return new PoolShape(1, 1, hw, hw, k, k, stride, stride, pad, pad, 1, 1, ceil);
    }

    @Test
    void max2x2Stride2() {
        PoolShape ps = shape(4, 2, 2, 0, false);
        double[] y = new double[4];
        long[] idx = new long[4];
        Pool2dRef.maxForward(ps, new Buf.F64(plane(4, 4)), new Buf.F64(y), new Buf.I64(idx));
        assertArrayEquals(new double[] {6, 8, 14, 16}, y, 0);
        assertArrayEquals(new long[] {5, 7, 13, 15}, idx);
    }

    @Test
    void maxPropagatesNaNAndRecordsItsPosition() {
        PoolShape ps = new PoolShape(1, 1, 1, 4, 1, 2, 1, 2, 0, 0, 1, 1, false);
        double[] y = new double[2];
        long[] idx = new long[2];
        Pool2dRef.maxForward(ps, new Buf.F64(new double[] {Double.NaN, 5, 1, 2}), new Buf.F64(y), new Buf.I64(idx));
        assertTrue(Double.isNaN(y[0]));
        assertEquals(0, idx[0]);
        assertEquals(2, y[1], 0);
        assertEquals(3, idx[1]);
    }

    @Test
    void maxCeilModeKeepsThePartialWindow() {
        PoolShape ps = shape(5, 2, 2, 0, true);
        assertEquals(3, ps.outH());
        double[] y = new double[9];
        long[] idx = new long[9];
        Pool2dRef.maxForward(ps, new Buf.F64(plane(5, 5)), new Buf.F64(y), new Buf.I64(idx));
        assertArrayEquals(new double[] {7, 9, 10, 17, 19, 20, 22, 24, 25}, y, 0);
        assertArrayEquals(new long[] {6, 8, 9, 16, 18, 19, 21, 23, 24}, idx);
    }

    @Test
    void maxBackwardRoutesToTheRecordedPositions() {
        PoolShape ps = shape(4, 2, 2, 0, false);
        double[] dx = new double[16];
        Pool2dRef.maxBackward(ps, new Buf.F64(new double[] {1, 2, 3, 4}), new Buf.I64(new long[] {5, 7, 13, 15}), new Buf.F64(dx));
        double[] expected = new double[16];
        expected[5] = 1;
        expected[7] = 2;
        expected[13] = 3;
        expected[15] = 4;
        assertArrayEquals(expected, dx, 0);
    }

    @Test
    void avg2x2Stride2() {
        double[] y = new double[4];
        Pool2dRef.avgForward(shape(4, 2, 2, 0, false), true, new Buf.F64(plane(4, 4)), new Buf.F64(y));
        assertArrayEquals(new double[] {3.5, 5.5, 11.5, 13.5}, y, 0);
    }

    @Test
    void avgWithPaddingCountsPadOrNot() {
        // 4x4, kernel 2, stride 2, padding 1 → 3x3 windows starting at -1, 1, 3
        PoolShape ps = shape(4, 2, 2, 1, false);
        assertEquals(3, ps.outH());
        double[] incl = new double[9], excl = new double[9];
        Pool2dRef.avgForward(ps, true, new Buf.F64(plane(4, 4)), new Buf.F64(incl));
        Pool2dRef.avgForward(ps, false, new Buf.F64(plane(4, 4)), new Buf.F64(excl));
        // corner (0,0) holds only x00 = 1; edge (0,1) holds x01 + x02 = 5; centre (1,1) holds 6 + 7 + 10 + 11 = 34;
        // corner (2,2) holds only x33 = 16 (the window reaches into the bottom-right padding)
        assertEquals(1 / 4.0, incl[0], 0);
        assertEquals(5 / 4.0, incl[1], 0);
        assertEquals(34 / 4.0, incl[4], 0);
        assertEquals(16 / 4.0, incl[8], 0);
        assertEquals(1, excl[0], 0);
        assertEquals(5 / 2.0, excl[1], 0);
        assertEquals(34 / 4.0, excl[4], 0);
        assertEquals(16, excl[8], 0);
    }

    @Test
    void avgCeilModeDividesByTheClippedWindow() {
        // 5x5, kernel 2, stride 2, ceil mode: the last row/column windows hang past the input (not into padding);
        // PyTorch divides those by the part inside the input even with count_include_pad
        PoolShape ps = shape(5, 2, 2, 0, true);
        double[] incl = new double[9], excl = new double[9];
        Pool2dRef.avgForward(ps, true, new Buf.F64(plane(5, 5)), new Buf.F64(incl));
        Pool2dRef.avgForward(ps, false, new Buf.F64(plane(5, 5)), new Buf.F64(excl));
        double[] expected = {4, 6, 7.5, 14, 16, 17.5, 21.5, 23.5, 25};
        assertArrayEquals(expected, incl, 0);
        assertArrayEquals(expected, excl, 0);
    }

    @Test
    void avgBackwardSpreadsEvenly() {
        double[] dx = new double[16];
        Pool2dRef.avgBackward(shape(4, 2, 2, 0, false), true, new Buf.F64(new double[] {4, 8, 12, 16}), new Buf.F64(dx));
        assertArrayEquals(new double[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, dx, 0);
    }
}
