package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.Conv2dRef;
import dev.jgrad.kernels.simd.Conv2dDirectVec;
import dev.jgrad.kernels.simd.ConvWeightVec;
import dev.jgrad.kernels.simd.CopyVec;
import java.util.Arrays;

/**
 * Fast float32 2-D convolution (cross-correlation, as {@link Conv2dRef}) and its two backward
 * passes, for any stride, padding, dilation and groups, over contiguous NCHW input, KCRS weights
 * and NKPQ output starting at offset 0. Multi-threaded over chunks of images.
 *
 * <p>Every pass is an implicit GEMM over a <em>source</em> built per chunk of images:
 * <ul>
 *   <li>stride 1: the input, zero-padded, with each channel's images laid end to end. Output
 *       position (p, q) of an image is flat column p·Ws + q on the padded row stride Ws, and tap
 *       (r, s) reads the source at that column plus the constant r·dh·Ws + s·dw, so row (c, r, s)
 *       of the GEMM's B operand is a contiguous run of the source and the micro-kernel reads it in
 *       place ({@link SgemmF32#rowsGemm}): no im2col, no packing of B. The padding columns and rows
 *       between outputs are computed and dropped (57 of 841 columns at 28×28 with padding 1);</li>
 *   <li>stride 1, weight gradient only: S shifted copies of the input (one per kernel column s,
 *       moved by s·dw − pw and cut to the output's width Q), so tap (r, s) of output p·Q + q is
 *       copy s at that column plus r·dh·Q and no padding column is computed at all;</li>
 *   <li>other strides: an explicit im2col of the chunk, read the same way.</li>
 * </ul>
 * The exception: the forward and weight gradient of a one-channel 3×3 stride-1 layer (MNIST
 * conv1) run direct kernels, {@link Conv2dDirectVec} (see {@link #direct}).
 * Forward: Y = W·B. Input gradient: for stride 1 a forward convolution of dY with the flipped,
 * transposed weights and padding dil·(R−1) − pad; otherwise Wᵀ·dY into columns, then col2im.
 * Weight gradient: with SIMD, one group and enough output channels, dWᵀ = B·dYᵀ as an outer
 * product, B's taps read in place against rows of the transposed dY ({@link ConvWeightVec});
 * otherwise dW = dY·Bᵀ as dot products of rows that are both contiguous along the (image,
 * position) reduction ({@link SgemmF32#dotGemm}). One partial dW per thread either way.
 *
 * <pre>{@code
 * ConvShape cs = new ConvShape(64, 32, 28, 28, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1);
 * Conv2dF32.forward(cs, x, w, y);
 * }</pre>
 */
public final class Conv2dF32 {
    // The chunk size and the row-source micro-tile (4×6 vectors; 6×4 also wastes rows when K is a
    // multiple of 4 or 8) were chosen by measurement: the figures, and the comparison with PyTorch,
    // are in docs/design-notes.md ("Convolution as an implicit GEMM").
    /** Columns (images × flat positions) per chunk: big enough to amortise per-call overheads, small enough for L2. */
    static final int CHUNK_COLUMNS = Integer.getInteger("jgrad.conv.chunk", 4096);

    /** Whether {@link #direct} may pick the direct kernel ({@code -Djgrad.conv.direct=false}: never, to compare). */
    static final boolean DIRECT = Boolean.parseBoolean(System.getProperty("jgrad.conv.direct", "true"));
    /**
     * Whether the weight gradient of a direct layer takes the direct kernel too. Off by default:
     * its block kernel is large enough that C2 sometimes compiles it without the Vector API
     * intrinsics, and then it runs several times slower than the GEMM path (docs/design-notes.md,
     * "Convolution as an implicit GEMM"). {@code -Djgrad.conv.directWeight=true} turns it on.
     */
    static volatile boolean directWeight = Boolean.getBoolean("jgrad.conv.directWeight");

    /**
     * Whether the weight gradient may take the outer-product kernel {@link ConvWeightVec}
     * ({@code -Djgrad.conv.outerWeight=false}: always the dot-product kernel, to compare).
     */
    static final boolean OUTER_WEIGHT = Boolean.parseBoolean(System.getProperty("jgrad.conv.outerWeight", "true"));

