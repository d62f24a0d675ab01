package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.optim.SGD;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.HookHandle;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Module hooks (forward pre-hooks, forward hooks, full backward hooks), freezing, and walking the module tree. */
class ModuleHooksTest {

    private static Linear linear(double... w) {
        Linear l = new Linear(2, 2, false);
        try (var _ = GradMode.noGrad()) {
            l.weight.copyFrom(Tensor.of(w, 2, 2));
        }
        return l;
    }

    private static void assertValues(double[] expected, Tensor t) {
        assertNotNull(t);
        assertArrayEquals(expected, t.toDoubleArray(), 1e-6, t::toString);
    }

    // ---- forward hooks --------------------------------------------------------------------------

    @Test
    void callRunsPreHooksForwardAndForwardHooksInOrderAndForwardRunsNone() {
        Linear l = linear(1, 0, 0, 1);
        List<String> calls = new ArrayList<>();
        l.registerForwardPreHook((m, x) -> {
            calls.add("pre");
            assertSame(l, m);
            return x.mul(2);
        });
        l.registerForwardHook((m, in, out) -> {
            calls.add("forward sees input " + in.toFloatArray()[0] + " and output " + out.toFloatArray()[0]);
            return out.add(1);
        });
        l.registerForwardHook((m, in, out) -> {
            calls.add("second sees " + out.toFloatArray()[0]);
            return null;   // keep
        });
        Tensor x = Tensor.of(new float[] {3, 4}, 1, 2);
        assertValues(new double[] {7, 9}, l.call(x));
        assertEquals(List.of("pre", "forward sees input 6.0 and output 6.0", "second sees 7.0"), calls);
        calls.clear();
        assertValues(new double[] {3, 4}, l.forward(x));
        assertEquals(List.of(), calls, "forward runs no hooks, as PyTorch's module.forward");
    }

    @Test
    void removedHooksStopRunningAndContainersCallTheirChildrenThroughCall() {
        Linear inner = linear(1, 0, 0, 1);
        Sequential s = new Sequential(inner, Activation.relu());
        int[] calls = {0};
        HookHandle h = inner.registerForwardHook((m, in, out) -> {
            calls[0]++;
            return out.neg();
        });
        Tensor x = Tensor.of(new float[] {1, -2}, 1, 2);
        assertValues(new double[] {0, 2}, s.call(x));
        assertValues(new double[] {0, 2}, s.forward(x));   // Sequential's own forward calls its children through call
        assertEquals(2, calls[0]);
        h.remove();
        h.remove();
        assertValues(new double[] {1, 0}, s.call(x));
        assertEquals(2, calls[0]);
        try (HookHandle scoped = new Residual(inner).registerForwardPreHook((m, in) -> null)) {
            assertNotNull(scoped);
        }
    }

    @Test
    void forwardHooksCollectEveryActivationByName() {
        Sequential model = new Sequential(new Linear(4, 8), Activation.relu(), new Sequential(new Linear(8, 3), Activation.tanh()));
        Map<String, int[]> shapes = new java.util.TreeMap<>();
        List<HookHandle> handles = new ArrayList<>();
        model.namedModules().forEach((name, m) -> handles.add(m.registerForwardHook((mod, in, out) -> {
            shapes.put(name.isEmpty() ? "(root)" : name, out.shape());
            return null;
        })));
        model.call(Tensor.randn(5, 4));
        assertEquals(List.of("(root)", "0", "1", "2", "2.0", "2.1"), List.copyOf(shapes.keySet()));
        assertArrayEquals(new int[] {5, 8}, shapes.get("1"));
        assertArrayEquals(new int[] {5, 3}, shapes.get("2.1"));
        handles.forEach(HookHandle::remove);
    }

    // ---- backward hooks -------------------------------------------------------------------------

    @Test
    void aFullBackwardHookSeesTheGradientsOfInputAndOutputAndMayReplaceTheInputs() {
        Linear l = linear(1, 2, 3, 4);   // y = x·Wᵀ
        List<double[]> seen = new ArrayList<>();
        l.registerFullBackwardHook((m, gradIn, gradOut) -> {
            seen.add(gradOut.toDoubleArray());
            seen.add(gradIn.toDoubleArray());
            return gradIn.mul(10);
        });
        Tensor x = Tensor.of(new double[] {1, 1}, 1, 2).requiresGrad(true);
        l.to(DType.FLOAT64);
        Tensor y = l.call(x);
        y.backward(Tensor.of(new double[] {1, -1}, 1, 2));
        assertArrayEquals(new double[] {1, -1}, seen.get(0), 1e-12);          // ∂L/∂y = the seed
        assertArrayEquals(new double[] {-2, -2}, seen.get(1), 1e-12);         // ∂L/∂x = g·W
        assertValues(new double[] {-20, -20}, x.grad());                       // replaced
        assertValues(new double[] {1, 1, -1, -1}, l.weight.grad());           // the weight's gradient is the module's own, unchanged
    }

