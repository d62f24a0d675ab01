package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.PoolShape;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.Pool2dRef;
import dev.jgrad.kernels.simd.PoolVec;
import java.util.Arrays;

/**
 * Fast float32 max and average pooling over contiguous NCHW input and their backward passes, with
 * the semantics of {@link Pool2dRef} (padding, dilation, ceil mode, count_include_pad, indices as
 * positions within the plane, NaN wins), multi-threaded over planes.
 *
 * <p>Max pooling with a 2×2 window and stride 2 runs {@link PoolVec}: gathers and masks, no
 * branches. Everything else is scalar float loops, bound by memory traffic: each output reads a
 * handful of inputs once; window bounds are clipped once per output row and column instead of
 * testing every tap. See {@link PoolVec} for why branches dominated the scalar loop.
 *
 * <pre>{@code
 * PoolShape ps = new PoolShape(64, 32, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, false);
 * Pool2dF32.maxForward(ps, x, y, indices);
 * }</pre>
 */
public final class Pool2dF32 {
    private Pool2dF32() {}

    /**
     * y = max over each window; {@code indices} gets each maximum's position h·W + w in its plane.
     *
     * @param ps      the pooling geometry
     * @param x       input [n, c, h, w], contiguous
     * @param y       receives the output [n, c, outH, outW]
     * @param indices receives each maximum's position h·W + w within its input plane
     */
    public static void maxForward(PoolShape ps, float[] x, float[] y, long[] indices) {
        int H = ps.h(), W = ps.w(), P = ps.outH(), Q = ps.outW(), plane = H * W, outPlane = P * Q;
        Window win = new Window(ps);
        boolean twoByTwo = ps.kh() == 2 && ps.kw() == 2 && ps.strideH() == 2 && ps.strideW() == 2
                && ps.padH() == 0 && ps.padW() == 0 && ps.dilH() == 1 && ps.dilW() == 1;
        // SIMD (PoolVec) when every window is whole: no ceil-mode window sticking out
        boolean vector = twoByTwo && Simd.enabled() && 2 * P <= H && 2 * Q <= W;
        int[] map = new int[vector ? outPlane : 0];
        for (int o = 0; o < map.length; o++) map[o] = 2 * (o / Q) * W + 2 * (o % Q);
        Parallel.forRange(ps.n() * ps.c(), (long) ps.n() * ps.c() * outPlane * ps.kh() * ps.kw(), (from, to) -> {
            for (int nc = from; nc < to; nc++) {
                int xb = nc * plane, yb = nc * outPlane;
                int vecDone = vector ? PoolVec.max2x2(x, xb, W, map, y, indices, yb, outPlane) : 0;
                for (int p = vecDone / Q; p < P; p++) {
                    int h0 = p * ps.strideH() - ps.padH(), i0 = win.iStart[p], i1 = win.iEnd[p];
                    int q = p == vecDone / Q ? vecDone % Q : 0;
                    if (twoByTwo && 2 * p + 1 < H) {
                        // 2×2, stride 2, window inside the input (the SIMD remainder, or no SIMD):
                        // straight-line code. The maximum by Math.max; its position is the first
                        // tap equal to it, or the last NaN (the reference's rule).
                        for (int end = Math.min(Q, W / 2); q < end; q++) {
                            int at = 2 * p * W + 2 * q, xa = xb + at;
                            float a = x[xa], b = x[xa + 1], c = x[xa + W], d = x[xa + W + 1];
                            float m = Math.max(Math.max(a, b), Math.max(c, d));
                            int k;
                            if (m != m) k = d != d ? W + 1 : c != c ? W : b != b ? 1 : 0;
                            else k = a == m ? 0 : b == m ? 1 : c == m ? W : W + 1;
                            y[yb + p * Q + q] = x[xa + k];
                            indices[yb + p * Q + q] = at + k;
                        }
                    }
                    for (; q < Q; q++) {
                        int w0 = q * ps.strideW() - ps.padW(), j0 = win.jStart[q], j1 = win.jEnd[q];
                        float best = Float.NEGATIVE_INFINITY;
                        int bestAt = (h0 + i0 * ps.dilH()) * W + w0 + j0 * ps.dilW();
                        for (int i = i0; i < i1; i++) {
                            int row = (h0 + i * ps.dilH()) * W + w0;
                            for (int j = j0; j < j1; j++) {
                                int at = row + j * ps.dilW();
                                float v = x[xb + at];
                                if (v > best || v != v) {
                                    best = v;
                                    bestAt = at;
                                }
                            }
                        }
                        y[yb + p * Q + q] = best;
                        indices[yb + p * Q + q] = bestAt;
                    }
                }
            }
        });
    }

    /**
     * dx[position recorded in indices] += dy, plane by plane (dx is overwritten).
     *
     * @param ps      the pooling geometry
     * @param dy      output gradient [n, c, outH, outW]
     * @param indices the forward pass's positions of the maxima
     * @param dx      receives the input gradient [n, c, h, w] (overwritten)
     */
    public static void maxBackward(PoolShape ps, float[] dy, long[] indices, float[] dx) {
        int plane = ps.h() * ps.w(), outPlane = ps.outH() * ps.outW();
        // Plane by plane, zero-fill then scatter while the plane is in L1 (a whole chunk of planes,
        // filled first, had left the cache by the scatter; measured in docs/design-notes.md).
        Parallel.forRange(ps.n() * ps.c(), (long) ps.n() * ps.c() * (plane + outPlane), (from, to) -> {
            for (int nc = from; nc < to; nc++) {
                int xb = nc * plane, yb = nc * outPlane;
                Arrays.fill(dx, xb, xb + plane, 0f);
                for (int o = 0; o < outPlane; o++) dx[xb + (int) indices[yb + o]] += dy[yb + o];
            }
        });
    }

