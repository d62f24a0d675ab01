package dev.jgrad.kernels.ladder;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rung 4: a register-blocked micro-kernel. C is cut into tiles of {@value #MR} rows × two
 * vectors; a tile's twelve vectors live in registers for the whole sum over p, and each step p
 * loads two vectors of B's row p and six floats of A's column p (broadcast), then issues twelve
 * FMAs. So per FMA: two-thirds of a load and no store (rung 3: two loads and a store).
 *
 * <p>Why twelve accumulators: an FMA's result is ready only after its latency (4 cycles on
 * recent x86), and the core starts up to two FMAs per cycle, so at least 4 × 2 = 8 independent
 * chains must be in flight to keep both units busy; one accumulator (rung 1) or a load-add-store
 * chain per element (rungs 2–3) cannot. Twelve accumulators plus two B vectors and a broadcast
 * fit in the 16 vector registers of AVX2 and leave room in AVX-512's 32.
 *
 * <p>What limits it now: B is read in place, row p at offset p·n, so the tile's two vectors
 * come from a new pair of cache lines at every p, and for a large k those lines fall out of L1
 * before the next tile (the same columns, the next six rows) needs them again.
 *
 * <pre>{@code
 * new RegisterTileGemm().multiply(m, n, k, a, b, c);
 * }</pre>
 */
public final class RegisterTileGemm implements Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Rows of a tile. */
    static final int MR = 6;
    /** Columns of a tile: two vectors. */
    static final int NR = 2 * L;

    /** A new instance (the rung holds no state). */
    public RegisterTileGemm() {}

    @Override
    public void multiply(int m, int n, int k, float[] a, float[] b, float[] c) {
        Shapes.check("RegisterTileGemm", m, n, k, a, b, c);
        Arrays.fill(c, 0, m * n, 0f);
        int mFull = m - m % MR, nFull = n - n % NR;
        for (int i = 0; i < mFull; i += MR) {
            for (int j = 0; j < nFull; j += NR) {
                tile(k, a, i * k, k, b, j, n, c, i * n + j, n);
            }
        }
        Edges.outside(mFull, nFull, m, n, k, a, b, c);
    }

    /**
     * C(tile) += A(6 rows from {@code ao}, row stride {@code lda}) · B(kc rows from {@code bo},
     * row stride {@code ldb}, two vectors wide), the tile of C at {@code co} with row stride
     * {@code ldc}. All vectors stay local to this method: passed to another method that C2 does
     * not inline, a vector becomes an object and every FMA allocates.
     */
    static void tile(int kc, float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, co), c01 = FloatVector.fromArray(S, c, co + L);
        FloatVector c10 = FloatVector.fromArray(S, c, co + ldc), c11 = FloatVector.fromArray(S, c, co + ldc + L);
        FloatVector c20 = FloatVector.fromArray(S, c, co + 2 * ldc), c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(S, c, co + 3 * ldc), c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(S, c, co + 4 * ldc), c41 = FloatVector.fromArray(S, c, co + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(S, c, co + 5 * ldc), c51 = FloatVector.fromArray(S, c, co + 5 * ldc + L);
        for (int p = 0; p < kc; p++) {
            int bp = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector ar = FloatVector.broadcast(S, a[ao + p]);
            c00 = b0.fma(ar, c00); c01 = b1.fma(ar, c01);
            ar = FloatVector.broadcast(S, a[ao + lda + p]);
            c10 = b0.fma(ar, c10); c11 = b1.fma(ar, c11);
            ar = FloatVector.broadcast(S, a[ao + 2 * lda + p]);
            c20 = b0.fma(ar, c20); c21 = b1.fma(ar, c21);
            ar = FloatVector.broadcast(S, a[ao + 3 * lda + p]);
            c30 = b0.fma(ar, c30); c31 = b1.fma(ar, c31);
            ar = FloatVector.broadcast(S, a[ao + 4 * lda + p]);
            c40 = b0.fma(ar, c40); c41 = b1.fma(ar, c41);
            ar = FloatVector.broadcast(S, a[ao + 5 * lda + p]);
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