    /**
     * Image ranges of the direct weight gradient: fixed, not one per thread, so that the sum of
     * the ranges' partial results is the same on any number of threads.
     */
    static final int DIRECT_WEIGHT_RANGES = 8;

    private Conv2dF32() {}

    /**
     * y[n,k,p,q] = Σ_{c,r,s} x[n, group(k)·C/g + c, p·sh − ph + r·dh, q·sw − pw + s·dw] · w[k,c,r,s].
     *
     * @param cs the convolution's geometry
     * @param x  input [n, c, h, w], contiguous
     * @param w  weights [k, c/groups, r, s], contiguous
     * @param y  receives the output [n, k, outH, outW]
     */
    public static void forward(ConvShape cs, float[] x, float[] w, float[] y) {
        forward(cs, x, w, null, y);
    }

    /**
     * As {@link #forward(ConvShape, float[], float[], float[])} plus {@code bias[k]} (null: none),
     * added while the output is copied out of the GEMM tile: a separate broadcast add would cost a
     * second full-size output array and a pass over it (measured in docs/design-notes.md).
     *
     * @param cs   the convolution's geometry
     * @param x    input [n, c, h, w], contiguous
     * @param w    weights [k, c/groups, r, s], contiguous
     * @param bias one value per output channel, or null
     * @param y    receives the output [n, k, outH, outW]
     */
    public static void forward(ConvShape cs, float[] x, float[] w, float[] bias, float[] y) {
        if (direct(cs)) {
            directForward(cs, x, w, bias, y);
            return;
        }
        Source src = new Source(cs, false);
        int kg = cs.kPerGroup(), crs = cs.cPerGroup() * cs.r() * cs.s(), groups = cs.groups();
        float[][] aPacked = new float[groups][];
        for (int g = 0; g < groups; g++) aPacked[g] = SgemmF32.packAll(kg, crs, w, g * kg * crs, crs, 1);
        int P = cs.outH(), Q = cs.outW(), K = cs.k();
        long work = (long) cs.n() * K * P * Q * crs;
        forChunks(parts(cs.n(), work), cs.n(), src.img, (part, n0, count) -> {
            int cols = count * src.img, ldc = (int) SgemmF32.roundUp(cols, SgemmF32.rowsNr());
            float[] s = Scratch.floats(Scratch.CONV_SOURCE, src.length(count));
            float[] c = Scratch.floats(Scratch.CONV_OUT, (int) SgemmF32.roundUp(kg, SgemmF32.rowsMr()) * ldc);
            src.fill(x, n0, count, s);
            for (int g = 0; g < groups; g++) {
                SgemmF32.rowsGemm(kg, cols, crs, aPacked[g], s, src.rows(count, g), 0, c, 0, ldc);
                for (int k = 0; k < kg; k++) {
                    for (int n = 0; n < count; n++) {
                        int yo = ((n0 + n) * K + g * kg + k) * P * Q, co = k * ldc + n * src.img;
                        if (bias == null) copyRows(c, co, src.rowStride, y, yo, Q, P, Q);
                        else copyRowsAdd(c, co, src.rowStride, y, yo, Q, P, Q, bias[g * kg + k]);
                    }
                }
            }
        });
    }

    /**
     * dx = the adjoint of {@link #forward} in x, applied to dy.
     *
     * @param cs the convolution's geometry
     * @param dy output gradient [n, k, outH, outW]
     * @param w  weights [k, c/groups, r, s]
     * @param dx receives the input gradient [n, c, h, w]
     */
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

