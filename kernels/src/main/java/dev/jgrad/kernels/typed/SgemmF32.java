package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.MatMulRef;
import dev.jgrad.kernels.simd.SgemmVec;
import dev.jgrad.kernels.simd.TransposeVec;
import java.util.Arrays;

/**
 * Single-precision general matrix multiply, C = alpha·op(A)·op(B) + beta·C, row-major, with
 * BLAS semantics (C is not read when beta is 0), and the batched product on top of it.
 *
 * <p>BLIS-style: B is packed into column panels of NR, A into row panels of MR (the tile's rows;
 * alpha applied while packing), and a register-blocked micro-kernel ({@link SgemmVec}, or {@link SgemmScalar}
 * when SIMD is off) updates one MR×NR tile of C per call. Blocking: KC rows of B per pass, packed
 * NC columns at a time; A packed MC rows at a time; then either for each NR-panel of B the
 * micro-kernel sweeps the MC-row A block, or for each MR-panel of A it sweeps the NC-column B
 * block. The tile, KC, MC, NC and that loop order are a {@link GemmConfig}, chosen for the CPU by
 * {@link GemmTuner} unless given; every configuration gives the same bits. Threads split C into a
 * grid of blocks, each packing its own panels; products below {@link Parallel#INLINE_WORK} run on
 * the calling thread.
 *
 * <pre>{@code
 * // C (m×n) = A (m×k) · Bᵀ where B is stored n×k
 * SgemmF32.sgemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n);
 * }</pre>
 */
public final class SgemmF32 {
    /** Depth of one pass of {@link #rowsGemm} (convolution): its B is read in place, so only A is blocked. */
    static final int ROWS_KC = Integer.getInteger("jgrad.conv.kc", 384);
    /** Rows of the A panels {@link #packA6Rows} and {@link SgemmVec#packAGather} fill. */
    private static final int MR6 = 6;
    /** Rows of the A panels {@link #packA4Rows} and {@link SgemmVec#packAGather} fill. */
    private static final int MR4 = 4;
    /** At or below this m·n·k a direct loop beats packing. */
    static final long SMALL = 4096;

    private SgemmF32() {}

    /** Floats per vector on the current path (1 without SIMD). */
    static int lanes() {
        return Simd.enabled() ? SgemmVec.L : 1;
    }

    /** Columns of the micro-tile {@code tile} on the SIMD path, or of the scalar tile. */
    static int nr(boolean simd, GemmConfig.Tile tile) {
        return simd ? tile.vectors() * SgemmVec.L : SgemmScalar.NR;
    }

    /** Rows of the micro-tile of {@link #rowsGemm} on the current path. */
    static int rowsMr() {
        return Simd.enabled() ? SgemmVec.CONV_MR : SgemmScalar.MR;
    }

    /** Columns of the micro-tile of {@link #rowsGemm} on the current path. */
    static int rowsNr() {
        return Simd.enabled() ? SgemmVec.CONV_NR : SgemmScalar.NR;
    }

