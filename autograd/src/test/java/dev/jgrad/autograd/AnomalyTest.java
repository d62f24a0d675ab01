package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Anomaly;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Anomaly mode: the op that produces a NaN or infinity in its forward pass, or whose derivative
 * rule produces one in a gradient, is reported with the line of this file that created it.
 */
class AnomalyTest {

    /** The line number of the caller's next line. */
    private static int nextLine() {
        return new Throwable().getStackTrace()[1].getLineNumber() + 1;
    }

    private static String at(int line) {
        return "AnomalyTest.java:" + line + ")";
    }

    @AfterEach
    void offAgain() {
        assertFalse(Anomaly.isEnabled(), "a scope was left open");
    }

    @Test
    void forwardNaNOrInfinityNamesTheOpAndTheLine() {
        Tensor x = Tensor.of(new double[] {1, 0, 4}).requiresGrad(true);
        try (var a = Anomaly.detect()) {
            Tensor y = x.mul(2);   // finite: fine
            int line = nextLine();
            Anomaly.NonFiniteException e = assertThrows(Anomaly.NonFiniteException.class, () -> y.log());
            assertEquals("Log", e.op());
            assertEquals(-1, e.inputIndex());
            String m = e.getMessage();
            assertTrue(m.startsWith("anomaly: Log produced -Infinity (1 of 3 values non-finite, the first at flat index 1 of shape [3])"), m);
            assertTrue(m.contains("from finite inputs"), m);
            assertTrue(m.contains("Log was created at dev.jgrad.autograd.AnomalyTest.lambda$"), m);
            assertTrue(m.contains(at(line)), m + " should point at line " + line);
            assertNotNull(e.getCause(), "the full creation stack is attached");
            assertEquals(line, e.getCause().getStackTrace()[0].getLineNumber());
        }
    }

    @Test
    void forwardChecksRunWithoutGradToo() {
        try (var a = Anomaly.detect(); var g = GradMode.noGrad()) {
            Tensor big = Tensor.of(new float[] {100});
            int line = nextLine();
            Anomaly.NonFiniteException e = assertThrows(Anomaly.NonFiniteException.class, () -> big.exp());
            assertTrue(e.getMessage().contains("Exp produced +Infinity") && e.getMessage().contains(at(line)), e.getMessage());
            assertThrows(Anomaly.NonFiniteException.class, () -> Tensor.of(new float[] {0}).div(Tensor.of(new float[] {0})));
        }
    }

    @Test
    void valuesThatComeFromOutsideArePropagatedNotReported() {
        Tensor scores = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        Tensor mask = Tensor.of(new float[] {0, Float.NEGATIVE_INFINITY, 0, 0}, 2, 2);   // an attention mask
        Tensor data = Tensor.of(new float[] {Float.NaN, 1});
        try (var a = Anomaly.detect()) {
            Tensor p = scores.add(mask).softmax(-1);
            assertEquals(0, p.toFloatArray()[1]);
            p.sum().backward();                             // gradients stay finite: no report
            assertTrue(Double.isNaN(data.mul(2).sum().item()));   // NaN in, NaN out: not this op's doing
            // but a NaN made from infinities is new
            Tensor inf = Tensor.of(new float[] {Float.POSITIVE_INFINITY});
            assertThrows(Anomaly.NonFiniteException.class, () -> inf.sub(inf));
        }
    }

    @Test
    void backwardNamesTheRuleTheInputAndTheLine() {
        Tensor x = Tensor.of(new double[] {4, 0, 1}).requiresGrad(true);
        try (var a = Anomaly.detect()) {
            int line = nextLine();
            Tensor r = x.sqrt();                     // √0 = 0 is finite; its derivative 1/(2√0) is not
            Tensor loss = r.sum();
            Anomaly.NonFiniteException e = assertThrows(Anomaly.NonFiniteException.class, loss::backward);
            assertEquals("Sqrt", e.op());
            assertEquals(0, e.inputIndex());
            String m = e.getMessage();
            assertTrue(m.startsWith("anomaly: the derivative rule of Sqrt produced +Infinity (1 of 3 values non-finite, the first at flat"
                    + " index 1 of shape [3]) in the gradient of input 0 from a finite upstream gradient"), m);
            assertTrue(m.contains("Sqrt was created at dev.jgrad.autograd.AnomalyTest.backwardNamesTheRuleTheInputAndTheLine(" + at(line)), m);
        }
    }

    @Test
    void backwardReportsTheSecondInputOfABinaryOp() {
        Tensor base = Tensor.of(new double[] {-1, 2}).requiresGrad(true);
        Tensor exponent = Tensor.of(new double[] {2, 2}).requiresGrad(true);
        try (var a = Anomaly.detect()) {
            int line = nextLine();
            Tensor y = base.pow(exponent);           // (−1)² = 1, but ∂/∂exponent = y·ln(−1) = NaN
            Anomaly.NonFiniteException e = assertThrows(Anomaly.NonFiniteException.class, () -> y.sum().backward());
            assertEquals("Pow", e.op());
            assertEquals(1, e.inputIndex());
            assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("gradient of input 1"), e.getMessage());
            assertTrue(e.getMessage().contains(at(line)), e.getMessage());
        }
    }

    @Test
    void aNonFiniteSeedIsReported() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        try (var a = Anomaly.detect()) {
            Tensor y = x.mul(3);
            Anomaly.NonFiniteException e = assertThrows(Anomaly.NonFiniteException.class,
                    () -> y.backward(Tensor.of(new float[] {1, Float.NaN})));
            assertTrue(e.getMessage().contains("the gradient given to backward() holds NaN"), e.getMessage());
        }
    }

    @Test
    void withoutTheScopeNothingIsCheckedOrCaptured() {
        assertFalse(Anomaly.isEnabled());
        Tensor x = Tensor.of(new double[] {0}).requiresGrad(true);
        Tensor y = x.log();                          // -inf, silently, as in PyTorch
        assertNull(Anomaly.creationSite(y));
        y.sum().backward();
        assertTrue(Double.isInfinite(x.grad().item()));
        Tensor z;
        try (var a = Anomaly.detect()) {
            z = x.mul(2);
        }
        assertNotNull(Anomaly.creationSite(z));
        assertTrue(Anomaly.creationSite(z)[0].toString().contains("AnomalyTest.withoutTheScopeNothingIsCheckedOrCaptured"));
    }

    @Test
    void theModeIsPerThreadAndScopesNest() throws Exception {
        try (var outer = Anomaly.detect()) {
            try (var inner = Anomaly.detect()) {
                assertTrue(Anomaly.isEnabled());
            }
            assertTrue(Anomaly.isEnabled(), "closing the inner scope keeps the outer one");
            // another thread is not affected
            boolean other = CompletableFuture.supplyAsync(() -> {
                Tensor.of(new float[] {0}).log();    // no exception there
                return Anomaly.isEnabled();
            }).get();
            assertFalse(other);
            var extra = Anomaly.detect();
            extra.close();
            extra.close();                           // closing twice is harmless
            assertTrue(Anomaly.isEnabled());
        }
    }
}
