package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.simd.SgemmVec;

/**
 * The SGEMM micro-kernels of {@link SgemmVec} as plain loops, for when SIMD is off: same tile
 * shape and same packed layouts, so {@link SgemmF32} runs one driver for both. C2 auto-vectorises the
 * inner loops, so this path is slower but not hopeless.
 */
final class SgemmScalar {
    static final int MR = 6;
    static final int NR = 16;

    private SgemmScalar() {}

    /**
     * C[0..mr, 0..nr] (+)= Σ_p ap[ao + p·mr + r] · B(p, j), where B(p, j) is
     * {@code b[bo + p·nr + j]} when {@code rows} is null, else {@code b[rows[ro + p] + col + j]}.
     */
    static void kernel(boolean accumulate, int mr, int nr, int kc, float[] ap, int ao, float[] b, int bo, int[] rows, int ro, int col,
                       float[] c, int co, int ldc) {
        float[] acc = new float[mr * nr];
        if (accumulate) {
            for (int r = 0; r < mr; r++) System.arraycopy(c, co + r * ldc, acc, r * nr, nr);
        }
        for (int p = 0; p < kc; p++) {
            int bi = rows == null ? bo + p * nr : rows[ro + p] + col;
            int ai = ao + p * mr;
            for (int r = 0; r < mr; r++) {
                float av = ap[ai + r];
                int base = r * nr;
                for (int j = 0; j < nr; j++) acc[base + j] += av * b[bi + j];
            }
        }
        for (int r = 0; r < mr; r++) System.arraycopy(acc, r * nr, c, co + r * ldc, nr);
    }

    static final int DOT_ROWS = 6, DOT_COLS = 4;

    /** As {@link SgemmVec#dot} with one lane: acc[at + DOT_COLS·r + j] += Σ_t a[ar[r] + t] · b[br[j] + t]. */
    static void dot(int len, float[] a, int[] ar, float[] b, int[] br, float[] acc, int at) {
        for (int r = 0; r < DOT_ROWS; r++) {
            for (int j = 0; j < DOT_COLS; j++) {
                float s = 0;
                int ai = ar[r], bi = br[j];
                for (int t = 0; t < len; t++) s += a[ai + t] * b[bi + t];
                acc[at + DOT_COLS * r + j] += s;
            }
        }
    }
}