    /**
     * C = alpha·op(A)·op(B) + beta·C for row-major matrices, as BLAS {@code sgemm} (CblasRowMajor).
     *
     * @param transA  op(A) = Aᵀ: A is stored k×m, else m×k
     * @param transB  op(B) = Bᵀ: B is stored n×k, else k×n
     * @param m       rows of op(A) and C
     * @param n       columns of op(B) and C
     * @param k       columns of op(A), rows of op(B)
     * @param alpha   factor on the product
     * @param a       A as stored
     * @param aOff    index in {@code a} of A(0, 0)
     * @param lda     row stride of A as stored
     * @param b       B as stored
     * @param bOff    index in {@code b} of B(0, 0)
     * @param ldb     row stride of B as stored
     * @param beta    factor on C before the product is added (0: C is not read)
     * @param c       C, updated in place
     * @param cOff    index in {@code c} of C(0, 0)
     * @param ldc     row stride of C
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        if (ldc < Math.max(1, n) || lda < Math.max(1, transA ? m : k) || ldb < Math.max(1, transB ? k : n)) {
            throw new IllegalArgumentException("sgemm: leading dimensions lda=" + lda + " ldb=" + ldb + " ldc=" + ldc
                    + " too small for m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB=" + transB);
        }
        gemm(m, n, k, alpha, a, aOff, transA ? 1 : lda, transA ? lda : 1,
                b, bOff, transB ? 1 : ldb, transB ? ldb : 1, beta, c, cOff, ldc);
    }

    /**
     * C = alpha·A·B + beta·C with A(i, p) = a[aOff + i·aRs + p·aCs], B(p, j) = b[bOff + p·bRs + j·bCs]
     * (any strides: transposed, sliced or broadcast views are packed like contiguous ones) and
     * C(i, j) = c[cOff + i·ldc + j].
     *
     * @param m     rows of A and C
     * @param n     columns of B and C
     * @param k     columns of A, rows of B
     * @param alpha factor on the product
     * @param a     the elements of A
     * @param aOff  index in {@code a} of A(0, 0)
     * @param aRs   A's row stride
     * @param aCs   A's column stride
     * @param b     the elements of B
     * @param bOff  index in {@code b} of B(0, 0)
     * @param bRs   B's row stride
     * @param bCs   B's column stride
     * @param beta  factor on C before the product is added (0: C is not read)
     * @param c     C, updated in place
     * @param cOff  index in {@code c} of C(0, 0)
     * @param ldc   C's row stride
     */
    public static void gemm(int m, int n, int k, float alpha,
                            float[] a, int aOff, int aRs, int aCs,
                            float[] b, int bOff, int bRs, int bCs,
                            float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        GemmConfig config = (long) m * n * k <= SMALL || k == 0 || alpha == 0 ? GemmConfig.DEFAULT : GemmTuner.config();
        gemm(config, m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, beta, c, cOff, ldc);
    }

    /**
     * As {@link #gemm(int, int, int, float, float[], int, int, int, float[], int, int, int, float, float[], int, int)}
     * with the blocking given rather than the one {@link GemmTuner} chose: for the tuner, and to
     * compare configurations. The result is the same bits whatever the configuration.
     *
     * @param config the blocking
     * @param m     rows of A and C
     * @param n     columns of B and C
     * @param k     columns of A, rows of B
     * @param alpha factor on the product
     * @param a     the elements of A
     * @param aOff  index in {@code a} of A(0, 0)
     * @param aRs   A's row stride
     * @param aCs   A's column stride
     * @param b     the elements of B
     * @param bOff  index in {@code b} of B(0, 0)
     * @param bRs   B's row stride
     * @param bCs   B's column stride
     * @param beta  factor on C before the product is added (0: C is not read)
     * @param c     C, updated in place
     * @param cOff  index in {@code c} of C(0, 0)
     * @param ldc   C's row stride
     */
    public static void gemm(GemmConfig config, int m, int n, int k, float alpha,
                            float[] a, int aOff, int aRs, int aCs,
                            float[] b, int bOff, int bRs, int bCs,
                            float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        if ((long) m * n * k <= SMALL) {
            small(m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, beta, c, cOff, ldc);
            return;
        }
        boolean simd = Simd.enabled();
        int nr = nr(simd, config.tile()), mr = config.tile().rows();
        if (simd && n <= SgemmVec.L && bCs == 1 && alpha == 1 && beta == 0 && m > 2 * n) {
            // a few outputs per row with B's rows contiguous (a classifier's forward): no packing,
            // the same fused multiply-add chains as the packed path below, so the same bits
            int blocks = (int) ceilDiv(m, 4);
            Parallel.forRange(blocks, (long) m * n * k, (from, to) ->
                    SgemmVec.skinny(4 * from, Math.min(m, 4 * to), n, k, a, aOff, aRs, aCs, b, bOff, bRs, c, cOff, ldc));
            return;
        }
        if (2 * n < (simd ? SgemmVec.NR : SgemmScalar.NR) && m > 2 * n) {
            // narrow C (a classifier's 10 outputs): most of each NR-wide tile would be padding, so
            // compute Cᵀ = Bᵀ·Aᵀ, whose rows are long, and transpose it back (timed in the design
            // notes). The test does not depend on the configuration's tile, so neither do the bits.
            float[] t = new float[n * m];
            gemm(config, n, m, k, alpha, b, bOff, bCs, bRs, a, aOff, aCs, aRs, 0f, t, 0, m);
            for (int i = 0; i < m; i++) {
                int ci = cOff + i * ldc;
                for (int j = 0; j < n; j++) c[ci + j] = beta == 0 ? t[j * m + i] : t[j * m + i] + beta * c[ci + j];
            }
            return;
        }
        long work = (long) m * n * k;
        int threads = Parallel.inParallel() || work < Parallel.INLINE_WORK * 4 ? 1 : Parallel.threads();
        // Split C into tm × tn blocks, one per thread, choosing the split that packs least.
        int tm = 1, tn = 1;
        double best = Double.MAX_VALUE;
        for (int d = 1; d <= threads; d++) {
            if (threads % d != 0) continue;
            int tmd = d, tnd = threads / d;
            long mt = roundUp(ceilDiv(m, tmd), mr), nt = roundUp(ceilDiv(n, tnd), nr);
            if (mt * (tmd - 1) >= m || nt * (tnd - 1) >= n) continue; // some block would be empty
            // compute of the largest block (with edge waste) plus packing of its A and B panels
            double cost = (double) mt * nt * k + 8.0 * k * (mt * Math.ceil((double) nt / config.nc()) + nt);
            if (cost < best) {
                best = cost;
                tm = tmd;
                tn = tnd;
            }
        }
        int tnF = tn;
        int mStep = (int) roundUp(ceilDiv(m, tm), mr), nStep = (int) roundUp(ceilDiv(n, tn), nr);
        Parallel.forEach(tm * tn, work, t -> {
            int i0 = (t / tnF) * mStep, j0 = (t % tnF) * nStep;
            int i1 = Math.min(m, i0 + mStep), j1 = Math.min(n, j0 + nStep);
            if (i0 < i1 && j0 < j1) {
                block(config, simd, nr, i0, i1, j0, j1, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, beta, c, cOff, ldc);
            }
        });
    }

