package dev.jgrad.kernels;

/**
 * The SGEMM micro-kernels of {@link SgemmVec} as plain loops, for when SIMD is off: same tile
 * shape and same packed layouts, so {@link Sgemm} runs one driver for both. C2 auto-vectorises the
 * inner loops, so this path is slower but not hopeless.
 */
final class SgemmScalar {
    static final int MR = 6;
    static final int NR = 16;

    private SgemmScalar() {}

    /**
     * C[0..MR, 0..NR] (+)= Σ_p ap[ao + p·MR + r] · B(p, j), where B(p, j) is
     * {@code b[bo + p·NR + j]} when {@code rows} is null, else {@code b[rows[ro + p] + col + j]}.
     */
    static void kernel(boolean accumulate, int kc, float[] ap, int ao, float[] b, int bo, int[] rows, int ro, int col,
                       float[] c, int co, int ldc) {
        float[] acc = new float[MR * NR];
        if (accumulate) {
            for (int r = 0; r < MR; r++) System.arraycopy(c, co + r * ldc, acc, r * NR, NR);
        }
        for (int p = 0; p < kc; p++) {
            int bi = rows == null ? bo + p * NR : rows[ro + p] + col;
            int ai = ao + p * MR;
            for (int r = 0; r < MR; r++) {
                float av = ap[ai + r];
                int base = r * NR;
                for (int j = 0; j < NR; j++) acc[base + j] += av * b[bi + j];
            }
        }
        for (int r = 0; r < MR; r++) System.arraycopy(acc, r * NR, c, co + r * ldc, NR);
    }

    /** As {@link SgemmVec#dot}: out[4·r + j] = Σ_t a[ar[r] + t] · b[br[j] + t]. */
    static void dot(int len, float[] a, int[] ar, float[] b, int[] br, float[] out) {
        for (int r = 0; r < 6; r++) {
            for (int j = 0; j < 4; j++) {
                float s = 0;
                int ai = ar[r], bi = br[j];
                for (int t = 0; t < len; t++) s += a[ai + t] * b[bi + t];
                out[4 * r + j] = s;
            }
        }
    }
}
