package dev.jgrad.kernels.ladder;

/**
 * One rung of the SGEMM ladder: C = A·B for row-major float32 matrices packed from index 0,
 * A m×k, B k×n, C m×n (C is overwritten, never read). Every rung computes the same product; they
 * differ only in how fast.
 *
 * <pre>{@code
 * float[] a = {1, 2, 3, 4}, b = {5, 6, 7, 8}, c = new float[4];
 * new NaiveGemm().multiply(2, 2, 2, a, b, c);   // c = {19, 22, 43, 50}
 * }</pre>
 */
@FunctionalInterface
public interface Gemm {
    /**
     * C = A·B.
     *
     * @param m rows of A and C
     * @param n columns of B and C
     * @param k columns of A, rows of B
     * @param a A, m·k floats, row-major
     * @param b B, k·n floats, row-major
     * @param c C, m·n floats, row-major: overwritten
     */
    void multiply(int m, int n, int k, float[] a, float[] b, float[] c);
}
