package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused float32 softmax and log-softmax backward pass (one pass per row over the output and its
 * gradient) against the same rule computed in float64 by the composed ops, on ragged row lengths
 * (shorter than a vector, not a multiple of one), a broadcast gradient and a softmax over a
 * dimension other than the last (which keeps the composed rule).
 */
class FusedSoftmaxBackwardTest {

    /** dx of softmax (or log-softmax) along {@code dim} in {@code dtype}, seeded with {@code g}. */
    private static float[] grad(boolean log, DType dtype, Tensor x0, int dim, Tensor g) {
        Tensor x = x0.detach().to(dtype).clone().requiresGrad(true);
        Tensor y = log ? x.logSoftmax(dim) : x.softmax(dim);
        y.backward(g.to(dtype));
        return x.grad().toFloatArray();
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = 2e-6 + 2e-5 * Math.abs(expected[i]);
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol, what + " at " + i + ": expected " + expected[i] + ", got " + actual[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 15, 16, 17, 33, 100, 1000})
    void float32RowsMatchFloat64(int n) {
        Generator gen = new Generator(n);
        Tensor x = Tensor.randn(gen, 7, n).mul(3), g = Tensor.randn(gen, 7, n);
        for (boolean log : new boolean[] {false, true}) {
            assertClose(grad(log, DType.FLOAT64, x, 1, g), grad(log, DType.FLOAT32, x, 1, g), (log ? "log_softmax" : "softmax") + " n=" + n);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 17})
    void aBroadcastGradientAndAnInnerDimension(int n) {
        Generator gen = new Generator(100 + n);
        Tensor x = Tensor.randn(gen, 2, 3, n);
        Tensor g = Tensor.randn(gen, 1, 1, n).expand(2, 3, n);   // stride 0 over the rows
        for (boolean log : new boolean[] {false, true}) {
            String what = (log ? "log_softmax" : "softmax") + " n=" + n;
            assertClose(grad(log, DType.FLOAT64, x, 2, g), grad(log, DType.FLOAT32, x, 2, g), what + " broadcast g");
            Tensor g2 = Tensor.randn(gen, 2, 3, n);
            assertClose(grad(log, DType.FLOAT64, x, 1, g2), grad(log, DType.FLOAT32, x, 1, g2), what + " dim 1");
        }
    }
}
