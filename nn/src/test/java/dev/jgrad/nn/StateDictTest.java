package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** stateDict / loadStateDict: round trips, strictness and the error messages. */
class StateDictTest {
    private static Sequential model() {
        return new Sequential(new Linear(4, 8), BatchNorm.oneD(8), Activation.relu(), new Linear(8, 3));
    }

    private static Map<String, Tensor> copyOf(Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        state.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    @Test
    void roundTripReproducesTheModel() {
        Sequential a = model(), b = model();
        a.forward(Tensor.randn(6, 4));   // moves a's running statistics and num_batches_tracked
        b.loadStateDict(a.stateDict());
        for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
            Tensor other = b.stateDict().get(e.getKey());
            assertEquals(e.getValue().dtype(), other.dtype(), e.getKey());
            assertArrayEquals(e.getValue().toDoubleArray(), other.toDoubleArray(), e.getKey());
        }
        assertEquals(1, b.namedBuffers().get("1.num_batches_tracked").itemLong());
        a.eval();
        b.eval();
        Tensor x = Tensor.randn(5, 4);
        assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray());
        // the loaded values are copies: changing a afterwards leaves b alone
        Linear a0 = (Linear) a.get(0);
        try (var _ = dev.jgrad.tensor.GradMode.noGrad()) {
            a0.weight.fill(7);
        }
        assertFalse(((Linear) b.get(0)).weight.toDoubleArray()[0] == 7);
    }

    @Test
    void stateDictTensorsAreDetachedViewsOfTheLiveState() {
        Sequential m = model();
        Map<String, Tensor> state = m.stateDict();
        Linear first = (Linear) m.get(0);
        Tensor w = state.get("0.weight");
        assertNotSame(first.weight, w);
        assertFalse(w.requiresGrad());
        assertArrayEquals(first.weight.toFloatArray(), w.toFloatArray());
        try (var _ = dev.jgrad.tensor.GradMode.noGrad()) {
            first.weight.fill(0.5);
        }
        assertEquals(0.5, w.toDoubleArray()[3], "a view shares the parameter's storage");
    }

    @Test
    void strictLoadNamesMissingAndUnexpectedKeys() {
        Sequential m = model();
        Map<String, Tensor> state = copyOf(model().stateDict());
        state.remove("3.bias");
        state.remove("1.running_var");
        state.put("4.weight", Tensor.zeros(2, 2));
        float[] before = ((Linear) m.get(0)).weight.toFloatArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state));
        assertTrue(e.getMessage().contains("missing keys: [1.running_var, 3.bias]"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected keys: [4.weight]"), e.getMessage());
        assertArrayEquals(before, ((Linear) m.get(0)).weight.toFloatArray(), "a failed strict load changes nothing");

        state.remove("4.weight");
        IllegalArgumentException onlyMissing = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, true));
        assertFalse(onlyMissing.getMessage().contains("unexpected"), onlyMissing.getMessage());
    }

    @Test
    void shapeMismatchNamesTheKeyAndBothShapes() {
        Sequential m = model();
        Map<String, Tensor> state = copyOf(m.stateDict());
        state.put("3.weight", Tensor.zeros(3, 9));
        state.put("0.bias", Tensor.full(9, 8));   // a valid entry before the bad one must not be half-loaded
        for (boolean strict : new boolean[] {true, false}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, strict));
            assertTrue(e.getMessage().contains("3.weight"), e.getMessage());
            assertTrue(e.getMessage().contains("[3, 9]") && e.getMessage().contains("[3, 8]"), e.getMessage());
            for (double v : ((Linear) m.get(0)).bias.toDoubleArray()) assertTrue(v != 9, "nothing is loaded when a shape mismatches");
        }
    }

    @Test
    void nonStrictLoadReturnsTheKeysItSkipped() {
        Sequential m = model();
        Sequential src = model();
        Map<String, Tensor> state = copyOf(src.stateDict());
        state.remove("0.bias");
        state.put("head.weight", Tensor.zeros(1));
        float[] oldBias = ((Linear) m.get(0)).bias.toFloatArray();
        Module.LoadResult r = m.loadStateDict(state, false);
        assertEquals(List.of("0.bias"), r.missingKeys());
        assertEquals(List.of("head.weight"), r.unexpectedKeys());
        assertArrayEquals(((Linear) src.get(0)).weight.toFloatArray(), ((Linear) m.get(0)).weight.toFloatArray(), "present keys load");
        assertArrayEquals(oldBias, ((Linear) m.get(0)).bias.toFloatArray(), "missing keys keep their values");

        Module.LoadResult clean = m.loadStateDict(src.stateDict(), false);
        assertEquals(List.of(), clean.missingKeys());
        assertEquals(List.of(), clean.unexpectedKeys());
    }

    @Test
    void loadingConvertsDType() {
        Sequential m = model();
        Map<String, Tensor> state = new LinkedHashMap<>();
        model().stateDict().forEach((k, v) -> state.put(k, v.dtype().isFloating() ? v.to(DType.FLOAT64).add(0.25) : v));
        m.loadStateDict(state);
        Linear l = (Linear) m.get(3);
        assertEquals(DType.FLOAT32, l.weight.dtype(), "the module keeps its dtype");
        assertTrue(l.weight.requiresGrad());
        assertTrue(l.weight.allClose(state.get("3.weight").to(DType.FLOAT32), 0, 1e-7));
        assertEquals(DType.INT64, m.namedBuffers().get("1.num_batches_tracked").dtype());
    }
}
