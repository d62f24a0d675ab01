package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.UnaryFn;
import dev.jgrad.kernels.ref.ElementwiseRef;
import dev.jgrad.kernels.simd.ElementwiseVec;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ElementwiseF32} against {@link ElementwiseRef} run in float64 on the same float32 values.
 * Tolerances: arithmetic is correctly rounded (1 ulp: 1.2e-7 relative); transcendentals within
 * 4e-6 relative plus 1e-6 absolute (measured maxima are printed to the test output).
 */
class ElementwiseF32Test {
    private static final UnaryFn[] FLOAT_FNS = {UnaryFn.NEG, UnaryFn.EXP, UnaryFn.LOG, UnaryFn.SQRT, UnaryFn.ABS, UnaryFn.SIGN,
            UnaryFn.RELU, UnaryFn.SIGMOID, UnaryFn.TANH, UnaryFn.ERF, UnaryFn.GELU, UnaryFn.GELU_TANH, UnaryFn.SIN, UnaryFn.COS};

    /** Inputs for fn: a spread over its domain with the special values mixed in. */
    private static float[] inputs(UnaryFn fn, Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            float v = (rnd.nextFloat() * 2 - 1) * (fn == UnaryFn.EXP ? 80 : 10);
            if (fn == UnaryFn.LOG || fn == UnaryFn.SQRT) v = Math.abs(v) * (rnd.nextBoolean() ? 1 : 1e-3f);
            x[i] = v;
        }
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-30f, -1e-30f, 88.5f, -88.5f};
        for (int i = 0; i < special.length && i < n; i++) x[(i * 37) % n] = special[i];
        return x;
    }

    private static double tolerance(UnaryFn fn) {
        return switch (fn) {
            case NEG, ABS, SIGN, RELU, SQRT -> 1.2e-7;
            default -> 4e-6;
        };
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void unaryFunctionsMatchTheReference(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(1);
            StringBuilder report = new StringBuilder("max error (simd=" + Simd.enabled() + "):");
            for (UnaryFn fn : FLOAT_FNS) {
                int n = 1000;
                float[] x = inputs(fn, rnd, n);
                Buf.F64 want = new Buf.F64(new double[n]);
                ElementwiseRef.unary(fn, new int[] {n}, Strided.contiguous(want, new int[] {n}), Strided.contiguous(f64(x), new int[] {n}));
                float[] got = new float[n];
                ElementwiseF32.unary(fn, new int[] {n}, got, 0, new int[] {1}, x, 0, new int[] {1});
                double rtol = tolerance(fn);
                assertClose(fn + " simd=" + Simd.enabled(), want.data(), got, 1e-6, rtol);
                double worstAbs = 0, worstRel = 0;
                for (int i = 0; i < n; i++) {
                    double w = want.data()[i];
                    if (!Double.isFinite(w) || !Double.isFinite(got[i])) continue;
                    double err = Math.abs(got[i] - w);
                    worstAbs = Math.max(worstAbs, err);
                    if (Math.abs(w) > 1e-3) worstRel = Math.max(worstRel, err / Math.abs(w));
                }
                report.append(String.format(" %s abs %.2g rel %.2g;", fn, worstAbs, worstRel));
            }
            System.out.println(report);
        });
    }

    @Test
    void predicatesAndComparisons() {
        Random rnd = new Random(2);
        for (boolean simd : new boolean[] {true, false}) {
            withSimd(simd, () -> {
                int n = 255;
                float[] a = inputs(UnaryFn.TANH, rnd, n), b = inputs(UnaryFn.TANH, rnd, n);
                for (int i = 0; i < n; i += 5) b[i] = a[i]; // equal pairs
                for (UnaryFn fn : new UnaryFn[] {UnaryFn.NOT, UnaryFn.IS_NONFINITE}) {
                    boolean[] got = new boolean[n];
                    ElementwiseF32.unaryPredicate(fn, new int[] {n}, got, 0, new int[] {1}, a, 0, new int[] {1});
                    for (int i = 0; i < n; i++) assertEquals(fn.apply(a[i]) != 0, got[i], fn + " at " + i);
                }
                for (BinaryFn fn : BinaryFn.values()) {
                    if (!fn.isPredicate()) continue;
                    boolean[] got = new boolean[n];
                    ElementwiseF32.compare(fn, new int[] {n}, got, 0, new int[] {1}, a, 0, new int[] {1}, b, 0, new int[] {1});
                    for (int i = 0; i < n; i++) assertEquals(fn.apply(a[i], b[i]) != 0, got[i], fn + " at " + i + " simd=" + Simd.enabled());
                    ElementwiseF32.compare(fn, new int[] {n}, got, 0, new int[] {1}, a, 0, new int[] {1}, b, 3, new int[] {0});
                    for (int i = 0; i < n; i++) assertEquals(fn.apply(a[i], b[3]) != 0, got[i], fn + " vs scalar at " + i);
                }
            });
        }
    }

    /** One binary case: shape, and strides/offsets for out, a and b over it. */
    private static void checkBinary(BinaryFn fn, Random rnd, int[] shape, int[] os, int[] as, int[] bs, int bOff) {
        int aLen = 1 + maxOffset(shape, as), bLen = bOff + 1 + maxOffset(shape, bs), oLen = 1 + maxOffset(shape, os);
        float[] a = rand(rnd, aLen), b = rand(rnd, bLen);
        if (fn == BinaryFn.POW) for (int i = 0; i < a.length; i++) a[i] = Math.abs(a[i]) * 4;
        if (fn == BinaryFn.DIV) for (int i = 0; i < b.length; i++) b[i] += b[i] >= 0 ? 0.1f : -0.1f;
        Buf.F64 want = new Buf.F64(new double[oLen]);
        ElementwiseRef.binary(fn, shape, new Strided(want, 0, os), new Strided(f64(a), 0, as), new Strided(f64(b), bOff, bs));
        float[] got = new float[oLen];
        ElementwiseF32.binary(fn, shape, got, 0, os, a, 0, as, b, bOff, bs);
        assertClose(fn + " shape " + java.util.Arrays.toString(shape) + " simd=" + Simd.enabled(), want.data(), got,
                1e-7, fn == BinaryFn.POW ? 4e-6 : 1.2e-7);
    }

    private static int maxOffset(int[] shape, int[] strides) {
        int m = 0;
        for (int d = 0; d < shape.length; d++) m += (shape[d] - 1) * strides[d];
        return m;
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void binaryBroadcastPatterns(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(3);
            for (BinaryFn fn : new BinaryFn[] {BinaryFn.ADD, BinaryFn.SUB, BinaryFn.MUL, BinaryFn.DIV, BinaryFn.POW, BinaryFn.MAXIMUM, BinaryFn.MINIMUM}) {
                checkBinary(fn, rnd, new int[] {1000}, new int[] {1}, new int[] {1}, new int[] {1}, 0);             // contiguous
                checkBinary(fn, rnd, new int[] {17, 33}, new int[] {33, 1}, new int[] {33, 1}, new int[] {0, 1}, 2);  // per-row (bias)
                checkBinary(fn, rnd, new int[] {17, 33}, new int[] {33, 1}, new int[] {33, 1}, new int[] {1, 0}, 1);  // per-column
                checkBinary(fn, rnd, new int[] {7, 255}, new int[] {255, 1}, new int[] {0, 0}, new int[] {255, 1}, 0); // scalar a
                checkBinary(fn, rnd, new int[] {3, 5, 7}, new int[] {35, 7, 1}, new int[] {1, 3, 15}, new int[] {0, 7, 1}, 0); // transposed a
                checkBinary(fn, rnd, new int[] {4, 6}, new int[] {1, 4}, new int[] {6, 1}, new int[] {6, 1}, 0);     // strided out
                checkBinary(fn, rnd, new int[] {2, 40000}, new int[] {40000, 1}, new int[] {40000, 1}, new int[] {0, 1}, 0); // parallel segments
            }
        });
    }

    /**
     * The loops that start at a vector boundary in memory give the bits of the plain vector loop
     * over [0, loopBound(n)) and the scalar tail, whatever the row's offset and length, in place
     * too (out = a).
     */
    @Test
    void alignedRowsGiveTheBitsOfTheUnalignedLoop() {
        if (!Simd.available()) return;
        Random rnd = new Random(5);
        int lanes = ElementwiseVec.lanes();
        for (int n : new int[] {ElementwiseF32.ALIGN_MIN, ElementwiseF32.ALIGN_MIN + 1, 300, 1000 + lanes - 1}) {
            for (int off = 0; off <= lanes + 1; off++) {
                for (UnaryFn fn : FLOAT_FNS) {
                    float[] x = new float[off + n];
                    System.arraycopy(inputs(fn, rnd, n), 0, x, off, n);
                    float[] want = new float[off + n], got = new float[off + n];
                    int done = ElementwiseVec.unary(fn, n, want, off, x, off);
                    for (int j = done; j < n; j++) want[off + j] = (float) fn.apply(x[off + j]);
                    ElementwiseF32.unary(fn, new int[] {n}, got, off, new int[] {1}, x, off, new int[] {1});
                    assertArrayEquals(want, got, fn + " n=" + n + " offset " + off);
                }
                for (BinaryFn fn : new BinaryFn[] {BinaryFn.ADD, BinaryFn.SUB, BinaryFn.MUL, BinaryFn.DIV, BinaryFn.MAXIMUM, BinaryFn.MINIMUM}) {
                    for (int[] st : new int[][] {{1, 1}, {1, 0}, {0, 1}}) {
                        float[] a = rand(rnd, off + n), b = rand(rnd, off + n);
                        float[] want = new float[off + n];
                        int done = ElementwiseVec.binary(fn, n, want, off, a, off, st[0], b, off, st[1]);
                        for (int j = done; j < n; j++) want[off + j] = (float) fn.apply(a[off + j * st[0]], b[off + j * st[1]]);
                        float[] got = new float[off + n];
                        ElementwiseF32.binary(fn, new int[] {n}, got, off, new int[] {1}, a, off, new int[] {st[0]}, b, off, new int[] {st[1]});
                        assertArrayEquals(want, got, fn + " strides " + st[0] + "," + st[1] + " n=" + n + " offset " + off);
                        if (st[0] == 1) {   // in place: out = a
                            ElementwiseF32.binary(fn, new int[] {n}, a, off, new int[] {1}, a, off, new int[] {1}, b, off, new int[] {st[1]});
                            assertArrayEquals(java.util.Arrays.copyOfRange(want, off, off + n), java.util.Arrays.copyOfRange(a, off, off + n),
                                    fn + " in place n=" + n + " offset " + off);
                        }
                    }
                }
            }
        }
    }

    /**
     * Row and column broadcasts over rows long enough to be aligned (x + bias [n], x * scale [r, 1])
     * give, row by row, the bits of the plain vector loop and its scalar tail, at every row offset,
     * NaN, infinities and signed zeros included; and of the double-precision reference rounded.
     */
    @Test
    void alignedBroadcastRowsGiveTheBitsOfTheUnalignedLoop() {
        if (!Simd.available()) return;
        Random rnd = new Random(7);
        int lanes = ElementwiseVec.lanes();
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};
        for (int n : new int[] {ElementwiseF32.ALIGN_MIN, 2 * ElementwiseF32.ALIGN_MIN + lanes / 2 + 1, 2048}) {
            int rows = 5;
            for (int off = 0; off <= lanes; off += 3) {
                for (BinaryFn fn : new BinaryFn[] {BinaryFn.ADD, BinaryFn.SUB, BinaryFn.MUL, BinaryFn.DIV, BinaryFn.MAXIMUM, BinaryFn.MINIMUM}) {
                    float[] a = rand(rnd, off + rows * n), row = rand(rnd, n), col = rand(rnd, rows);
                    for (int i = 0; i < a.length; i += 37) a[i] = special[i % special.length];
                    for (int i = 0; i < n; i += 41) row[i] = special[(i / 41) % special.length];
                    col[1] = -0f;
                    col[2] = Float.NaN;
                    for (int colForm = 0; colForm < 2; colForm++) {
                        float[] b = colForm == 0 ? row : col;
                        int[] bs = colForm == 0 ? new int[] {0, 1} : new int[] {1, 0};
                        float[] want = new float[off + rows * n];
                        for (int r = 0; r < rows; r++) {
                            int o = off + r * n, bi = colForm == 0 ? 0 : r, bStride = colForm == 0 ? 1 : 0;
                            int done = ElementwiseVec.binary(fn, n, want, o, a, o, 1, b, bi, bStride);
                            for (int j = done; j < n; j++) want[o + j] = (float) fn.apply(a[o + j], b[bi + j * bStride]);
                        }
                        float[] got = new float[off + rows * n];
                        ElementwiseF32.binary(fn, new int[] {rows, n}, got, off, new int[] {n, 1}, a, off, new int[] {n, 1}, b, 0, bs);
                        String what = fn + (colForm == 0 ? " row" : " column") + " broadcast n=" + n + " offset " + off;
                        assertArrayEquals(want, got, what);
                        Buf.F64 ref = new Buf.F64(new double[off + rows * n]);
                        ElementwiseRef.binary(fn, new int[] {rows, n}, new Strided(ref, off, new int[] {n, 1}),
                                new Strided(f64(a), off, new int[] {n, 1}), new Strided(f64(b), 0, bs));
                        for (int i = off; i < got.length; i++) assertEquals((float) ref.data()[i], got[i], what + " vs the reference at " + i);
                    }
                }
            }
        }
    }

    @Test
    void inPlaceCopyAndFill() {
        Random rnd = new Random(4);
        float[] a = rand(rnd, 1000), b = rand(rnd, 1000), want = new float[1000];
        for (int i = 0; i < 1000; i++) want[i] = a[i] + b[i];
        ElementwiseF32.binary(BinaryFn.ADD, new int[] {1000}, a, 0, new int[] {1}, a, 0, new int[] {1}, b, 0, new int[] {1});
        assertArrayEquals(want, a);
        float[] t = new float[6];
        ElementwiseF32.copy(new int[] {2, 3}, t, 0, new int[] {3, 1}, new float[] {1, 2, 3, 4, 5, 6}, 0, new int[] {1, 2});
        assertArrayEquals(new float[] {1, 3, 5, 2, 4, 6}, t);
        ElementwiseF32.fill(new int[] {3}, t, 1, new int[] {2}, 9f);
        assertArrayEquals(new float[] {1, 9, 5, 9, 4, 9}, t);
        ElementwiseF32.unary(UnaryFn.EXP, new int[] {2, 2}, t, 0, new int[] {2, 1}, new float[] {0, 1}, 0, new int[] {0, 1});
        assertArrayEquals(new float[] {1, (float) Math.E, 1, (float) Math.E}, java.util.Arrays.copyOf(t, 4), 1e-6f);
    }
}
