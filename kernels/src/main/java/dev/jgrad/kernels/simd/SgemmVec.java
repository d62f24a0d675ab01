package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.typed.Conv2dF32;
import dev.jgrad.kernels.typed.SgemmF32;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SGEMM micro-kernels with the Vector API. Each holds an MR×NR tile of C in 24 vector
 * registers (6 rows × 4 vectors) and adds one rank-1 product per k: MR values of packed A
 * broadcast against NR values of B, which come from a packed panel ({@link #overwrite},
 * {@link #accumulate}) or from NR consecutive floats of an arbitrary row of a source array
 * ({@link #overwriteRows}, {@link #accumulateRows}: convolution reads its input this way with no
 * packing). {@link #dot} is the transposed form: a 6×4 block of dot products of rows that are
 * contiguous along the reduction. Loaded only when {@link Simd#enabled()}; {@code SgemmScalar} is
 * the same arithmetic without SIMD.
 *
 * <p>Notes from measurement (the figures are in docs/design-notes.md, "SGEMM: packed blocks tuned
 * against OpenBLAS"). The C update lives in whole copies of the kernel rather than behind a flag,
 * and the stores are written out rather than put in a helper: a vector merged from two branches,
 * or passed to a method C2 does not inline (which depends on what was compiled first), is boxed,
 * and then every FMA of the loop allocates. Addresses are computed from the loop index p (not
 * running pointers) so that C2 hoists the range checks, and the FMA is written
 * {@code b.fma(a, c)}. Tiles, measured: the packed kernel 6×4 vectors with 32 vector registers,
 * 4×2 with 16 (AVX2: {@link #accumulate4x2}); the row-source kernel 4×6
 * (see {@link Conv2dF32}); the dot kernel 4×4 — 6×4 spilled accumulators to the stack — and 4
 * divides the channel counts convolutions use.
 */
public final class SgemmVec {
    /** The 256- versus 512-bit measurements that chose this species: docs/design-notes.md ("SGEMM"). */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    public static final int L = S.length();
    static final int MR = 6;
    public static final int NR = 4 * L;
    /** Columns of the narrow (6×2-vector) tile of {@link #accumulate2} and {@link #overwrite2}. */
    public static final int NR2 = 2 * L;
    /** Rows of the 4×2-vector tile of {@link #accumulate4x2} and {@link #overwrite4x2} (NR2 columns). */
    static final int MR4 = 4;
    /** Tile of the row-source kernels (convolution): output channels × output positions. */
    public static final int CONV_MR = 4;
    public static final int CONV_NR = 6 * L;

    private SgemmVec() {}

    /** Per thread and panel height (the index): the gather offsets for the last row stride, that stride in the last slot. */
    private static final ThreadLocal<int[][]> PACK_INDEX = ThreadLocal.withInitial(() -> new int[MR + 1][]);

    /**
     * Gather offsets for {@link #packAGather} of panels of {@code rows} rows (4 or 6) with source
     * row stride {@code rs}: lane q of output vector j reads row (jL + q) mod rows, column
     * (jL + q) / rows. Cached per thread for the last stride of each height.
     *
     * @param rows the panel's rows, 1 to 6
     * @param rs   the source's row stride
     * @return the offsets (rows·L of them, then the stride they are for)
     */
    public static int[] packAIndex(int rows, int rs) {
        if (rows < 1 || rows > MR) throw new IllegalArgumentException("SgemmVec.packAIndex: rows must be in 1.." + MR + ", got " + rows);
        int[][] byRows = PACK_INDEX.get();
        int[] idx = byRows[rows];
        if (idx == null) {
            idx = byRows[rows] = new int[rows * L + 1];
            idx[rows * L] = Integer.MIN_VALUE; // no stride cached yet
        }
        if (idx[rows * L] != rs) {
            for (int i = 0; i < rows * L; i++) idx[i] = (i % rows) * rs + i / rows;
            idx[rows * L] = rs;
        }
        return idx;
    }

    /**
     * One A panel of {@link SgemmF32#packA} for {@code rows} full rows of a row-major source:
     * dst[d + p·rows + r] = alpha · a[src + r·rs + p] for p &lt; kc, r &lt; rows; L columns
     * ({@code rows} vectors) per step with gathers at the offsets of {@link #packAIndex}, the
     * rest scalar.
     *
     * @param rows  the panel's rows (as given to {@link #packAIndex})
     * @param kc    columns to pack
     * @param alpha the factor applied to every element
     * @param a     the source
     * @param src   index in {@code a} of the panel's first element
     * @param rs    the source's row stride
     * @param idx   {@link #packAIndex}{@code (rows, rs)}
     * @param dst   the packed panels
     * @param d     index in {@code dst} of this panel
     */
    public static void packAGather(int rows, int kc, float alpha, float[] a, int src, int rs, int[] idx, float[] dst, int d) {
        int p = 0;
        for (; p + L <= kc; p += L) {
            int o = d + p * rows;
            for (int j = 0; j < rows; j++) {
                FloatVector.fromArray(S, a, src + p, idx, j * L).mul(alpha).intoArray(dst, o + j * L);
            }
        }
        for (; p < kc; p++) {
            int o = d + p * rows;
            for (int r = 0; r < rows; r++) dst[o + r] = alpha * a[src + r * rs + p];
        }
    }

    /**
     * C[0..MR, 0..NR] += Σ_p ap[ao + p·MR + r] · bp[bo + p·NR + j], with C(r, j) at
     * {@code c[co + r·ldc + j]}.
     */
    public static void accumulate(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc) {
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
    public static void overwrite(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc) {
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
     * As {@link #accumulate} with a 6×2-vector tile (NR2 = 2·L columns): 12 accumulators, which fit
     * the 16 vector registers of AVX2 with room for the operands ({@link #accumulate}'s 24 do not).
     */
    public static void accumulate2(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, co), c01 = FloatVector.fromArray(S, c, co + L);
        FloatVector c10 = FloatVector.fromArray(S, c, co + ldc), c11 = FloatVector.fromArray(S, c, co + ldc + L);
        FloatVector c20 = FloatVector.fromArray(S, c, co + 2 * ldc), c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(S, c, co + 3 * ldc), c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(S, c, co + 4 * ldc), c41 = FloatVector.fromArray(S, c, co + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(S, c, co + 5 * ldc), c51 = FloatVector.fromArray(S, c, co + 5 * ldc + L);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR2, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = b0.fma(a, c40); c41 = b1.fma(a, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = b0.fma(a, c50); c51 = b1.fma(a, c51);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L);
    }

    /** As {@link #accumulate2}, but overwrites C without reading it. */
    public static void overwrite2(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00;
        FloatVector c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR2, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = b0.fma(a, c40); c41 = b1.fma(a, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = b0.fma(a, c50); c51 = b1.fma(a, c51);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L);
    }

    /**
     * As {@link #accumulate} with a 4×2-vector tile (4 rows, NR2 = 2·L columns, A panels of 4
     * rows): 8 accumulators. With 16 vector registers (AVX2) the 6×2 tile's 12 accumulators, two
     * B vectors and the broadcasts did not all stay in registers: C2 spilled accumulators, which
     * puts a store and a load into their FMA chains; this tile leaves room.
     */
    public static void accumulate4x2(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, co), c01 = FloatVector.fromArray(S, c, co + L);
        FloatVector c10 = FloatVector.fromArray(S, c, co + ldc), c11 = FloatVector.fromArray(S, c, co + ldc + L);
        FloatVector c20 = FloatVector.fromArray(S, c, co + 2 * ldc), c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(S, c, co + 3 * ldc), c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR2, ai = ao + p * MR4;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
    }

    /** As {@link #accumulate4x2}, but overwrites C without reading it. */
    public static void overwrite4x2(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR2, ai = ao + p * MR4;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
    }

    /**
     * C[0..CONV_MR, 0..CONV_NR] += Σ_p ap[ao + p·CONV_MR + r] · s[rows[ro + p] + col + j]: row p of B is CONV_NR
     * consecutive floats of {@code s} starting at {@code rows[ro + p] + col}.
     */
    public static void accumulateRows(int kc, float[] ap, int ao, float[] s, int[] rows, int ro, int col, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, co), c01 = FloatVector.fromArray(S, c, co + L), c02 = FloatVector.fromArray(S, c, co + 2 * L), c03 = FloatVector.fromArray(S, c, co + 3 * L), c04 = FloatVector.fromArray(S, c, co + 4 * L), c05 = FloatVector.fromArray(S, c, co + 5 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, co + ldc), c11 = FloatVector.fromArray(S, c, co + ldc + L), c12 = FloatVector.fromArray(S, c, co + ldc + 2 * L), c13 = FloatVector.fromArray(S, c, co + ldc + 3 * L), c14 = FloatVector.fromArray(S, c, co + ldc + 4 * L), c15 = FloatVector.fromArray(S, c, co + ldc + 5 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, co + 2 * ldc), c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L), c22 = FloatVector.fromArray(S, c, co + 2 * ldc + 2 * L), c23 = FloatVector.fromArray(S, c, co + 2 * ldc + 3 * L), c24 = FloatVector.fromArray(S, c, co + 2 * ldc + 4 * L), c25 = FloatVector.fromArray(S, c, co + 2 * ldc + 5 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, co + 3 * ldc), c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L), c32 = FloatVector.fromArray(S, c, co + 3 * ldc + 2 * L), c33 = FloatVector.fromArray(S, c, co + 3 * ldc + 3 * L), c34 = FloatVector.fromArray(S, c, co + 3 * ldc + 4 * L), c35 = FloatVector.fromArray(S, c, co + 3 * ldc + 5 * L);
        for (int p = 0; p < kc; p++) {
            int bi = rows[ro + p] + col, ai = ao + p * CONV_MR;
            FloatVector b0 = FloatVector.fromArray(S, s, bi);
            FloatVector b1 = FloatVector.fromArray(S, s, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, s, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, s, bi + 3 * L);
            FloatVector b4 = FloatVector.fromArray(S, s, bi + 4 * L);
            FloatVector b5 = FloatVector.fromArray(S, s, bi + 5 * L);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01); c02 = b2.fma(a, c02); c03 = b3.fma(a, c03); c04 = b4.fma(a, c04); c05 = b5.fma(a, c05);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11); c12 = b2.fma(a, c12); c13 = b3.fma(a, c13); c14 = b4.fma(a, c14); c15 = b5.fma(a, c15);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21); c22 = b2.fma(a, c22); c23 = b3.fma(a, c23); c24 = b4.fma(a, c24); c25 = b5.fma(a, c25);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31); c32 = b2.fma(a, c32); c33 = b3.fma(a, c33); c34 = b4.fma(a, c34); c35 = b5.fma(a, c35);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L); c03.intoArray(c, co + 3 * L); c04.intoArray(c, co + 4 * L); c05.intoArray(c, co + 5 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L); c13.intoArray(c, co + ldc + 3 * L); c14.intoArray(c, co + ldc + 4 * L); c15.intoArray(c, co + ldc + 5 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L); c23.intoArray(c, co + 2 * ldc + 3 * L); c24.intoArray(c, co + 2 * ldc + 4 * L); c25.intoArray(c, co + 2 * ldc + 5 * L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L); c32.intoArray(c, co + 3 * ldc + 2 * L); c33.intoArray(c, co + 3 * ldc + 3 * L); c34.intoArray(c, co + 3 * ldc + 4 * L); c35.intoArray(c, co + 3 * ldc + 5 * L);
    }

    /** As {@link #accumulateRows}, but overwrites C without reading it. */
    public static void overwriteRows(int kc, float[] ap, int ao, float[] s, int[] rows, int ro, int col, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c04 = c00, c05 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00, c15 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c24 = c00, c25 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00, c34 = c00, c35 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = rows[ro + p] + col, ai = ao + p * CONV_MR;
            FloatVector b0 = FloatVector.fromArray(S, s, bi);
            FloatVector b1 = FloatVector.fromArray(S, s, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, s, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, s, bi + 3 * L);
            FloatVector b4 = FloatVector.fromArray(S, s, bi + 4 * L);
            FloatVector b5 = FloatVector.fromArray(S, s, bi + 5 * L);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01); c02 = b2.fma(a, c02); c03 = b3.fma(a, c03); c04 = b4.fma(a, c04); c05 = b5.fma(a, c05);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11); c12 = b2.fma(a, c12); c13 = b3.fma(a, c13); c14 = b4.fma(a, c14); c15 = b5.fma(a, c15);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21); c22 = b2.fma(a, c22); c23 = b3.fma(a, c23); c24 = b4.fma(a, c24); c25 = b5.fma(a, c25);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31); c32 = b2.fma(a, c32); c33 = b3.fma(a, c33); c34 = b4.fma(a, c34); c35 = b5.fma(a, c35);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L); c03.intoArray(c, co + 3 * L); c04.intoArray(c, co + 4 * L); c05.intoArray(c, co + 5 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L); c13.intoArray(c, co + ldc + 3 * L); c14.intoArray(c, co + ldc + 4 * L); c15.intoArray(c, co + ldc + 5 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L); c23.intoArray(c, co + 2 * ldc + 3 * L); c24.intoArray(c, co + 2 * ldc + 4 * L); c25.intoArray(c, co + 2 * ldc + 5 * L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L); c32.intoArray(c, co + 3 * ldc + 2 * L); c33.intoArray(c, co + 3 * ldc + 3 * L); c34.intoArray(c, co + 3 * ldc + 4 * L); c35.intoArray(c, co + 3 * ldc + 5 * L);
    }

    /**
     * A block of dot products kept as vectors of partial sums (C = A·Bᵀ with both operands
     * contiguous along the reduction): for r &lt; DOT_ROWS, j &lt; DOT_COLS and lane l &lt; L,
     * acc[at + (DOT_COLS·r + j)·L + l] += Σ_u a[ar[r] + u·L + l] · b[br[j] + u·L + l] over
     * u &lt; len / L ({@code len} a multiple of L). The caller sums the lanes once at the end.
     */
    public static final int DOT_ROWS = 4, DOT_COLS = 4;

    public static void dot(int len, float[] a, int[] ar, float[] b, int[] br, float[] acc, int at) {
        int a0 = ar[0], a1 = ar[1], a2 = ar[2], a3 = ar[3];
        int b0 = br[0], b1 = br[1], b2 = br[2], b3 = br[3];
        FloatVector d00 = FloatVector.fromArray(S, acc, at + 0 * L), d01 = FloatVector.fromArray(S, acc, at + 1 * L), d02 = FloatVector.fromArray(S, acc, at + 2 * L), d03 = FloatVector.fromArray(S, acc, at + 3 * L);
        FloatVector d10 = FloatVector.fromArray(S, acc, at + 4 * L), d11 = FloatVector.fromArray(S, acc, at + 5 * L), d12 = FloatVector.fromArray(S, acc, at + 6 * L), d13 = FloatVector.fromArray(S, acc, at + 7 * L);
        FloatVector d20 = FloatVector.fromArray(S, acc, at + 8 * L), d21 = FloatVector.fromArray(S, acc, at + 9 * L), d22 = FloatVector.fromArray(S, acc, at + 10 * L), d23 = FloatVector.fromArray(S, acc, at + 11 * L);
        FloatVector d30 = FloatVector.fromArray(S, acc, at + 12 * L), d31 = FloatVector.fromArray(S, acc, at + 13 * L), d32 = FloatVector.fromArray(S, acc, at + 14 * L), d33 = FloatVector.fromArray(S, acc, at + 15 * L);
        for (int t = 0; t < len; t += L) {
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
        }
        d00.intoArray(acc, at + 0 * L); d01.intoArray(acc, at + 1 * L); d02.intoArray(acc, at + 2 * L); d03.intoArray(acc, at + 3 * L);
        d10.intoArray(acc, at + 4 * L); d11.intoArray(acc, at + 5 * L); d12.intoArray(acc, at + 6 * L); d13.intoArray(acc, at + 7 * L);
        d20.intoArray(acc, at + 8 * L); d21.intoArray(acc, at + 9 * L); d22.intoArray(acc, at + 10 * L); d23.intoArray(acc, at + 11 * L);
        d30.intoArray(acc, at + 12 * L); d31.intoArray(acc, at + 13 * L); d32.intoArray(acc, at + 14 * L); d33.intoArray(acc, at + 15 * L);
    }

    /**
     * C[i, 0..n) = Σ_p A(i, p)·B(p, 0..n) for rows i in [i0, i1), n ≤ {@link #L}, B's rows
     * contiguous (column stride 1), C overwritten: a classifier's few outputs without packing.
     * Each element is the chain of fused multiply-adds over p = 0..k−1 from zero that the packed
     * kernel computes for it, so the bits are the packed path's. Four rows at a time share each
     * load of a B row.
     */
    public static void skinny(int i0, int i1, int n, int k, float[] a, int aOff, int aRs, int aCs, float[] b, int bOff, int bRs,
                              float[] c, int cOff, int ldc) {
        VectorMask<Float> m = S.indexInRange(0, n);
        int i = i0;
        for (; i + 3 < i1; i += 4) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
            int a0 = aOff + i * aRs, a1 = a0 + aRs, a2 = a1 + aRs, a3 = a2 + aRs;
            for (int p = 0; p < k; p++) {
                FloatVector bv = FloatVector.fromArray(S, b, bOff + p * bRs, m);
                int ap = p * aCs;
                c0 = bv.fma(FloatVector.broadcast(S, a[a0 + ap]), c0);
                c1 = bv.fma(FloatVector.broadcast(S, a[a1 + ap]), c1);
                c2 = bv.fma(FloatVector.broadcast(S, a[a2 + ap]), c2);
                c3 = bv.fma(FloatVector.broadcast(S, a[a3 + ap]), c3);
            }
            int ci = cOff + i * ldc;
            c0.intoArray(c, ci, m);
            c1.intoArray(c, ci + ldc, m);
            c2.intoArray(c, ci + 2 * ldc, m);
            c3.intoArray(c, ci + 3 * ldc, m);
        }
        for (; i < i1; i++) {
            FloatVector c0 = FloatVector.zero(S);
            int a0 = aOff + i * aRs;
            for (int p = 0; p < k; p++) c0 = FloatVector.fromArray(S, b, bOff + p * bRs, m).fma(FloatVector.broadcast(S, a[a0 + p * aCs]), c0);
            c0.intoArray(c, cOff + i * ldc, m);
        }
    }
}
