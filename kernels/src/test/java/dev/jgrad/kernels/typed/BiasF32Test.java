package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.*;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.BiasRef;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BiasF32#sumPlanes} against {@link BiasRef#sumPlanes} in float64, on plane lengths
 * around the vector width and its multiples (the masked tail, the four-accumulator loop), with
 * SIMD on and off and several thread counts.
 */
class BiasF32Test {
    // images, channels, plane
    private static final int[][] SIZES = {
        {1, 1, 1}, {1, 3, 5}, {2, 4, 7}, {3, 5, 15}, {2, 3, 16}, {1, 2, 17}, {3, 7, 31}, {2, 2, 63}, {2, 3, 64}, {1, 4, 65},
        {4, 9, 121}, {5, 32, 196}, {3, 11, 784}, {64, 32, 49}, {2, 1, 1000}, {0, 3, 8}, {2, 3, 0}};

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void matchesTheReference(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(3);
            for (int[] s : SIZES) check(rnd, s[0], s[1], s[2]);
        });
    }

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 3})
    void otherThreadCounts(int threads) {
        withThreads(threads, () -> {
            Random rnd = new Random(4);
            check(rnd, 64, 32, 784);
            check(rnd, 7, 13, 29);
        });
    }

    private static void check(Random rnd, int images, int channels, int plane) {
        float[] dy = rand(rnd, images * channels * plane);
        Buf.F64 want = new Buf.F64(new double[channels]);
        BiasRef.sumPlanes(f64(dy), images, channels, plane, want);
        float[] got = new float[channels];
        java.util.Arrays.fill(got, Float.NaN);  // every channel must be written, zero when nothing is summed
        BiasF32.sumPlanes(dy, images, channels, plane, got);
        String what = images + "×" + channels + "×" + plane + " simd=" + Simd.enabled() + " threads=" + Parallel.threads();
        assertClose(what, want.data(), got, 1e-6 * Math.sqrt((double) images * plane) + 1e-7, 1e-6);
    }
}
