package dev.jgrad.kernels.ladder;

import java.util.Arrays;

/**
 * Rung 2: the same arithmetic with the loops in the order i, p, j. The innermost loop now
 * adds {@code A(i,p)·B(p,·)} to a row of C: B's row and C's row are read at unit stride, so
 * every float of every cache line fetched is used, and the iterations are independent, so the
 * JIT compiler (C2) turns the loop into SIMD instructions by itself.
 *
 * <p>What still limits it: each multiply-add loads one float of B, loads one float of C and
 * stores it back. Java must round {@code a * b} before adding (no fused multiply-add unless
 * asked for), so the compiled loop issues a multiply and an add. Loads and stores, not
 * arithmetic, set the pace, and a row of C larger than the L1 cache streams from L2 for every p.
 *
 * <pre>{@code
 * new IkjGemm().multiply(m, n, k, a, b, c);
 * }</pre>
 */
public final class IkjGemm implements Gemm {
    /** A new instance (the rung holds no state). */
    public IkjGemm() {}

    @Override
    public void multiply(int m, int n, int k, float[] a, float[] b, float[] c) {
        Shapes.check("IkjGemm", m, n, k, a, b, c);
        Arrays.fill(c, 0, m * n, 0f);
        for (int i = 0; i < m; i++) {
            int ci = i * n;
            for (int p = 0; p < k; p++) {
                float aip = a[i * k + p];
                int bp = p * n;
                for (int j = 0; j < n; j++) {
                    c[ci + j] += aip * b[bp + j];   // unit stride: C2 vectorises this loop
                }
            }
        }
    }
}
