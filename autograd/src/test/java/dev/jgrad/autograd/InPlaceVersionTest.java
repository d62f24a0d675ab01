package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.inspect.BackwardStepper;
import dev.jgrad.tensor.Anomaly;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * In-place changes to a tensor that a derivative rule reads make backward fail instead of
 * computing a wrong gradient (PyTorch's version counters): every in-place write bumps the
 * version of the tensor's storage, each node records the versions of the tensors its rule reads,
 * and the engine compares before it runs the rule. Tensors no rule reads may change freely.
 */
class InPlaceVersionTest {

    private static Tensor leaf(double... v) {
        return Tensor.of(v).requiresGrad(true);
    }

    private static IllegalStateException assertBackwardFails(Tensor loss, String... fragments) {
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "expected '" + f + "' in: " + e.getMessage());
        return e;
    }

    // ---- the issue's cases ---------------------------------------------------------------------------

    /** Issue 15 item 1: backward used to read x's new values and give [100, 100]. */
    @Test
    void theIssuesExampleFailsInsteadOfGivingAWrongGradient() {
        Tensor w = leaf(1, 2);
        Tensor x = Tensor.of(new double[] {3, 4}).name("x");
        Tensor loss = w.mul(x).sum();
        x.fill(100);
        IllegalStateException e = assertBackwardFails(loss);
        assertEquals("backward: one of the tensors Mul saved for its gradient (input 1, 'x') was modified in place after Mul used it"
                + " (version 0 → 1); clone it before modifying it, or modify it after backward", e.getMessage());
        assertNull(w.grad(), "no gradient is accumulated from a failed pass");
    }

    @Test
    void withoutTheInPlaceChangeTheGradientIsRight() {
        Tensor w = leaf(1, 2);
        Tensor x = Tensor.of(new double[] {3, 4});
        w.mul(x).sum().backward();
        assertArrayEquals(new double[] {3, 4}, w.grad().toDoubleArray());
    }

    /** The optimizer-between-forward-and-backward mistake: the rule of Mul reads the parameter itself. */
    @Test
    void aParameterUpdatedUnderNoGradBetweenForwardAndBackwardFails() {
        Tensor w = leaf(1, 2).name("w");
        Tensor x = leaf(3, 4);
        Tensor loss = w.mul(x).sum();
        try (var _ = GradMode.noGrad()) {
            w.addInPlace(Tensor.of(new double[] {1, 1}), -0.1);
        }
        assertBackwardFails(loss, "Mul", "input 0, 'w'", "version 0 → 1");
    }

    @Test
    void aChangeThroughAViewThatSharesTheStorageIsSeen() {
        Tensor w = leaf(1, 2, 3, 4);
        Tensor x = Tensor.of(new double[] {5, 6, 7, 8});
        Tensor loss = w.mul(x).sum();
        x.slice(0, 2, 4, 1).fill(0);   // a view of the saved tensor
        assertBackwardFails(loss, "Mul", "input 1");

        Tensor base = Tensor.of(new double[] {5, 6, 7, 8});
        Tensor loss2 = w.reshape(2, 2).mul(base.reshape(2, 2).t()).sum();   // the rule reads a view of base
        base.detach().mulInPlace(2);                                          // another view of it
        assertBackwardFails(loss2, "Mul", "input 1");
    }

    /** As in PyTorch: Add's rule reads no input, so changing one afterwards is harmless and allowed. */
    @Test
    void changingATensorNoRuleReadsIsAllowed() {
        Tensor w = leaf(1, 2);
        Tensor x = Tensor.of(new double[] {3, 4});
        Tensor loss = w.add(x).mul(2).sum();
        x.fill(100);
        loss.backward();
        assertArrayEquals(new double[] {2, 2}, w.grad().toDoubleArray());

        Tensor v = leaf(1, 2);
        Tensor loss2 = v.sum();   // Sum reads nothing but shapes
        try (var _ = GradMode.noGrad()) {
            v.fill(7);
        }
        loss2.backward();
        assertArrayEquals(new double[] {1, 1}, v.grad().toDoubleArray());
    }

    @Test
    void changingAnOutputThatALaterRuleReadsFails() {
        Tensor x = leaf(0.5, -1);
        Tensor y = x.exp();   // exp's rule reads its output: g·y
        Tensor loss = y.sum();
        try (var _ = GradMode.noGrad()) {
            y.fill(0);
        }
        assertBackwardFails(loss, "Exp", "its output", "version 0 → 1");

        Tensor x2 = leaf(0.5, -1);
        Tensor s = x2.sigmoid();
        Tensor loss2 = s.sum();
        s.detach().zero();   // through a detached view
        assertBackwardFails(loss2, "Sigmoid", "its output");
    }

    @Test
    void aSecondBackwardWithRetainGraphFailsAfterAnInPlaceChange() {
        Tensor w = leaf(1, 2);
        Tensor x = Tensor.of(new double[] {3, 4});
        Tensor loss = w.mul(x).sum();
        loss.backward(null, true);
        assertArrayEquals(new double[] {3, 4}, w.grad().toDoubleArray());
        x.copyFrom(Tensor.of(new double[] {100, 100}));
        assertBackwardFails(loss, "Mul", "input 1", "version 0 → 1");
        assertArrayEquals(new double[] {3, 4}, w.grad().toDoubleArray(), "the failed pass accumulated nothing");
    }

    @Test
    void writingTheOldValuesBackStillCounts() {
        Tensor w = leaf(1, 2);
        Tensor x = Tensor.of(new double[] {3, 4});
        Tensor loss = w.mul(x).sum();
        x.mulInPlace(2);
        x.mulInPlace(0.5);
        assertBackwardFails(loss, "version 0 → 2");
    }

    @Test
    void eachInPlaceMethodCounts() {
        for (String method : new String[] {"fill", "zero", "copyFrom", "addInPlace", "mulInPlace"}) {
            Tensor w = leaf(1, 2);
            Tensor x = Tensor.of(new double[] {3, 4});
            Tensor loss = w.mul(x).sum();
            switch (method) {
                case "fill" -> x.fill(1);
                case "zero" -> x.zero();
                case "copyFrom" -> x.copyFrom(Tensor.of(new double[] {5, 6}));
                case "addInPlace" -> x.addInPlace(Tensor.of(new double[] {5, 6}), 1);
                default -> x.mulInPlace(3);
            }
            assertThrows(IllegalStateException.class, loss::backward, method);
        }
    }

    // ---- saved tensors of fused ops, outputs, and the other engine entry points --------------------

    @Test
    void theTensorsAFusedOpSavedCountToo() {
        Tensor x = Tensor.randn(new Generator(1), 2, 1, 4, 4).requiresGrad(true);
        Tensor pooled = x.maxPool2d(2);
        Tensor loss = pooled.sum();
        ((Op.MaxPool2d) pooled.op()).indices().fill(0);
        assertBackwardFails(loss, "MaxPool2d", "its saved indices");

        Tensor d = Tensor.randn(new Generator(2), 3, 5).requiresGrad(true).dropout(0.5, new Generator(3));
        Tensor loss2 = d.sum();
        ((Op.Dropout) d.op()).mask().fill(1);
        assertBackwardFails(loss2, "Dropout", "its saved mask");

        Tensor weight = Tensor.ones(4).name("ln.weight");
        Tensor y = Tensor.randn(new Generator(4), 3, 4).requiresGrad(true).layerNorm(new int[] {4}, weight, null, 1e-5);
        Tensor loss3 = y.mul(y).sum();
        weight.fill(2);
        assertBackwardFails(loss3, "LayerNorm", "input 1, 'ln.weight'");
    }

    @Test
    void matmulChecksBothOperands() {
        Tensor a = Tensor.randn(new Generator(5), 2, 3).requiresGrad(true);
        Tensor b = Tensor.randn(new Generator(6), 3, 2);
        Tensor loss = a.matmul(b).sum();
        b.fill(0);
        assertBackwardFails(loss, "MatMul", "input 1");
    }

    @Test
    void theStepperRefusesTheNodeToo() {
        Tensor w = leaf(1, 2);
        Tensor x = Tensor.of(new double[] {3, 4});
        Tensor loss = w.mul(x).sum();
        x.fill(0);
        BackwardStepper stepper = new BackwardStepper(loss);
        stepper.next();   // Sum reads nothing
        IllegalStateException e = assertThrows(IllegalStateException.class, stepper::next);
        assertTrue(e.getMessage().contains("Mul"), e.getMessage());
    }

    @Test
    void inAnomalyModeTheErrorSaysWhereTheOpWasCreated() {
        Tensor w = leaf(1, 2);
        Tensor x = Tensor.of(new double[] {3, 4});
        Tensor loss;
        try (var _ = Anomaly.detect()) {
            loss = w.mul(x).sum();
        }
        x.fill(0);
        IllegalStateException e = assertBackwardFails(loss, "Mul");
        assertTrue(e.getCause() != null && e.getCause().getMessage().contains("Mul was created here"), String.valueOf(e.getCause()));
        boolean here = false;
        for (StackTraceElement f : e.getCause().getStackTrace()) here |= f.getMethodName().equals("inAnomalyModeTheErrorSaysWhereTheOpWasCreated");
        assertTrue(here, "the cause's stack reaches this test");
    }
}
