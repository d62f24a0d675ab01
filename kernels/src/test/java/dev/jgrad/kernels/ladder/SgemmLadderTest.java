package dev.jgrad.kernels.ladder;

import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.kernels.Parallel;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every rung of the ladder against a double-precision reference on ragged shapes: sizes that
 * are not multiples of the tile (6 rows × 2 vectors), of the blocks (KC 256, MC 96), and
 * degenerate ones; each with a garbage-filled C, which every rung must overwrite.
 */
class SgemmLadderTest {

    static Stream<Arguments> cases() {
        int[][] shapes = {
                {1, 1, 1}, {0, 5, 3}, {4, 0, 3}, {3, 4, 0}, {6, 32, 8}, {7, 33, 5}, {13, 17, 29}, {5, 100, 3},
                {97, 65, 257}, {100, 130, 300}, {192, 64, 520}, {33, 4200, 7}, {200, 31, 600}};
        return SgemmLadder.rungs().stream().flatMap(r -> Stream.of(shapes).map(s -> Arguments.of(r.id(), s[0], s[1], s[2])));
    }

    @ParameterizedTest(name = "{0} {1}x{2}x{3}")
    @MethodSource("cases")
    void matchesTheReference(String id, int m, int n, int k) {
        SgemmLadder.Rung rung = SgemmLadder.rung(id);
        Random rnd = new Random(31L * m + 7L * n + k);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() * 2 - 1;
        for (int i = 0; i < b.length; i++) b[i] = rnd.nextFloat() * 2 - 1;
        java.util.Arrays.fill(c, Float.NaN);   // every element must be written
        rung.create().multiply(m, n, k, a, b, c);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double want = 0, mag = 0;
                for (int p = 0; p < k; p++) {
                    want += (double) a[i * k + p] * b[p * n + j];
                    mag += Math.abs((double) a[i * k + p] * b[p * n + j]);
                }
                // float32 rounding of up to k sums in any order: a few ulps of the magnitude per term
                double tol = 1e-6 + 4 * Math.ulp(1f) * Math.sqrt(k) * mag;
                int ii = i, jj = j;
                assertEquals(want, c[i * n + j], tol, () -> id + " C(" + ii + "," + jj + ")");
            }
        }
    }

    @Test
    void threadedRungMatchesOnOneAndSeveralThreads() {
        int m = 250, n = 70, k = 300;
        Random rnd = new Random(3);
        float[] a = new float[m * k], b = new float[k * n];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat();
        for (int i = 0; i < b.length; i++) b[i] = rnd.nextFloat();
        float[] many = new float[m * n], one = new float[m * n];
        new ThreadedGemm().multiply(m, n, k, a, b, many);
        int threads = Parallel.threads();
        Parallel.setThreads(1);
        try {
            new ThreadedGemm().multiply(m, n, k, a, b, one);
        } finally {
            Parallel.setThreads(threads);
        }
        // each element is one tile's chain of FMAs whichever thread ran it: the same bits
        assertArrayEquals(one, many);
        float[] packed = new float[m * n];
        new PackedGemm().multiply(m, n, k, a, b, packed);
        assertArrayEquals(packed, many);
    }

    @Test
    void rungsAreNumberedInOrderAndFoundByIdOrNumber() {
        for (int i = 0; i < SgemmLadder.rungs().size(); i++) {
            SgemmLadder.Rung r = SgemmLadder.rungs().get(i);
            assertEquals(i + 1, r.number());
            assertSame(r, SgemmLadder.rung(r.id().toUpperCase()));
            assertSame(r, SgemmLadder.rung(Integer.toString(r.number())));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SgemmLadder.rung("strassen"));
        assertTrue(e.getMessage().contains("'strassen'") && e.getMessage().contains("1 naive"), e.getMessage());
    }

    @Test
    void badArgumentsNameTheRung() {
        Gemm g = new NaiveGemm();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.multiply(2, 3, 4, new float[7], new float[12], new float[6]));
        assertTrue(e.getMessage().startsWith("NaiveGemm: A holds 7 floats, fewer than m·k = 2·4 = 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new IkjGemm().multiply(-1, 3, 4, new float[0], new float[12], new float[0]));
        assertTrue(e.getMessage().contains("non-negative"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new NaiveGemm().multiply(1, 1, 1, null, new float[1], new float[1]));
        assertTrue(e.getMessage().contains("A is null"), e.getMessage());
    }
}
