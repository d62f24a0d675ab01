package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.assertClose;
import static dev.jgrad.kernels.Fixtures.f64;
import static dev.jgrad.kernels.Fixtures.rand;
import static dev.jgrad.kernels.Fixtures.withThreads;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ref.ResampleRef;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link ResampleF32} against {@link ResampleRef}: one and two taps, the last dimension and inner ones, on one thread and on several. */
class ResampleF32Test {
    /** (outer, in, inner, out). */
    private static final int[][] SHAPES = {{6, 4, 1, 9}, {3, 5, 7, 3}, {1, 3, 3000, 7}, {40, 2, 33, 5}, {2, 7, 1, 2}};

    @Test
    void forwardAndBackwardMatchTheReference() {
        for (int threads : new int[] {1, 3}) {
            withThreads(threads, () -> {
                Random rnd = new Random(9);
                for (int[] sh : SHAPES) {
                    int outer = sh[0], in = sh[1], inner = sh[2], out = sh[3];
                    int[] i0 = new int[out], i1 = new int[out];
                    double[] w0 = new double[out], w1 = new double[out];
                    float[] w0f = new float[out], w1f = new float[out];
                    for (int j = 0; j < out; j++) {
                        i0[j] = rnd.nextInt(in);
                        i1[j] = Math.min(in - 1, i0[j] + 1);
                        w1f[j] = rnd.nextFloat();
                        w0f[j] = 1 - w1f[j];
                        w0[j] = w0f[j];
                        w1[j] = w1f[j];
                    }
                    float[] x = rand(rnd, outer * in * inner), g = rand(rnd, outer * out * inner);
                    for (boolean linear : new boolean[] {false, true}) {
                        String what = java.util.Arrays.toString(sh) + (linear ? " linear" : " nearest") + " threads=" + threads;
                        Buf.F64 y = new Buf.F64(new double[outer * out * inner]), dx = new Buf.F64(new double[outer * in * inner]);
                        ResampleRef.forward(outer, in, inner, out, i0, linear ? i1 : null, linear ? w0 : null, linear ? w1 : null, f64(x), y);
                        ResampleRef.backward(outer, in, inner, out, i0, linear ? i1 : null, linear ? w0 : null, linear ? w1 : null, f64(g), dx);
                        float[] yf = new float[y.data().length], dxf = new float[dx.data().length];
                        java.util.Arrays.fill(dxf, Float.NaN);   // the kernel overwrites dx
                        ResampleF32.forward(outer, in, inner, out, i0, linear ? i1 : null, linear ? w0f : null, linear ? w1f : null, x, yf);
                        ResampleF32.backward(outer, in, inner, out, i0, linear ? i1 : null, linear ? w0f : null, linear ? w1f : null, g, dxf);
                        assertClose(what, y.data(), yf, linear ? 1e-6 : 0, linear ? 1e-6 : 0);
                        assertClose(what + " dx", dx.data(), dxf, 1e-5, 1e-5);
                    }
                }
            });
        }
    }
}
