package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.PoolShape;

/**
 * Reference max and average pooling over contiguous NCHW input, and their backward passes.
 * Max pooling records, per output element, the flat position (h·W + w) of the chosen input
 * element within its plane, as PyTorch's {@code return_indices} does; backward scatters to it.
 *
 * <pre>{@code
 * PoolShape ps = new PoolShape(1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false);
 * Pool2dRef.maxForward(ps, x, y, indices);   // y and indices are 1x1x2x2
 * }</pre>
 */
public final class Pool2dRef {
    private Pool2dRef() {}

    /**
     * y = max over each window (NaN wins, as in PyTorch); {@code indices} gets each maximum's position in its
     * plane.
     *
     * @param ps      the pooling geometry
     * @param x       input [n, c, h, w], contiguous
     * @param y       receives the output [n, c, outH, outW]
     * @param indices receives each maximum's position within its input plane
     */
    public static void maxForward(PoolShape ps, Buf x, Buf y, Buf indices) {
        int plane = ps.h() * ps.w(), outPlane = ps.outH() * ps.outW();
        int[] window = new int[ps.kh() * ps.kw()];
        for (int nc = 0; nc < ps.n() * ps.c(); nc++)
            for (int o = 0; o < outPlane; o++) {
                int count = windowPositions(ps, o / ps.outW(), o % ps.outW(), window);
                double best = Double.NEGATIVE_INFINITY;
                int bestAt = window[0];
                for (int t = 0; t < count; t++) {
                    double v = x.get(nc * plane + window[t]);
                    if (v > best || Double.isNaN(v)) {
                        best = v;
                        bestAt = window[t];
                    }
                }
                y.set(nc * outPlane + o, best);
                indices.set(nc * outPlane + o, bestAt);
            }
    }

    /**
     * dx[position recorded in indices] += dy, plane by plane.
     *
     * @param ps      the pooling geometry
     * @param dy      output gradient [n, c, outH, outW]
     * @param indices the forward pass's positions of the maxima
     * @param dx      receives the input gradient [n, c, h, w]
     */
    public static void maxBackward(PoolShape ps, Buf dy, Buf indices, Buf dx) {
        int outPlane = ps.outH() * ps.outW(), plane = ps.h() * ps.w();
        double[] acc = new double[dx.length()];
        for (int nc = 0; nc < ps.n() * ps.c(); nc++)
            for (int o = 0; o < outPlane; o++) {
                int yi = nc * outPlane + o;
                acc[nc * plane + (int) indices.getLong(yi)] += dy.get(yi);
            }
        dx.setAll(acc);
    }

    /**
     * y = mean over each window. The divisor counts the padding when {@code countIncludePad}
     * (window clipped to the padded input, as PyTorch does), otherwise only real elements.
     *
     * @param ps              the pooling geometry
     * @param countIncludePad count the padding in the divisor
     * @param x               input [n, c, h, w], contiguous
     * @param y               receives the output [n, c, outH, outW]
     */
    public static void avgForward(PoolShape ps, boolean countIncludePad, Buf x, Buf y) {
        int plane = ps.h() * ps.w(), outPlane = ps.outH() * ps.outW();
        int[] window = new int[ps.kh() * ps.kw()];
        for (int nc = 0; nc < ps.n() * ps.c(); nc++)
            for (int o = 0; o < outPlane; o++) {
                int p = o / ps.outW(), q = o % ps.outW();
                int count = windowPositions(ps, p, q, window);
                double sum = 0;
                for (int t = 0; t < count; t++) sum += x.get(nc * plane + window[t]);
                y.set(nc * outPlane + o, sum / avgDivisor(ps, p, q, countIncludePad));
            }
    }

    /**
     * dx = each dy spread evenly over the real elements of its window (divided as in the forward pass).
     *
     * @param ps              the pooling geometry
     * @param countIncludePad count the padding in the divisor, as in the forward pass
     * @param dy              output gradient [n, c, outH, outW]
     * @param dx              receives the input gradient [n, c, h, w]
     */
    public static void avgBackward(PoolShape ps, boolean countIncludePad, Buf dy, Buf dx) {
        int plane = ps.h() * ps.w(), outPlane = ps.outH() * ps.outW();
        int[] window = new int[ps.kh() * ps.kw()];
        double[] acc = new double[dx.length()];
        for (int nc = 0; nc < ps.n() * ps.c(); nc++)
            for (int o = 0; o < outPlane; o++) {
                int p = o / ps.outW(), q = o % ps.outW();
                int count = windowPositions(ps, p, q, window);
                double g = dy.get(nc * outPlane + o) / avgDivisor(ps, p, q, countIncludePad);
                for (int t = 0; t < count; t++) acc[nc * plane + window[t]] += g;
            }
        dx.setAll(acc);
    }

    /** Fills {@code out} with the in-plane positions of the real (non-padding) elements of window (p, q); returns how many. */
    private static int windowPositions(PoolShape ps, int p, int q, int[] out) {
        int count = 0;
        for (int i = 0; i < ps.kh(); i++) {
            int ih = p * ps.strideH() - ps.padH() + i * ps.dilH();
            if (ih < 0 || ih >= ps.h()) continue;
            for (int j = 0; j < ps.kw(); j++) {
                int iw = q * ps.strideW() - ps.padW() + j * ps.dilW();
                if (iw >= 0 && iw < ps.w()) out[count++] = ih * ps.w() + iw;
            }
        }
        return count;
    }

    private static int avgDivisor(PoolShape ps, int p, int q, boolean countIncludePad) {
        int h0 = p * ps.strideH() - ps.padH(), w0 = q * ps.strideW() - ps.padW();
        int h1 = Math.min(h0 + ps.kh(), ps.h() + ps.padH()), w1 = Math.min(w0 + ps.kw(), ps.w() + ps.padW());
        if (countIncludePad) return (h1 - h0) * (w1 - w0);
        return (Math.min(h1, ps.h()) - Math.max(h0, 0)) * (Math.min(w1, ps.w()) - Math.max(w0, 0));
    }
}
