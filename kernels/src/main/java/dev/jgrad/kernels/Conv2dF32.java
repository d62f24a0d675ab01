package dev.jgrad.kernels;

import java.util.Arrays;

/**
 * Fast float32 2-D convolution (cross-correlation, as {@link Conv2d}) and its two backward
 * passes, for any stride, padding, dilation and groups, over contiguous NCHW input, KCRS weights
 * and NKPQ output starting at offset 0. Multi-threaded over chunks of images.
 *
 * <p>Every pass is an implicit GEMM over a <em>source</em> built per chunk of images:
 * <ul>
 *   <li>stride 1: the input, zero-padded, with each channel's images laid end to end. Output
 *       position (p, q) of an image is flat column p·Wp + q on the padded width Wp, and tap (r, s)
 *       reads the source at that column plus the constant r·dh·Wp + s·dw, so row (c, r, s) of the
 *       GEMM's B operand is a contiguous run of the source and the micro-kernel reads it in place
 *       ({@link Sgemm#rowsGemm}): no im2col, no packing of B. The columns q ≥ Q between rows are
 *       computed and dropped (2 of 30 at 28×28 with padding 1);</li>
 *   <li>other strides: an explicit im2col of the chunk, read the same way.</li>
 * </ul>
 * Forward: Y = W·B. Input gradient: for stride 1 a forward convolution of dY with the flipped,
 * transposed weights and padding dil·(R−1) − pad; otherwise Wᵀ·dY into columns, then col2im.
 * Weight gradient: dW = dY·Bᵀ as dot products of rows that are both contiguous along the
 * (image, position) reduction ({@link Sgemm#dotGemm}), one partial dW per thread.
 *
 * <pre>{@code
 * ConvShape cs = new ConvShape(64, 32, 28, 28, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1);
 * Conv2dF32.forward(cs, x, w, y);
 * }</pre>
 */
