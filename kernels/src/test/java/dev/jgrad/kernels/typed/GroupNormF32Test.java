package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.assertClose;
import static dev.jgrad.kernels.Fixtures.f64;
import static dev.jgrad.kernels.Fixtures.rand;
import static dev.jgrad.kernels.Fixtures.withSimd;
import static dev.jgrad.kernels.Fixtures.withThreads;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.GroupNormRef;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link GroupNormF32} against {@link GroupNormRef}, with SIMD on and off, on one thread and on several. */
class GroupNormF32Test {
    /** (n, c, s, groups): one channel a group, one group, no positions, ragged tails, a channel longer than a sum block. */
    private static final int[][] SHAPES = {{2, 4, 9, 2}, {3, 6, 1, 3}, {1, 8, 37, 4}, {2, 3, 100, 1}, {2, 4, 5000, 2}, {4, 2, 17, 2}};

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void forwardAndBackwardMatchTheReference(boolean simd) {
        for (int threads : new int[] {1, 3}) {
            withThreads(threads, () -> withSimd(simd, () -> {
                Random rnd = new Random(5);
                for (int[] sh : SHAPES) {
                    int n = sh[0], c = sh[1], s = sh[2], groups = sh[3], rows = n * groups, size = n * c * s;
                    for (boolean affine : new boolean[] {true, false}) {
                        float[] x = rand(rnd, size), w = affine ? rand(rnd, c) : null, b = affine ? rand(rnd, c) : null;
                        for (int i = 0; i < size; i++) x[i] = x[i] * 3 + 5;   // an offset mean stresses the variance
                        Buf.F64 y = new Buf.F64(new double[size]), mean = new Buf.F64(new double[rows]), rstd = new Buf.F64(new double[rows]);
                        GroupNormRef.forward(n, c, s, groups, 1e-5, f64(x), w == null ? null : f64(w), b == null ? null : f64(b), y, mean, rstd);
                        float[] yf = new float[size], mf = new float[rows], rf = new float[rows];
                        GroupNormF32.forward(n, c, s, groups, 1e-5f, x, w, b, yf, mf, rf);
                        String what = "groupnorm " + java.util.Arrays.toString(sh) + " affine=" + affine + " simd=" + Simd.enabled();
                        assertClose(what, y.data(), yf, 2e-5, 2e-5);
                        assertClose(what + " mean", mean.data(), mf, 1e-6, 1e-6);
                        assertClose(what + " rstd", rstd.data(), rf, 1e-6, 2e-5);

                        float[] dy = rand(rnd, size);
                        Buf.F64 dx = new Buf.F64(new double[size]), dw = new Buf.F64(new double[c]), db = new Buf.F64(new double[c]);
                        GroupNormRef.backward(n, c, s, groups, f64(dy), f64(x), w == null ? null : f64(w), mean, rstd, dx, dw, db);
                        float[] dxf = new float[size], dwf = new float[c], dbf = new float[c];
                        GroupNormF32.backward(n, c, s, groups, dy, x, w, mf, rf, dxf, dwf, dbf);
                        assertClose(what + " dx", dx.data(), dxf, 5e-5, 5e-5);
                        assertClose(what + " dw", dw.data(), dwf, 2e-4, 5e-5);
                        assertClose(what + " db", db.data(), dbf, 1e-4, 1e-5);
                        float[] dwOnly = new float[c];
                        GroupNormF32.backward(n, c, s, groups, dy, x, w, mf, rf, null, dwOnly, null);
                        assertClose(what + " dw without dx", dw.data(), dwOnly, 2e-4, 5e-5);
                    }
                }
            }));
        }
    }
}