    /**
     * dw = the adjoint of {@link #forward} in w: Σ over images and output positions of dy · x.
     *
     * @param cs the convolution's geometry
     * @param x  input [n, c, h, w]
     * @param dy output gradient [n, k, outH, outW]
     * @param dw receives the weight gradient [k, c/groups, r, s]
     */
    public static void backwardWeight(ConvShape cs, float[] x, float[] dy, float[] dw) {
        if (directWeight && direct(cs)) {
            directBackwardWeight(cs, x, dy, dw);
            return;
        }
        if (outerWeight(cs)) {
            outerBackwardWeight(cs, new Source(cs, true), x, dy, dw);
            return;
        }
        Source src = new Source(cs, false);
        int kg = cs.kPerGroup(), crs = cs.cPerGroup() * cs.r() * cs.s(), groups = cs.groups();
        int P = cs.outH(), Q = cs.outW(), K = cs.k(), N = cs.n();
        long work = (long) N * K * P * Q * crs;
        int parts = parts(N, work);
        float[][] partial = new float[parts][];
        for (int part = 0; part < parts; part++) partial[part] = part == 0 ? dw : new float[K * crs];
        Arrays.fill(dw, 0, K * crs, 0f);
        forChunks(parts, N, src.img, (part, n0, count) -> {
            float[] acc = partial[part];
            {
                int cols = count * src.img, ld = (int) SgemmF32.roundUp(cols, SgemmF32.lanes());
                float[] s = Scratch.floats(Scratch.CONV_SOURCE, src.length(count));
                float[] d = Scratch.floats(Scratch.CONV_OUT, K * ld);
                src.fill(x, n0, count, s);
                src.gatherOutput(dy, n0, count, d, ld);
                for (int g = 0; g < groups; g++) {
                    SgemmF32.dotGemm(kg, crs, cols, d, g * kg * ld, ld, s, src.rows(count, g), acc, g * kg * crs, crs);
                }
            }
        });
        for (int part = 1; part < parts; part++) {
            float[] p = partial[part];
            for (int i = 0; i < K * crs; i++) dw[i] += p[i];
        }
    }

    /**
     * Whether the forward pass and the weight gradient run {@link Conv2dDirectVec}: one input
     * channel, 3×3, stride 1 (MNIST conv1), where the GEMM's reduction would be only 9 deep and
     * the direct kernels measured faster. A first version with one output channel per pass over
     * the image (eight accumulators over rows and columns instead of channels) was slower than the
     * GEMM, as was a first direct weight gradient over a padded copy of the image (figures:
     * docs/design-notes.md, "Convolution as an implicit GEMM").
     */
    static boolean direct(ConvShape cs) {
        return DIRECT && Simd.enabled() && cs.c() == 1 && cs.r() == 3 && cs.s() == 3
                && cs.strideH() == 1 && cs.strideW() == 1;
    }

    private static void directForward(ConvShape cs, float[] x, float[] w, float[] bias, float[] y) {
        int K = cs.k(), PQ = cs.outH() * cs.outW();
        long work = (long) cs.n() * K * PQ * cs.c() * cs.r() * cs.s();
        forChunks(parts(cs.n(), work), cs.n(), 1, (part, n0, count) -> {
            float[] planes = Scratch.floats(Scratch.CONV_SOURCE, Conv2dDirectVec.planesLength(cs));
            for (int n = n0; n < n0 + count; n++) {
                Conv2dDirectVec.planes(cs, x, n, planes);
                for (int k0 = 0; k0 < K; k0 += Conv2dDirectVec.K_BLOCK) Conv2dDirectVec.forwardBlock(cs, planes, w, bias, k0, y, n * K * PQ);
            }
        });
    }

    /**
     * The weight gradient of {@link #direct} layers: vector partial sums per fixed range of images,
     * added up in range order, so the result does not depend on the thread count.
     */
    private static void directBackwardWeight(ConvShape cs, float[] x, float[] dy, float[] dw) {
        int N = cs.n(), K = cs.k(), PQ = cs.outH() * cs.outW(), ranges = Math.min(N, DIRECT_WEIGHT_RANGES);
        float[][] partial = new float[ranges][];
        long work = (long) N * K * PQ * cs.c() * cs.r() * cs.s();
        Parallel.forEach(ranges, work, range -> {
            float[] acc = new float[Conv2dDirectVec.weightPartialsLength(cs)];
            float[] planes = Scratch.floats(Scratch.CONV_SOURCE, Conv2dDirectVec.planesLength(cs));
            for (int n = (int) ((long) N * range / ranges), end = (int) ((long) N * (range + 1) / ranges); n < end; n++) {
                Conv2dDirectVec.planes(cs, x, n, planes);
                Conv2dDirectVec.weightImage(cs, planes, dy, n * K * PQ, acc);
            }
            partial[range] = acc;
        });
        Arrays.fill(dw, 0, K * cs.c() * cs.r() * cs.s(), 0f);
        for (float[] acc : partial) Conv2dDirectVec.sumWeightPartials(cs, acc, dw);
    }

