package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every blocking {@link SgemmF32} may run with gives the same bits as every other (and as the
 * default), on ragged shapes where m, n and k are not multiples of the tile or the blocks, with
 * accumulation into C and with alpha and beta; and {@link GemmConfig} parses what it writes.
 */
class GemmConfigTest {
    /** Small blocks so that ragged edges in every direction and several passes occur on small shapes. */
    static List<GemmConfig> configs() {
        List<GemmConfig> all = new ArrayList<>(GemmTuner.candidates(GemmConfig.DEFAULT, Simd.enabled() ? dev.jgrad.kernels.simd.SgemmVec.L : 16, 32));
        all.addAll(GemmTuner.candidates(new GemmConfig(GemmConfig.Tile.R6V2, 384, 96, 4096, true, true), 16, 32));
        // Zen 5's entry: A packed six rows at a time (no gathers), passes of 768 split evenly
        all.addAll(GemmTuner.candidates(GemmTuner.ZEN5, 16, 32));
        // the AVX2 entry: the 4×2 tile, A packed four rows at a time; and with gathers
        all.addAll(GemmTuner.candidates(GemmTuner.AVX2, 8, 16));
        all.addAll(GemmTuner.candidates(new GemmConfig(GemmConfig.Tile.R4V2, 256, 48, 4096, true, true), 8, 16));
        for (GemmConfig.Tile t : GemmConfig.Tile.values())
            for (boolean jr : new boolean[] {true, false})
                for (boolean gather : new boolean[] {true, false}) all.add(new GemmConfig(t, 37, 13, 70, jr, gather));
        all.add(new GemmConfig(GemmConfig.Tile.R6V4, 1, 1, 1, true, true));
        all.add(new GemmConfig(GemmConfig.Tile.R4V2, 1, 1, 1, true, true));
        all.add(new GemmConfig(GemmConfig.Tile.R4V2, 5, 6, 9, false, false));
        return all;
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void everyConfigGivesTheSameBitsOnRaggedShapes(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(5);
            int[][] shapes = {{29, 47, 83}, {67, 131, 401}, {6, 64, 384}, {13, 7, 100}, {100, 20, 50}, {1, 70, 385}, {14, 70, 769}};
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                for (float[] ab : new float[][] {{1f, 0f}, {0.75f, 1f}, {-1.5f, 0.5f}}) {
                    for (boolean ta : new boolean[] {false, true}) {
                        float[] a = rand(rnd, m * k), b = rand(rnd, k * n), c0 = rand(rnd, m * n);
                        float[] want = null;
                        String wantFrom = null;
                        for (GemmConfig cfg : configs()) {
                            float[] c = c0.clone();
                            SgemmF32.gemm(cfg, m, n, k, ab[0], a, 0, ta ? 1 : k, ta ? m : 1, b, 0, n, 1, ab[1], c, 0, n);
                            if (want == null) {
                                want = c;
                                wantFrom = cfg.toString();
                                continue;
                            }
                            for (int i = 0; i < c.length; i++) {
                                if (Float.floatToRawIntBits(c[i]) != Float.floatToRawIntBits(want[i])) {
                                    fail("m=" + m + " n=" + n + " k=" + k + " alpha=" + ab[0] + " beta=" + ab[1] + " ta=" + ta + " simd=" + simd
                                            + ": C[" + i / n + "," + i % n + "] = " + c[i] + " with " + cfg + " but " + want[i] + " with " + wantFrom);
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    @Test
    void everyConfigMatchesTheScalarReference() {
        // the value check itself (against float64) is SgemmF32Test's; here each candidate against
        // the scalar loops, which share no code with the vector kernels
        Random rnd = new Random(9);
        int m = 53, n = 75, k = 397;
        float[] a = rand(rnd, m * k), b = rand(rnd, k * n);
        float[] ref = new float[m * n];
        withSimd(false, () -> SgemmF32.gemm(GemmConfig.DEFAULT, m, n, k, 1f, a, 0, k, 1, b, 0, n, 1, 0f, ref, 0, n));
        double[] want = toDouble(ref);
        for (int threads : new int[] {1, 2}) {
            withThreads(threads, () -> {
                for (GemmConfig cfg : configs()) {
                    float[] c = new float[m * n];
                    SgemmF32.gemm(cfg, m, n, k, 1f, a, 0, k, 1, b, 0, n, 1, 0f, c, 0, n);
                    assertClose(cfg + " threads=" + Parallel.threads(), want, c, 1e-4, 1e-4);
                }
            });
        }
    }

    @Test
    void parseReadsWhatToStringWrites() {
        for (GemmConfig c : configs()) assertEquals(c, GemmConfig.parse(c.toString()));
        assertEquals(GemmConfig.DEFAULT, GemmConfig.parse(""));
        GemmConfig c = GemmConfig.parse(" tile=6x2 , kc=128,loop=ir ");
        assertEquals(new GemmConfig(GemmConfig.Tile.R6V2, 128, GemmConfig.DEFAULT.mc(), GemmConfig.DEFAULT.nc(), false, true), c);
        assertEquals(GemmConfig.Tile.R4V2, GemmConfig.parse("tile=4x2").tile());
        for (GemmConfig.Tile t : GemmConfig.Tile.values()) assertEquals(t, GemmConfig.Tile.of(t.label()));
    }

    @Test
    void parseRejectsBadInputNamingIt() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmConfig.parse("tile=5x5")).getMessage().contains("5x5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmConfig.parse("kc=abc")).getMessage().contains("kc"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmConfig.parse("kc=0")).getMessage().contains("kc=0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmConfig.parse("speed=11")).getMessage().contains("speed"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmConfig.parse("kc")).getMessage().contains("key=value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmConfig.parse("loop=kk")).getMessage().contains("loop"));
        assertThrows(IllegalArgumentException.class, () -> GemmConfig.parse("gather=yes"));
    }
}
