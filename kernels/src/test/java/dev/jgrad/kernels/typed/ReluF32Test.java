package dev.jgrad.kernels.typed;

import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.kernels.Fixtures;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ReluF32#backward} equals g·(x &gt; 0) exactly, on ragged lengths and offsets, zeros, NaN and ±0 included. */
class ReluF32Test {
    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void matchesTheMaskedProduct(boolean simd) {
        Fixtures.withSimd(simd, () -> {
            Random rnd = new Random(8);
            for (int n : new int[] {0, 1, 3, 7, 8, 15, 16, 17, 33, 100, 1000, 200_003}) {
                int off = n % 3;
                float[] x = new float[n + off], g = new float[n + off + 1], dx = new float[n + 2];
                for (int i = 0; i < x.length; i++) x[i] = i % 11 == 0 ? 0f : i % 13 == 0 ? Float.NaN : i % 17 == 0 ? -0f : rnd.nextFloat() * 2 - 1;
                for (int i = 0; i < g.length; i++) g[i] = rnd.nextFloat() * 2 - 1;
                java.util.Arrays.fill(dx, 42f);
                ReluF32.backward(x, off, g, off + 1, dx, 1, n);
                assertEquals(42f, dx[0]);
                assertEquals(42f, dx[n + 1]);
                for (int i = 0; i < n; i++) {
                    float want = x[off + i] > 0 ? g[off + 1 + i] : 0f;
                    assertEquals(want, dx[1 + i], "n=" + n + " i=" + i);
                }
            }
        });
    }
}
