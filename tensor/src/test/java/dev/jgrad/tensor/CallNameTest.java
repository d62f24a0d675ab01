package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Composite calls name the node they return after the call the learner wrote; primitives stay unnamed. */
class CallNameTest {

    private static Tensor param(int... shape) {
        return Tensor.randn(new Generator(7), shape).requiresGrad(true);
    }

    @Test
    void aliasesOfOnePrimitiveAreNamedAfterTheCall() {
        Tensor w = param(2, 3);
        Tensor sq = w.square();
        assertInstanceOf(Op.PowScalar.class, sq.op(), "the record is unchanged");
        assertEquals("square", sq.callName());
        assertEquals("xᵀ", w.t().callName());
        assertEquals("xᵀ", w.transpose(1, 0).callName());
        assertEquals("xᵀ", param(4, 2, 3).transpose(-1, -2).callName(), "a batched matrix transpose");
        assertEquals("transpose", param(4, 2, 3).transpose(0, 2).callName(), "not a matrix transpose");
        assertEquals("flatten", w.flatten().callName());
        assertEquals("unsqueeze", w.unsqueeze(0).callName());
        assertEquals("squeeze", param(2, 1).squeeze().callName());
        assertEquals("squeeze", param(2, 1).squeeze(1).callName());
        assertEquals("select", w.select(0, 1).callName());
        assertEquals("narrow", w.narrow(1, 0, 2).callName());
    }

    @Test
    void compositesNameTheNodeTheyReturn() {
        Tensor w = param(2, 3);
        Tensor mean = w.mean();
        assertInstanceOf(Op.Div.class, mean.op());
        assertEquals("mean", mean.callName());
        assertNull(((Op.Div) mean.op()).a().callName(), "the inner Sum keeps its primitive name");
        Tensor var = w.var();
        assertEquals("var", var.callName());
        assertEquals("std", w.std(null, false, 1).callName());
    }

    @Test
    void linearNamesItsThreeNodesAsItsFormulaReads() {
        Tensor x = param(4, 3), w = param(2, 3), b = param(2);
        Tensor y = x.linear(w, b);
        assertEquals("x·Wᵀ + b", y.callName());
        Tensor product = ((Op.Add) y.op()).a();
        assertEquals("x·Wᵀ", product.callName());
        assertEquals("Wᵀ", ((Op.MatMul) product.op()).b().callName());
        assertEquals("x·Wᵀ", x.linear(w, null).callName(), "without bias the product is the result");
    }

    @Test
    void primitivesLeavesAndReturnedInputsAreNotNamed() {
        Tensor w = param(3);
        assertNull(w.callName(), "a leaf");
        assertNull(w.mul(w).callName(), "the call is the primitive");
        Tensor h = w.add(1);
        assertSame(h, h.flatten(), "a 1-D tensor is already flat");
        assertNull(h.callName(), "flatten returned its input: it keeps its own name");
        assertSame(h, h.t());
        assertNull(h.callName());
        try (var _ = GradMode.noGrad()) {
            assertNull(w.square().callName(), "no node recorded, nothing to name");
        }
    }

    @Test
    void theOuterCallNamesTheNodeItReturns() {
        Tensor y = param(2, 3).square().mean();   // mean's own nodes: Sum, Div
        assertEquals("mean", y.callName());
        Tensor sum = ((Op.Div) y.op()).a();
        assertEquals("square", ((Op.Sum) sum.op()).x().callName());
    }
}
