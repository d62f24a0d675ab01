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
     * d[j·ld + k] = a[off + k·len + j] for k &lt; rows, j &lt; len: an output gradient's K planes
     * of len = P·Q positions turned into one row of channels per position. With 16 lanes, 16×16
     * blocks transposed in registers ({@link TransposeVec#block16}); otherwise L channels at a
     * time by a gather (a scalar loop spent a third of the weight gradient's time here).
     *
     * @param a    the planes, one of {@code len} floats per channel
     * @param off  where the first plane starts
     * @param rows the channels
     * @param len  positions per plane
     * @param d    receives the rows
     * @param ld   floats per row of {@code d}, at least {@code rows}
     */
    public static void transpose(float[] a, int off, int rows, int len, float[] d, int ld) {
        int k0 = 0;
        if (TransposeVec.fits(L)) {
            // a gather per vector took twice as long; the last len mod 16 positions one by one
            int whole = len - len % 16;
            for (; k0 + 16 <= rows; k0 += 16) {
                for (int j0 = 0; j0 < whole; j0 += 16) TransposeVec.block16(a, off + k0 * len + j0, len, d, j0 * ld + k0, ld);
                for (int j = whole; j < len; j++)
                    for (int r = 0; r < 16; r++) d[j * ld + k0 + r] = a[off + (k0 + r) * len + j];
            }
        }
        int[] idx = new int[L];
        for (int l = 0; l < L; l++) idx[l] = l * len;
        for (; k0 + L <= rows; k0 += L) {
            for (int j = 0; j < len; j++) FloatVector.fromArray(S, a, off + k0 * len + j, idx, 0).intoArray(d, j * ld + k0);
        }
        for (int k = k0; k < rows; k++)
            for (int j = 0; j < len; j++) d[j * ld + k] = a[off + k * len + j];
    }
}
