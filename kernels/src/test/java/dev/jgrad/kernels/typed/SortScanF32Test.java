package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.withSimd;
import static dev.jgrad.kernels.Fixtures.withThreads;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ref.ScanRef;
import dev.jgrad.kernels.ref.SortRef;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SortF32} and {@link ScanF32} against {@link SortRef} and {@link ScanRef}: sorts and
 * top-k must equal the reference exactly (values bit for bit, and positions, ties and NaN and
 * −0.0 included), with and without SIMD, on one thread and several; float32 scans accumulate in
 * double as the reference does, so they must equal its result rounded to float.
 */
class SortScanF32Test {

    /** Rows of n values with ties, NaN, ±0.0 and infinities mixed into random normals. */
    private static float[] awkward(Random rnd, int rows, int n) {
        float[] x = new float[rows * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (rnd.nextInt(20)) {
                case 0 -> Float.NaN;
                case 1 -> -0.0f;
                case 2 -> 0.0f;
                case 3 -> Float.NEGATIVE_INFINITY;
                case 4 -> Float.POSITIVE_INFINITY;
                case 5, 6 -> rnd.nextInt(3) - 1;   // ties
                default -> (float) rnd.nextGaussian();
            };
        }
        return x;
    }

    private static void checkTopk(float[] x, int rows, int n, int k, boolean largest, String what) {
        float[] got = new float[rows * k];
        long[] gotIdx = new long[rows * k];
        SortF32.topk(rows, n, k, x, 0, got, 0, gotIdx, 0, largest);
        Buf.F32 want = new Buf.F32(new float[rows * k]);
        long[] wantIdx = new long[rows * k];
        SortRef.topk(rows, n, k, new Buf.F32(x), 0, want, 0, wantIdx, 0, largest);
        assertArrayEquals(wantIdx, gotIdx, what + ": positions");
        for (int i = 0; i < got.length; i++) {
            assertEquals(Float.floatToRawIntBits(want.data()[i]), Float.floatToRawIntBits(got[i]), what + ": value " + i);
        }
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void sortsAndTopkEqualTheReference(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(7);
            for (int threads : new int[] {1, 3}) {
                withThreads(threads, () -> {
                    for (int n : new int[] {1, 2, 5, 17, 255, 256, 1000, 4099}) {
                        int rows = n > 1000 ? 5 : 11;
                        float[] x = awkward(rnd, rows, n);
                        for (boolean desc : new boolean[] {false, true}) {
                            checkTopk(x, rows, n, n, desc, "sort n=" + n + " desc=" + desc + " simd=" + simd);
                            for (int k : new int[] {1, 3, n / 9, n / 2}) {
                                if (k >= 1 && k <= n) checkTopk(x, rows, n, k, desc, "topk n=" + n + " k=" + k + " largest=" + desc);
                            }
                        }
                    }
                    // many alike rows with heavy ties: the bound carried from row to row meets keys equal to it
                    float[] tied = new float[40 * 2000];
                    for (int i = 0; i < tied.length; i++) tied[i] = rnd.nextInt(10) - (i / 2000 % 7 == 3 ? 5 : 0);
                    for (int k : new int[] {1, 20, 100, 249}) {
                        checkTopk(tied, 40, 2000, k, true, "tied rows k=" + k);
                        checkTopk(tied, 40, 2000, k, false, "tied rows k=" + k + " smallest");
                    }
                    // keys that share their high digits (the radix skips passes) and sorted input (every element enters the heap)
                    float[] narrow = new float[3 * 3000];
                    for (int i = 0; i < narrow.length; i++) narrow[i] = 1 + (i % 3000) * 1e-6f;
                    checkTopk(narrow, 3, 3000, 3000, false, "narrow range");
                    checkTopk(narrow, 3, 3000, 40, true, "ascending input, largest");
                    checkTopk(narrow, 3, 3000, 40, false, "ascending input, smallest");
                });
            }
        });
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void scansEqualTheDoubleReferenceRounded(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(3);
            int[][] shapes = {{1, 1, 1}, {7, 13, 1}, {9, 1000, 1}, {3, 50, 5}, {2, 40, 2049}, {1, 3, 4099}, {0, 4, 1}, {4, 0, 3}};
            for (int[] s : shapes) {
                for (boolean prod : new boolean[] {false, true}) {
                    int numel = s[0] * s[1] * s[2];
                    float[] x = new float[numel + 3];
                    for (int i = 0; i < x.length; i++) x[i] = prod ? 1 + (float) rnd.nextGaussian() * 0.05f : (float) rnd.nextGaussian();
                    x[1] = Float.NaN;
                    float[] got = new float[numel + 2];
                    ScanF32.scan(prod, s[0], s[1], s[2], x, 3, got, 2);
                    Buf.F32 want = new Buf.F32(new float[numel + 2]);
                    ScanRef.scan(prod, s[0], s[1], s[2], new Buf.F32(x), 3, want, 2);
                    assertArrayEquals(want.data(), got, (prod ? "cumprod " : "cumsum ") + java.util.Arrays.toString(s));
                }
            }
        });
    }
}
