package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.Simd;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct (non-GEMM) forward and weight gradient of a stride-1 convolution over few input channels
 * (a first layer on grey images, MNIST conv1), where the reduction is only C·R·S deep: too shallow
 * for a GEMM tile to pay off. Loaded only when {@link Simd#enabled()}; groups must be 1.
 *
 * <p>Both passes read an image through its <em>shifted planes</em>: for each input channel c and
 * kernel column s, a plane of {@link #planeRows} rows of Q floats (the output's row length) with
 * plane[i][q] = x[c][i − ph][q + s·dw − pw], zero where that falls outside the image. Tap (r, s)
 * of output j = p·Q + q is then plane_s[j + r·dh·Q]: a constant offset in the output's own flat
 * order, so a vector covers consecutive outputs across row ends, no padding column is ever
 * computed, and an output plane is written as P·Q contiguous floats with a mask only on its last
 * vector (a padded-image layout computes and drops two columns per row, and masks every row's end).
 *
 * <pre>{@code
 * float[] planes = new float[Conv2dDirectVec.planesLength(cs)];
 * Conv2dDirectVec.planes(cs, x, n, planes);                          // image n
 * for (int k0 = 0; k0 < cs.k(); k0 += 8) Conv2dDirectVec.forwardBlock(cs, planes, w, bias, k0, y, n * cs.k() * P * Q);
 * }</pre>
 */
public final class Conv2dDirectVec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Output channels per {@link #forwardBlock}; rows of dy per {@link #weightBlock}. */
    public static final int K_BLOCK = 8;
    /** The taps (C·R·S) {@link #forwardBlock} takes: one channel, 3×3. */
    public static final int TAPS = 9;
    /** (c, r, s) taps per {@link #weightBlock}. */
    public static final int TAP_BLOCK = 3;

    private Conv2dDirectVec() {}

    /**
     * Rows of one shifted plane: P + dh·(R − 1), the input rows the output's rows reach.
     *
     * @param cs the convolution's geometry (stride 1)
     * @return the number of rows
     */
    public static int planeRows(ConvShape cs) {
        return cs.outH() + cs.dilH() * (cs.r() - 1);
    }

    /**
     * Floats of the shifted planes of one image (C·S planes), plus slack for whole-vector reads
     * past the end.
     *
     * @param cs the convolution's geometry (stride 1)
     * @return the length {@link #planes} needs
     */
    public static int planesLength(ConvShape cs) {
        return cs.c() * cs.s() * planeRows(cs) * cs.outW() + L;
    }

    /**
     * Writes the shifted planes of image {@code n} of x into {@code dst} (plane (c, s) at
     * (c·S + s)·planeRows·Q), the slack after them zeroed.
     *
     * @param cs  the convolution's geometry (stride 1, groups 1)
     * @param x   input [n, c, h, w], contiguous
     * @param n   the image
     * @param dst receives {@link #planesLength} floats
     */
    public static void planes(ConvShape cs, float[] x, int n, float[] dst) {
        int C = cs.c(), H = cs.h(), W = cs.w(), Q = cs.outW(), S = cs.s(), rows = planeRows(cs), ph = cs.padH();
        for (int c = 0; c < C; c++) {
            int xPlane = (n * C + c) * H * W;
            for (int s = 0; s < S; s++) {
                int shift = s * cs.dilW() - cs.padW(), base = (c * S + s) * rows * Q;
                // the columns q whose source column q + shift lies in the image
                int q0 = Math.min(Q, Math.max(0, -shift)), q1 = Math.max(q0, Math.min(Q, W - shift));
                for (int i = 0; i < rows; i++) {
                    int ih = i - ph, d = base + i * Q;
                    if (ih < 0 || ih >= H) {
                        Arrays.fill(dst, d, d + Q, 0f);
                        continue;
                    }
                    Arrays.fill(dst, d, d + q0, 0f);
                    System.arraycopy(x, xPlane + ih * W + q0 + shift, dst, d + q0, q1 - q0);
                    Arrays.fill(dst, d + q1, d + Q, 0f);
                }
            }
        }
        int end = C * S * rows * Q;
        Arrays.fill(dst, end, end + L, 0f);
    }

    /**
     * Output planes k0..k0+7 of one image (plane k at {@code yOff + k·P·Q}) of a layer with
     * C·R·S = {@link #TAPS} (one channel, 3×3) from its shifted
     * planes: y[k, j] = bias[k] + Σ_{c,r,s} w[k, c, r, s]·plane_{c,s}[j + r·dh·Q]. Each input
     * vector loaded serves eight output channels (eight independent accumulators, the weights
     * broadcast from memory); channels past K repeat the last one (computed twice, stored twice).
     *
     * @param cs     the convolution's geometry (stride 1, groups 1)
     * @param planes the image's shifted planes ({@link #planes})
     * @param w      weights [k, c, r, s]
     * @param bias   one value per output channel, or null
     * @param k0     the first output channel of the block
     * @param y      receives the output [n, k, P, Q]
     * @param yOff   where the image's output starts in y
     * @throws IllegalArgumentException if C·R·S is not {@link #TAPS}
     */
    public static void forwardBlock(ConvShape cs, float[] planes, float[] w, float[] bias, int k0, float[] y, int yOff) {
        int K = cs.k(), crs = cs.c() * cs.r() * cs.s();
        if (crs != TAPS) {
            throw new IllegalArgumentException("Conv2dDirectVec.forwardBlock: C·R·S must be " + TAPS + ", got " + cs);
        }
        int Q = cs.outW(), PQ = cs.outH() * Q, plane = planeRows(cs) * Q, rowStep = cs.dilH() * Q;
        int[] offs = new int[TAPS];
        for (int t = 0; t < TAPS; t++) offs[t] = t % cs.s() * plane + t / cs.s() * rowStep;
        int k1 = Math.min(k0 + 1, K - 1), k2 = Math.min(k0 + 2, K - 1), k3 = Math.min(k0 + 3, K - 1);
        int k4 = Math.min(k0 + 4, K - 1), k5 = Math.min(k0 + 5, K - 1), k6 = Math.min(k0 + 6, K - 1);
        int k7 = Math.min(k0 + 7, K - 1);
        int o0 = k0 * crs, o1 = k1 * crs, o2 = k2 * crs, o3 = k3 * crs, o4 = k4 * crs, o5 = k5 * crs, o6 = k6 * crs, o7 = k7 * crs;
        float b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, b7 = 0;
        if (bias != null) {
            b0 = bias[k0]; b1 = bias[k1]; b2 = bias[k2]; b3 = bias[k3]; b4 = bias[k4]; b5 = bias[k5]; b6 = bias[k6]; b7 = bias[k7];
        }
        for (int j = 0; j < PQ; j += L) {
            FloatVector a0 = FloatVector.broadcast(S, b0), a1 = FloatVector.broadcast(S, b1), a2 = FloatVector.broadcast(S, b2),
                    a3 = FloatVector.broadcast(S, b3), a4 = FloatVector.broadcast(S, b4), a5 = FloatVector.broadcast(S, b5),
                    a6 = FloatVector.broadcast(S, b6), a7 = FloatVector.broadcast(S, b7);
            for (int t = 0; t < TAPS; t++) {   // a constant trip count: the JIT unrolls it, as the taps' offsets
                FloatVector x = FloatVector.fromArray(S, planes, offs[t] + j);
                a0 = x.fma(FloatVector.broadcast(S, w[o0 + t]), a0);
                a1 = x.fma(FloatVector.broadcast(S, w[o1 + t]), a1);
                a2 = x.fma(FloatVector.broadcast(S, w[o2 + t]), a2);
                a3 = x.fma(FloatVector.broadcast(S, w[o3 + t]), a3);
                a4 = x.fma(FloatVector.broadcast(S, w[o4 + t]), a4);
                a5 = x.fma(FloatVector.broadcast(S, w[o5 + t]), a5);
                a6 = x.fma(FloatVector.broadcast(S, w[o6 + t]), a6);
                a7 = x.fma(FloatVector.broadcast(S, w[o7 + t]), a7);
            }
            int yo = yOff + j;
            if (j + L <= PQ) {
                a0.intoArray(y, yo + k0 * PQ);
                a1.intoArray(y, yo + k1 * PQ);
                a2.intoArray(y, yo + k2 * PQ);
                a3.intoArray(y, yo + k3 * PQ);
                a4.intoArray(y, yo + k4 * PQ);
                a5.intoArray(y, yo + k5 * PQ);
                a6.intoArray(y, yo + k6 * PQ);
                a7.intoArray(y, yo + k7 * PQ);
            } else {
                VectorMask<Float> m = S.indexInRange(j, PQ);
                a0.intoArray(y, yo + k0 * PQ, m);
                a1.intoArray(y, yo + k1 * PQ, m);
                a2.intoArray(y, yo + k2 * PQ, m);
                a3.intoArray(y, yo + k3 * PQ, m);
                a4.intoArray(y, yo + k4 * PQ, m);
                a5.intoArray(y, yo + k5 * PQ, m);
                a6.intoArray(y, yo + k6 * PQ, m);
                a7.intoArray(y, yo + k7 * PQ, m);
            }
        }
    }

    /**
     * Floats of the vector partial sums {@link #weightBlock} accumulates into: one block of
     * {@link #K_BLOCK}·{@link #TAP_BLOCK} vectors per (block of output channels, block of taps).
     *
     * @param cs the convolution's geometry
     * @return the length of the partial sums
     */
    public static int weightPartialsLength(ConvShape cs) {
        return kBlocks(cs) * tapBlocks(cs) * K_BLOCK * TAP_BLOCK * L;
    }

    private static int kBlocks(ConvShape cs) {
        return (cs.k() + K_BLOCK - 1) / K_BLOCK;
    }

    private static int tapBlocks(ConvShape cs) {
        return (cs.c() * cs.r() * cs.s() + TAP_BLOCK - 1) / TAP_BLOCK;
    }

    /**
     * Adds one image's contribution to the weight gradient's vector partial sums: for every
     * output channel k and tap (c, r, s), lane l of its vector gathers Σ dy[k, j]·plane_{c,s}[j +
     * r·dh·Q] over the outputs j ≡ l (mod L). Blocks of eight rows of dy by three taps share
     * their loads (11 per 24 fused multiply-adds); rows past K and taps past C·R·S repeat the last
     * one into slots {@link #sumWeightPartials} skips.
     *
     * @param cs     the convolution's geometry (stride 1, groups 1)
     * @param planes the image's shifted planes ({@link #planes})
     * @param dy     output gradient [n, k, P, Q]
     * @param dyOff  where the image's output gradient starts in dy
     * @param acc    the partial sums, {@link #weightPartialsLength} floats
     */
    public static void weightImage(ConvShape cs, float[] planes, float[] dy, int dyOff, float[] acc) {
        int K = cs.k(), R = cs.r(), Sc = cs.s(), rs = R * Sc, crs = cs.c() * rs;
        int Q = cs.outW(), PQ = cs.outH() * Q, plane = planeRows(cs) * Q, rowStep = cs.dilH() * Q;
        int tb = tapBlocks(cs), block = K_BLOCK * TAP_BLOCK * L;
        int[] ar = new int[K_BLOCK], br = new int[TAP_BLOCK];
        for (int kb = 0; kb < kBlocks(cs); kb++) {
            for (int i = 0; i < K_BLOCK; i++) ar[i] = dyOff + Math.min(kb * K_BLOCK + i, K - 1) * PQ;
            for (int b = 0; b < tb; b++) {
                for (int i = 0; i < TAP_BLOCK; i++) {
                    int t = Math.min(b * TAP_BLOCK + i, crs - 1), c = t / rs, r = t % rs / Sc, s = t % Sc;
                    br[i] = (c * Sc + s) * plane + r * rowStep;
                }
                weightBlock(PQ, dy, ar, planes, br, acc, (kb * tb + b) * block);
            }
        }
    }

    /**
     * acc[at + (TAP_BLOCK·i + t)·L + l] += Σ_u a[ar[i] + u·L + l]·b[br[t] + u·L + l] over the
     * u·L + l &lt; len, the last, partial vector read under a mask.
     */
    private static void weightBlock(int len, float[] a, int[] ar, float[] b, int[] br, float[] acc, int at) {
        int a0 = ar[0], a1 = ar[1], a2 = ar[2], a3 = ar[3], a4 = ar[4], a5 = ar[5], a6 = ar[6], a7 = ar[7];
        int b0 = br[0], b1 = br[1], b2 = br[2];
        FloatVector d00 = FloatVector.fromArray(S, acc, at), d01 = FloatVector.fromArray(S, acc, at + L), d02 = FloatVector.fromArray(S, acc, at + 2 * L);
        FloatVector d10 = FloatVector.fromArray(S, acc, at + 3 * L), d11 = FloatVector.fromArray(S, acc, at + 4 * L), d12 = FloatVector.fromArray(S, acc, at + 5 * L);
        FloatVector d20 = FloatVector.fromArray(S, acc, at + 6 * L), d21 = FloatVector.fromArray(S, acc, at + 7 * L), d22 = FloatVector.fromArray(S, acc, at + 8 * L);
        FloatVector d30 = FloatVector.fromArray(S, acc, at + 9 * L), d31 = FloatVector.fromArray(S, acc, at + 10 * L), d32 = FloatVector.fromArray(S, acc, at + 11 * L);
        FloatVector d40 = FloatVector.fromArray(S, acc, at + 12 * L), d41 = FloatVector.fromArray(S, acc, at + 13 * L), d42 = FloatVector.fromArray(S, acc, at + 14 * L);
        FloatVector d50 = FloatVector.fromArray(S, acc, at + 15 * L), d51 = FloatVector.fromArray(S, acc, at + 16 * L), d52 = FloatVector.fromArray(S, acc, at + 17 * L);
        FloatVector d60 = FloatVector.fromArray(S, acc, at + 18 * L), d61 = FloatVector.fromArray(S, acc, at + 19 * L), d62 = FloatVector.fromArray(S, acc, at + 20 * L);
        FloatVector d70 = FloatVector.fromArray(S, acc, at + 21 * L), d71 = FloatVector.fromArray(S, acc, at + 22 * L), d72 = FloatVector.fromArray(S, acc, at + 23 * L);
        int whole = len - len % L;
        for (int u = 0; u <= len; u += L) {
            FloatVector y0, y1, y2, x0, x1, x2, x3, x4, x5, x6, x7;
            if (u < whole) {
                y0 = FloatVector.fromArray(S, b, b0 + u); y1 = FloatVector.fromArray(S, b, b1 + u); y2 = FloatVector.fromArray(S, b, b2 + u);
                x0 = FloatVector.fromArray(S, a, a0 + u); x1 = FloatVector.fromArray(S, a, a1 + u);
                x2 = FloatVector.fromArray(S, a, a2 + u); x3 = FloatVector.fromArray(S, a, a3 + u);
                x4 = FloatVector.fromArray(S, a, a4 + u); x5 = FloatVector.fromArray(S, a, a5 + u);
                x6 = FloatVector.fromArray(S, a, a6 + u); x7 = FloatVector.fromArray(S, a, a7 + u);
            } else {
                if (u == len) break;
                VectorMask<Float> m = S.indexInRange(u, len);
                y0 = FloatVector.fromArray(S, b, b0 + u, m); y1 = FloatVector.fromArray(S, b, b1 + u, m); y2 = FloatVector.fromArray(S, b, b2 + u, m);
                x0 = FloatVector.fromArray(S, a, a0 + u, m); x1 = FloatVector.fromArray(S, a, a1 + u, m);
                x2 = FloatVector.fromArray(S, a, a2 + u, m); x3 = FloatVector.fromArray(S, a, a3 + u, m);
                x4 = FloatVector.fromArray(S, a, a4 + u, m); x5 = FloatVector.fromArray(S, a, a5 + u, m);
                x6 = FloatVector.fromArray(S, a, a6 + u, m); x7 = FloatVector.fromArray(S, a, a7 + u, m);
            }
            d00 = x0.fma(y0, d00); d01 = x0.fma(y1, d01); d02 = x0.fma(y2, d02);
            d10 = x1.fma(y0, d10); d11 = x1.fma(y1, d11); d12 = x1.fma(y2, d12);
            d20 = x2.fma(y0, d20); d21 = x2.fma(y1, d21); d22 = x2.fma(y2, d22);
            d30 = x3.fma(y0, d30); d31 = x3.fma(y1, d31); d32 = x3.fma(y2, d32);
            d40 = x4.fma(y0, d40); d41 = x4.fma(y1, d41); d42 = x4.fma(y2, d42);
            d50 = x5.fma(y0, d50); d51 = x5.fma(y1, d51); d52 = x5.fma(y2, d52);
            d60 = x6.fma(y0, d60); d61 = x6.fma(y1, d61); d62 = x6.fma(y2, d62);
            d70 = x7.fma(y0, d70); d71 = x7.fma(y1, d71); d72 = x7.fma(y2, d72);
        }
        d00.intoArray(acc, at); d01.intoArray(acc, at + L); d02.intoArray(acc, at + 2 * L);
        d10.intoArray(acc, at + 3 * L); d11.intoArray(acc, at + 4 * L); d12.intoArray(acc, at + 5 * L);
        d20.intoArray(acc, at + 6 * L); d21.intoArray(acc, at + 7 * L); d22.intoArray(acc, at + 8 * L);
        d30.intoArray(acc, at + 9 * L); d31.intoArray(acc, at + 10 * L); d32.intoArray(acc, at + 11 * L);
        d40.intoArray(acc, at + 12 * L); d41.intoArray(acc, at + 13 * L); d42.intoArray(acc, at + 14 * L);
        d50.intoArray(acc, at + 15 * L); d51.intoArray(acc, at + 16 * L); d52.intoArray(acc, at + 17 * L);
        d60.intoArray(acc, at + 18 * L); d61.intoArray(acc, at + 19 * L); d62.intoArray(acc, at + 20 * L);
        d70.intoArray(acc, at + 21 * L); d71.intoArray(acc, at + 22 * L); d72.intoArray(acc, at + 23 * L);
    }

    /**
     * dw[k, c, r, s] += the lanes of the partial sums of (k, (c, r, s)), summed lane 0 first.
     *
     * @param cs  the convolution's geometry
     * @param acc the partial sums of {@link #weightImage}
     * @param dw  the weight gradient [k, c, r, s] to add to
     */
    public static void sumWeightPartials(ConvShape cs, float[] acc, float[] dw) {
        int K = cs.k(), crs = cs.c() * cs.r() * cs.s(), tb = tapBlocks(cs);
        for (int k = 0; k < K; k++)
            for (int t = 0; t < crs; t++) {
                int at = ((k / K_BLOCK * tb + t / TAP_BLOCK) * K_BLOCK * TAP_BLOCK + (k % K_BLOCK) * TAP_BLOCK + t % TAP_BLOCK) * L;
                float sum = 0;
                for (int l = 0; l < L; l++) sum += acc[at + l];
                dw[k * crs + t] += sum;
            }
    }
}
