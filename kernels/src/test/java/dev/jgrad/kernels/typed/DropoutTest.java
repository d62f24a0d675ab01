package dev.jgrad.kernels.typed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Fixtures;
import dev.jgrad.kernels.Philox;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.DropoutRef;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DropoutF32}'s and {@link DropoutF64}'s loops give exactly the element-by-element definition
 * ({@link DropoutRef}), for ragged lengths, offsets, p = 0 and p = 1, any thread count; the kept
 * fraction is about 1 − p.
 */
class DropoutTest {
    private static final int[] LENGTHS = {0, 1, 3, 4, 5, 1000, 100_003};

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void forwardF32IsTheDefinition(boolean simd) {
        Fixtures.withSimd(simd, () -> {
            Random rnd = new Random(31);
            for (int n : LENGTHS) {
                for (float p : new float[] {0f, 0.1f, 0.5f, 1f}) {
                    float scale = p < 1 ? 1 / (1 - p) : 0f;
                    long seed = rnd.nextLong(), offset = rnd.nextLong();
                    float[] x = Fixtures.rand(rnd, n + 2);
                    float[] out = new float[n + 1];
                    boolean[] mask = new boolean[n + 3];
                    DropoutF32.forward(x, 2, out, 1, mask, 3, n, p, scale, seed, offset);
                    Buf.F32 want = new Buf.F32(new float[n + 1]);
                    Buf.Bool wantMask = new Buf.Bool(new boolean[n + 3]);
                    DropoutRef.forward(new Buf.F32(x), 2, want, 1, wantMask, 3, n, p, scale, seed, offset);
                    String at = "n=" + n + " p=" + p + " simd=" + Simd.enabled();
                    assertArrayEquals(want.data(), out, at);
                    assertArrayEquals(wantMask.data(), mask, at + " (mask)");
                    for (int i = 0; i < n; i++) {   // the definition itself, independent of the reference's code
                        boolean keep = Philox.uniform(Philox.word(seed, offset, i)) >= p;
                        assertEquals(keep, mask[3 + i], at + " i=" + i);
                        assertEquals(keep ? x[2 + i] * scale : 0f, out[1 + i], at + " i=" + i);
                    }
                    float[] noMask = new float[n + 1];
                    DropoutF32.forward(x, 2, noMask, 1, null, 0, n, p, scale, seed, offset);
                    assertArrayEquals(out, noMask, at + " without a mask");
                }
            }
        });
    }

    @Test
    void forwardF64IsTheDefinition() {
        Random rnd = new Random(32);
        for (int n : LENGTHS) {
            double[] x = new double[n + 1];
            for (int i = 0; i < x.length; i++) x[i] = rnd.nextGaussian();
            double scale = 1 / (1 - 0.3);
            double[] out = new double[n];
            boolean[] mask = new boolean[n];
            DropoutF64.forward(x, 1, out, 0, mask, 0, n, 0.3f, scale, 9, 10);
            Buf.F64 want = new Buf.F64(new double[n]);
            Buf.Bool wantMask = new Buf.Bool(new boolean[n]);
            DropoutRef.forward(new Buf.F64(x), 1, want, 0, wantMask, 0, n, 0.3f, scale, 9, 10);
            assertArrayEquals(want.data(), out, "n=" + n);
            assertArrayEquals(wantMask.data(), mask, "n=" + n);
        }
    }

    @Test
    void nonFiniteInputsThatAreDroppedGiveZero() {
        int n = 64;
        float[] x = new float[n], out = new float[n];
        boolean[] mask = new boolean[n];
        java.util.Arrays.fill(x, Float.NaN);
        x[0] = Float.POSITIVE_INFINITY;
        DropoutF32.forward(x, 0, out, 0, mask, 0, n, 0.5f, 2f, 5, 6);
        for (int i = 0; i < n; i++) assertEquals(mask[i] ? x[i] * 2f : 0f, out[i], "i=" + i);
    }

    @Test
    void pZeroKeepsEverythingAndTheKeptFractionIsAboutOneMinusP() {
        int n = 200_000;
        float[] x = new float[n], out = new float[n];
        java.util.Arrays.fill(x, 1f);
        boolean[] mask = new boolean[n];
        DropoutF32.forward(x, 0, out, 0, mask, 0, n, 0f, 1f, 77, 0);
        for (int i = 0; i < n; i++) assertEquals(1f, out[i], "p = 0 keeps element " + i);
        for (float p : new float[] {0.1f, 0.5f, 0.9f}) {
            DropoutF32.forward(x, 0, out, 0, mask, 0, n, p, 1 / (1 - p), 78, 3);
            int kept = 0;
            for (boolean k : mask) if (k) kept++;
            assertEquals(1 - p, kept / (double) n, 0.005, "p=" + p);   // sd of the fraction ≤ 0.0012
        }
    }

    @Test
    void differentOffsetsGiveDifferentMasks() {
        int n = 1000;
        boolean[] a = new boolean[n], b = new boolean[n];
        float[] x = new float[n], out = new float[n];
        DropoutF32.forward(x, 0, out, 0, a, 0, n, 0.5f, 2f, 1, 0);
        DropoutF32.forward(x, 0, out, 0, b, 0, n, 0.5f, 2f, 1, 1);
        int same = 0;
        for (int i = 0; i < n; i++) if (a[i] == b[i]) same++;
        assertEquals(0.5, same / (double) n, 0.08);
    }

    @Test
    void theThreadCountDoesNotChangeTheResult() {
        int n = 1_000_003;
        float[] x = Fixtures.rand(new Random(33), n);
        float[][] outs = new float[3][n];
        boolean[][] masks = new boolean[3][n];
        int[] threads = {1, 3, 8};
        for (int t = 0; t < threads.length; t++) {
            int k = t;
            Fixtures.withThreads(threads[t], () -> DropoutF32.forward(x, 0, outs[k], 0, masks[k], 0, n, 0.25f, 1 / 0.75f, 123, 456));
        }
        for (int t = 1; t < threads.length; t++) {
            assertArrayEquals(outs[0], outs[t], threads[t] + " threads");
            assertArrayEquals(masks[0], masks[t], threads[t] + " threads (mask)");
        }
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void backwardIsTheDefinition(boolean simd) {
        Fixtures.withSimd(simd, () -> {
            Random rnd = new Random(34);
            for (int n : LENGTHS) {
                float[] dy = Fixtures.rand(rnd, n + 1), dx = new float[n + 2];
                boolean[] mask = new boolean[n + 1];
                for (int i = 0; i < mask.length; i++) mask[i] = rnd.nextBoolean();
                DropoutF32.backward(dy, 1, mask, 1, dx, 2, n, 1.25f);
                Buf.F32 want = new Buf.F32(new float[n + 2]);
                DropoutRef.backward(new Buf.F32(dy), 1, new Buf.Bool(mask), 1, want, 2, n, 1.25f);
                assertArrayEquals(want.data(), dx, "n=" + n);
                for (int i = 0; i < n; i++) assertEquals(mask[1 + i] ? dy[1 + i] * 1.25f : 0f, dx[2 + i]);

                double[] dyd = Fixtures.toDouble(dy), dxd = new double[n + 2];
                DropoutF64.backward(dyd, 1, mask, 1, dxd, 2, n, 1.25);
                Buf.F64 wantD = new Buf.F64(new double[n + 2]);
                DropoutRef.backward(new Buf.F64(dyd), 1, new Buf.Bool(mask), 1, wantD, 2, n, 1.25);
                assertArrayEquals(wantD.data(), dxd, "n=" + n + " (float64)");
            }
        });
    }
}