public final class Conv2dF32 {
    // Measured on the 2-core Zen 4 machine, 2 threads, best of several runs, against PyTorch 1.13
    // (oneDNN) in the same session: see the report in the commit history of this file; the chunk
    // target below was chosen from 1024/2048/4096/8192 columns (4096 best or equal for all three
    // test layers).
    /** Columns (images × flat positions) per chunk: big enough to amortise per-call overheads, small enough for L2. */
    static final int CHUNK_COLUMNS = Integer.getInteger("jgrad.conv.chunk", 4096);

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][]);

    private Conv2dF32() {}

    /** y[n,k,p,q] = Σ_{c,r,s} x[n, group(k)·C/g + c, p·sh − ph + r·dh, q·sw − pw + s·dw] · w[k,c,r,s]. */
    public static void forward(ConvShape cs, float[] x, float[] w, float[] y) {
        Source src = new Source(cs);
        int kg = cs.kPerGroup(), crs = cs.cPerGroup() * cs.r() * cs.s(), groups = cs.groups();
        float[][] aPacked = new float[groups][];
        for (int g = 0; g < groups; g++) aPacked[g] = Sgemm.packAll(kg, crs, w, g * kg * crs, crs, 1);
        int P = cs.outH(), Q = cs.outW(), K = cs.k();
        int nb = chunk(cs.n(), src.img);
        int chunks = (int) Sgemm.ceilDiv(cs.n(), nb);
        long work = (long) cs.n() * K * P * Q * crs;
        Parallel.forEach(chunks, work, t -> {
            int n0 = t * nb, count = Math.min(nb, cs.n() - n0);
            int cols = count * src.img, nr = Sgemm.nr(), ldc = (int) Sgemm.roundUp(cols, nr);
            float[][] scratch = SCRATCH.get();
            float[] s = grow(scratch, 0, src.length(count));
            float[] c = grow(scratch, 1, (int) Sgemm.roundUp(kg, Sgemm.MR) * ldc);
            src.fill(x, n0, count, s);
            for (int g = 0; g < groups; g++) {
                Sgemm.rowsGemm(kg, cols, crs, aPacked[g], s, src.rows(count, g), 0, c, 0, ldc);
                for (int k = 0; k < kg; k++) {
                    for (int n = 0; n < count; n++) {
                        int yo = ((n0 + n) * K + g * kg + k) * P * Q, co = k * ldc + n * src.img;
                        for (int p = 0; p < P; p++) System.arraycopy(c, co + p * src.rowStride, y, yo + p * Q, Q);
                    }
                }
            }
        });
    }

    /** dx = the adjoint of {@link #forward} in x, applied to dy. */
    public static void backwardInput(ConvShape cs, float[] dy, float[] w, float[] dx) {
        int R = cs.r(), S = cs.s();
        int padH = cs.dilH() * (R - 1) - cs.padH(), padW = cs.dilW() * (S - 1) - cs.padW();
        if (cs.strideH() == 1 && cs.strideW() == 1 && padH >= 0 && padW >= 0) {
            // a forward convolution of dy with w flipped in (r, s) and transposed in (k, c) per group
            int kg = cs.kPerGroup(), cg = cs.cPerGroup(), rs = R * S;
            float[] wt = new float[w.length];
            for (int g = 0; g < cs.groups(); g++)
                for (int k = 0; k < kg; k++)
                    for (int c = 0; c < cg; c++)
                        for (int i = 0; i < rs; i++) {
                            wt[(((g * cg + c) * kg + k) * rs) + rs - 1 - i] = w[((g * kg + k) * cg + c) * rs + i];
                        }
            ConvShape t = new ConvShape(cs.n(), cs.k(), cs.outH(), cs.outW(), cs.c(), R, S, 1, 1, padH, padW,
                    cs.dilH(), cs.dilW(), cs.groups());
            forward(t, dy, wt, dx);
            return;
        }
        columnsBackwardInput(cs, dy, w, dx);
    }

    /** dw = the adjoint of {@link #forward} in w: Σ over images and output positions of dy · x. */
    public static void backwardWeight(ConvShape cs, float[] x, float[] dy, float[] dw) {
        Source src = new Source(cs);
        int kg = cs.kPerGroup(), crs = cs.cPerGroup() * cs.r() * cs.s(), groups = cs.groups();
        int P = cs.outH(), Q = cs.outW(), K = cs.k(), N = cs.n();
        long work = (long) N * K * P * Q * crs;
        int parts = (int) Math.max(1, Math.min(Math.min(Parallel.threads(), N), work / Parallel.INLINE_WORK));
        if (Parallel.inParallel()) parts = 1;
        int nb = chunk(Sgemm.ceilDiv(N, parts), src.img);
        float[][] partial = new float[parts][];
        int partsF = parts;
        Parallel.forEach(parts, work, part -> {
            int from = (int) ((long) N * part / partsF), to = (int) ((long) N * (part + 1) / partsF);
            float[] acc = part == 0 ? dw : new float[dw.length];
            if (part == 0) Arrays.fill(dw, 0, K * crs, 0f);
            float[][] scratch = SCRATCH.get();
            for (int n0 = from; n0 < to; n0 += nb) {
                int count = Math.min(nb, to - n0), cols = count * src.img;
                float[] s = grow(scratch, 0, src.length(count));
                float[] d = grow(scratch, 1, K * cols);
                src.fill(x, n0, count, s);
                src.gatherOutput(dy, n0, count, d);
                for (int g = 0; g < groups; g++) {
                    Sgemm.dotGemm(kg, crs, cols, d, g * kg * cols, cols, s, src.rows(count, g), acc, g * kg * crs, crs);
                }
            }
            partial[part] = acc;
        });
        for (int part = 1; part < parts; part++) {
            float[] p = partial[part];
            for (int i = 0; i < K * crs; i++) dw[i] += p[i];
        }
    }

    /** The input gradient through explicit columns: dcol = Wᵀ·dY per group, then col2im. */
    private static void columnsBackwardInput(ConvShape cs, float[] dy, float[] w, float[] dx) {
        int kg = cs.kPerGroup(), cg = cs.cPerGroup(), R = cs.r(), S = cs.s(), crs = cg * R * S, groups = cs.groups();
        int P = cs.outH(), Q = cs.outW(), K = cs.k(), C = cs.c(), H = cs.h(), W = cs.w(), PQ = P * Q;
        float[][] aPacked = new float[groups][];
        for (int g = 0; g < groups; g++) aPacked[g] = Sgemm.packAll(crs, kg, w, g * kg * crs, 1, crs);
        int nb = chunk(cs.n(), PQ);
        int chunks = (int) Sgemm.ceilDiv(cs.n(), nb);
        long work = (long) cs.n() * K * PQ * crs;
        Parallel.forEach(chunks, work, t -> {
            int n0 = t * nb, count = Math.min(nb, cs.n() - n0);
            int cols = count * PQ, nr = Sgemm.nr(), ldc = (int) Sgemm.roundUp(cols, nr);
            float[][] scratch = SCRATCH.get();
            float[] d = grow(scratch, 0, K * cols + nr);
            float[] col = grow(scratch, 1, (int) Sgemm.roundUp(crs, Sgemm.MR) * ldc);
            for (int k = 0; k < K; k++)
                for (int n = 0; n < count; n++) System.arraycopy(dy, ((n0 + n) * K + k) * PQ, d, k * cols + n * PQ, PQ);
            Arrays.fill(d, K * cols, K * cols + nr, 0f);
            Arrays.fill(dx, n0 * C * H * W, (n0 + count) * C * H * W, 0f);
            int[] rows = new int[kg];
            for (int g = 0; g < groups; g++) {
                for (int k = 0; k < kg; k++) rows[k] = (g * kg + k) * cols;
                Sgemm.rowsGemm(crs, cols, kg, aPacked[g], d, rows, 0, col, 0, ldc);
                for (int c = 0; c < cg; c++)
                    for (int r = 0; r < R; r++)
                        for (int s = 0; s < S; s++) {
                            int row = ((c * R + r) * S + s) * ldc;
                            for (int n = 0; n < count; n++) {
                                int plane = ((n0 + n) * C + g * cg + c) * H * W;
                                for (int p = 0; p < P; p++) {
                                    int ih = p * cs.strideH() - cs.padH() + r * cs.dilH();
                                    if (ih < 0 || ih >= H) continue;
                                    int src = row + n * PQ + p * Q, dst = plane + ih * W;
                                    for (int q = 0; q < Q; q++) {
                                        int iw = q * cs.strideW() - cs.padW() + s * cs.dilW();
                                        if (iw >= 0 && iw < W) dx[dst + iw] += col[src + q];
                                    }
                                }
                            }
                        }
            }
        });
    }

    /** Images per chunk: about {@link #CHUNK_COLUMNS} columns, and at least as many chunks as threads. */
    private static int chunk(long images, int columnsPerImage) {
        long perThread = Sgemm.ceilDiv(images, Parallel.threads());
        return (int) Math.max(1, Math.min(perThread, CHUNK_COLUMNS / Math.max(1, columnsPerImage)));
    }

    private static float[] grow(float[][] scratch, int slot, int size) {
        float[] buf = scratch[slot];
        if (buf == null || buf.length < size) scratch[slot] = buf = new float[size];
        return buf;
    }

    /**
     * The B operand of a chunk of images: one source row per input channel (flat, stride 1) or per
     * (c, r, s) (im2col), each holding the chunk's images end to end, {@link #img} columns each.
     */
    private static final class Source {
        final ConvShape cs;
        final boolean flat;
        /** Columns per image; output (p, q) is column p·rowStride + q. */
        final int img, rowStride;
        final int sourceRows, tapMax;
        final int[] tapOffsets;

        Source(ConvShape cs) {
            this.cs = cs;
            flat = cs.strideH() == 1 && cs.strideW() == 1;
            int R = cs.r(), S = cs.s();
            tapOffsets = new int[R * S];
            if (flat) {
                int hp = cs.h() + 2 * cs.padH(), wp = cs.w() + 2 * cs.padW();
                img = hp * wp;
                rowStride = wp;
                sourceRows = cs.c();
                for (int r = 0; r < R; r++)
                    for (int s = 0; s < S; s++) tapOffsets[r * S + s] = r * cs.dilH() * wp + s * cs.dilW();
                tapMax = tapOffsets[R * S - 1];
            } else {
                img = cs.outH() * cs.outW();
                rowStride = cs.outW();
                sourceRows = cs.c() * R * S;
                tapMax = 0;
            }
        }

        /** Floats the source of {@code count} images needs, slack for whole micro-tiles included. */
        int length(int count) {
            return sourceRows * count * img + tapMax + 2 * Sgemm.nr();
        }

        /** Base of each B row (c, r, s) of group {@code g}, for a chunk of {@code count} images. */
        int[] rows(int count, int g) {
            int cg = cs.cPerGroup(), rs = cs.r() * cs.s(), cols = count * img;
            int[] rows = new int[cg * rs];
            for (int c = 0; c < cg; c++)
                for (int t = 0; t < rs; t++) {
                    rows[c * rs + t] = flat ? (g * cg + c) * cols + tapOffsets[t] : ((g * cg + c) * rs + t) * cols;
                }
            return rows;
        }

        /** Writes the source of images [n0, n0 + count) of x into {@code s}. */
        void fill(float[] x, int n0, int count, float[] s) {
            int C = cs.c(), H = cs.h(), W = cs.w(), cols = count * img;
            if (flat) {
                int ph = cs.padH(), pw = cs.padW(), wp = rowStride;
                for (int c = 0; c < C; c++)
                    for (int n = 0; n < count; n++) {
                        int d = c * cols + n * img, xs = ((n0 + n) * C + c) * H * W;
                        Arrays.fill(s, d, d + ph * wp + pw, 0f);
                        for (int h = 0; h < H; h++) {
                            int row = d + (ph + h) * wp + pw;
                            System.arraycopy(x, xs + h * W, s, row, W);
                            // right padding of this row and left padding of the next
                            Arrays.fill(s, row + W, row + W + 2 * pw, 0f);
                        }
                        Arrays.fill(s, d + (ph + H) * wp + pw, d + img, 0f);
                    }
            } else {
                int R = cs.r(), S = cs.s(), P = cs.outH(), Q = cs.outW();
                for (int c = 0; c < C; c++)
                    for (int r = 0; r < R; r++)
                        for (int t = 0; t < S; t++) {
                            int rowBase = ((c * R + r) * S + t) * cols;
                            for (int n = 0; n < count; n++) {
                                int xs = ((n0 + n) * C + c) * H * W, d = rowBase + n * img;
                                for (int p = 0; p < P; p++) {
                                    int ih = p * cs.strideH() - cs.padH() + r * cs.dilH();
                                    if (ih < 0 || ih >= H) {
                                        Arrays.fill(s, d + p * Q, d + (p + 1) * Q, 0f);
                                        continue;
                                    }
                                    for (int q = 0; q < Q; q++) {
                                        int iw = q * cs.strideW() - cs.padW() + t * cs.dilW();
                                        s[d + p * Q + q] = iw >= 0 && iw < W ? x[xs + ih * W + iw] : 0f;
                                    }
                                }
                            }
                        }
            }
            int end = sourceRows * cols;
            Arrays.fill(s, end, length(count), 0f);
        }

        /** dy of images [n0, n0 + count) as K rows over the source's columns, zero where no output is. */
        void gatherOutput(float[] dy, int n0, int count, float[] d) {
            int K = cs.k(), P = cs.outH(), Q = cs.outW(), cols = count * img;
            if (!flat) {
                for (int k = 0; k < K; k++)
                    for (int n = 0; n < count; n++) System.arraycopy(dy, ((n0 + n) * K + k) * P * Q, d, k * cols + n * img, P * Q);
                return;
            }
            Arrays.fill(d, 0, K * cols, 0f);
            for (int k = 0; k < K; k++)
                for (int n = 0; n < count; n++) {
                    int src = ((n0 + n) * K + k) * P * Q, dst = k * cols + n * img;
                    for (int p = 0; p < P; p++) System.arraycopy(dy, src + p * Q, d, dst + p * rowStride, Q);
                }
        }
    }
}
