package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Profiler;
import dev.jgrad.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * conv2d's bias is part of its node: one Conv2d op with inputs (x, w, b), the same values as a
 * convolution followed by a broadcast add, the bias gradient the per-channel sum of the upstream
 * gradient, and the input gradient skipped when the input needs none.
 */
class Conv2dBiasTest {
    private final Generator g = new Generator(21);

    @Test
    void oneNodeWithTheBiasAsThirdInput() {
        Tensor x = Tensor.randn(g, 3, 4, 9, 7).requiresGrad(true), w = Tensor.randn(g, 5, 4, 3, 3).requiresGrad(true);
        Tensor b = Tensor.randn(g, 5).requiresGrad(true);
        Tensor y = x.conv2d(w, b, 1, 1);
        Op.Conv2d op = assertInstanceOf(Op.Conv2d.class, y.op());
        assertSame(b, op.b());
        assertEquals(3, op.inputs().size());
        assertEquals(2, ((Op.Conv2d) x.conv2d(w, null, 1, 1).op()).inputs().size());

        Tensor want;
        try (var _ = dev.jgrad.tensor.GradMode.noGrad()) {
            want = x.conv2d(w, null, 1, 1).add(b.reshape(1, 5, 1, 1));
        }
        assertArrayEquals(want.toDoubleArray(), y.toDoubleArray(), 1e-5);

        Tensor seed = Tensor.randn(g, y.shape());
        y.backward(seed);
        assertArrayEquals(seed.sum(new int[] {0, 2, 3}, false).toDoubleArray(), b.grad().toDoubleArray(), 1e-4);
        assertArrayEquals(x.shape(), x.grad().shape());
    }

    @Test
    void float64BiasPromotesTheOutput() {
        Tensor x = Tensor.randn(g, 1, 2, 5, 5), w = Tensor.randn(g, 3, 2, 3, 3), b = Tensor.randn(g, 3).to(DType.FLOAT64);
        Tensor y = x.conv2d(w, b);
        assertEquals(DType.FLOAT64, y.dtype());
        Tensor want = x.to(DType.FLOAT64).conv2d(w.to(DType.FLOAT64), null).add(b.reshape(1, 3, 1, 1));
        assertArrayEquals(want.toDoubleArray(), y.toDoubleArray(), 1e-12);
    }

    @Test
    void noInputGradientIsComputedForAnInputThatNeedsNone() {
        Tensor x = Tensor.randn(g, 2, 1, 8, 8), w = Tensor.randn(g, 4, 1, 3, 3).requiresGrad(true);
        Tensor b = Tensor.randn(g, 4).requiresGrad(true);
        Map<String, double[]> totals;
        try (Profiler p = Profiler.start()) {
            x.conv2d(w, b, 1, 1).sum().backward();
            totals = p.totals();
        }
        assertFalse(totals.containsKey("conv2d backward input"), totals.keySet().toString());
        assertTrue(totals.containsKey("conv2d backward weight"), totals.keySet().toString());
        assertTrue(totals.containsKey("conv2d backward bias"), totals.keySet().toString());
        assertArrayEquals(new double[] {128, 128, 128, 128}, b.grad().toDoubleArray(), 1e-9);
    }
}
