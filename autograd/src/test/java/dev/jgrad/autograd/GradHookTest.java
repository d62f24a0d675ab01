package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.inspect.BackwardStepper;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.HookHandle;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Gradient hooks on tensors ({@link Tensor#registerHook}): when they run, what they see, replacing and removing them. */
class GradHookTest {

    private static Tensor leaf(double... v) {
        return Tensor.of(v).requiresGrad(true);
    }

    private static void assertValues(double[] expected, Tensor t) {
        assertNotNull(t, "gradient is null");
        assertArrayEquals(expected, t.toDoubleArray(), 1e-12, t::toString);
    }

    @Test
    void aNonLeafHookSeesItsGradientAndItsReplacementFlowsOn() {
        Tensor x = leaf(1, 2, 3);
        Tensor h = x.mul(x);
        List<double[]> seen = new ArrayList<>();
        h.registerHook(g -> {
            seen.add(g.toDoubleArray());
            return g.mul(10);
        });
        h.mul(Tensor.of(new double[] {1, 2, 3})).sum().backward();
        assertEquals(1, seen.size());
        assertArrayEquals(new double[] {1, 2, 3}, seen.get(0));
        assertValues(new double[] {20, 80, 180}, x.grad());   // 10·g·2x
    }

    @Test
    void aLeafHookRunsOnceOnTheSumOverEveryPath() {
        Tensor x = leaf(1, 2);
        List<double[]> seen = new ArrayList<>();
        x.registerHook(g -> {
            seen.add(g.toDoubleArray());
            return null;   // keep it
        });
        x.mul(2).add(x.mul(3)).add(x.mul(x)).sum().backward();
        assertEquals(1, seen.size(), "called once, with the complete gradient");
        assertArrayEquals(new double[] {7, 9}, seen.get(0), 1e-12);   // 2 + 3 + 2x
        assertValues(new double[] {7, 9}, x.grad());
    }

    @Test
    void aLeafHookReplacesWhatAccumulates() {
        Tensor x = leaf(1, 2);
        x.registerHook(Tensor::neg);
        x.mul(3).sum().backward();
        x.mul(3).sum().backward();
        assertValues(new double[] {-6, -6}, x.grad());
    }

    @Test
    void hooksChainInRegistrationOrderAndRemoveStopsThem() {
        Tensor x = leaf(1);
        Tensor h = x.mul(1);
        List<String> calls = new ArrayList<>();
        HookHandle first = h.registerHook(g -> {
            calls.add("first");
            return g.add(1);
        });
        h.registerHook(g -> {
            calls.add("second sees " + g.item());
            return g.mul(2);
        });
        h.sum().backward(null, true);
        assertEquals(List.of("first", "second sees 2.0"), calls);
        assertValues(new double[] {4}, x.grad());
        first.remove();
        first.remove();   // a second remove does nothing
        calls.clear();
        x.zeroGrad();
        h.sum().backward();
        assertEquals(List.of("second sees 1.0"), calls);
        assertValues(new double[] {2}, x.grad());
    }

    @Test
    void theSameFunctionRegisteredTwiceIsRemovedOnce() {
        Tensor x = leaf(1);
        java.util.function.UnaryOperator<Tensor> twice = g -> g.mul(2);
        HookHandle a = x.registerHook(twice);
        x.registerHook(twice);
        a.remove();
        x.mul(1).sum().backward();
        assertValues(new double[] {2}, x.grad());
    }

    @Test
    void retainGradStoresTheHookedGradient() {
        Tensor x = leaf(1, 2);
        Tensor h = x.mul(2).retainGrad();
        h.registerHook(g -> g.mul(5));
        h.sum().backward();
        assertValues(new double[] {5, 5}, h.grad());
        assertValues(new double[] {10, 10}, x.grad());
    }

    @Test
    void theRootsHooksSeeTheSeed() {
        Tensor x = leaf(1, 2);
        x.registerHook(g -> g.mul(3));
        x.backward(Tensor.of(new double[] {1, 2}));
        assertValues(new double[] {3, 6}, x.grad());
        Tensor y = x.mul(1);
        y.registerHook(g -> g.add(1));
        x.zeroGrad();
        y.backward(Tensor.of(new double[] {1, 1}));
        assertValues(new double[] {6, 6}, x.grad());   // (1 + 1)·3
    }

    @Test
    void hooksRunWithRecordingOffAndAsTheStepperStepsThrough() {
        Tensor x = leaf(1, 2);
        Tensor h = x.mul(x);
        boolean[] recording = {true};
        h.registerHook(g -> {
            recording[0] = GradMode.isEnabled();
            return g.mul(2);
        });
        BackwardStepper stepper = new BackwardStepper(h.sum(), null, false);
        while (stepper.hasNext()) stepper.next();
        assertEquals(false, recording[0]);
        assertValues(new double[] {4, 8}, x.grad());
    }

    @Test
    void aHookReturningAnotherShapeFailsNamingTheTensor() {
        Tensor x = leaf(1, 2);
        Tensor h = x.mul(1).name("hidden");
        h.registerHook(g -> g.sum());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.sum().backward());
        assertTrue(e.getMessage().contains("hidden") && e.getMessage().contains("[2]") && e.getMessage().contains("[]"), e.getMessage());
    }

    @Test
    void aTensorThatNeedsNoGradientTakesNoHook() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Tensor.of(new double[] {1}).registerHook(g -> g));
        assertTrue(e.getMessage().contains("registerHook") && e.getMessage().contains("require grad"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> leaf(1).registerHook(null));
    }

    @Test
    void aLeafReachedOnlyThroughANonDifferentiableInputKeepsNoGradient() {
        Tensor x = leaf(1, 2);
        int[] calls = {0};
        x.registerHook(g -> {
            calls[0]++;
            return g;
        });
        Tensor w = leaf(3, 4);
        Tensor.where(x.gt(1), w, w.mul(2)).sum().backward();   // x reaches the graph only through a comparison
        assertEquals(0, calls[0]);
        assertEquals(null, x.grad());
    }
}
