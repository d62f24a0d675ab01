package dev.jgrad.kernels.ladder;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rung 6: rung 5's blocks copied into contiguous panels before use. Each KC×NC block of B
 * becomes panels of one tile's width (row p of a panel: the NR floats the micro-kernel loads at
 * step p, one after another), and each MC×KC block of A becomes panels of six rows stored column
 * by column (the six floats broadcast at step p, adjacent). The micro-kernel then reads both
 * operands strictly sequentially: no cache-set conflicts whatever n is, every fetched line fully
 * used, and the hardware prefetcher sees two plain streams.
 *
 * <p>The copies cost O(m·k + k·n) per pass against O(m·n·k) arithmetic. Panels are padded with
 * zeros to whole tiles, so the edges of C run the same kernel on a small copy of the tile instead
 * of a separate scalar loop.
 *
 * <pre>{@code
 * new PackedGemm().multiply(m, n, k, a, b, c);
 * }</pre>
 */
public final class PackedGemm implements Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int MR = RegisterTileGemm.MR;
    static final int NR = RegisterTileGemm.NR;
    static final int KC = CacheBlockGemm.KC;
    static final int MC = CacheBlockGemm.MC;
    static final int NC = CacheBlockGemm.NC;

    /** A new instance (buffers are allocated per call). */
    public PackedGemm() {}

    @Override
    public void multiply(int m, int n, int k, float[] a, float[] b, float[] c) {
        Shapes.check("PackedGemm", m, n, k, a, b, c);
        Arrays.fill(c, 0, m * n, 0f);
        float[] bPack = new float[Math.min(KC, k) * roundUp(Math.min(NC, n), NR)];
        float[] aPack = new float[roundUp(Math.min(MC, m), MR) * Math.min(KC, k)];
        float[] edge = new float[MR * NR];
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(kc, nc, b, pc * n + jc, n, bPack, 0);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(mc, kc, a, ic * k + pc, k, aPack);
                    blockTimesPanels(mc, nc, kc, aPack, bPack, c, ic * n + jc, n, edge);
                }
            }
        }
    }

    /** C(block at co) += packed A block (mc×kc) · packed B block (kc×nc), tile by tile. */
    static void blockTimesPanels(int mc, int nc, int kc, float[] aPack, float[] bPack, float[] c, int co, int ldc, float[] edge) {
        for (int jr = 0; jr < nc; jr += NR) {
            for (int ir = 0; ir < mc; ir += MR) {
                int rows = Math.min(MR, mc - ir), cols = Math.min(NR, nc - jr);
                int ct = co + ir * ldc + jr;
                if (rows == MR && cols == NR) {
                    tile(kc, aPack, ir * kc, bPack, jr * kc, c, ct, ldc);
                } else {   // an edge tile: run the same kernel on a full-size copy
                    for (int r = 0; r < rows; r++) System.arraycopy(c, ct + r * ldc, edge, r * NR, cols);
                    tile(kc, aPack, ir * kc, bPack, jr * kc, edge, 0, NR);
                    for (int r = 0; r < rows; r++) System.arraycopy(edge, r * NR, c, ct + r * ldc, cols);
                }
            }
        }
    }

    /** Panels of NR columns: dst[dOff + (jr/NR)·kc·NR + p·NR + j] = B(p, jr + j), zero past column nc. */
    static void packB(int kc, int nc, float[] b, int bo, int ldb, float[] dst, int dOff) {
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr), d = dOff + jr * kc;
            for (int p = 0; p < kc; p++, d += NR) {
                System.arraycopy(b, bo + p * ldb + jr, dst, d, cols);
                if (cols < NR) Arrays.fill(dst, d + cols, d + NR, 0f);
            }
        }
    }

    /** Panels of MR rows, column by column: dst[(ir/MR)·kc·MR + p·MR + r] = A(ir + r, p), zero past row mc. */
    static void packA(int mc, int kc, float[] a, int ao, int lda, float[] dst) {
        for (int ir = 0; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir), d = ir * kc;
            for (int p = 0; p < kc; p++, d += MR) {
                for (int r = 0; r < rows; r++) dst[d + r] = a[ao + (ir + r) * lda + p];
                for (int r = rows; r < MR; r++) dst[d + r] = 0f;
            }
        }
    }

    /** {@return x rounded up to a multiple of step} */
    static int roundUp(int x, int step) {
        return (x + step - 1) / step * step;
    }

    /** Rung 4's micro-kernel reading packed panels: A's six floats and B's two vectors of step p are adjacent. */
    static void tile(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, co), c01 = FloatVector.fromArray(S, c, co + L);
        FloatVector c10 = FloatVector.fromArray(S, c, co + ldc), c11 = FloatVector.fromArray(S, c, co + ldc + L);
        FloatVector c20 = FloatVector.fromArray(S, c, co + 2 * ldc), c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(S, c, co + 3 * ldc), c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(S, c, co + 4 * ldc), c41 = FloatVector.fromArray(S, c, co + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(S, c, co + 5 * ldc), c51 = FloatVector.fromArray(S, c, co + 5 * ldc + L);
        for (int p = 0; p < kc; p++) {
            int bp = bo + p * NR, ap = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector ar = FloatVector.broadcast(S, a[ap]);
            c00 = b0.fma(ar, c00); c01 = b1.fma(ar, c01);
            ar = FloatVector.broadcast(S, a[ap + 1]);
            c10 = b0.fma(ar, c10); c11 = b1.fma(ar, c11);
            ar = FloatVector.broadcast(S, a[ap + 2]);
            c20 = b0.fma(ar, c20); c21 = b1.fma(ar, c21);
            ar = FloatVector.broadcast(S, a[ap + 3]);
            c30 = b0.fma(ar, c30); c31 = b1.fma(ar, c31);
            ar = FloatVector.broadcast(S, a[ap + 4]);
            c40 = b0.fma(ar, c40); c41 = b1.fma(ar, c41);
            ar = FloatVector.broadcast(S, a[ap + 5]);
            c50 = b0.fma(ar, c50); c51 = b1.fma(ar, c51);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L);
    }
}