    /**
     * Whether the weight gradient runs {@link #outerBackwardWeight}: SIMD, one group, and enough
     * output channels to fill most of its 4-vector tile.
     */
    static boolean outerWeight(ConvShape cs) {
        return OUTER_WEIGHT && Simd.enabled() && cs.groups() == 1 && cs.k() * 4 >= 3 * ConvWeightVec.NR;
    }

    /**
     * dWᵀ = B·dYᵀ per part of the batch: per image, dy transposed to one row of output channels
     * per output position, then {@link ConvWeightVec#image} over blocks of six taps, reading the
     * taps' source rows in place and only at real output positions: the source is the shifted one
     * (stride 1) or im2col, where an image's outputs are consecutive columns, so no padding column
     * is computed (a padded source at 14×14 computed 225 columns per image for 196 outputs). Each
     * part's dWᵀ is a sum of per-image sums; the parts are added in order, as the dot-product path
     * adds its.
     */
    private static void outerBackwardWeight(ConvShape cs, Source src, float[] x, float[] dy, float[] dw) {
        int mr = ConvWeightVec.MR, nr = ConvWeightVec.NR;
        int crs = cs.c() * cs.r() * cs.s(), PQ = cs.outH() * cs.outW(), K = cs.k(), N = cs.n();
        int kPad = (int) SgemmF32.roundUp(K, nr), crsPad = (int) SgemmF32.roundUp(crs, mr);
        int parts = parts(N, (long) N * K * PQ * crs);
        float[][] partial = new float[parts][];
        forChunks(parts, N, src.img, (part, n0, count) -> {
            if (partial[part] == null) partial[part] = new float[crsPad * kPad];
            float[] ct = partial[part];
            float[] s = Scratch.floats(Scratch.CONV_SOURCE, src.length(count));
            float[] d = Scratch.floats(Scratch.CONV_OUT, PQ * kPad);
            src.fill(x, n0, count, s);
            int[] base = src.rows(count, 0), rows = new int[crsPad];
            for (int t = 0; t < crsPad; t++) rows[t] = base[Math.min(t, crs - 1)];   // past crs: rows of ct nobody reads
            if (K < kPad) Arrays.fill(d, 0, PQ * kPad, 0f);
            for (int n = 0; n < count; n++) {
                // the source has an image's P·Q outputs as consecutive columns
                ConvWeightVec.transpose(dy, (n0 + n) * K * PQ, K, PQ, d, kPad);
                for (int t = 0; t < crsPad; t += mr)
                    for (int kb = 0; kb < kPad; kb += nr) {
                        ConvWeightVec.image(s, rows, t, n * src.img, PQ, d, kb, kPad, ct, t * kPad + kb, kPad);
                    }
            }
        });
        Arrays.fill(dw, 0, K * crs, 0f);
        for (float[] ct : partial) {
            if (ct == null) continue;
            for (int k = 0; k < K; k++)
                for (int t = 0; t < crs; t++) dw[k * crs + t] += ct[t * kPad + k];
        }
    }

