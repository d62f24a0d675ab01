package dev.jgrad.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.UnaryFn;
import org.junit.jupiter.api.Test;

/**
 * {@link UnaryFn#simd()} and {@link BinaryFn#simd()} say whether the float32 kernels have a vector
 * loop: a function marked true must vectorize (else it silently runs the scalar loop), one marked
 * false must not (else the flag hides a kernel).
 */
class SimdCoverageTest {
    private static final int N = 4 * ElementwiseVec.L;

    @Test
    void everyUnaryFunctionVectorizesExactlyWhenItsFlagSaysSo() {
        assumeTrue(Simd.enabled(), "the Vector API module is not readable");
        float[] x = new float[N], y = new float[N];
        boolean[] b = new boolean[N];
        for (UnaryFn fn : UnaryFn.values()) {
            int done = fn.isPredicate() ? ElementwiseVec.unaryPredicate(fn, N, b, 0, x, 0) : ElementwiseVec.unary(fn, N, y, 0, x, 0);
            assertEquals(fn.simd() ? N : 0, done, fn + ": simd() is " + fn.simd());
        }
    }

    @Test
    void everyBinaryFunctionVectorizesExactlyWhenItsFlagSaysSo() {
        assumeTrue(Simd.enabled(), "the Vector API module is not readable");
        float[] a = new float[N], c = new float[N], y = new float[N];
        boolean[] b = new boolean[N];
        for (BinaryFn fn : BinaryFn.values()) {
            int done = fn.isPredicate() ? ElementwiseVec.compare(fn, N, b, 0, a, 0, 1, c, 0, 1) : ElementwiseVec.binary(fn, N, y, 0, a, 0, 1, c, 0, 1);
            assertEquals(fn.simd() ? N : 0, done, fn + ": simd() is " + fn.simd());
        }
    }
}
