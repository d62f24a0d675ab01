package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.ScanRef;
import dev.jgrad.kernels.simd.ScanVec;
import java.util.Arrays;

/**
 * Fast float32 cumulative sums and products along one dimension of a contiguous block seen as
 * [outer, n, inner], accumulated in double as {@link ScanRef} (and PyTorch's CPU kernels) do, so
 * the results equal the reference's exactly; multi-threaded.
 *
 * <p>A scan is a chain of dependent additions. Along the innermost dimension (inner = 1) each row
 * is one chain, so four rows are walked together: four independent chains keep the adder busy
 * where one would wait on each addition's latency. Along an outer dimension the columns are
 * independent chains side by side, and one step updates a vector of them at once
 * ({@code ScanVec}, the lane-parallel form).
 *
 * <pre>{@code
 * // cumsum along dim 1 of a contiguous [64, 4096] tensor
 * ScanF32.scan(false, 64, 4096, 1, x, 0, out, 0);
 * }</pre>
 */
public final class ScanF32 {
    private ScanF32() {}

    /** Columns one task of the lane-parallel form walks (their double accumulators stay in L1). */
    static final int COLUMN_BLOCK = 2048;

    /**
     * out = cumulative sum (or product when {@code prod}) of x along the middle dimension of
     * [outer, n, inner].
     *
     * @param prod  multiply instead of add
     * @param outer number of independent blocks (the dimensions before the scanned one)
     * @param n     length of the scanned dimension
     * @param inner stride of the scanned dimension (the product of the dimensions after it)
     * @param x     the input
     * @param xOff  index in {@code x} of the first element
     * @param out   receives the running sums or products
     * @param oOff  index in {@code out} of the first result
     */
    public static void scan(boolean prod, int outer, int n, int inner, float[] x, int xOff, float[] out, int oOff) {
        if (outer == 0 || n == 0 || inner == 0) return;
        if (inner == 1) rows(prod, outer, n, x, xOff, out, oOff);
        else columns(prod, outer, n, inner, x, xOff, out, oOff);
    }

    private static void rows(boolean prod, int rows, int n, float[] x, int xOff, float[] out, int oOff) {
        Parallel.forRange(rows, (long) rows * n * 2, (from, to) -> {
            int r = from;
            for (; r + 4 <= to; r += 4) {
                if (prod) fourProducts(n, x, xOff + r * n, out, oOff + r * n);
                else fourSums(n, x, xOff + r * n, out, oOff + r * n);
            }
            for (; r < to; r++) {
                int xo = xOff + r * n, oo = oOff + r * n;
                double a = prod ? 1 : 0;
                for (int i = 0; i < n; i++) {
                    a = prod ? a * x[xo + i] : a + x[xo + i];
                    out[oo + i] = (float) a;
                }
            }
        });
    }

    /** Four consecutive rows of n, starting at xo and oo. */
    private static void fourSums(int n, float[] x, int xo, float[] out, int oo) {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (int i = 0; i < n; i++) {
            a0 += x[xo + i];
            a1 += x[xo + n + i];
            a2 += x[xo + 2 * n + i];
            a3 += x[xo + 3 * n + i];
            out[oo + i] = (float) a0;
            out[oo + n + i] = (float) a1;
            out[oo + 2 * n + i] = (float) a2;
            out[oo + 3 * n + i] = (float) a3;
        }
    }

    private static void fourProducts(int n, float[] x, int xo, float[] out, int oo) {
        double a0 = 1, a1 = 1, a2 = 1, a3 = 1;
        for (int i = 0; i < n; i++) {
            a0 *= x[xo + i];
            a1 *= x[xo + n + i];
            a2 *= x[xo + 2 * n + i];
            a3 *= x[xo + 3 * n + i];
            out[oo + i] = (float) a0;
            out[oo + n + i] = (float) a1;
            out[oo + 2 * n + i] = (float) a2;
            out[oo + 3 * n + i] = (float) a3;
        }
    }

    private static void columns(boolean prod, int outer, int n, int inner, float[] x, int xOff, float[] out, int oOff) {
        boolean simd = Simd.enabled();
        int blocks = (int) Math.ceilDiv(inner, COLUMN_BLOCK);
        Parallel.forRange(outer * blocks, (long) outer * n * inner * 2, (from, to) -> {
            double[] acc = new double[Math.min(inner, COLUMN_BLOCK)];
            for (int t = from; t < to; t++) {
                int o = t / blocks, c0 = (t % blocks) * COLUMN_BLOCK, len = Math.min(COLUMN_BLOCK, inner - c0);
                Arrays.fill(acc, 0, len, prod ? 1 : 0);
                int base = o * n * inner + c0;
                for (int i = 0; i < n; i++) {
                    int xo = xOff + base + i * inner, oo = oOff + base + i * inner;
                    int j = simd ? ScanVec.step(prod, acc, x, xo, out, oo, len) : 0;
                    for (; j < len; j++) {
                        acc[j] = prod ? acc[j] * x[xo + j] : acc[j] + x[xo + j];
                        out[oo + j] = (float) acc[j];
                    }
                }
            }
        });
    }
}
