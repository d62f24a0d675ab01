package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.kernels.AttentionMask;
import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.AttentionRef;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link AttentionF32} against the float64 {@link AttentionRef} reference: out to 2e-5, lse to 1e-5,
 * dq/dk/dv to 1e-4 (absolute, plus 1e-4 relative) for q, k, v, dout in [-1, 1).
 */
class AttentionF32Test {

    private static void check(Random rnd, int heads, int batch, int seqQ, int seqK, int d, boolean causal, int maskKind) {
        int bh = heads * batch;
        float[] q = rand(rnd, bh * seqQ * d), k = rand(rnd, bh * seqK * d), v = rand(rnd, bh * seqK * d), dout = rand(rnd, bh * seqQ * d);
        float scale = (float) (1 / Math.sqrt(d));
        AttentionMask mask = switch (maskKind) {
            case 1 -> new AttentionMask(rand(rnd, seqQ * seqK), 0, 1, 0, 0, seqK, 1);          // shared [seqQ, seqK]
            case 2 -> {                                                                           // key padding per batch
                float[] m = new float[batch * seqK];
                for (int b = 0; b < batch; b++)
                    for (int j = 0; j < seqK; j++) m[b * seqK + j] = j >= seqK - 1 - b && j > 0 ? Float.NEGATIVE_INFINITY : 0f;
                yield new AttentionMask(m, 0, heads, seqK, 0, 0, 1);
            }
            default -> null;
        };
        String what = "attention bh=" + bh + " seqQ=" + seqQ + " seqK=" + seqK + " d=" + d + " causal=" + causal + " mask=" + maskKind
                + " simd=" + Simd.enabled();

        Buf.F64 out = new Buf.F64(new double[bh * seqQ * d]), lse = new Buf.F64(new double[bh * seqQ]);
        AttentionRef.forward(bh, seqQ, seqK, d, f64(q), f64(k), f64(v), scale, causal, mask, out, lse);
        float[] outF = new float[bh * seqQ * d], lseF = new float[bh * seqQ];
        AttentionF32.forward(bh, seqQ, seqK, d, q, k, v, scale, causal, mask, outF, lseF);
        assertClose(what + " out", out.data(), outF, 2e-5, 1e-5);
        assertClose(what + " lse", lse.data(), lseF, 1e-5, 1e-5);

        Buf.F64 dq = new Buf.F64(new double[q.length]), dk = new Buf.F64(new double[k.length]), dv = new Buf.F64(new double[v.length]);
        AttentionRef.backward(bh, seqQ, seqK, d, f64(q), f64(k), f64(v), scale, causal, mask, f64(dout), dq, dk, dv);
        float[] dqF = new float[q.length], dkF = new float[k.length], dvF = new float[v.length];
        AttentionF32.backward(bh, seqQ, seqK, d, q, k, v, scale, causal, mask, outF, dout, lseF, dqF, dkF, dvF);
        assertClose(what + " dq", dq.data(), dqF, 1e-4, 1e-4);
        assertClose(what + " dk", dk.data(), dkF, 1e-4, 1e-4);
        assertClose(what + " dv", dv.data(), dvF, 1e-4, 1e-4);
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void matchesTheReference(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(1);
            for (boolean causal : new boolean[] {false, true}) {
                check(rnd, 2, 2, 1, 1, 8, causal, 0);
                check(rnd, 1, 3, 7, 7, 17, causal, 0);
                check(rnd, 2, 1, 130, 130, 64, causal, 0);   // tiles of 64 with a ragged last one
                check(rnd, 2, 2, 65, 65, 16, causal, 1);     // shared additive mask
                check(rnd, 3, 2, 70, 70, 8, causal, 2);      // key padding with −∞
                check(rnd, 1, 2, 5, 70, 12, causal, 0);      // fewer queries than keys
                check(rnd, 1, 1, 70, 5, 12, causal, 1);      // more queries than keys
            }
        });
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void fullyMaskedRowIsNaN(boolean simd) {
        withSimd(simd, () -> {
            float[] q = {1, 0}, k = {1, 0, 0, 1}, v = {1, 2, 3, 4}, out = new float[2], lse = new float[1];
            float[] m = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
            AttentionF32.forward(1, 1, 2, 2, q, k, v, 1f, false, new AttentionMask(m, 0, 1, 0, 0, 0, 1), out, lse);
            assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[1]));
            assertEquals(Float.NEGATIVE_INFINITY, lse[0]);
        });
    }
}
