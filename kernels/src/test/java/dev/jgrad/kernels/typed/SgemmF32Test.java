package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.ref.MatMulRef;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SgemmF32} against {@link MatMulRef#matmul} run on float64 copies of the same float32 operands.
 * Tolerance: float32 accumulation over k terms of size ≤ 1 each; we allow 2e-6·(Σ|a·b|) + 1e-6
 * per element, about 30 float32 ulps of the magnitude sum (the worst seen is several times less).
 */
class SgemmF32Test {
    private static final int[] SIZES = {1, 7, 17, 255};

    /** C (m×n) reference in double: alpha·op(A)·op(B) + beta·C, and the magnitude Σ|a||b| per element. */
    private static double[][] reference(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                                        float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        int[] as = ta ? new int[] {0, 1, lda} : new int[] {0, lda, 1};
        int[] bs = tb ? new int[] {0, 1, ldb} : new int[] {0, ldb, 1};
        Buf.F64 prod = new Buf.F64(new double[m * n]), mag = new Buf.F64(new double[m * n]);
        MatMulRef.matmul(1, m, n, k, new Strided(prod, 0, new int[] {0, n, 1}), new Strided(f64(a), aOff, as), new Strided(f64(b), bOff, bs));
        double[] absA = toDouble(a), absB = toDouble(b);
        for (int i = 0; i < absA.length; i++) absA[i] = Math.abs(absA[i]);
        for (int i = 0; i < absB.length; i++) absB[i] = Math.abs(absB[i]);
        MatMulRef.matmul(1, m, n, k, new Strided(mag, 0, new int[] {0, n, 1}),
                new Strided(new Buf.F64(absA), aOff, as), new Strided(new Buf.F64(absB), bOff, bs));
        double[] want = toDouble(c), tol = new double[c.length];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                int ci = cOff + i * ldc + j;
                double old = beta == 0 ? 0 : beta * (double) c[ci];
                want[ci] = alpha * prod.data()[i * n + j] + old;
                tol[ci] = 2e-6 * (Math.abs(alpha) * mag.data()[i * n + j] + Math.abs(old)) + 1e-6;
            }
        return new double[][] {want, tol};
    }

    private static void check(Random rnd, boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, boolean padded) {
        int lda = (ta ? m : k) + (padded ? 3 : 0), ldb = (tb ? k : n) + (padded ? 5 : 0), ldc = n + (padded ? 2 : 0);
        int aOff = padded ? 4 : 0, bOff = padded ? 1 : 0, cOff = padded ? 7 : 0;
        float[] a = rand(rnd, aOff + lda * (ta ? k : m)), b = rand(rnd, bOff + ldb * (tb ? n : k)), c = rand(rnd, cOff + ldc * m + 3);
        if (beta == 0) java.util.Arrays.fill(c, Float.NaN); // BLAS: C is not read when beta is 0
        double[][] ref = reference(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        float[] got = c.clone();
        SgemmF32.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, got, cOff, ldc);
        String what = "sgemm ta=" + ta + " tb=" + tb + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha + " beta=" + beta
                + " simd=" + Simd.enabled() + " threads=" + Parallel.threads();
        for (int i = 0; i < got.length; i++) {
            boolean inC = i >= cOff && i < cOff + ldc * m && (i - cOff) % ldc < n;
            if (!inC) {
                if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(c[i])) fail(what + ": wrote outside C at " + i);
                continue;
            }
            double err = Math.abs(got[i] - ref[0][i]);
            if (!(err <= ref[1][i])) fail(what + ": C[" + (i - cOff) / ldc + "," + (i - cOff) % ldc + "] = " + got[i] + ", expected " + ref[0][i]);
        }
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void raggedSizesBothTransposes(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(42);
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true})
                    for (int m : SIZES)
                        for (int n : SIZES)
                            for (int k : SIZES) {
                                if ((long) m * n * k > 255L * 255 * 17 && rnd.nextInt(4) != 0) continue; // keep a quarter of the big ones
                                check(rnd, ta, tb, m, n, k, 1f, 0f, false);
                            }
        });
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void alphaBetaOffsetsAndLeadingDimensions(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(7);
            float[][] ab = {{1f, 1f}, {0.5f, 0f}, {-2f, 0.25f}, {0f, 3f}, {1f, -1f}};
            for (float[] p : ab) {
                check(rnd, false, false, 70, 33, 40, p[0], p[1], true);
                check(rnd, true, true, 13, 129, 65, p[0], p[1], true);
                check(rnd, true, false, 100, 70, 400, p[0], p[1], true); // two depth blocks (KC = 384)
            }
        });
    }

    @Test
    void largeAndOddAcrossThreadCounts() {
        Random rnd = new Random(3);
        for (int threads : new int[] {1, 2, 3}) {
            withThreads(threads, () -> {
                check(rnd, false, false, 1000, 17, 255, 1f, 0f, false);
                check(rnd, false, true, 255, 1000, 7, 1f, 1f, false);
                check(rnd, true, false, 130, 260, 390, 1.5f, 0.5f, true);
                check(rnd, false, false, 1, 1000, 255, 1f, 0f, false);
            });
        }
    }

    @Test
    void emptyAndDegenerate() {
        float[] c = {5, 5, 5, 5};
        SgemmF32.sgemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0.5f, c, 0, 2);
        assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f, 2.5f}, c);
        SgemmF32.sgemm(false, false, 0, 2, 3, 1f, new float[0], 0, 3, new float[6], 0, 2, 0f, c, 0, 2);
        assertThrows(IllegalArgumentException.class, () -> SgemmF32.sgemm(false, false, 2, 2, 2, 1f, new float[4], 0, 1, new float[4], 0, 2, 0f, c, 0, 2));
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void batchedMatmulWithStridesAndBroadcast(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(11);
            int batch = 5, m = 17, n = 33, k = 20;
            // A contiguous [batch, m, k]; B broadcast over the batch (folds into one product)
            checkBatched(rnd, batch, m, n, k, new int[] {m * k, k, 1}, new int[] {0, n, 1});
            // A transposed per matrix [batch, k, m] seen as [batch, m, k]; B sliced with a row gap
            checkBatched(rnd, batch, m, n, k, new int[] {m * k, 1, m}, new int[] {k * (n + 3), n + 3, 1});
            // both with no unit stride (every other element), A broadcast
            checkBatched(rnd, batch, m, n, k, new int[] {0, 2 * k, 2}, new int[] {2 * k * n, 2, 2 * k});
            // many small matrices: one per task
            checkBatched(rnd, 64, 7, 9, 5, new int[] {35, 5, 1}, new int[] {45, 1, 5});
            // few large ones: each product on all threads
            checkBatched(rnd, 2, 200, 150, 180, new int[] {200 * 180, 180, 1}, new int[] {150 * 180, 150, 1});
        });
    }

    private static void checkBatched(Random rnd, int batch, int m, int n, int k, int[] as, int[] bs) {
        int aLen = 1 + maxOffset(batch, m, k, as), bLen = 1 + maxOffset(batch, k, n, bs);
        float[] a = rand(rnd, aLen + 2), b = rand(rnd, bLen + 1);
        int[] cs = {m * n, n, 1};
        Buf.F64 want = new Buf.F64(new double[batch * m * n]);
        MatMulRef.matmul(batch, m, n, k, new Strided(want, 0, cs), new Strided(f64(a), 2, as), new Strided(f64(b), 1, bs));
        float[] got = new float[batch * m * n];
        SgemmF32.matmul(batch, m, n, k, got, 0, cs, a, 2, as, b, 1, bs);
        assertClose("matmul batch=" + batch + " m=" + m + " n=" + n + " k=" + k + " simd=" + Simd.enabled(),
                want.data(), got, 1e-5, 1e-5);
    }

    private static int maxOffset(int batch, int r, int c, int[] s) {
        return (batch - 1) * s[0] + (r - 1) * s[1] + (c - 1) * s[2];
    }

    /**
     * A few outputs per row (n ≤ the vector length, B's rows contiguous, alpha 1, beta 0) take the
     * unpacked skinny path: its bits equal those of the packed path it replaced (Cᵀ = Bᵀ·Aᵀ through
     * the full kernel), whatever the row count, depth (k past one KC pass) and row strides.
     */
    @ParameterizedTest
    @ValueSource(strings = {"64,10,128", "64,10,3136", "65,7,129", "33,16,300", "1000,3,50", "130,1,40", "22,9,1000"})
    void theSkinnyPathGivesThePackedPathsBits(String spec) {
        org.junit.jupiter.api.Assumptions.assumeTrue(Simd.enabled(), "the skinny path is a SIMD path");
        String[] f = spec.split(",");
        int m = Integer.parseInt(f[0]), n = Integer.parseInt(f[1]), k = Integer.parseInt(f[2]);
        Random rnd = new Random(spec.hashCode());
        int lda = k + 3;   // a padded row stride
        float[] a = new float[m * lda], b = new float[k * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
        float[] c = new float[m * n];
        java.util.Arrays.fill(c, Float.NaN);   // overwritten, never read
        SgemmF32.gemm(m, n, k, 1f, a, 0, lda, 1, b, 0, n, 1, 0f, c, 0, n);
        // the packed path on the transposed problem, as the narrow-output branch computes it
        float[] t = new float[n * m];
        SgemmF32.gemm(GemmConfig.DEFAULT, n, m, k, 1f, b, 0, 1, n, a, 0, 1, lda, 0f, t, 0, m);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) assertEquals(Float.floatToRawIntBits(t[j * m + i]), Float.floatToRawIntBits(c[i * n + j]), spec + " C[" + i + "," + j + "]");
        }
    }
}