    @Test
    void aBackwardHookOnALayerWhoseInputNeedsNoGradientGetsANullInputGradient() {
        Sequential model = new Sequential(new Linear(3, 4), Activation.relu(), new Linear(4, 2));
        List<String> order = new ArrayList<>();
        model.get(0).registerFullBackwardHook((m, gi, go) -> {
            order.add("first layer, gradIn " + (gi == null ? "null" : "set") + ", gradOut " + java.util.Arrays.toString(go.shape()));
            return null;
        });
        model.get(2).registerFullBackwardHook((m, gi, go) -> {
            order.add("last layer, gradIn " + java.util.Arrays.toString(gi.shape()));
            return null;
        });
        model.call(Tensor.randn(5, 3)).sum().backward();
        assertEquals(List.of("last layer, gradIn [5, 4]", "first layer, gradIn null, gradOut [5, 4]"), order);
    }

    @Test
    void backwardHooksDoNothingWithoutAGraphAndSeeTheFinalOutputAfterForwardHooks() {
        Linear l = linear(1, 0, 0, 1);
        int[] calls = {0};
        double[][] gradOut = new double[1][];
        l.registerForwardHook((m, in, out) -> out.mul(3));
        l.registerFullBackwardHook((m, gi, go) -> {
            calls[0]++;
            gradOut[0] = go.toDoubleArray();
            return null;
        });
        Tensor x = Tensor.of(new float[] {1, 2}, 1, 2).requiresGrad(true);
        try (var _ = GradMode.noGrad()) {
            assertNull(l.call(x).op());
        }
        assertEquals(0, calls[0]);
        l.call(x).sum().backward();
        assertEquals(1, calls[0]);
        assertArrayEquals(new double[] {1, 1}, gradOut[0], 1e-6, "∂L/∂(the hooked output), not of forward's own result");
        assertValues(new double[] {3, 3}, x.grad());
    }

    @Test
    void hooksRejectNull() {
        Linear l = new Linear(2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.registerForwardHook(null));
        assertTrue(e.getMessage().contains("Linear.registerForwardHook") && e.getMessage().contains("hook"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> l.registerForwardPreHook(null));
        assertThrows(IllegalArgumentException.class, () -> l.registerFullBackwardHook(null));
        assertThrows(IllegalArgumentException.class, () -> l.apply(null));
    }

    // ---- freezing -------------------------------------------------------------------------------

    @Test
    void requiresGradFalseFreezesEveryParameterAndTheOptimizerSkipsThem() {
        Sequential model = new Sequential(new Linear(3, 4), Activation.tanh(), new Linear(4, 2));
        SGD opt = new SGD(model.parameters(), 0.1);
        Module backbone = model.get(0);
        assertSame(backbone, backbone.requiresGrad(false));
        for (Tensor p : backbone.parameters()) assertTrue(!p.requiresGrad());
        Tensor before = ((Linear) backbone).weight.clone();
        Tensor headBefore = ((Linear) model.get(2)).weight.clone();
        model.call(Tensor.randn(5, 3)).sum().backward();
        for (Tensor p : backbone.parameters()) assertNull(p.grad(), "a frozen parameter gets no gradient");
        opt.step();
        assertTrue(((Linear) backbone).weight.allClose(before, 0, 0), "the frozen layer did not move");
        assertTrue(!((Linear) model.get(2)).weight.allClose(headBefore, 0, 0), "the head did");
        model.requiresGrad(true);
        for (Tensor p : model.parameters()) assertTrue(p.requiresGrad());
    }

    // ---- the module tree ------------------------------------------------------------------------

    @Test
    void namedModulesAreDottedPreOrderWithTheRootAsTheEmptyNameAndSharedModulesOnce() {
        Linear shared = new Linear(2, 2);
        Sequential inner = new Sequential(shared, Activation.relu());
        Sequential model = new Sequential(inner, shared, new Sequential(new Linear(2, 1)));
        Map<String, Module> named = model.namedModules();
        assertEquals(List.of("", "0", "0.0", "0.1", "2", "2.0"), List.copyOf(named.keySet()));
        assertSame(model, named.get(""));
        assertSame(shared, named.get("0.0"));
        assertEquals(List.copyOf(named.values()), model.modules());
    }

    @Test
    void applyVisitsChildrenBeforeTheirParent() {
        Sequential model = new Sequential(new Linear(2, 3), new Sequential(new Linear(3, 3), Activation.relu()));
        List<String> visited = new ArrayList<>();
        assertSame(model, model.apply(m -> visited.add(m.getClass().getSimpleName())));
        assertEquals(List.of("Linear", "Linear", "Activation", "Sequential", "Sequential"), visited);
        model.apply(m -> {
            if (m instanceof Linear l) Init.zeros(l.weight);
        });
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            if (e.getKey().endsWith("weight")) assertEquals(0, e.getValue().abs().sum().item(), e.getKey());
        }
    }
}