    /**
     * Batched product C[t] = A[t]·B[t] for t &lt; batch, each operand given by three strides
     * (batch, row, column), as {@link MatMulRef#matmul}; a batch stride of 0 broadcasts. C's column stride
     * must be 1.
     *
     * <p>When B is shared by the whole batch and A's and C's rows continue from one matrix to the
     * next, the batch folds into one product of batch·m rows. Otherwise small matrices run one per
     * task over the thread pool, large ones one after another, each on all threads.
     *
     * @param batch number of products
     * @param m     rows of A and C
     * @param n     columns of B and C
     * @param k     columns of A, rows of B
     * @param c     receives the products
     * @param cOff  index in {@code c} of C[0](0, 0)
     * @param cs    C's batch, row and column strides (column stride 1)
     * @param a     the left operands
     * @param aOff  index in {@code a} of A[0](0, 0)
     * @param as    A's batch, row and column strides
     * @param b     the right operands
     * @param bOff  index in {@code b} of B[0](0, 0)
     * @param bs    B's batch, row and column strides
     */
    public static void matmul(int batch, int m, int n, int k, float[] c, int cOff, int[] cs,
                              float[] a, int aOff, int[] as, float[] b, int bOff, int[] bs) {
        if (cs[2] != 1) throw new IllegalArgumentException("SgemmF32.matmul: C's column stride must be 1, got " + cs[2]);
        if (batch == 0 || m == 0 || n == 0) return;
        if (batch == 1 || (bs[0] == 0 && as[0] == m * as[1] && cs[0] == m * cs[1])) {
            gemm(batch * m, n, k, 1f, a, aOff, as[1], as[2], b, bOff, bs[1], bs[2], 0f, c, cOff, cs[1]);
            return;
        }
        long perMatrix = (long) m * n * Math.max(k, 1);
        if (perMatrix >= Parallel.INLINE_WORK * 16) {
            for (int t = 0; t < batch; t++) {
                gemm(m, n, k, 1f, a, aOff + t * as[0], as[1], as[2], b, bOff + t * bs[0], bs[1], bs[2], 0f, c, cOff + t * cs[0], cs[1]);
            }
        } else {
            Parallel.forEach(batch, perMatrix * batch, t ->
                    gemm(m, n, k, 1f, a, aOff + t * as[0], as[1], as[2], b, bOff + t * bs[0], bs[1], bs[2], 0f, c, cOff + t * cs[0], cs[1]));
        }
    }

