package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.inspect.Formulas;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The fused attention op against the same attention composed of matmul and softmax: forward
 * values and all three gradients, in float64 (reference kernel) and float32 (tiled SIMD
 * kernel), across tile boundaries, with masks, causal masking and fully hidden rows.
 */
class FusedAttentionTest {

    private static Tensor composed(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale) {
        return Tensor.attentionWeights(q, k, mask, causal, scale).matmul(v);
    }

    private static Tensor[] run(boolean fused, Tensor q0, Tensor k0, Tensor v0, Tensor mask, boolean causal, Tensor g) {
        Tensor q = q0.detach().clone().requiresGrad(true), k = k0.detach().clone().requiresGrad(true), v = v0.detach().clone().requiresGrad(true);
        double scale = 1 / Math.sqrt(q.size(-1));
        Tensor out = fused ? Tensor.scaledDotProductAttention(q, k, v, mask, causal, scale) : composed(q, k, v, mask, causal, scale);
        // float32 runs fuse with or without a mask; float64 ones only without (a mask keeps its precision composed)
        if (fused && (mask == null || q.dtype() == DType.FLOAT32)) assertInstanceOf(Op.Attention.class, out.op(), "the fused op ran");
        out.backward(g);
        return new Tensor[] {out, q.grad(), k.grad(), v.grad()};
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void matchesTheComposedOp(DType dtype) {
        Generator gen = new Generator(5);
        int l = 70, s = 131, d = 16;   // more than one 64-wide tile each way, ragged edges
        Tensor q = Tensor.randn(gen, 2, 3, l, d).to(dtype), k = Tensor.randn(gen, 2, 3, s, d).to(dtype), v = Tensor.randn(gen, 2, 3, s, d).to(dtype);
        Tensor mask = Tensor.randn(gen, l, s).to(dtype);
        double tol = dtype == DType.FLOAT64 ? 1e-10 : 2e-4;
        for (boolean causal : new boolean[] {false, true}) {
            for (Tensor m : new Tensor[] {null, mask}) {
                Tensor g = Tensor.randn(gen, 2, 3, l, d).to(dtype);
                Tensor[] fused = run(true, q, k, v, m, causal, g), plain = run(false, q, k, v, m, causal, g);
                String[] names = {"out", "dq", "dk", "dv"};
                for (int i = 0; i < 4; i++) {
                    assertTrue(fused[i].allClose(plain[i], tol, tol), dtype + " causal=" + causal + " mask=" + (m != null) + ": " + names[i]);
                }
            }
        }
    }

    @Test
    void hiddenRowsGiveZerosAndNoGradient() {
        Tensor q = Tensor.randn(new Generator(1), 1, 2, 4), k = Tensor.randn(new Generator(2), 1, 3, 4), v = Tensor.randn(new Generator(3), 1, 3, 4);
        Tensor mask = Tensor.of(new boolean[] {true, false, true, false, false, false}, 2, 3);
        Tensor[] r = run(true, q, k, v, mask, false, Tensor.ones(1, 2, 4));
        assertArrayEquals(new float[] {0, 0, 0, 0}, r[0].select(1, 1).reshape(-1).toFloatArray(), "the hidden query row is zero");
        assertArrayEquals(new float[] {0, 0, 0, 0}, r[1].select(1, 1).reshape(-1).toFloatArray(), "and sends no gradient to its query");
        assertTrue(r[0].select(1, 0).isNonFinite().logicalNot().toBooleanArray()[0]);
    }

    @Test
    void badShapesNameTheOp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.scaledDotProductAttention(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 5, 3), Tensor.zeros(2, 5, 4), null, false, Double.NaN));
        assertTrue(e.getMessage().contains("scaled_dot_product_attention") && e.getMessage().contains("[2, 5, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.scaledDotProductAttention(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 5, 4),
                Tensor.zeros(2, 5, 4), Tensor.zeros(3, 4), false, Double.NaN), "a mask that does not broadcast to [2, 3, 5]");
        assertEquals(List.of("q", "k", "v"), Formulas.inputNames(Tensor.scaledDotProductAttention(Tensor.zeros(1, 2, 2).requiresGrad(true),
                Tensor.zeros(1, 2, 2), Tensor.zeros(1, 2, 2), null, false, Double.NaN).op()));
    }
}
