package dev.jgrad.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jgrad.kernels.Buf;
import org.junit.jupiter.api.Test;

/** {@link SortRef} and {@link ScanRef} on hand-checked rows: PyTorch's order for NaN, −0.0 and ties; exact integer scans. */
class SortScanRefTest {

    @Test
    void sortPutsNaNLastAscendingFirstDescendingAndKeepsTiesInOrder() {
        double[] x = {2, Double.NaN, -0.0, 1, 0.0, 2, Double.NEGATIVE_INFINITY};
        Buf.F64 v = new Buf.F64(new double[7]);
        long[] idx = new long[7];
        SortRef.sort(1, 7, new Buf.F64(x), 0, v, 0, idx, 0, false);
        assertArrayEquals(new long[] {6, 2, 4, 3, 0, 5, 1}, idx);
        assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY, -0.0, 0.0, 1, 2, 2, Double.NaN}, v.data());
        SortRef.sort(1, 7, new Buf.F64(x), 0, v, 0, idx, 0, true);
        assertArrayEquals(new long[] {1, 0, 5, 3, 2, 4, 6}, idx);
    }

    @Test
    void integersSortExactlyAndTopkTakesTheFirstOfEachRow() {
        long big = (1L << 53) + 1;
        long[] x = {big, big - 1, 5, -7, 5, 0};
        Buf.I64 v = new Buf.I64(new long[4]);
        long[] idx = new long[4];
        SortRef.topk(2, 3, 2, new Buf.I64(x), 0, v, 0, idx, 0, true);
        assertArrayEquals(new long[] {big, big - 1, 5, 0}, v.data());
        assertArrayEquals(new long[] {0, 1, 1, 2}, idx);
    }

    @Test
    void scansAlongTheMiddleDimensionIntegersWrapping() {
        long[] x = {1, 2, 3, 4, 5, 6};   // [outer 1, n 3, inner 2]
        Buf.I64 out = new Buf.I64(new long[6]);
        ScanRef.scan(false, 1, 3, 2, new Buf.I64(x), 0, out, 0);
        assertArrayEquals(new long[] {1, 2, 4, 6, 9, 12}, out.data());
        ScanRef.scan(true, 1, 3, 2, new Buf.I64(x), 0, out, 0);
        assertArrayEquals(new long[] {1, 2, 3, 8, 15, 48}, out.data());
        long[] wrap = {Long.MAX_VALUE, 1};
        ScanRef.scan(false, 1, 2, 1, new Buf.I64(wrap), 0, out, 0);
        assertArrayEquals(new long[] {Long.MAX_VALUE, Long.MIN_VALUE}, java.util.Arrays.copyOf(out.data(), 2));
    }
}