    /**
     * y = mean over each window, divided as {@link Pool2dRef#avgForward} does.
     *
     * @param ps              the pooling geometry
     * @param countIncludePad count the padding in the divisor
     * @param x               input [n, c, h, w], contiguous
     * @param y               receives the output [n, c, outH, outW]
     */
    public static void avgForward(PoolShape ps, boolean countIncludePad, float[] x, float[] y) {
        int H = ps.h(), W = ps.w(), P = ps.outH(), Q = ps.outW(), plane = H * W, outPlane = P * Q;
        Window win = new Window(ps);
        float[] inv = win.inverseDivisors(countIncludePad);
        Parallel.forRange(ps.n() * ps.c(), (long) ps.n() * ps.c() * outPlane * ps.kh() * ps.kw(), (from, to) -> {
            for (int nc = from; nc < to; nc++) {
                int xb = nc * plane, yb = nc * outPlane;
                for (int p = 0; p < P; p++) {
                    int h0 = p * ps.strideH() - ps.padH(), i0 = win.iStart[p], i1 = win.iEnd[p];
                    for (int q = 0; q < Q; q++) {
                        int w0 = q * ps.strideW() - ps.padW(), j0 = win.jStart[q], j1 = win.jEnd[q];
                        float sum = 0;
                        for (int i = i0; i < i1; i++) {
                            int row = xb + (h0 + i * ps.dilH()) * W + w0;
                            for (int j = j0; j < j1; j++) sum += x[row + j * ps.dilW()];
                        }
                        y[yb + p * Q + q] = sum * inv[p * Q + q];
                    }
                }
            }
        });
    }

    /**
     * dx = each dy spread evenly over the real elements of its window (dx is overwritten).
     *
     * @param ps              the pooling geometry
     * @param countIncludePad count the padding in the divisor, as in the forward pass
     * @param dy              output gradient [n, c, outH, outW]
     * @param dx              receives the input gradient [n, c, h, w] (overwritten)
     */
    public static void avgBackward(PoolShape ps, boolean countIncludePad, float[] dy, float[] dx) {
        int H = ps.h(), W = ps.w(), P = ps.outH(), Q = ps.outW(), plane = H * W, outPlane = P * Q;
        Window win = new Window(ps);
        float[] inv = win.inverseDivisors(countIncludePad);
        Parallel.forRange(ps.n() * ps.c(), (long) ps.n() * ps.c() * (plane + outPlane * ps.kh() * ps.kw()), (from, to) -> {
            Arrays.fill(dx, from * plane, to * plane, 0f);
            for (int nc = from; nc < to; nc++) {
                int xb = nc * plane, yb = nc * outPlane;
                for (int p = 0; p < P; p++) {
                    int h0 = p * ps.strideH() - ps.padH(), i0 = win.iStart[p], i1 = win.iEnd[p];
                    for (int q = 0; q < Q; q++) {
                        int w0 = q * ps.strideW() - ps.padW(), j0 = win.jStart[q], j1 = win.jEnd[q];
                        float g = dy[yb + p * Q + q] * inv[p * Q + q];
                        for (int i = i0; i < i1; i++) {
                            int row = xb + (h0 + i * ps.dilH()) * W + w0;
                            for (int j = j0; j < j1; j++) dx[row + j * ps.dilW()] += g;
                        }
                    }
                }
            }
        });
    }

    /** Per output row and column, the range of window taps that fall inside the input. */
    private static final class Window {
        final PoolShape ps;
        final int[] iStart, iEnd, jStart, jEnd;

        Window(PoolShape ps) {
            this.ps = ps;
            int P = ps.outH(), Q = ps.outW();
            iStart = new int[P];
            iEnd = new int[P];
            jStart = new int[Q];
            jEnd = new int[Q];
            for (int p = 0; p < P; p++) clip(p * ps.strideH() - ps.padH(), ps.dilH(), ps.kh(), ps.h(), iStart, iEnd, p);
            for (int q = 0; q < Q; q++) clip(q * ps.strideW() - ps.padW(), ps.dilW(), ps.kw(), ps.w(), jStart, jEnd, q);
        }

        private static void clip(int start, int dil, int k, int size, int[] from, int[] to, int at) {
            int lo = 0, hi = k;
            while (lo < k && start + lo * dil < 0) lo++;
            while (hi > lo && start + (hi - 1) * dil >= size) hi--;
            from[at] = lo;
            to[at] = hi;
        }

        /** 1 / divisor of each output, as {@link Pool2dRef} counts it. */
        float[] inverseDivisors(boolean countIncludePad) {
            int P = ps.outH(), Q = ps.outW();
            float[] inv = new float[P * Q];
            for (int p = 0; p < P; p++)
                for (int q = 0; q < Q; q++) {
                    int h0 = p * ps.strideH() - ps.padH(), w0 = q * ps.strideW() - ps.padW();
                    int h1 = Math.min(h0 + ps.kh(), ps.h() + ps.padH()), w1 = Math.min(w0 + ps.kw(), ps.w() + ps.padW());
                    int div = countIncludePad ? (h1 - h0) * (w1 - w0)
                            : (Math.min(h1, ps.h()) - Math.max(h0, 0)) * (Math.min(w1, ps.w()) - Math.max(w0, 0));
                    inv[p * Q + q] = (float) (1.0 / div);
                }
            return inv;
        }
    }
}
