package dev.jgrad.kernels.ladder;

/**
 * Rung 1: the textbook triple loop, one dot product per element of C.
 *
 * <p>The innermost loop walks down a column of B: consecutive p are {@code n} floats apart, so
 * every multiply-add touches a new cache line, and for large n the 16 floats fetched with each
 * line are evicted before the next column would use them. The loop also carries one dependency:
 * each addition waits for the previous one (a floating-point add takes several cycles), so at
 * most one multiply-add retires per add latency, whatever the caches do.
 *
 * <pre>{@code
 * new NaiveGemm().multiply(m, n, k, a, b, c);
 * }</pre>
 */
public final class NaiveGemm implements Gemm {
    /** A new instance (the rung holds no state). */
    public NaiveGemm() {}

    @Override
    public void multiply(int m, int n, int k, float[] a, float[] b, float[] c) {
        Shapes.check("NaiveGemm", m, n, k, a, b, c);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += a[i * k + p] * b[p * n + j];   // stride n through B: a cache miss per step
                }
                c[i * n + j] = sum;
            }
        }
    }
}
