package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.ref.LayerNormRef;
import dev.jgrad.kernels.ref.ReduceRef;
import dev.jgrad.kernels.ref.SoftmaxRef;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ReduceF32}, {@link SoftmaxF32} (softmax, log-softmax, log-sum-exp) and {@link LayerNormF32} against their float64 references.
 * Tolerances: sums of n values in [-1, 1) within 1e-6·√n·(1 + |sum|)-ish (we allow 2e-6·n^0.5 absolute
 * plus 1e-6 relative); max/min exact; softmax 2e-6 relative + 1e-7 absolute (log-softmax 2e-6
 * absolute: inputs up to 20 in magnitude); layer norm 2e-5.
 */
class RowKernelsF32Test {

    private static void checkReduce(ReduceFn fn, Random rnd, int[] keptShape, int[] reducedShape, int[] xStrides, int[] oStrides) {
        int xLen = 1, oLen = 1;
        for (int d = 0; d < keptShape.length; d++) {
            xLen += (keptShape[d] - 1) * xStrides[d];
            oLen += (keptShape[d] - 1) * oStrides[d];
        }
        for (int d = 0; d < reducedShape.length; d++) xLen += (reducedShape[d] - 1) * xStrides[keptShape.length + d];
        float[] x = rand(rnd, xLen);
        if (fn == ReduceFn.PROD) for (int i = 0; i < x.length; i++) x[i] = 1 + x[i] * 0.01f;
        Buf.F64 want = new Buf.F64(new double[oLen]);
        ReduceRef.reduce(fn, keptShape, new Strided(want, 0, oStrides), reducedShape, new Strided(f64(x), 0, xStrides));
        float[] got = new float[oLen];
        ReduceF32.reduce(fn, keptShape, got, 0, oStrides, reducedShape, x, 0, xStrides);
        int terms = Strided.numel(reducedShape);
        double atol = fn == ReduceFn.SUM ? 2e-6 * Math.sqrt(terms) + 1e-6 : 1e-6;
        assertClose("reduce " + fn + " kept " + java.util.Arrays.toString(keptShape) + " reduced " + java.util.Arrays.toString(reducedShape)
                + " simd=" + Simd.enabled(), want.data(), got, atol, 1e-6);
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void reductions(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(1);
            for (ReduceFn fn : ReduceFn.values()) {
                checkReduce(fn, rnd, new int[] {7}, new int[] {255}, new int[] {255, 1}, new int[] {1});            // last dim
                checkReduce(fn, rnd, new int[] {}, new int[] {1000}, new int[] {1}, new int[] {});                    // all
                checkReduce(fn, rnd, new int[] {}, new int[] {3, 17, 5}, new int[] {85, 5, 1}, new int[] {});        // all, 3-d
                checkReduce(fn, rnd, new int[] {33}, new int[] {17}, new int[] {1, 33}, new int[] {1});              // dim 0 of [17, 33]
                checkReduce(fn, rnd, new int[] {4, 9}, new int[] {6, 5}, new int[] {9, 1, 180, 36}, new int[] {9, 1}); // N and H of NCHW-like
                checkReduce(fn, rnd, new int[] {5}, new int[] {7}, new int[] {1, 5}, new int[] {3});                   // strided output
                checkReduce(fn, rnd, new int[] {6}, new int[] {4, 3}, new int[] {2, 3, 24}, new int[] {1});            // no contiguous axis
            }
            checkReduce(ReduceFn.SUM, rnd, new int[] {}, new int[] {300000}, new int[] {1}, new int[] {});            // long sum
            checkReduce(ReduceFn.SUM, rnd, new int[] {40000}, new int[] {3}, new int[] {1, 40000}, new int[] {1});    // parallel segments
        });
    }

    /**
     * sum(dim=0) of a matrix has a single row of outputs: it is split into column segments so that
     * every thread gets some, and each column still adds its rows in order, so the bits do not
     * depend on the thread count.
     */
    @Test
    void columnSumsSplitOverThreadsGiveTheSameBits() {
        Random rnd = new Random(4);
        int rows = 700, cols = 1003;
        for (ReduceFn fn : new ReduceFn[] {ReduceFn.SUM, ReduceFn.MAX}) {
            checkReduce(fn, rnd, new int[] {cols}, new int[] {rows}, new int[] {1, cols}, new int[] {1});
            float[] x = rand(rnd, rows * cols);
            float[][] got = new float[3][cols];
            int[] threads = {1, 2, 3};
            for (int i = 0; i < threads.length; i++) {
                float[] out = got[i];
                withThreads(threads[i], () -> ReduceF32.reduce(fn, new int[] {cols}, out, 0, new int[] {1}, new int[] {rows}, x, 0,
                        new int[] {1, cols}));
            }
            assertArrayEquals(got[0], got[1], fn + ": 1 thread vs 2");
            assertArrayEquals(got[0], got[2], fn + ": 1 thread vs 3");
        }
        assertTrue(ReduceF32.columnSegment(2048, 1, 1L << 22) >= 64);
    }

    /**
     * The dim-0 path folds rows a block at a time with the accumulator in a register: per column it
     * must do the same operations in the same order as one {@code RowsVec.accumulate} per row, so
     * the same bits, whatever the row count (blocks and a remainder), the vector tail, NaN and
     * signed zeros, and the thread count.
     */
    @Test
    void blockedColumnFoldsGiveTheBitsOfOneRowAtATime() {
        if (!Simd.available()) return;
        Random rnd = new Random(6);
        for (ReduceFn fn : new ReduceFn[] {ReduceFn.SUM, ReduceFn.MAX, ReduceFn.MIN, ReduceFn.PROD}) {
            for (int[] rc : new int[][] {{1, 40}, {7, 33}, {8, 16}, {19, 1003}, {64, 2048}, {250, 517}}) {
                int rows = rc[0], cols = rc[1];
                float[] x = rand(rnd, rows * cols);
                if (fn == ReduceFn.PROD) for (int i = 0; i < x.length; i++) x[i] = 1 + x[i] * 0.01f;
                for (int i = 0; i < x.length; i += 97) x[i] = i % 3 == 0 ? Float.NaN : i % 3 == 1 ? -0f : 0f;
                float[] want = new float[cols];
                java.util.Arrays.fill(want, (float) fn.identity());
                for (int r = 0; r < rows; r++) dev.jgrad.kernels.simd.RowsVec.accumulate(fn, want, 0, x, r * cols, cols);
                for (int threads : new int[] {1, 2, 3}) {
                    float[] got = new float[cols];
                    withThreads(threads, () -> ReduceF32.reduce(fn, new int[] {cols}, got, 0, new int[] {1}, new int[] {rows}, x, 0,
                            new int[] {1, cols}));
                    assertArrayEquals(want, got, fn + " " + rows + "x" + cols + " on " + threads + " thread(s)");
                }
            }
        }
    }

    @Test
    void maxPropagatesNaN() {
        float[] x = new float[100];
        x[57] = Float.NaN;
        float[] out = new float[1];
        for (boolean simd : new boolean[] {true, false}) {
            withSimd(simd, () -> {
                ReduceF32.reduce(ReduceFn.MAX, new int[] {}, out, 0, new int[] {}, new int[] {100}, x, 0, new int[] {1});
                assertTrue(Float.isNaN(out[0]));
                ReduceF32.reduce(ReduceFn.MIN, new int[] {}, out, 0, new int[] {}, new int[] {100}, x, 0, new int[] {1});
                assertTrue(Float.isNaN(out[0]));
            });
        }
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void softmaxForwardAndBackward(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(2);
            for (int n : new int[] {1, 7, 17, 255, 1000}) {
                int rows = 9;
                float[] x = rand(rnd, rows * n);
                for (int i = 0; i < x.length; i++) x[i] *= 20;
                for (boolean log : new boolean[] {false, true}) {
                    Buf.F64 want = new Buf.F64(new double[rows * n]);
                    SoftmaxRef.forward(log, new int[] {rows, n}, 1, Strided.contiguous(want, new int[] {rows, n}), Strided.contiguous(f64(x), new int[] {rows, n}));
                    float[] y = new float[rows * n];
                    SoftmaxF32.forward(log, rows, n, x, 0, n, y, 0, n);
                    assertClose("softmax log=" + log + " n=" + n + " simd=" + Simd.enabled(), want.data(), y, log ? 2e-6 : 1e-7, log ? 1e-6 : 2e-6);
                    // backward vs the analytic formula in double
                    float[] dy = rand(rnd, rows * n), dx = new float[rows * n];
                    SoftmaxF32.backward(log, rows, n, y, 0, n, dy, 0, n, dx, 0, n);
                    double[] wantDx = new double[rows * n];
                    for (int r = 0; r < rows; r++) {
                        double s = 0;
                        for (int j = 0; j < n; j++) s += log ? dy[r * n + j] : dy[r * n + j] * want.data()[r * n + j];
                        for (int j = 0; j < n; j++) {
                            double yv = want.data()[r * n + j];
                            wantDx[r * n + j] = log ? dy[r * n + j] - Math.exp(yv) * s : (dy[r * n + j] - s) * yv;
                        }
                    }
                    assertClose("softmax backward log=" + log + " n=" + n, wantDx, dx, 1e-5, 1e-5);
                }
            }
            // all -inf row gives NaN, as the reference
            float[] x = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, y = new float[2];
            SoftmaxF32.forward(false, 1, 2, x, 0, 2, y, 0, 2);
            assertTrue(Float.isNaN(y[0]));
        });
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void logSumExpOfRowsOfAnyMagnitude(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(5);
            for (int n : new int[] {1, 7, 16, 17, 255, 5000}) {
                int rows = 6, stride = n + 3;
                float[] x = rand(rnd, rows * stride);
                for (int i = 0; i < x.length; i++) x[i] *= 30;
                x[2 * stride] = 1e4f;   // one huge value: exp would overflow without the shift
                Buf.F64 want = new Buf.F64(new double[rows]);
                double[] packed = new double[rows * n];
                for (int r = 0; r < rows; r++) for (int j = 0; j < n; j++) packed[r * n + j] = x[r * stride + j];
                SoftmaxRef.logSumExp(rows, n, new Buf.F64(packed), 0, want, 0);
                float[] got = new float[rows + 1];
                SoftmaxF32.logSumExp(rows, n, x, 0, stride, got, 1);
                assertClose("logsumexp n=" + n + " simd=" + Simd.enabled(), want.data(), java.util.Arrays.copyOfRange(got, 1, rows + 1), 2e-6, 1e-5);
            }
            float inf = Float.POSITIVE_INFINITY;
            float[] x = {-inf, -inf, 1, inf, Float.NaN, 2}, y = new float[3];
            SoftmaxF32.logSumExp(3, 2, x, 0, 2, y, 0);
            assertEquals(-inf, y[0]);
            assertEquals(inf, y[1]);
            assertTrue(Float.isNaN(y[2]));
        });
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void layerNormForwardAndBackward(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(3);
            for (int n : new int[] {1, 7, 17, 255, 1000}) {
                for (boolean affine : new boolean[] {true, false}) {
                    int rows = 11;
                    float[] x = rand(rnd, rows * n), w = affine ? rand(rnd, n) : null, b = affine ? rand(rnd, n) : null;
                    for (int i = 0; i < x.length; i++) x[i] = x[i] * 3 + 5; // an offset mean stresses the variance
                    Buf.F64 y = new Buf.F64(new double[rows * n]), mean = new Buf.F64(new double[rows]), rstd = new Buf.F64(new double[rows]);
                    LayerNormRef.forward(rows, n, 1e-5, f64(x), w == null ? null : f64(w), b == null ? null : f64(b), y, mean, rstd);
                    float[] yf = new float[rows * n], mf = new float[rows], rf = new float[rows];
                    LayerNormF32.forward(rows, n, 1e-5f, x, 0, w, b, yf, 0, mf, rf);
                    String what = "layernorm n=" + n + " affine=" + affine + " simd=" + Simd.enabled();
                    assertClose(what, y.data(), yf, 2e-5, 2e-5);
                    assertClose(what + " mean", mean.data(), mf, 1e-6, 1e-6);
                    assertClose(what + " rstd", rstd.data(), rf, 1e-6, 2e-5);

                    float[] dy = rand(rnd, rows * n);
                    Buf.F64 dx = new Buf.F64(new double[rows * n]), dw = new Buf.F64(new double[n]), db = new Buf.F64(new double[n]);
                    LayerNormRef.backward(rows, n, f64(dy), f64(x), w == null ? null : f64(w), mean, rstd, dx, dw, db);
                    float[] dxf = new float[rows * n], dwf = new float[n], dbf = new float[n];
                    LayerNormF32.backward(rows, n, dy, 0, x, 0, w, mf, rf, dxf, 0, dwf, dbf);
                    assertClose(what + " dx", dx.data(), dxf, 5e-5, 5e-5);
                    assertClose(what + " dw", dw.data(), dwf, 5e-5, 5e-5);
                    assertClose(what + " db", db.data(), dbf, 1e-5, 1e-5);
                }
            }
        });
    }
}