    /** The input gradient through explicit columns: dcol = Wᵀ·dY per group, then col2im. */
    private static void columnsBackwardInput(ConvShape cs, float[] dy, float[] w, float[] dx) {
        int kg = cs.kPerGroup(), cg = cs.cPerGroup(), R = cs.r(), S = cs.s(), crs = cg * R * S, groups = cs.groups();
        int P = cs.outH(), Q = cs.outW(), K = cs.k(), C = cs.c(), H = cs.h(), W = cs.w(), PQ = P * Q;
        float[][] aPacked = new float[groups][];
        for (int g = 0; g < groups; g++) aPacked[g] = SgemmF32.packAll(crs, kg, w, g * kg * crs, 1, crs);
        long work = (long) cs.n() * K * PQ * crs;
        forChunks(parts(cs.n(), work), cs.n(), PQ, (part, n0, count) -> {
            int cols = count * PQ, nr = SgemmF32.rowsNr(), ldc = (int) SgemmF32.roundUp(cols, nr);
            float[] d = Scratch.floats(Scratch.CONV_SOURCE, K * cols + nr);
            float[] col = Scratch.floats(Scratch.CONV_OUT, (int) SgemmF32.roundUp(crs, SgemmF32.rowsMr()) * ldc);
            for (int k = 0; k < K; k++)
                for (int n = 0; n < count; n++) System.arraycopy(dy, ((n0 + n) * K + k) * PQ, d, k * cols + n * PQ, PQ);
            Arrays.fill(d, K * cols, K * cols + nr, 0f);
            Arrays.fill(dx, n0 * C * H * W, (n0 + count) * C * H * W, 0f);
            int[] rows = new int[kg];
            for (int g = 0; g < groups; g++) {
                for (int k = 0; k < kg; k++) rows[k] = (g * kg + k) * cols;
                SgemmF32.rowsGemm(crs, cols, kg, aPacked[g], d, rows, 0, col, 0, ldc);
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

    /** A step over images [n0, n0 + count) of part {@code part}. */
    private interface ChunkBody {
        void run(int part, int n0, int count);
    }

    /** Number of equal parts (one per thread) the batch splits into; 1 for small problems. */
    private static int parts(int images, long work) {
        if (Parallel.inParallel()) return 1;
        return (int) Math.max(1, Math.min(Math.min(Parallel.threads(), images), work / Parallel.INLINE_WORK));
    }

    /**
     * Splits the batch into {@code parts} equal ranges, run in parallel, each walked in chunks of
     * about {@link #CHUNK_COLUMNS} columns. Equal ranges rather than a shared queue of chunks: with
     * 64 images of 29×29 slots, chunks of 5 left one thread 35 images and the other 29.
     */
    private static void forChunks(int parts, int images, int columnsPerImage, ChunkBody body) {
        Parallel.forEach(parts, Long.MAX_VALUE, part -> {
            int from = (int) ((long) images * part / parts), to = (int) ((long) images * (part + 1) / parts);
            int n = to - from;
            if (n == 0) return;
            long chunks = SgemmF32.ceilDiv((long) n * columnsPerImage, CHUNK_COLUMNS);
            int nb = (int) SgemmF32.ceilDiv(n, Math.max(1, chunks));
            for (int n0 = from; n0 < to; n0 += nb) body.run(part, n0, Math.min(nb, to - n0));
        });
    }

    /** {@code rows} rows of {@code width} floats from stride {@code srcStride} to stride {@code dstStride}. */
    static void copyRows(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, int rows, int width) {
        if (Simd.enabled()) {
            CopyVec.copyRows(src, srcOff, srcStride, dst, dstOff, dstStride, rows, width);
            return;
        }
        for (int r = 0; r < rows; r++) {
            int si = srcOff + r * srcStride, di = dstOff + r * dstStride;
            for (int q = 0; q < width; q++) dst[di + q] = src[si + q];
        }
    }

    /** {@link #copyRows} with each destination row's rest, from {@code width} to {@code dstStride}, zeroed. */
    static void copyRowsPadded(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, int rows, int width) {
        if (Simd.enabled()) {
            CopyVec.copyRowsPadded(src, srcOff, srcStride, dst, dstOff, dstStride, rows, width);
            return;
        }
        for (int r = 0; r < rows; r++) {
            int si = srcOff + r * srcStride, di = dstOff + r * dstStride;
            for (int q = 0; q < width; q++) dst[di + q] = src[si + q];
            for (int q = width; q < dstStride; q++) dst[di + q] = 0f;
        }
    }

    /** {@link #copyRows} adding {@code add} to every element. */
    static void copyRowsAdd(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, int rows, int width,
            float add) {
        if (Simd.enabled()) {
            CopyVec.copyRowsAdd(src, srcOff, srcStride, dst, dstOff, dstStride, rows, width, add);
            return;
        }
        for (int r = 0; r < rows; r++) {
            int si = srcOff + r * srcStride, di = dstOff + r * dstStride;
            for (int q = 0; q < width; q++) dst[di + q] = src[si + q] + add;
        }
    }

    /**
     * The B operand of a chunk of images: source rows holding the chunk's images end to end,
     * {@link #img} columns each, one row per
     * <ul>
     *   <li>input channel ({@link Layout#FLAT}, stride 1): {@code lead} zeros, then per image H
     *       rows of {@code rowStride = W + gapW} floats (the image row, then gapW zeros) and gapH
     *       zero rows. A gap serves as the right padding of one row and the left padding of the
     *       next (and the bottom padding of one image and the top padding of the next), so a
     *       28×28 image with padding 1 takes 29×29 slots where separate padding would take 30×30;</li>
     *   <li>input channel and kernel column s ({@link Layout#SHIFTED}, stride 1): the channel
     *       moved left by s·dw − pw and cut to the output's width Q (zero where the shifted column
     *       leaves the image), {@code lead} zero rows, then per image H rows of Q and gapH zero
     *       rows. Output (p, q) is column p·Q + q and tap (r, s) adds r·dh·Q: an image's outputs
     *       are consecutive columns, at the price of S copies of the input. Measured, the GEMM
     *       passes gained nothing from it (the larger source costs what the padding columns
     *       cost), the outer-product weight gradient did, as it reads only output columns;</li>
     *   <li>(c, r, s) ({@link Layout#COLUMNS}, other strides): an im2col, P·Q columns per image.</li>
     * </ul>
     */
    private static final class Source {
        enum Layout { FLAT, SHIFTED, COLUMNS }

        final ConvShape cs;
        final Layout layout;
        /** Columns per image; output (p, q) of image n is column n·img + p·rowStride + q. */
        final int img, rowStride;
        final int sourceRows, tapMax, lead;
        final int[] tapOffsets;

        /** The source of {@code cs}: {@code shifted} picks {@link Layout#SHIFTED} over {@link Layout#FLAT} at stride 1. */
        Source(ConvShape cs, boolean shifted) {
            this.cs = cs;
            int R = cs.r(), S = cs.s();
            boolean stride1 = cs.strideH() == 1 && cs.strideW() == 1;
            layout = !stride1 ? Layout.COLUMNS : shifted ? Layout.SHIFTED : Layout.FLAT;
            tapOffsets = new int[R * S];
            int gapH = Math.max(cs.padH(), cs.outH() - cs.h());
            switch (layout) {
                case FLAT -> {
                    int gapW = Math.max(cs.padW(), cs.outW() - cs.w());
                    rowStride = cs.w() + gapW;
                    lead = cs.padH() * rowStride + cs.padW();
                    sourceRows = cs.c();
                    for (int t = 0; t < R * S; t++) tapOffsets[t] = t / S * cs.dilH() * rowStride + t % S * cs.dilW();
                }
                case SHIFTED -> {
                    rowStride = cs.outW();
                    lead = cs.padH() * rowStride;
                    sourceRows = cs.c() * S;
                    for (int t = 0; t < R * S; t++) tapOffsets[t] = t / S * cs.dilH() * rowStride;
                }
                default -> {
                    rowStride = cs.outW();
                    lead = 0;
                    sourceRows = cs.c() * R * S;
                }
            }
            img = layout == Layout.COLUMNS ? cs.outH() * cs.outW() : (cs.h() + gapH) * rowStride;
            tapMax = tapOffsets[R * S - 1];
        }

        /** Floats between the starts of consecutive source rows. */
        int rowLength(int count) {
            return lead + count * img;
        }

        /** Floats the source of {@code count} images needs, slack for whole micro-tiles included. */
        int length(int count) {
            return sourceRows * rowLength(count) + tapMax + 2 * Math.max(SgemmF32.rowsNr(), SgemmF32.lanes());
        }

        /** Base of each B row (c, r, s) of group {@code g}, for a chunk of {@code count} images. */
        int[] rows(int count, int g) {
            int cg = cs.cPerGroup(), S = cs.s(), rs = cs.r() * S, len = rowLength(count);
            int[] rows = new int[cg * rs];
            for (int c = 0; c < cg; c++)
                for (int t = 0; t < rs; t++) {
                    int row = switch (layout) {
                        case FLAT -> g * cg + c;
                        case SHIFTED -> (g * cg + c) * S + t % S;
                        case COLUMNS -> (g * cg + c) * rs + t;
                    };
                    rows[c * rs + t] = row * len + tapOffsets[t];
                }
            return rows;
        }

        /** Writes the source of images [n0, n0 + count) of x into {@code s}. */
        void fill(float[] x, int n0, int count, float[] s) {
            int C = cs.c(), H = cs.h(), W = cs.w(), len = rowLength(count);
            switch (layout) {
                case FLAT -> {
                    for (int c = 0; c < C; c++) {
                        int base = c * len;
                        Arrays.fill(s, base, base + lead, 0f);
                        for (int n = 0; n < count; n++) {
                            int d = base + lead + n * img, xs = ((n0 + n) * C + c) * H * W;
                            copyRowsPadded(x, xs, W, s, d, rowStride, H, W);
                            Arrays.fill(s, d + H * rowStride, d + img, 0f);
                        }
                    }
                }
                case SHIFTED -> {
                    int S = cs.s();
                    for (int c = 0; c < C; c++)
                        for (int t = 0; t < S; t++) {
                            int base = (c * S + t) * len, shift = t * cs.dilW() - cs.padW();
                            Arrays.fill(s, base, base + lead, 0f);
                            for (int n = 0; n < count; n++) {
                                int d = base + lead + n * img;
                                shiftedPlane(x, ((n0 + n) * C + c) * H * W, H, W, shift, s, d, rowStride);
                                Arrays.fill(s, d + H * rowStride, d + img, 0f);
                            }
                        }
                }
                case COLUMNS -> {
                    int R = cs.r(), S = cs.s(), P = cs.outH(), Q = cs.outW();
                    for (int c = 0; c < C; c++)
                        for (int r = 0; r < R; r++)
                            for (int t = 0; t < S; t++) {
                                int rowBase = ((c * R + r) * S + t) * len;
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
            }
            Arrays.fill(s, sourceRows * len, length(count), 0f);
        }

        /**
         * dst[d + h·Q + q] = x[xs + h·W + q + shift] for h &lt; H, q &lt; Q, zero where q + shift
         * falls outside [0, W). When Q = W (same-size convolutions) the image is one contiguous
         * run: a single copy moved by {@code shift}, then the |shift| columns at each row's edge
         * that it took from the neighbouring row are zeroed.
         */
        private static void shiftedPlane(float[] x, int xs, int H, int W, int shift, float[] dst, int d, int Q) {
            if (Q == W && Math.abs(shift) < W) {
                int from = Math.max(0, -shift), to = H * W - Math.max(0, shift);
                System.arraycopy(x, xs + from + shift, dst, d + from, to - from);
                for (int h = 0; h < H; h++) {
                    if (shift < 0) Arrays.fill(dst, d + h * Q, d + h * Q - shift, 0f);
                    else if (shift > 0) Arrays.fill(dst, d + (h + 1) * Q - shift, d + (h + 1) * Q, 0f);
                }
                return;
            }
            int q0 = Math.min(Q, Math.max(0, -shift)), q1 = Math.max(q0, Math.min(Q, W - shift));
            for (int h = 0; h < H; h++) {
                int o = d + h * Q;
                Arrays.fill(dst, o, o + q0, 0f);
                System.arraycopy(x, xs + h * W + q0 + shift, dst, o + q0, q1 - q0);
                Arrays.fill(dst, o + q1, o + Q, 0f);
            }
        }

        /**
         * dy of images [n0, n0 + count) as K rows of {@code ld} floats over the source's columns,
         * zero where no output is (padding columns, and from count·img to ld).
         */
        void gatherOutput(float[] dy, int n0, int count, float[] d, int ld) {
            int K = cs.k(), P = cs.outH(), Q = cs.outW();
            Arrays.fill(d, 0, K * ld, 0f);
            for (int k = 0; k < K; k++)
                for (int n = 0; n < count; n++) {
                    int src = ((n0 + n) * K + k) * P * Q, dst = k * ld + n * img;
                    if (rowStride == Q) System.arraycopy(dy, src, d, dst, P * Q);   // im2col: no gap columns
                    else copyRows(dy, src, Q, d, dst, rowStride, P, Q);
                }
        }
    }
}
