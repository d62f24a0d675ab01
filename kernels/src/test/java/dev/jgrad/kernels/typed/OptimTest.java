package dev.jgrad.kernels.typed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Fixtures;
import dev.jgrad.kernels.ref.OptimRef;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link OptimF32#adam}, {@link OptimF64#adam}, {@link OptimF32#sgd} and {@link OptimF64#sgd}
 * equal the op-by-op reference bit for bit, over several steps (state carried), with and without
 * (coupled or decoupled) weight decay, momentum, dampening and Nesterov, on ragged lengths and
 * offsets.
 */
class OptimTest {
    private static final double[][] CONFIGS = {   // lr, beta1, beta2, eps, weight decay, decoupled (1/0)
            {1e-3, 0.9, 0.999, 1e-8, 0, 0}, {1e-2, 0.8, 0.99, 1e-6, 0.1, 0}, {3e-4, 0.9, 0.999, 1e-8, 0.01, 1}, {0.5, 0, 0, 0.1, 0, 0}};

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void adamF32MatchesTheReference(boolean simd) {
        Fixtures.withSimd(simd, () -> {
            Random rnd = new Random(21);
            for (double[] c : CONFIGS) {
                for (int n : new int[] {0, 1, 7, 8, 17, 33, 1000, 100_003}) {
                    int off = n % 3;
                    float[] p = new float[n + off], g = new float[n + off + 1], m = new float[n + 2], v = new float[n];
                    Buf.F32 rp = new Buf.F32(new float[n]), rg = new Buf.F32(new float[n]), rm = new Buf.F32(new float[n]), rv = new Buf.F32(new float[n]);
                    for (int i = 0; i < n; i++) rp.data()[i] = p[off + i] = rnd.nextFloat() * 4 - 2;
                    for (int t = 1; t <= 3; t++) {
                        for (int i = 0; i < n; i++) rg.data()[i] = g[off + 1 + i] = i % 29 == 0 ? 0f : (float) rnd.nextGaussian() * (i % 5 == 0 ? 1e-4f : 1f);
                        double bc1 = 1 - Math.pow(c[1], t), bc2 = 1 - Math.pow(c[2], t);
                        OptimF32.adam(p, off, g, off + 1, m, 2, v, 0, n, c[0], c[1], c[2], c[3], c[4], c[5] != 0, bc1, bc2);
                        OptimRef.adam(rp, rg, rm, rv, c[0], c[1], c[2], c[3], c[4], c[5] != 0, bc1, bc2);
                        for (int i = 0; i < n; i++) {
                            String at = "config " + java.util.Arrays.toString(c) + " n=" + n + " step " + t + " i=" + i;
                            assertEquals(rp.data()[i], p[off + i], at + " (param)");
                            assertEquals(rm.data()[i], m[2 + i], at + " (exp_avg)");
                            assertEquals(rv.data()[i], v[i], at + " (exp_avg_sq)");
                        }
                    }
                }
            }
        });
    }

    @org.junit.jupiter.api.Test
    void adamF64MatchesTheReference() {
        Random rnd = new Random(22);
        for (double[] c : CONFIGS) {
            for (int n : new int[] {0, 1, 5, 1000, 20_001}) {
                double[] p = new double[n + 1], g = new double[n], m = new double[n], v = new double[n + 3];
                Buf.F64 rp = new Buf.F64(new double[n]), rg = new Buf.F64(new double[n]), rm = new Buf.F64(new double[n]), rv = new Buf.F64(new double[n]);
                for (int i = 0; i < n; i++) rp.data()[i] = p[1 + i] = rnd.nextDouble() * 4 - 2;
                for (int t = 1; t <= 3; t++) {
                    for (int i = 0; i < n; i++) rg.data()[i] = g[i] = rnd.nextGaussian();
                    double bc1 = 1 - Math.pow(c[1], t), bc2 = 1 - Math.pow(c[2], t);
                    OptimF64.adam(p, 1, g, 0, m, 0, v, 3, n, c[0], c[1], c[2], c[3], c[4], c[5] != 0, bc1, bc2);
                    OptimRef.adam(rp, rg, rm, rv, c[0], c[1], c[2], c[3], c[4], c[5] != 0, bc1, bc2);
                    for (int i = 0; i < n; i++) {
                        assertEquals(rp.data()[i], p[1 + i], "n=" + n + " step " + t + " i=" + i);
                        assertEquals(rm.data()[i], m[i]);
                        assertEquals(rv.data()[i], v[3 + i]);
                    }
                }
            }
        }
    }

