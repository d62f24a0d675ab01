package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.PoolShape;
import dev.jgrad.kernels.ref.Pool2dRef;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Pool2dF32} against {@link Pool2dRef} in float64: max pooling exactly, average pooling to 1e-6. */
class Pool2dF32Test {
    // n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilH, dilW, ceilMode
    private static final List<PoolShape> SHAPES = List.of(
            new PoolShape(2, 3, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, false),
            new PoolShape(2, 3, 15, 13, 2, 2, 2, 2, 0, 0, 1, 1, false),  // odd sizes: the last row and column are in no window
            new PoolShape(3, 5, 14, 6, 2, 2, 2, 2, 0, 0, 1, 1, false),
            new PoolShape(1, 2, 15, 13, 2, 2, 2, 2, 0, 0, 1, 1, true),   // ceil mode: partial windows
            new PoolShape(2, 3, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, false),
            new PoolShape(1, 2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, true),   // ceil mode
            new PoolShape(1, 2, 17, 13, 3, 2, 1, 3, 1, 1, 2, 1, true), // dilation, mixed strides
            new PoolShape(3, 1, 1, 7, 1, 3, 1, 2, 0, 1, 1, 1, false),
            new PoolShape(1, 4, 255, 5, 2, 2, 2, 1, 1, 0, 1, 1, true));

    @org.junit.jupiter.params.ParameterizedTest(name = "simd={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void maxAndAveragePoolingMatchTheReference(boolean simd) {
        withSimd(simd, () -> check(new Random(1)));
    }

    /** Ties, NaNs and signed zeros in 2×2 windows: the first maximum wins, NaN wins over all, the last NaN last. */
    @org.junit.jupiter.params.ParameterizedTest(name = "simd={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void tiesAndNaNFollowTheReference(boolean simd) {
        withSimd(simd, () -> {
            PoolShape ps = new PoolShape(1, 3, 12, 12, 2, 2, 2, 2, 0, 0, 1, 1, false);
            Random rnd = new Random(2);
            float[] choices = {0f, -0f, 1f, 1f, Float.NaN, -1f, Float.NEGATIVE_INFINITY};
            float[] x = new float[3 * 144];
            for (int i = 0; i < x.length; i++) x[i] = choices[rnd.nextInt(choices.length)];
            Buf.F64 y = new Buf.F64(new double[3 * 36]);
            Buf.I64 idx = new Buf.I64(new long[3 * 36]);
            Pool2dRef.maxForward(ps, f64(x), y, idx);
            float[] yf = new float[3 * 36];
            long[] idxf = new long[3 * 36];
            Pool2dF32.maxForward(ps, x, yf, idxf);
            assertArrayEquals(idx.data(), idxf);
            for (int i = 0; i < yf.length; i++) {
                assertEquals(Double.doubleToRawLongBits(y.data()[i]), Double.doubleToRawLongBits(yf[i]), "value " + i);
            }
        });
    }

    private static void check(Random rnd) {
        for (PoolShape ps : SHAPES) {
            int in = ps.n() * ps.c() * ps.h() * ps.w(), out = ps.n() * ps.c() * ps.outH() * ps.outW();
            float[] x = rand(rnd, in), dy = rand(rnd, out);
            x[in / 3] = Float.NaN;
            String what = ps.toString();

            Buf.F64 y = new Buf.F64(new double[out]);
            Buf.I64 idx = new Buf.I64(new long[out]);
            Pool2dRef.maxForward(ps, f64(x), y, idx);
            float[] yf = new float[out];
            long[] idxf = new long[out];
            Pool2dF32.maxForward(ps, x, yf, idxf);
            assertClose("max " + what, y.data(), yf, 0, 0);
            assertArrayEquals(idx.data(), idxf, "indices " + what);

            Buf.F64 dx = new Buf.F64(new double[in]);
            Pool2dRef.maxBackward(ps, f64(dy), idx, dx);
            float[] dxf = new float[in];
            Arrays2.fillNaN(dxf);
            Pool2dF32.maxBackward(ps, dy, idxf, dxf);
            assertClose("max backward " + what, dx.data(), dxf, 1e-6, 1e-6);

            for (boolean includePad : new boolean[] {true, false}) {
                Buf.F64 ya = new Buf.F64(new double[out]);
                Pool2dRef.avgForward(ps, includePad, f64(x), ya);
                float[] yaf = new float[out];
                Pool2dF32.avgForward(ps, includePad, x, yaf);
                assertClose("avg " + what, ya.data(), yaf, 1e-6, 1e-6);
                Buf.F64 dxa = new Buf.F64(new double[in]);
                Pool2dRef.avgBackward(ps, includePad, f64(dy), dxa);
                float[] dxaf = new float[in];
                Arrays2.fillNaN(dxaf);
                Pool2dF32.avgBackward(ps, includePad, dy, dxaf);
                assertClose("avg backward " + what, dxa.data(), dxaf, 1e-6, 1e-6);
            }
        }
    }

    private static final class Arrays2 {
        static void fillNaN(float[] a) {
            java.util.Arrays.fill(a, Float.NaN);
        }
    }
}
