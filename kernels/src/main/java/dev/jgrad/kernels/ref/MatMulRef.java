package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Strided;

/**
 * Reference batched matrix product C[b] = A[b] · B[b], accumulated in long when all three are
 * integral (exact, wrapping like Java's long), else in double.
 * Each operand has three strides: batch, row, column (a batch stride of 0 broadcasts).
 *
 * <pre>{@code
 * // one 2x3 by 3x2 product, all contiguous
 * MatMulRef.matmul(1, 2, 2, 3, new Strided(c, 0, new int[] {4, 2, 1}),
 *                  new Strided(a, 0, new int[] {6, 3, 1}), new Strided(b, 0, new int[] {6, 2, 1}));
 * }</pre>
 */
public final class MatMulRef {
    private MatMulRef() {}

    /**
     * C[b,i,j] = Σₚ A[b,i,p]·B[b,p,j] for b &lt; batch, i &lt; m, j &lt; n, p &lt; k.
     *
     * @param batch number of products
     * @param m     rows of A and C
     * @param n     columns of B and C
     * @param k     columns of A, rows of B
     * @param c     the output operand, strides over (batch, m, n)
     * @param a     the left operand, strides over (batch, m, k)
     * @param b     the right operand, strides over (batch, k, n)
     */
    public static void matmul(int batch, int m, int n, int k, Strided c, Strided a, Strided b) {
        Buf cb = c.buf(), ab = a.buf(), bb = b.buf();
        int[] cs = c.strides(), as = a.strides(), bs = b.strides();
        boolean integral = cb.integral() && ab.integral() && bb.integral();
        for (int t = 0; t < batch; t++) {
            int cBase = c.offset() + t * cs[0], aBase = a.offset() + t * as[0], bBase = b.offset() + t * bs[0];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    if (integral) {
                        long acc = 0;
                        for (int p = 0; p < k; p++) {
                            acc += ab.getLong(aBase + i * as[1] + p * as[2]) * bb.getLong(bBase + p * bs[1] + j * bs[2]);
                        }
                        cb.setLong(cBase + i * cs[1] + j * cs[2], acc);
                    } else {
                        double acc = 0;
                        for (int p = 0; p < k; p++) {
                            acc += ab.get(aBase + i * as[1] + p * as[2]) * bb.get(bBase + p * bs[1] + j * bs[2]);
                        }
                        cb.set(cBase + i * cs[1] + j * cs[2], acc);
                    }
                }
            }
        }
    }
}