    private static final double[][] SGD_CONFIGS = {   // lr, momentum, dampening, weight decay, nesterov (1/0)
            {0.1, 0, 0, 0, 0}, {0.01, 0.9, 0, 5e-4, 1}, {0.05, 0.9, 0.1, 0, 0}, {0.3, 0.5, 0.5, 0.01, 0}, {1e-3, 0.99, 0, 0.1, 1}, {0.7, 0, 0, 0.2, 0}};

    /** One SGD step as the composed float32 tensor ops compute it, written out with float arithmetic. */
    private static void sgdOpByOp(float[] p, float[] g, float[] buf, double[] c, boolean first) {
        float wd = (float) c[3], momentum = (float) c[1], damp = (float) (1 - c[2]), lr = (float) c[0];
        for (int i = 0; i < p.length; i++) {
            float gi = g[i];
            if (c[3] != 0) gi = gi + p[i] * wd;                   // g.add(p.mul(wd))
            if (c[1] != 0) {
                buf[i] = first ? gi : buf[i] * momentum + gi * damp;  // buf.mul(m).add(g.mul(1 - dampening))
                gi = c[4] != 0 ? gi + buf[i] * momentum : buf[i];     // g.add(buf.mul(m)) or buf
            }
            p[i] = p[i] - gi * lr;                                // p.sub(g.mul(lr))
        }
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void sgdF32MatchesTheReferenceAndTheOpByOpUpdate(boolean simd) {
        Fixtures.withSimd(simd, () -> {
            Random rnd = new Random(23);
            for (double[] c : SGD_CONFIGS) {
                for (int n : new int[] {0, 1, 7, 8, 17, 33, 1000, 100_003}) {
                    int off = n % 3;
                    float[] p = new float[n + off], g = new float[n + off + 1], buf = new float[n + 2];
                    float[] sp = new float[n], sg = new float[n], sbuf = new float[n];
                    Buf.F32 rp = new Buf.F32(new float[n]), rg = new Buf.F32(new float[n]), rbuf = new Buf.F32(new float[n]);
                    for (int i = 0; i < n; i++) sp[i] = rp.data()[i] = p[off + i] = rnd.nextFloat() * 4 - 2;
                    for (int t = 1; t <= 3; t++) {
                        for (int i = 0; i < n; i++) {
                            sg[i] = rg.data()[i] = g[off + 1 + i] = i % 29 == 0 ? 0f : (float) rnd.nextGaussian() * (i % 5 == 0 ? 1e-4f : 1f);
                        }
                        boolean first = t == 1;
                        OptimF32.sgd(p, off, g, off + 1, c[1] == 0 ? null : buf, 2, n, c[0], c[1], c[2], c[3], c[4] != 0, first);
                        OptimRef.sgd(rp, rg, c[1] == 0 ? null : rbuf, c[0], c[1], c[2], c[3], c[4] != 0, first);
                        sgdOpByOp(sp, sg, sbuf, c, first);
                        for (int i = 0; i < n; i++) {
                            String at = "config " + java.util.Arrays.toString(c) + " n=" + n + " step " + t + " i=" + i;
                            assertEquals(rp.data()[i], p[off + i], at + " (param)");
                            assertEquals(sp[i], p[off + i], at + " (param, op by op)");
                            if (c[1] != 0) {
                                assertEquals(rbuf.data()[i], buf[2 + i], at + " (momentum buffer)");
                                assertEquals(sbuf[i], buf[2 + i], at + " (momentum buffer, op by op)");
                            }
                        }
                    }
                }
            }
        });
    }

    @org.junit.jupiter.api.Test
    void sgdF64MatchesTheReference() {
        Random rnd = new Random(24);
        for (double[] c : SGD_CONFIGS) {
            for (int n : new int[] {0, 1, 5, 1000, 20_001}) {
                double[] p = new double[n + 1], g = new double[n], buf = new double[n + 3];
                Buf.F64 rp = new Buf.F64(new double[n]), rg = new Buf.F64(new double[n]), rbuf = new Buf.F64(new double[n]);
                for (int i = 0; i < n; i++) rp.data()[i] = p[1 + i] = rnd.nextDouble() * 4 - 2;
                for (int t = 1; t <= 3; t++) {
                    for (int i = 0; i < n; i++) rg.data()[i] = g[i] = rnd.nextGaussian();
                    OptimF64.sgd(p, 1, g, 0, buf, 3, n, c[0], c[1], c[2], c[3], c[4] != 0, t == 1);
                    OptimRef.sgd(rp, rg, rbuf, c[0], c[1], c[2], c[3], c[4] != 0, t == 1);
                    for (int i = 0; i < n; i++) {
                        assertEquals(rp.data()[i], p[1 + i], "n=" + n + " step " + t + " i=" + i);
                        if (c[1] != 0) assertEquals(rbuf.data()[i], buf[3 + i]);
                    }
                }
            }
        }
    }
}
