package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Gradients through FLOAT16 and BFLOAT16 tensors: they flow (the half types are floating), each
 * node's gradient is computed as the forward op is (in float32, rounded) and arrives in the
 * input's own dtype, and leaf gradients accumulate in the leaf's dtype, as in PyTorch.
 */
class HalfGradientTest {

    private static Tensor randomHalf(DType t, long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape).mul(3).to(t);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void gradientsFlowInTheTensorsDtype(DType t) {
        Tensor w = randomHalf(t, 20, 5, 3).requiresGrad(true);
        Tensor x = randomHalf(t, 21, 4, 5);
        Tensor loss = x.matmul(w).tanh().sum();
        assertEquals(t, loss.dtype());
        loss.backward();
        assertEquals(t, w.grad().dtype());
        assertArrayEquals(new int[] {5, 3}, w.grad().shape());
        // the same graph in float32 on the same values: the half gradient is that within a few half ulps
        Tensor w32 = w.detach().to(DType.FLOAT32).requiresGrad(true);
        x.to(DType.FLOAT32).matmul(w32).tanh().sum().backward();
        double eps = t == DType.FLOAT16 ? 0x1p-10 : 0x1p-7;
        float[] g = w.grad().toFloatArray(), g32 = w32.grad().toFloatArray();
        for (int i = 0; i < g.length; i++) assertEquals(g32[i], g[i], 8 * eps * (1 + Math.abs(g32[i])), "grad " + i);
        // a second backward pass accumulates, in the tensor's dtype
        x.matmul(w).tanh().sum().backward();
        assertEquals(t, w.grad().dtype());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void aFloat32GraphFedByAHalfLeafGivesTheLeafAHalfGradient(DType t) {
        Tensor w = randomHalf(t, 30, 3, 3).requiresGrad(true);
        Tensor loss = w.to(DType.FLOAT32).mul(Tensor.ones(3, 3)).sum();
        loss.backward();
        assertEquals(t, w.grad().dtype());
        assertArrayEquals(Tensor.ones(t, 3, 3).toHalfBits(), w.grad().toHalfBits());
        // a half leaf mixed into a float32 op: the gradient is cast back to the leaf's dtype by the engine
        Tensor v = randomHalf(t, 31, 3).requiresGrad(true);
        v.mul(Tensor.of(new float[] {0.5f, 2, -1})).sum().backward();
        assertEquals(t, v.grad().dtype());
        assertArrayEquals(new float[] {0.5f, 2, -1}, v.grad().toFloatArray());
    }
}