    /**
     * C = A·B on the calling thread with {@code config}, A m×k and B k×n row-major from index 0,
     * C m×n: what {@link GemmTuner} times.
     */
    static void gemmOneThread(GemmConfig config, int m, int n, int k, float[] a, float[] b, float[] c) {
        block(config, Simd.enabled(), nr(Simd.enabled(), config.tile()), 0, m, 0, n, k, 1f, a, 0, k, 1, b, 0, n, 1, 0f, c, 0, n);
    }

    /** One thread's block C[i0..i1, j0..j1]. */
    private static void block(GemmConfig cfg, boolean simd, int nr, int i0, int i1, int j0, int j1, int k, float alpha,
                              float[] a, int aOff, int aRs, int aCs, float[] b, int bOff, int bRs, int bCs,
                              float beta, float[] c, int cOff, int ldc) {
        // passes of equal depth (k = 784 with KC 768: two of 392, not 768 and a 16-deep one that
        // reloads and stores all of C for little work); the bits do not depend on the depth
        int kcMax = (int) ceilDiv(k, Math.max(1, ceilDiv(k, cfg.kc())));
        int mr = cfg.tile().rows();
        int mcMax = (int) roundUp(cfg.mc(), mr), ncMax = (int) roundUp(cfg.nc(), nr);
        float[] bPack = Scratch.floats(Scratch.SGEMM_B, kcMax * (int) roundUp(Math.min(ncMax, j1 - j0), nr));
        float[] aPack = Scratch.floats(Scratch.SGEMM_A, kcMax * (int) roundUp(Math.min(mcMax, i1 - i0), mr));
        float[] tile = Scratch.floats(Scratch.SGEMM_TILE, mr * nr);
        GemmConfig.Tile shape = cfg.tile();
        boolean gather = cfg.gatherA();
        if (beta != 0 && beta != 1) {
            scaleC(i1 - i0, j1 - j0, beta, c, cOff + i0 * ldc + j0, ldc);
            beta = 1;
        }
        for (int jc = j0; jc < j1; jc += ncMax) {
            int nc = Math.min(ncMax, j1 - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                boolean acc = pc > 0 || beta == 1;
                packB(nr, kc, nc, b, bOff + pc * bRs + jc * bCs, bRs, bCs, bPack);
                for (int ic = i0; ic < i1; ic += mcMax) {
                    int mc = Math.min(mcMax, i1 - ic);
                    packA(mr, kc, mc, alpha, a, aOff + ic * aRs + pc * aCs, aRs, aCs, aPack, gather);
                    if (cfg.jrOuter()) {
                        for (int jr = 0; jr < nc; jr += nr) {
                            for (int ir = 0; ir < mc; ir += mr) {
                                tile(simd, shape, acc, mr, nr, kc, aPack, ir, bPack, jr, mc, nc, tile, c, cOff + (ic + ir) * ldc + jc + jr, ldc);
                            }
                        }
                    } else {
                        for (int ir = 0; ir < mc; ir += mr) {
                            for (int jr = 0; jr < nc; jr += nr) {
                                tile(simd, shape, acc, mr, nr, kc, aPack, ir, bPack, jr, mc, nc, tile, c, cOff + (ic + ir) * ldc + jc + jr, ldc);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The tile of C at rows ir, columns jr of the packed blocks. A partial tile at the block's edge
     * runs on a copy of C in {@code tile} (loaded first when accumulating), so that its elements
     * see the same chain of multiply-adds as a full tile's: the result does not depend on where
     * the blocking puts the edges.
     */
    private static void tile(boolean simd, GemmConfig.Tile shape, boolean acc, int mr, int nr, int kc, float[] aPack, int ir,
                             float[] bPack, int jr, int mc, int nc, float[] tile, float[] c, int co, int ldc) {
        int rows = Math.min(mr, mc - ir), cols = Math.min(nr, nc - jr);
        if (rows == mr && cols == nr) {
            micro(simd, shape, acc, mr, nr, kc, aPack, ir * kc, bPack, jr * kc, null, 0, 0, c, co, ldc);
            return;
        }
        if (acc) {
            for (int r = 0; r < rows; r++) System.arraycopy(c, co + r * ldc, tile, r * nr, cols);
        }
        micro(simd, shape, acc, mr, nr, kc, aPack, ir * kc, bPack, jr * kc, null, 0, 0, tile, 0, nr);
        for (int r = 0; r < rows; r++) System.arraycopy(tile, r * nr, c, co + r * ldc, cols);
    }

    /**
     * One MR×NR tile: C (+)= packed A · B, B from a packed panel ({@code rows} null: row p at
     * {@code b[bo + p·NR]}) or from rows of a source ({@code b[rows[ro + p] + col]}).
     */
    private static void micro(boolean simd, GemmConfig.Tile shape, boolean accumulate, int mr, int nr, int kc, float[] ap, int ao,
                              float[] b, int bo, int[] rows, int ro, int col, float[] c, int co, int ldc) {
        if (!simd) SgemmScalar.kernel(accumulate, mr, nr, kc, ap, ao, b, bo, rows, ro, col, c, co, ldc);
        else if (rows == null) {
            if (shape == GemmConfig.Tile.R6V2) {
                if (accumulate) SgemmVec.accumulate2(kc, ap, ao, b, bo, c, co, ldc);
                else SgemmVec.overwrite2(kc, ap, ao, b, bo, c, co, ldc);
            } else if (shape == GemmConfig.Tile.R4V2) {
                if (accumulate) SgemmVec.accumulate4x2(kc, ap, ao, b, bo, c, co, ldc);
                else SgemmVec.overwrite4x2(kc, ap, ao, b, bo, c, co, ldc);
            } else if (accumulate) SgemmVec.accumulate(kc, ap, ao, b, bo, c, co, ldc);
            else SgemmVec.overwrite(kc, ap, ao, b, bo, c, co, ldc);
        } else {
            if (accumulate) SgemmVec.accumulateRows(kc, ap, ao, b, rows, ro, col, c, co, ldc);
            else SgemmVec.overwriteRows(kc, ap, ao, b, rows, ro, col, c, co, ldc);
        }
    }

    /**
     * Packs the kc×nc block of B at {@code off} into ⌈nc/nr⌉ panels of kc×nr (row p of a panel
     * holds nr consecutive columns), zero-padding the last panel.
     */
    static void packB(int nr, int kc, int nc, float[] b, int off, int rs, int cs, float[] dst) {
        for (int j = 0, d = 0; j < nc; j += nr, d += kc * nr) {
            int w = Math.min(nr, nc - j);
            int src = off + j * cs;
            if (cs == 1) {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(b, src + p * rs, dst, d + p * nr, w);
                    if (w < nr) Arrays.fill(dst, d + p * nr + w, d + (p + 1) * nr, 0f);
                }
            } else if (rs == 1 && w == nr && nr % 16 == 0 && Simd.enabled() && TransposeVec.fits(SgemmVec.L)) {
                // B stored transposed, 512-bit vectors: 16×16 blocks transposed in registers
                // (about half the time of the 8-column loop below), the last kc mod 16 rows by hand
                int kc16 = kc - kc % 16;
                for (int q0 = 0; q0 < nr; q0 += 16) {
                    int s0 = src + q0 * cs;
                    for (int p0 = 0; p0 < kc16; p0 += 16) TransposeVec.block16(b, s0 + p0, cs, dst, d + p0 * nr + q0, nr);
                    for (int p = kc16; p < kc; p++)
                        for (int r = 0; r < 16; r++) dst[d + p * nr + q0 + r] = b[s0 + r * cs + p];
                }
            } else if (rs == 1 && w == nr && nr % 8 == 0) {
                // B stored transposed: 8 source rows (columns of B) at a time, each read in order,
                // written 8 floats at a time (one column at a time wrote a new cache line per float)
                for (int q0 = 0; q0 < nr; q0 += 8) {
                    int s0 = src + q0 * cs;
                    for (int p = 0; p < kc; p++) {
                        int o = d + p * nr + q0, s1 = s0 + p;
                        dst[o] = b[s1];
                        dst[o + 1] = b[s1 + cs];
                        dst[o + 2] = b[s1 + 2 * cs];
                        dst[o + 3] = b[s1 + 3 * cs];
                        dst[o + 4] = b[s1 + 4 * cs];
                        dst[o + 5] = b[s1 + 5 * cs];
                        dst[o + 6] = b[s1 + 6 * cs];
                        dst[o + 7] = b[s1 + 7 * cs];
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int row = d + p * nr, s = src + p * rs;
                    for (int q = 0; q < w; q++) dst[row + q] = b[s + q * cs];
                    for (int q = w; q < nr; q++) dst[row + q] = 0;
                }
            }
        }
    }

    /**
     * Packs alpha × the mc×kc block of A at {@code off} into ⌈mc/mr⌉ panels of kc×mr (row p of a
     * panel holds mr consecutive rows' values at column p), zero-padding the last panel.
     */
    static void packA(int mr, int kc, int mc, float alpha, float[] a, int off, int rs, int cs, float[] dst) {
        packA(mr, kc, mc, alpha, a, off, rs, cs, dst, true);
    }

    /** As {@link #packA(int, int, int, float, float[], int, int, int, float[])}, with gathers only when {@code gather}. */
    static void packA(int mr, int kc, int mc, float alpha, float[] a, int off, int rs, int cs, float[] dst, boolean gather) {
        // Row-major A (the usual case) is transposed into the panels of six or four rows either
        // with gathers (when SIMD is on and gather is set) or a panel's rows at a time, column by
        // column (packA6Rows, packA4Rows):
        // scalar stores of stride MR, one row at a time, made packing A much slower than packing
        // B; on Zen 5 the gathers were too, and the six-row loop was not (figures in
        // docs/design-notes.md, "SGEMM: packed blocks tuned against OpenBLAS", "SGEMM: the Zen 5 gap").
        boolean panelRows = (mr == MR6 || mr == MR4) && cs == 1;
        int[] idx = !gather || !Simd.enabled() || !panelRows || rs == 1 ? null : SgemmVec.packAIndex(mr, rs);
        for (int i = 0, d = 0; i < mc; i += mr, d += kc * mr) {
            int h = Math.min(mr, mc - i);
            int src = off + i * rs;
            if (rs == 1) {
                for (int p = 0; p < kc; p++) {
                    int s = src + p * cs, row = d + p * mr;
                    for (int r = 0; r < h; r++) dst[row + r] = alpha * a[s + r];
                    for (int r = h; r < mr; r++) dst[row + r] = 0;
                }
            } else if (idx != null && h == mr) {
                SgemmVec.packAGather(mr, kc, alpha, a, src, rs, idx, dst, d);
            } else if (h == mr && panelRows) {
                if (mr == MR6) packA6Rows(kc, alpha, a, src, rs, dst, d);
                else packA4Rows(kc, alpha, a, src, rs, dst, d);
            } else {
                for (int r = 0; r < h; r++) {
                    int s = src + r * rs;
                    for (int p = 0; p < kc; p++) dst[d + p * mr + r] = alpha * a[s + p * cs];
                }
                for (int r = h; r < mr; r++) {
                    for (int p = 0; p < kc; p++) dst[d + p * mr + r] = 0;
                }
            }
        }
    }

    /**
     * One A panel of six full rows of a row-major source, column by column: dst[d + p·6 + r] =
     * alpha · a[src + r·rs + p]. Six sequential read streams and one sequential write stream, so
     * it runs at the speed of copying B (figures in docs/design-notes.md, "SGEMM: the Zen 5 gap");
     * gathers of six rows were slower here.
     */
    private static void packA6Rows(int kc, float alpha, float[] a, int src, int rs, float[] dst, int d) {
        int r0 = src, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs, r4 = r3 + rs, r5 = r4 + rs;
        for (int p = 0; p < kc; p++) {
            int o = d + p * MR6;
            dst[o] = alpha * a[r0 + p];
            dst[o + 1] = alpha * a[r1 + p];
            dst[o + 2] = alpha * a[r2 + p];
            dst[o + 3] = alpha * a[r3 + p];
            dst[o + 4] = alpha * a[r4 + p];
            dst[o + 5] = alpha * a[r5 + p];
        }
    }

    /** As {@link #packA6Rows} for a panel of four rows (the 4×2 tile's): dst[d + p·4 + r] = alpha · a[src + r·rs + p]. */
    private static void packA4Rows(int kc, float alpha, float[] a, int src, int rs, float[] dst, int d) {
        int r0 = src, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs;
        for (int p = 0; p < kc; p++) {
            int o = d + p * MR4;
            dst[o] = alpha * a[r0 + p];
            dst[o + 1] = alpha * a[r1 + p];
            dst[o + 2] = alpha * a[r2 + p];
            dst[o + 3] = alpha * a[r3 + p];
        }
    }

    /**
     * A (m×k) packed whole for {@link #rowsGemm}: for each depth block of ROWS_KC starting at pc, the
     * ⌈m/rowsMr()⌉ panels of that block, block pc at {@code pc · roundUp(m, rowsMr())}.
     */
    static float[] packAll(int m, int k, float[] a, int off, int rs, int cs) {
        int mr = rowsMr(), mPad = (int) roundUp(m, mr);
        float[] dst = new float[mPad * k];
        for (int pc = 0; pc < k; pc += ROWS_KC) {
            int kc = Math.min(ROWS_KC, k - pc);
            float[] block = new float[mPad * kc];
            packA(mr, kc, m, 1f, a, off + pc * cs, rs, cs, block);
            System.arraycopy(block, 0, dst, pc * mPad, mPad * kc);
        }
        return dst;
    }

    /**
     * C = A·B on one thread, for convolution: A packed by {@link #packAll} (m×k), and row p of B
     * the n floats of {@code s} from {@code rows[rowsOff + p]} on. C has roundUp(m, rowsMr()) rows
     * of {@code ldc ≥ roundUp(n, rowsNr())} floats, all written (the padding rows and columns get
     * garbage); {@code s} must be readable to {@code rows[p] + roundUp(n, rowsNr())}.
     */
    static void rowsGemm(int m, int n, int k, float[] ap, float[] s, int[] rows, int rowsOff, float[] c, int cOff, int ldc) {
        boolean simd = Simd.enabled();
        int mr = rowsMr(), nr = rowsNr();
        int mPad = (int) roundUp(m, mr);
        for (int pc = 0; pc < k; pc += ROWS_KC) {
            int kc = Math.min(ROWS_KC, k - pc);
            boolean acc = pc > 0;
            int aBlock = pc * mPad;
            for (int jr = 0; jr < n; jr += nr) {
                for (int ir = 0; ir < mPad; ir += mr) {
                    micro(simd, GemmConfig.Tile.R6V4, acc, mr, nr, kc, ap, aBlock + ir * kc, s, 0, rows, rowsOff + pc, jr, c, cOff + ir * ldc + jr, ldc);
                }
            }
        }
    }

    /**
     * C[i, j] += Σ_{t &lt; len} a[aOff + i·lda + t] · b[bRows[j] + t] for i &lt; m, j &lt; n, on one
     * thread: products of rows that are contiguous along the reduction, as the weight gradient of
     * a convolution needs. Both operands must be readable to {@code roundUp(len, lanes())}, with
     * zeros in {@code a} from {@code len} on.
     *
     * <p>Blocks of {@link SgemmVec#dot} keep their partial sums as vectors across the reduction
     * (in {@code DOT_BLOCK} steps, so the rows in use stay in L1) and sum the lanes once at the end.
     */
    static void dotGemm(int m, int n, int len, float[] a, int aOff, int lda, float[] b, int[] bRows,
                        float[] c, int cOff, int ldc) {
        boolean simd = Simd.enabled();
        int tr = simd ? SgemmVec.DOT_ROWS : SgemmScalar.DOT_ROWS, tc = simd ? SgemmVec.DOT_COLS : SgemmScalar.DOT_COLS;
        int lanes = simd ? SgemmVec.L : 1;
        int lenPad = (int) roundUp(len, lanes);
        int tilesM = (int) ceilDiv(m, tr), block = tr * tc * lanes;
        int groupCols = (int) Math.max(tc, Math.min(roundUp(n, tc), (long) DOT_PARTIALS / ((long) tilesM * block) * tc));
        float[] acc = Scratch.floats(Scratch.SGEMM_DOT, tilesM * (groupCols / tc) * block);
        int[] ar = new int[tr], br = new int[tc];
        for (int g0 = 0; g0 < n; g0 += groupCols) {
            int g1 = Math.min(n, g0 + groupCols), tilesN = (int) ceilDiv(g1 - g0, tc);
            Arrays.fill(acc, 0, tilesM * tilesN * block, 0f);
            for (int t0 = 0; t0 < lenPad; t0 += DOT_BLOCK) {
                int tl = Math.min(DOT_BLOCK, lenPad - t0);
                for (int jt = 0; jt < tilesN; jt++) {
                    int j0 = g0 + jt * tc;
                    for (int j = 0; j < tc; j++) br[j] = bRows[Math.min(j0 + j, g1 - 1)] + t0;
                    for (int it = 0; it < tilesM; it++) {
                        for (int r = 0; r < tr; r++) ar[r] = aOff + Math.min(it * tr + r, m - 1) * lda + t0;
                        int at = (jt * tilesM + it) * block;
                        if (simd) SgemmVec.dot(tl, a, ar, b, br, acc, at);
                        else SgemmScalar.dot(tl, a, ar, b, br, acc, at);
                    }
                }
            }
            for (int jt = 0; jt < tilesN; jt++)
                for (int it = 0; it < tilesM; it++)
                    for (int r = 0; r < tr && it * tr + r < m; r++)
                        for (int j = 0; j < tc && g0 + jt * tc + j < g1; j++) {
                            int at = (jt * tilesM + it) * block + (r * tc + j) * lanes;
                            float sum = 0;
                            for (int l = 0; l < lanes; l++) sum += acc[at + l];
                            c[cOff + (it * tr + r) * ldc + g0 + jt * tc + j] += sum;
                        }
        }
    }

    /**
     * Reduction steps per {@link SgemmVec#dot} call: the lanes are summed once per block rather
     * than after every call, which the first version did. 2048 was best for the 28×28
     * convolution's weight gradient (figures: docs/design-notes.md, "SGEMM: packed blocks tuned
     * against OpenBLAS").
     */
    static final int DOT_BLOCK = Integer.getInteger("jgrad.dot.block", 2048);
    /** Cap on the vector partial sums of {@link #dotGemm} (floats); wider products go in column groups. */
    static final int DOT_PARTIALS = 1 << 21;

    /** Direct triple loop for tiny products, where packing costs more than it saves. */
    private static void small(int m, int n, int k, float alpha, float[] a, int aOff, int aRs, int aCs,
                              float[] b, int bOff, int bRs, int bCs, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0;
                for (int p = 0; p < k; p++) acc += a[aOff + i * aRs + p * aCs] * b[bOff + p * bRs + j * bCs];
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0 ? alpha * acc : alpha * acc + beta * c[ci];
            }
        }
    }

    private static void scaleC(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int r = cOff + i * ldc;
            if (beta == 0) Arrays.fill(c, r, r + n, 0f);
            else if (beta != 1) for (int j = 0; j < n; j++) c[r + j] *= beta;
        }
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    static long roundUp(long a, long b) {
        return ceilDiv(a, b) * b;
    }
}
