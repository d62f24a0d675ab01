package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.ref.CrossEntropyRef;
import dev.jgrad.kernels.ref.SoftmaxRef;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link CrossEntropyRef} (the double reference) against log-softmax and softmax from
 * {@link SoftmaxRef#forward}, and {@link CrossEntropyF32} against the reference. Tolerances as for the
 * row kernels: loss and lse 2e-6 absolute + 1e-6 relative (logits up to 20 in magnitude),
 * gradients 1e-5.
 */
class CrossEntropyTest {
    private static final long IGNORE = -100;

    /** Targets in [0, classes), every fifth row ignored. */
    private static long[] targets(Random rnd, int rows, int classes, int off) {
        long[] t = new long[off + rows];
        for (int n = 0; n < rows; n++) t[off + n] = n % 5 == 3 ? IGNORE : rnd.nextInt(classes);
        return t;
    }

    @Test
    void referenceIsMinusLogSoftmaxAtTheTargetAndSoftmaxMinusOneHot() {
        Random rnd = new Random(41);
        int rows = 7, classes = 13;
        float[] xf = rand(rnd, rows * classes);
        double[] x = toDouble(xf);
        for (int i = 0; i < x.length; i++) x[i] *= 20;
        long[] t = targets(rnd, rows, classes, 0);
        Buf.F64 loss = new Buf.F64(new double[rows]), lse = new Buf.F64(new double[rows]), dx = new Buf.F64(new double[rows * classes]);
        Buf.F64 logits = new Buf.F64(x), dloss = new Buf.F64(new double[] {0.25, -2, 1, 3, 0.5, 7, 1});
        CrossEntropyRef.forward(rows, classes, logits, 0, classes, t, 0, IGNORE, loss, 0, lse, 0);
        CrossEntropyRef.backward(rows, classes, logits, 0, classes, lse, 0, t, 0, IGNORE, dloss, 0, 1, dx, 0, classes);
        Buf.F64 logp = new Buf.F64(new double[rows * classes]), p = new Buf.F64(new double[rows * classes]);
        int[] shape = {rows, classes};
        SoftmaxRef.forward(true, shape, 1, Strided.contiguous(logp, shape), Strided.contiguous(logits, shape));
        SoftmaxRef.forward(false, shape, 1, Strided.contiguous(p, shape), Strided.contiguous(logits, shape));
        for (int n = 0; n < rows; n++) {
            boolean ignored = t[n] == IGNORE;
            assertEquals(ignored ? 0 : -logp.data()[n * classes + (int) t[n]], loss.data()[n], 1e-12, "loss row " + n);
            assertEquals(x[n * classes] - logp.data()[n * classes], lse.data()[n], 1e-12, "lse row " + n);
            for (int j = 0; j < classes; j++) {
                double want = ignored ? 0 : (p.data()[n * classes + j] - (j == t[n] ? 1 : 0)) * dloss.data()[n];
                assertEquals(want, dx.data()[n * classes + j], 1e-12, "grad row " + n + " class " + j);
            }
        }
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void f32MatchesTheReference(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(42);
            for (int classes : new int[] {1, 7, 16, 17, 255, 1000, 5000}) {
                int rows = 11, stride = classes + 3, xOff = 2, tOff = 1;
                float[] x = rand(rnd, xOff + rows * stride);
                for (int i = 0; i < x.length; i++) x[i] *= 20;
                long[] t = targets(rnd, rows, classes, tOff);
                float[] loss = new float[rows + 1], lse = new float[rows + 2];
                CrossEntropyF32.forward(rows, classes, x, xOff, stride, t, tOff, IGNORE, loss, 1, lse, 2);
                Buf.F64 wantLoss = new Buf.F64(new double[rows + 1]), wantLse = new Buf.F64(new double[rows + 2]);
                CrossEntropyRef.forward(rows, classes, f64(x), xOff, stride, t, tOff, IGNORE, wantLoss, 1, wantLse, 2);
                String what = "classes=" + classes + " simd=" + Simd.enabled();
                assertClose(what + " loss", wantLoss.data(), loss, 2e-6, 1e-6);
                assertClose(what + " lse", wantLse.data(), lse, 2e-6, 1e-6);
                for (int n = 0; n < rows; n++) if (t[tOff + n] == IGNORE) assertEquals(0f, loss[1 + n], what + " ignored row " + n);

                for (int dlossStride : new int[] {1, 0}) {
                    float[] dloss = rand(rnd, rows + 1), dx = new float[3 + rows * classes];
                    Arrays.fill(dx, Float.NaN);
                    CrossEntropyF32.backward(rows, classes, x, xOff, stride, lse, 2, t, tOff, IGNORE, dloss, 1, dlossStride, dx, 3, classes);
                    // the reference's gradient from the float32 lse, so both see the same input
                    Buf.F64 want = new Buf.F64(new double[3 + rows * classes]);
                    CrossEntropyRef.backward(rows, classes, f64(x), xOff, stride, f64(lse), 2, t, tOff, IGNORE, f64(dloss), 1, dlossStride, want, 3,
                            classes);
                    assertClose(what + " dlogits, dloss stride " + dlossStride, want.data(), dx, 3, dx.length, 1e-5, 1e-5);
                    for (int n = 0; n < rows; n++) {
                        if (t[tOff + n] != IGNORE) continue;
                        for (int j = 0; j < classes; j++) assertEquals(0f, dx[3 + n * classes + j], what + " ignored row " + n);
                    }
                }
            }
        });
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void f32BackwardInPlace(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(43);
            int rows = 5, classes = 100;
            float[] x = rand(rnd, rows * classes), lse = new float[rows], loss = new float[rows], dloss = {0.2f};
            long[] t = targets(rnd, rows, classes, 0);
            CrossEntropyF32.forward(rows, classes, x, 0, classes, t, 0, IGNORE, loss, 0, lse, 0);
            float[] dx = new float[rows * classes];
            CrossEntropyF32.backward(rows, classes, x, 0, classes, lse, 0, t, 0, IGNORE, dloss, 0, 0, dx, 0, classes);
            CrossEntropyF32.backward(rows, classes, x, 0, classes, lse, 0, t, 0, IGNORE, dloss, 0, 0, x, 0, classes);
            assertArrayEquals(dx, x);
        });
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void negativeInfinityLogitsAndOneClass(boolean simd) {
        withSimd(simd, () -> {
            float inf = Float.NEGATIVE_INFINITY;
            int classes = 20;
            float[] x = new float[3 * classes];
            for (int j = 0; j < classes; j++) x[j] = j % 2 == 0 ? inf : j * 0.1f;   // row 0: half masked out, target finite
            for (int j = 0; j < classes; j++) x[classes + j] = j == 4 ? inf : j;      // row 1: the target is −∞
            Arrays.fill(x, 2 * classes, 3 * classes, inf);                              // row 2: all −∞
            long[] t = {5, 4, 0};
            float[] loss = new float[3], lse = new float[3], dx = new float[3 * classes];
            CrossEntropyF32.forward(3, classes, x, 0, classes, t, 0, IGNORE, loss, 0, lse, 0);
            CrossEntropyF32.backward(3, classes, x, 0, classes, lse, 0, t, 0, IGNORE, new float[] {1f}, 0, 0, dx, 0, classes);
            assertTrue(Float.isFinite(loss[0]) && loss[0] > 0, "row 0 loss " + loss[0]);
            for (int j = 0; j < classes; j += 2) assertEquals(0f, dx[j], "a −∞ logit gets no gradient");
            assertEquals(Float.POSITIVE_INFINITY, loss[1]);
            assertEquals(-1f, dx[classes + 4]);
            assertEquals(inf, lse[2]);
            assertTrue(Float.isNaN(loss[2]), "all −∞ row: NaN loss, as log-softmax gives");
            assertTrue(Float.isNaN(dx[2 * classes]));

            float[] one = {3.5f, -1e30f}, l1 = new float[2], s1 = new float[2], d1 = new float[2];
            long[] t1 = {0, 0};
            CrossEntropyF32.forward(2, 1, one, 0, 1, t1, 0, IGNORE, l1, 0, s1, 0);
            CrossEntropyF32.backward(2, 1, one, 0, 1, s1, 0, t1, 0, IGNORE, new float[] {2f, 3f}, 0, 1, d1, 0, 1);
            assertArrayEquals(new float[] {0f, 0f}, l1, "one class: the loss is 0");
            assertArrayEquals(new float[] {3.5f, -1e30f}, s1);
            assertArrayEquals(new float[] {0f, 0f}, d1);
        });
    }

    @Test
    void aBadTargetThrowsBeforeAnythingIsWritten() {
        int rows = 3, classes = 4;
        float[] x = new float[rows * classes], loss = {7, 7, 7}, lse = {7, 7, 7}, dx = new float[rows * classes];
        Arrays.fill(dx, 7);
        for (long bad : new long[] {-1, 4, 1L << 40}) {
            long[] t = {1, IGNORE, bad};
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> CrossEntropyF32.forward(rows, classes, x, 0, classes, t, 0, IGNORE, loss, 0, lse, 0));
            assertEquals("cross_entropy: target " + bad + " is out of bounds for 4 classes", e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> CrossEntropyRef.forward(rows, classes, new Buf.F32(x), 0, classes, t, 0, IGNORE,
                    new Buf.F32(loss), 0, new Buf.F32(lse), 0));
            assertThrows(IndexOutOfBoundsException.class, () -> CrossEntropyF32.backward(rows, classes, x, 0, classes, lse, 0, t, 0, IGNORE,
                    new float[] {1}, 0, 0, dx, 0, classes));
            assertThrows(IndexOutOfBoundsException.class, () -> CrossEntropyRef.backward(rows, classes, new Buf.F32(x), 0, classes,
                    new Buf.F32(lse), 0, t, 0, IGNORE, new Buf.F32(new float[] {1}), 0, 0, new Buf.F32(dx), 0, classes));
            assertArrayEquals(new float[] {7, 7, 7}, loss);
            assertArrayEquals(new float[] {7, 7, 7}, lse);
            for (float v : dx) assertEquals(7f, v);
        }
    }

    @Test
    void theThreadCountDoesNotChangeTheResult() {
        Random rnd = new Random(44);
        int rows = 64, classes = 3000;
        float[] x = rand(rnd, rows * classes);
        long[] t = targets(rnd, rows, classes, 0);
        float[][] dx = new float[2][rows * classes], loss = new float[2][rows];
        int[] threads = {1, 4};
        for (int k = 0; k < 2; k++) {
            int kk = k;
            withThreads(threads[k], () -> {
                float[] lse = new float[rows];
                CrossEntropyF32.forward(rows, classes, x, 0, classes, t, 0, IGNORE, loss[kk], 0, lse, 0);
                CrossEntropyF32.backward(rows, classes, x, 0, classes, lse, 0, t, 0, IGNORE, new float[] {1f / rows}, 0, 0, dx[kk], 0, classes);
            });
        }
        assertArrayEquals(loss[0], loss[1]);
        assertArrayEquals(dx[0], dx[1]);
    }
}
