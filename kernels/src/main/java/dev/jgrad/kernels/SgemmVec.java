package dev.jgrad.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SGEMM micro-kernels with the Vector API. Each holds an MR×NR tile of C in 24 vector
 * registers (6 rows × 4 vectors) and adds one rank-1 product per k: MR values of packed A
 * broadcast against NR values of B, which come from a packed panel ({@link #overwrite},
 * {@link #accumulate}) or from NR consecutive floats of an arbitrary row of a source array
 * ({@link #overwriteRows}, {@link #accumulateRows}: convolution reads its input this way with no
 * packing). {@link #dot} is the transposed form: a 6×4 block of dot products of rows that are
 * contiguous along the reduction. Loaded only when {@link Simd#enabled}; {@link SgemmScalar} is
 * the same arithmetic without SIMD.
 *
 * <p>Notes from measurement. The C update lives in whole copies of the kernel rather than
 * behind a flag, and the stores are written out rather than put in a helper: a vector merged from
 * two branches, or passed to a method C2 does not inline (which depends on what was compiled
 * first), is boxed, and then every FMA of the loop allocates — the kernel ran at 8-35 instead of
 * 115 GFLOP/s in those runs. Addresses are computed from the loop index p (not running pointers)
 * so that C2 hoists the range checks; that and {@code b.fma(a, c)} took the kernel from 35 to 115.
 */
final class SgemmVec {
    /** See {@link Sgemm} for the 256- versus 512-bit measurements that chose this species. */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int MR = 6;
    static final int NR = 4 * L;

    private SgemmVec() {}

    /**
     * C[0..MR, 0..NR] += Σ_p ap[ao + p·MR + r] · bp[bo + p·NR + j], with C(r, j) at
     * {@code c[co + r·ldc + j]}.
     */
    static void accumulate(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, co), c01 = FloatVector.fromArray(S, c, co + L), c02 = FloatVector.fromArray(S, c, co + 2 * L), c03 = FloatVector.fromArray(S, c, co + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, co + ldc), c11 = FloatVector.fromArray(S, c, co + ldc + L), c12 = FloatVector.fromArray(S, c, co + ldc + 2 * L), c13 = FloatVector.fromArray(S, c, co + ldc + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, co + 2 * ldc), c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L), c22 = FloatVector.fromArray(S, c, co + 2 * ldc + 2 * L), c23 = FloatVector.fromArray(S, c, co + 2 * ldc + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, co + 3 * ldc), c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L), c32 = FloatVector.fromArray(S, c, co + 3 * ldc + 2 * L), c33 = FloatVector.fromArray(S, c, co + 3 * ldc + 3 * L);
        FloatVector c40 = FloatVector.fromArray(S, c, co + 4 * ldc), c41 = FloatVector.fromArray(S, c, co + 4 * ldc + L), c42 = FloatVector.fromArray(S, c, co + 4 * ldc + 2 * L), c43 = FloatVector.fromArray(S, c, co + 4 * ldc + 3 * L);
        FloatVector c50 = FloatVector.fromArray(S, c, co + 5 * ldc), c51 = FloatVector.fromArray(S, c, co + 5 * ldc + L), c52 = FloatVector.fromArray(S, c, co + 5 * ldc + 2 * L), c53 = FloatVector.fromArray(S, c, co + 5 * ldc + 3 * L);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * L);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01); c02 = b2.fma(a, c02); c03 = b3.fma(a, c03);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11); c12 = b2.fma(a, c12); c13 = b3.fma(a, c13);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21); c22 = b2.fma(a, c22); c23 = b3.fma(a, c23);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31); c32 = b2.fma(a, c32); c33 = b3.fma(a, c33);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = b0.fma(a, c40); c41 = b1.fma(a, c41); c42 = b2.fma(a, c42); c43 = b3.fma(a, c43);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = b0.fma(a, c50); c51 = b1.fma(a, c51); c52 = b2.fma(a, c52); c53 = b3.fma(a, c53);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L); c03.intoArray(c, co + 3 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L); c13.intoArray(c, co + ldc + 3 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L); c23.intoArray(c, co + 2 * ldc + 3 * L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L); c32.intoArray(c, co + 3 * ldc + 2 * L); c33.intoArray(c, co + 3 * ldc + 3 * L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L); c42.intoArray(c, co + 4 * ldc + 2 * L); c43.intoArray(c, co + 4 * ldc + 3 * L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L); c52.intoArray(c, co + 5 * ldc + 2 * L); c53.intoArray(c, co + 5 * ldc + 3 * L);
    }

    /** As {@link #accumulate}, but overwrites C without reading it. */
    static void overwrite(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * L);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01); c02 = b2.fma(a, c02); c03 = b3.fma(a, c03);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11); c12 = b2.fma(a, c12); c13 = b3.fma(a, c13);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21); c22 = b2.fma(a, c22); c23 = b3.fma(a, c23);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31); c32 = b2.fma(a, c32); c33 = b3.fma(a, c33);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = b0.fma(a, c40); c41 = b1.fma(a, c41); c42 = b2.fma(a, c42); c43 = b3.fma(a, c43);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = b0.fma(a, c50); c51 = b1.fma(a, c51); c52 = b2.fma(a, c52); c53 = b3.fma(a, c53);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L); c03.intoArray(c, co + 3 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L); c13.intoArray(c, co + ldc + 3 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L); c23.intoArray(c, co + 2 * ldc + 3 * L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L); c32.intoArray(c, co + 3 * ldc + 2 * L); c33.intoArray(c, co + 3 * ldc + 3 * L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L); c42.intoArray(c, co + 4 * ldc + 2 * L); c43.intoArray(c, co + 4 * ldc + 3 * L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L); c52.intoArray(c, co + 5 * ldc + 2 * L); c53.intoArray(c, co + 5 * ldc + 3 * L);
    }

    /**
     * C[0..MR, 0..NR] += Σ_p ap[ao + p·MR + r] · s[rows[ro + p] + col + j]: row p of B is NR
     * consecutive floats of {@code s} starting at {@code rows[ro + p] + col}.
     */
    static void accumulateRows(int kc, float[] ap, int ao, float[] s, int[] rows, int ro, int col, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, co), c01 = FloatVector.fromArray(S, c, co + L), c02 = FloatVector.fromArray(S, c, co + 2 * L), c03 = FloatVector.fromArray(S, c, co + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, co + ldc), c11 = FloatVector.fromArray(S, c, co + ldc + L), c12 = FloatVector.fromArray(S, c, co + ldc + 2 * L), c13 = FloatVector.fromArray(S, c, co + ldc + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, co + 2 * ldc), c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L), c22 = FloatVector.fromArray(S, c, co + 2 * ldc + 2 * L), c23 = FloatVector.fromArray(S, c, co + 2 * ldc + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, co + 3 * ldc), c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L), c32 = FloatVector.fromArray(S, c, co + 3 * ldc + 2 * L), c33 = FloatVector.fromArray(S, c, co + 3 * ldc + 3 * L);
        FloatVector c40 = FloatVector.fromArray(S, c, co + 4 * ldc), c41 = FloatVector.fromArray(S, c, co + 4 * ldc + L), c42 = FloatVector.fromArray(S, c, co + 4 * ldc + 2 * L), c43 = FloatVector.fromArray(S, c, co + 4 * ldc + 3 * L);
        FloatVector c50 = FloatVector.fromArray(S, c, co + 5 * ldc), c51 = FloatVector.fromArray(S, c, co + 5 * ldc + L), c52 = FloatVector.fromArray(S, c, co + 5 * ldc + 2 * L), c53 = FloatVector.fromArray(S, c, co + 5 * ldc + 3 * L);
        for (int p = 0; p < kc; p++) {
            int bi = rows[ro + p] + col, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, s, bi);
            FloatVector b1 = FloatVector.fromArray(S, s, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, s, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, s, bi + 3 * L);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01); c02 = b2.fma(a, c02); c03 = b3.fma(a, c03);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11); c12 = b2.fma(a, c12); c13 = b3.fma(a, c13);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21); c22 = b2.fma(a, c22); c23 = b3.fma(a, c23);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31); c32 = b2.fma(a, c32); c33 = b3.fma(a, c33);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = b0.fma(a, c40); c41 = b1.fma(a, c41); c42 = b2.fma(a, c42); c43 = b3.fma(a, c43);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = b0.fma(a, c50); c51 = b1.fma(a, c51); c52 = b2.fma(a, c52); c53 = b3.fma(a, c53);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L); c03.intoArray(c, co + 3 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L); c13.intoArray(c, co + ldc + 3 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L); c23.intoArray(c, co + 2 * ldc + 3 * L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L); c32.intoArray(c, co + 3 * ldc + 2 * L); c33.intoArray(c, co + 3 * ldc + 3 * L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L); c42.intoArray(c, co + 4 * ldc + 2 * L); c43.intoArray(c, co + 4 * ldc + 3 * L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L); c52.intoArray(c, co + 5 * ldc + 2 * L); c53.intoArray(c, co + 5 * ldc + 3 * L);
    }

    /** As {@link #accumulateRows}, but overwrites C without reading it. */
    static void overwriteRows(int kc, float[] ap, int ao, float[] s, int[] rows, int ro, int col, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = rows[ro + p] + col, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, s, bi);
            FloatVector b1 = FloatVector.fromArray(S, s, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, s, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, s, bi + 3 * L);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01); c02 = b2.fma(a, c02); c03 = b3.fma(a, c03);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11); c12 = b2.fma(a, c12); c13 = b3.fma(a, c13);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21); c22 = b2.fma(a, c22); c23 = b3.fma(a, c23);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31); c32 = b2.fma(a, c32); c33 = b3.fma(a, c33);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = b0.fma(a, c40); c41 = b1.fma(a, c41); c42 = b2.fma(a, c42); c43 = b3.fma(a, c43);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = b0.fma(a, c50); c51 = b1.fma(a, c51); c52 = b2.fma(a, c52); c53 = b3.fma(a, c53);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L); c03.intoArray(c, co + 3 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L); c13.intoArray(c, co + ldc + 3 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L); c23.intoArray(c, co + 2 * ldc + 3 * L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L); c32.intoArray(c, co + 3 * ldc + 2 * L); c33.intoArray(c, co + 3 * ldc + 3 * L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L); c42.intoArray(c, co + 4 * ldc + 2 * L); c43.intoArray(c, co + 4 * ldc + 3 * L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L); c52.intoArray(c, co + 5 * ldc + 2 * L); c53.intoArray(c, co + 5 * ldc + 3 * L);
    }

    /**
     * out[4·r + j] = Σ_{t < len} a[a_r + t] · b[b_j + t] for r &lt; 6, j &lt; 4: a 6×4 block of
     * dot products (C = A·Bᵀ with both operands contiguous along the reduction).
     */
    static void dot(int len, float[] a, int a0, int a1, int a2, int a3, int a4, int a5,
                    float[] b, int b0, int b1, int b2, int b3, float[] out) {
        FloatVector d00 = FloatVector.zero(S), d01 = d00, d02 = d00, d03 = d00, d10 = d00, d11 = d00, d12 = d00, d13 = d00, d20 = d00, d21 = d00, d22 = d00, d23 = d00;
        FloatVector d30 = d00, d31 = d00, d32 = d00, d33 = d00, d40 = d00, d41 = d00, d42 = d00, d43 = d00, d50 = d00, d51 = d00, d52 = d00, d53 = d00;
        int bound = S.loopBound(len);
        for (int t = 0; t < bound; t += L) {
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + t);
            FloatVector y1 = FloatVector.fromArray(S, b, b1 + t);
            FloatVector y2 = FloatVector.fromArray(S, b, b2 + t);
            FloatVector y3 = FloatVector.fromArray(S, b, b3 + t);
            FloatVector x = FloatVector.fromArray(S, a, a0 + t);
            d00 = x.fma(y0, d00); d01 = x.fma(y1, d01); d02 = x.fma(y2, d02); d03 = x.fma(y3, d03);
            x = FloatVector.fromArray(S, a, a1 + t);
            d10 = x.fma(y0, d10); d11 = x.fma(y1, d11); d12 = x.fma(y2, d12); d13 = x.fma(y3, d13);
            x = FloatVector.fromArray(S, a, a2 + t);
            d20 = x.fma(y0, d20); d21 = x.fma(y1, d21); d22 = x.fma(y2, d22); d23 = x.fma(y3, d23);
            x = FloatVector.fromArray(S, a, a3 + t);
            d30 = x.fma(y0, d30); d31 = x.fma(y1, d31); d32 = x.fma(y2, d32); d33 = x.fma(y3, d33);
            x = FloatVector.fromArray(S, a, a4 + t);
            d40 = x.fma(y0, d40); d41 = x.fma(y1, d41); d42 = x.fma(y2, d42); d43 = x.fma(y3, d43);
            x = FloatVector.fromArray(S, a, a5 + t);
            d50 = x.fma(y0, d50); d51 = x.fma(y1, d51); d52 = x.fma(y2, d52); d53 = x.fma(y3, d53);
        }
        out[0] = d00.reduceLanes(VectorOperators.ADD); out[1] = d01.reduceLanes(VectorOperators.ADD); out[2] = d02.reduceLanes(VectorOperators.ADD); out[3] = d03.reduceLanes(VectorOperators.ADD);
        out[4] = d10.reduceLanes(VectorOperators.ADD); out[5] = d11.reduceLanes(VectorOperators.ADD); out[6] = d12.reduceLanes(VectorOperators.ADD); out[7] = d13.reduceLanes(VectorOperators.ADD);
        out[8] = d20.reduceLanes(VectorOperators.ADD); out[9] = d21.reduceLanes(VectorOperators.ADD); out[10] = d22.reduceLanes(VectorOperators.ADD); out[11] = d23.reduceLanes(VectorOperators.ADD);
        out[12] = d30.reduceLanes(VectorOperators.ADD); out[13] = d31.reduceLanes(VectorOperators.ADD); out[14] = d32.reduceLanes(VectorOperators.ADD); out[15] = d33.reduceLanes(VectorOperators.ADD);
        out[16] = d40.reduceLanes(VectorOperators.ADD); out[17] = d41.reduceLanes(VectorOperators.ADD); out[18] = d42.reduceLanes(VectorOperators.ADD); out[19] = d43.reduceLanes(VectorOperators.ADD);
        out[20] = d50.reduceLanes(VectorOperators.ADD); out[21] = d51.reduceLanes(VectorOperators.ADD); out[22] = d52.reduceLanes(VectorOperators.ADD); out[23] = d53.reduceLanes(VectorOperators.ADD);
        for (int t = bound; t < len; t++) {
            out[0] += a[a0 + t] * b[b0 + t]; out[1] += a[a0 + t] * b[b1 + t]; out[2] += a[a0 + t] * b[b2 + t]; out[3] += a[a0 + t] * b[b3 + t];
            out[4] += a[a1 + t] * b[b0 + t]; out[5] += a[a1 + t] * b[b1 + t]; out[6] += a[a1 + t] * b[b2 + t]; out[7] += a[a1 + t] * b[b3 + t];
            out[8] += a[a2 + t] * b[b0 + t]; out[9] += a[a2 + t] * b[b1 + t]; out[10] += a[a2 + t] * b[b2 + t]; out[11] += a[a2 + t] * b[b3 + t];
            out[12] += a[a3 + t] * b[b0 + t]; out[13] += a[a3 + t] * b[b1 + t]; out[14] += a[a3 + t] * b[b2 + t]; out[15] += a[a3 + t] * b[b3 + t];
            out[16] += a[a4 + t] * b[b0 + t]; out[17] += a[a4 + t] * b[b1 + t]; out[18] += a[a4 + t] * b[b2 + t]; out[19] += a[a4 + t] * b[b3 + t];
            out[20] += a[a5 + t] * b[b0 + t]; out[21] += a[a5 + t] * b[b1 + t]; out[22] += a[a5 + t] * b[b2 + t]; out[23] += a[a5 + t] * b[b3 + t];
        }
    }
}
