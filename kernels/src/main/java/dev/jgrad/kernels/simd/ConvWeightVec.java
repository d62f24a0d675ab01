package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The micro-kernel of a convolution's weight gradient as an outer-product GEMM,
 * dWᵀ[(c, r, s), k] = Σ_j B[(c, r, s), j] · dYᵀ[j, k]: six taps (c, r, s) read in place from the
 * convolution's source rows (one float broadcast each per output position j) against a row of
 * 4·L output channels of the transposed output gradient. The dot-product form, dW = dY·Bᵀ with
 * both operands read along j, loads two vectors per 16 multiply-adds and streams both from L2;
 * here one row of dYᵀ (4 loads) and six broadcasts feed 24. Loaded only when
 * {@link Simd#enabled()}.
 *
 * <pre>{@code
 * // C (6 × NR, row stride kPad) += one image's sums over its img columns
 * ConvWeightVec.image(source, rows, 0, imageOffset, img, dyT, 0, kPad, c, 0, kPad);
 * }</pre>
 */
public final class ConvWeightVec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    public static final int L = S.length();
    /** Taps (rows of dWᵀ) per call. */
    public static final int MR = 6;
    /** Output channels (columns of dWᵀ) per call. */
    public static final int NR = 4 * L;

    /** The 512-bit species of {@link #transpose16}, whichever species the rest of this class uses. */
    private static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;
    /**
     * Lane indices of the four steps of {@link #transpose16} (half-widths 8, 4, 2, 1): with v1 and
     * v2 two rows h apart, LO takes lane l of v1 where bit h of l is clear and lane l − h of v2
     * where it is set; HI takes lane l + h of v1 and lane l of v2 (indices 16 and up pick v2).
     */
    private static final FloatVector[] LO = new FloatVector[4], HI = new FloatVector[4];

    static {
        int step = 0;
        for (int h = 8; h >= 1; h >>= 1, step++) {
            float[] lo = new float[16], hi = new float[16];
            for (int l = 0; l < 16; l++) {
                boolean upper = (l & h) != 0;
                lo[l] = upper ? 16 + l - h : l;
                hi[l] = upper ? 16 + l : l + h;
            }
            LO[step] = FloatVector.fromArray(S16, lo, 0);
            HI[step] = FloatVector.fromArray(S16, hi, 0);
        }
    }

    private ConvWeightVec() {}

    /**
     * C[t, 0..NR) += Σ_{q &lt; len} s[rows[ro + t] + off + q] · d[dOff + q·ldd + 0..NR)
     * for t &lt; 6: one image's contribution, summed from zero and then added to C, so that C
     * holds a sum of per-image sums (whose rounding error grows with the image's size, not the
     * batch's).
     *
     * @param s      the source rows
     * @param rows   the start of each tap's source row
     * @param ro     the first of the six taps in {@code rows}
     * @param off    the image's offset in every source row
     * @param len    the image's columns (output positions, and the gaps between rows where the source has them)
     * @param d      the transposed output gradient, one row of {@code ldd} channels per column (zero in gaps)
     * @param dOff   the image's first row (plus the first channel) in {@code d}
     * @param ldd    floats per row of {@code d}
     * @param c      dWᵀ, accumulated
     * @param co     where the 6×NR tile starts in {@code c}
     * @param ldc    floats per row of {@code c}
     */
    public static void image(float[] s, int[] rows, int ro, int off, int len, float[] d, int dOff, int ldd,
                             float[] c, int co, int ldc) {
        int a0 = rows[ro] + off, a1 = rows[ro + 1] + off, a2 = rows[ro + 2] + off;
        int a3 = rows[ro + 3] + off, a4 = rows[ro + 4] + off, a5 = rows[ro + 5] + off;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        for (int q = 0; q < len; q++) {   // one loop: vectors carried through a nested loop get boxed
            int bi = dOff + q * ldd;
            FloatVector b0 = FloatVector.fromArray(S, d, bi);
            FloatVector b1 = FloatVector.fromArray(S, d, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, d, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, d, bi + 3 * L);
            FloatVector a = FloatVector.broadcast(S, s[a0 + q]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01); c02 = b2.fma(a, c02); c03 = b3.fma(a, c03);
            a = FloatVector.broadcast(S, s[a1 + q]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11); c12 = b2.fma(a, c12); c13 = b3.fma(a, c13);
            a = FloatVector.broadcast(S, s[a2 + q]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21); c22 = b2.fma(a, c22); c23 = b3.fma(a, c23);
            a = FloatVector.broadcast(S, s[a3 + q]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31); c32 = b2.fma(a, c32); c33 = b3.fma(a, c33);
            a = FloatVector.broadcast(S, s[a4 + q]);
            c40 = b0.fma(a, c40); c41 = b1.fma(a, c41); c42 = b2.fma(a, c42); c43 = b3.fma(a, c43);
            a = FloatVector.broadcast(S, s[a5 + q]);
            c50 = b0.fma(a, c50); c51 = b1.fma(a, c51); c52 = b2.fma(a, c52); c53 = b3.fma(a, c53);
        }
        // written out rather than in a helper taking vectors: such a helper, compiled apart, boxes them
        int r = co;
        FloatVector.fromArray(S, c, r).add(c00).intoArray(c, r); FloatVector.fromArray(S, c, r + L).add(c01).intoArray(c, r + L);
        FloatVector.fromArray(S, c, r + 2 * L).add(c02).intoArray(c, r + 2 * L); FloatVector.fromArray(S, c, r + 3 * L).add(c03).intoArray(c, r + 3 * L);
        r += ldc;
        FloatVector.fromArray(S, c, r).add(c10).intoArray(c, r); FloatVector.fromArray(S, c, r + L).add(c11).intoArray(c, r + L);
        FloatVector.fromArray(S, c, r + 2 * L).add(c12).intoArray(c, r + 2 * L); FloatVector.fromArray(S, c, r + 3 * L).add(c13).intoArray(c, r + 3 * L);
        r += ldc;
        FloatVector.fromArray(S, c, r).add(c20).intoArray(c, r); FloatVector.fromArray(S, c, r + L).add(c21).intoArray(c, r + L);
        FloatVector.fromArray(S, c, r + 2 * L).add(c22).intoArray(c, r + 2 * L); FloatVector.fromArray(S, c, r + 3 * L).add(c23).intoArray(c, r + 3 * L);
        r += ldc;
        FloatVector.fromArray(S, c, r).add(c30).intoArray(c, r); FloatVector.fromArray(S, c, r + L).add(c31).intoArray(c, r + L);
        FloatVector.fromArray(S, c, r + 2 * L).add(c32).intoArray(c, r + 2 * L); FloatVector.fromArray(S, c, r + 3 * L).add(c33).intoArray(c, r + 3 * L);
        r += ldc;
        FloatVector.fromArray(S, c, r).add(c40).intoArray(c, r); FloatVector.fromArray(S, c, r + L).add(c41).intoArray(c, r + L);
        FloatVector.fromArray(S, c, r + 2 * L).add(c42).intoArray(c, r + 2 * L); FloatVector.fromArray(S, c, r + 3 * L).add(c43).intoArray(c, r + 3 * L);
        r += ldc;
        FloatVector.fromArray(S, c, r).add(c50).intoArray(c, r); FloatVector.fromArray(S, c, r + L).add(c51).intoArray(c, r + L);
        FloatVector.fromArray(S, c, r + 2 * L).add(c52).intoArray(c, r + 2 * L); FloatVector.fromArray(S, c, r + 3 * L).add(c53).intoArray(c, r + 3 * L);
    }

    /**
     * d[(p·stride + q)·ld + k] = a[off + (k·P + p)·Q + q] for k &lt; rows, p &lt; P, q &lt; Q: an
     * output gradient's K planes of P×Q turned into one row of channels per output position, at
     * the position's column in the source (rows of the gaps untouched): with 16 lanes and no gaps,
     * 16×16 blocks transposed in registers ({@link #transpose16}); otherwise L channels at a time
     * by a gather (a scalar loop spent a third of the weight gradient's time here).
     *
     * @param a      the planes, one of P·Q floats per channel
     * @param off    where the first plane starts
     * @param rows   the channels
     * @param P      output rows
     * @param Q      output columns
     * @param stride source columns per output row (Q plus the gap)
     * @param d      receives the rows
     * @param ld     floats per row of {@code d}, at least {@code rows}
     */
    public static void transposePadded(float[] a, int off, int rows, int P, int Q, int stride, float[] d, int ld) {
        int len = P * Q;
        int k0 = 0;
        if (L == 16 && stride == Q) {
            // the rows of d are consecutive positions: 16×16 blocks transposed in registers (a
            // gather per vector took twice as long), the last len mod 16 positions one by one
            int whole = len - len % 16;
            for (; k0 + 16 <= rows; k0 += 16) {
                for (int j0 = 0; j0 < whole; j0 += 16) transpose16(a, off + k0 * len + j0, len, d, j0 * ld + k0, ld);
                for (int j = whole; j < len; j++)
                    for (int r = 0; r < 16; r++) d[j * ld + k0 + r] = a[off + (k0 + r) * len + j];
            }
        }
        int[] idx = new int[L];
        for (int l = 0; l < L; l++) idx[l] = l * len;
        for (; k0 + L <= rows; k0 += L) {
            for (int p = 0; p < P; p++) {
                int src = off + k0 * len + p * Q, dst = p * stride * ld + k0;
                for (int q = 0; q < Q; q++) FloatVector.fromArray(S, a, src + q, idx, 0).intoArray(d, dst + q * ld);
            }
        }
        for (int k = k0; k < rows; k++)
            for (int p = 0; p < P; p++)
                for (int q = 0; q < Q; q++) d[(p * stride + q) * ld + k] = a[off + k * len + p * Q + q];
    }

    /**
     * d[(i + j0)·ld + r] = a[ar + r·len + i] for r, i &lt; 16: a 16×16 block transposed in
     * registers, by four steps that each pair rows h apart with two-vector lane selections
     * ({@code selectFrom}, one permute instruction each). Written out, as the micro-kernels are.
     */
    private static void transpose16(float[] a, int ar, int len, float[] d, int dr, int ld) {
        FloatVector r0 = FloatVector.fromArray(S16, a, ar), r1 = FloatVector.fromArray(S16, a, ar + len), r2 = FloatVector.fromArray(S16, a, ar + 2 * len), r3 = FloatVector.fromArray(S16, a, ar + 3 * len);
        FloatVector r4 = FloatVector.fromArray(S16, a, ar + 4 * len), r5 = FloatVector.fromArray(S16, a, ar + 5 * len), r6 = FloatVector.fromArray(S16, a, ar + 6 * len), r7 = FloatVector.fromArray(S16, a, ar + 7 * len);
        FloatVector r8 = FloatVector.fromArray(S16, a, ar + 8 * len), r9 = FloatVector.fromArray(S16, a, ar + 9 * len), r10 = FloatVector.fromArray(S16, a, ar + 10 * len), r11 = FloatVector.fromArray(S16, a, ar + 11 * len);
        FloatVector r12 = FloatVector.fromArray(S16, a, ar + 12 * len), r13 = FloatVector.fromArray(S16, a, ar + 13 * len), r14 = FloatVector.fromArray(S16, a, ar + 14 * len), r15 = FloatVector.fromArray(S16, a, ar + 15 * len);
        FloatVector t0,t1,t2,t3,t4,t5,t6,t7,t8,t9,t10,t11,t12,t13,t14,t15;
        // h = 8
        FloatVector lo = LO[0], hi = HI[0];
        t0 = lo.selectFrom(r0, r8); t8 = hi.selectFrom(r0, r8);
        t1 = lo.selectFrom(r1, r9); t9 = hi.selectFrom(r1, r9);
        t2 = lo.selectFrom(r2, r10); t10 = hi.selectFrom(r2, r10);
        t3 = lo.selectFrom(r3, r11); t11 = hi.selectFrom(r3, r11);
        t4 = lo.selectFrom(r4, r12); t12 = hi.selectFrom(r4, r12);
        t5 = lo.selectFrom(r5, r13); t13 = hi.selectFrom(r5, r13);
        t6 = lo.selectFrom(r6, r14); t14 = hi.selectFrom(r6, r14);
        t7 = lo.selectFrom(r7, r15); t15 = hi.selectFrom(r7, r15);
        // h = 4
        lo = LO[1]; hi = HI[1];
        r0 = lo.selectFrom(t0, t4); r4 = hi.selectFrom(t0, t4);
        r1 = lo.selectFrom(t1, t5); r5 = hi.selectFrom(t1, t5);
        r2 = lo.selectFrom(t2, t6); r6 = hi.selectFrom(t2, t6);
        r3 = lo.selectFrom(t3, t7); r7 = hi.selectFrom(t3, t7);
        r8 = lo.selectFrom(t8, t12); r12 = hi.selectFrom(t8, t12);
        r9 = lo.selectFrom(t9, t13); r13 = hi.selectFrom(t9, t13);
        r10 = lo.selectFrom(t10, t14); r14 = hi.selectFrom(t10, t14);
        r11 = lo.selectFrom(t11, t15); r15 = hi.selectFrom(t11, t15);
        // h = 2
        lo = LO[2]; hi = HI[2];
        t0 = lo.selectFrom(r0, r2); t2 = hi.selectFrom(r0, r2);
        t1 = lo.selectFrom(r1, r3); t3 = hi.selectFrom(r1, r3);
        t4 = lo.selectFrom(r4, r6); t6 = hi.selectFrom(r4, r6);
        t5 = lo.selectFrom(r5, r7); t7 = hi.selectFrom(r5, r7);
        t8 = lo.selectFrom(r8, r10); t10 = hi.selectFrom(r8, r10);
        t9 = lo.selectFrom(r9, r11); t11 = hi.selectFrom(r9, r11);
        t12 = lo.selectFrom(r12, r14); t14 = hi.selectFrom(r12, r14);
        t13 = lo.selectFrom(r13, r15); t15 = hi.selectFrom(r13, r15);
        // h = 1
        lo = LO[3]; hi = HI[3];
        r0 = lo.selectFrom(t0, t1); r1 = hi.selectFrom(t0, t1);
        r2 = lo.selectFrom(t2, t3); r3 = hi.selectFrom(t2, t3);
        r4 = lo.selectFrom(t4, t5); r5 = hi.selectFrom(t4, t5);
        r6 = lo.selectFrom(t6, t7); r7 = hi.selectFrom(t6, t7);
        r8 = lo.selectFrom(t8, t9); r9 = hi.selectFrom(t8, t9);
        r10 = lo.selectFrom(t10, t11); r11 = hi.selectFrom(t10, t11);
        r12 = lo.selectFrom(t12, t13); r13 = hi.selectFrom(t12, t13);
        r14 = lo.selectFrom(t14, t15); r15 = hi.selectFrom(t14, t15);
        r0.intoArray(d, dr); r1.intoArray(d, dr + ld); r2.intoArray(d, dr + 2 * ld); r3.intoArray(d, dr + 3 * ld);
        r4.intoArray(d, dr + 4 * ld); r5.intoArray(d, dr + 5 * ld); r6.intoArray(d, dr + 6 * ld); r7.intoArray(d, dr + 7 * ld);
        r8.intoArray(d, dr + 8 * ld); r9.intoArray(d, dr + 9 * ld); r10.intoArray(d, dr + 10 * ld); r11.intoArray(d, dr + 11 * ld);
        r12.intoArray(d, dr + 12 * ld); r13.intoArray(d, dr + 13 * ld); r14.intoArray(d, dr + 14 * ld); r15.intoArray(d, dr + 15 * ld);
    }
}
