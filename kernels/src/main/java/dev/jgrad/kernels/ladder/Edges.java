package dev.jgrad.kernels.ladder;

/**
 * The rows and columns that a rung's register tile does not cover when m or n is not a multiple
 * of the tile: plain multiply-adds, which cost little next to the tiles (at most MR − 1 rows and
 * NR − 1 columns of C).
 */
final class Edges {
    private Edges() {}

    /** C(i, j) += Σ A(i, p)·B(p, j) over i in [i0, i1), j in [j0, j1), p in [0, k). */
    static void add(int i0, int i1, int j0, int j1, int n, int k, float[] a, float[] b, float[] c) {
        for (int i = i0; i < i1; i++) {
            for (int p = 0; p < k; p++) {
                float aip = a[i * k + p];
                for (int j = j0; j < j1; j++) c[i * n + j] = Math.fma(aip, b[p * n + j], c[i * n + j]);
            }
        }
    }

    /** The parts of C outside the first {@code mFull} rows × {@code nFull} columns. */
    static void outside(int mFull, int nFull, int m, int n, int k, float[] a, float[] b, float[] c) {
        add(0, mFull, nFull, n, n, k, a, b, c);   // the columns right of the tiles
        add(mFull, m, 0, n, n, k, a, b, c);       // the rows below them
    }
}
