package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Identity, ModuleList and ModuleDict: PyTorch's state-dict and module names, editing, and their errors. */
class ContainersTest {

    /**
     * PyTorch's Net: stem Conv2d, blocks ModuleList [Linear, Sequential(Linear, ReLU, LayerNorm)], heads ModuleDict {cls, box},
     * skip Identity, norm GroupNorm(1, 2).
     */
    static final class Net extends Module {
        final Conv2d stem = registerModule("stem", new Conv2d(1, 2, 3, 1, 0));
        final ModuleList blocks = registerModule("blocks", new ModuleList(new Linear(2, 2),
                new Sequential(new Linear(2, 3), Activation.relu(), new LayerNorm(3))));
        final ModuleDict heads = registerModule("heads", new ModuleDict());
        final Identity skip = registerModule("skip", new Identity());
        final GroupNorm norm = registerModule("norm", new GroupNorm(1, 2));

        Net() {
            heads.put("cls", new Linear(3, 4));
            heads.put("box", new Linear(3, 2, false));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = norm.call(skip.call(stem.call(x))).mean(new int[] {2, 3}, false);
            for (Module b : blocks) h = b.call(h);
            return heads.get("cls").call(h);
        }
    }

    @Test
    void namesAreTorchs() {
        Net net = new Net();
        // printed by PyTorch 1.13 for the same architecture (state_dict().keys() and named_modules())
        assertEquals(List.of("stem.weight", "stem.bias", "blocks.0.weight", "blocks.0.bias", "blocks.1.0.weight", "blocks.1.0.bias",
                "blocks.1.2.weight", "blocks.1.2.bias", "heads.cls.weight", "heads.cls.bias", "heads.box.weight", "norm.weight", "norm.bias"),
                List.copyOf(net.stateDict().keySet()));
        assertEquals(List.of("", "stem", "blocks", "blocks.0", "blocks.1", "blocks.1.0", "blocks.1.1", "blocks.1.2", "heads", "heads.cls",
                "heads.box", "skip", "norm"), List.copyOf(net.namedModules().keySet()));
        assertArrayEquals(new int[] {2, 4}, net.call(Tensor.randn(2, 1, 5, 5)).shape());
        Net other = new Net();
        other.loadStateDict(net.stateDict());
        Tensor x = Tensor.randn(3, 1, 4, 4);
        assertTrue(other.call(x).allClose(net.call(x), 0, 0));
    }

    @Test
    void identityReturnsItsInput() {
        Tensor x = Tensor.randn(2, 3);
        assertSame(x, new Identity().forward(x));
        assertTrue(new Identity().parameters().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> new Identity().forward(null));
    }

    @Test
    void moduleListInsertsRemovesAndReplacesRenumberingItsChildren() {
        Linear a = new Linear(1, 1), b = new Linear(1, 2), c = new Linear(1, 3), d = new Linear(1, 4);
        ModuleList list = new ModuleList(a, b);
        list.add(c);
        assertEquals(3, list.size());
        list.insert(1, d);                     // a d b c
        assertEquals(List.of(a, d, b, c), List.copyOf(list.children().values()));
        assertEquals(List.of("0", "1", "2", "3"), List.copyOf(list.children().keySet()));
        assertSame(b, list.get(-2));
        assertSame(d, list.remove(1));         // a b c
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"), List.copyOf(list.stateDict().keySet()));
        assertSame(c, list.get(2));
        assertEquals(3, list.stateDict().get("2.weight").shape()[0]);
        assertSame(a, list.set(0, d));         // d b c
        assertSame(d, list.children().get("0"));
        list.insert(-1, a);                    // d b a c, as Python's list.insert
        assertEquals(List.of(d, b, a, c), List.copyOf(list.children().values()));
        list.addAll(List.of(new Identity()));
        assertEquals(5, list.size());
        int n = 0;
        for (Module m : list) n += m == list.get(n) ? 1 : 0;
        assertEquals(5, n);
    }

    @Test
    void moduleListErrorsNameTheCallAndTheRange() {
        ModuleList list = new ModuleList(new Linear(1, 1));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> list.get(1));
        assertTrue(e.getMessage().contains("ModuleList.get") && e.getMessage().contains("-1 to 0"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> list.remove(-2));
        e = assertThrows(IndexOutOfBoundsException.class, () -> list.insert(3, new Identity()));
        assertTrue(e.getMessage().contains("ModuleList.insert") && e.getMessage().contains("-1 to 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> list.add(null));
        assertThrows(IllegalArgumentException.class, () -> new ModuleList((Module) null));
        assertThrows(IllegalArgumentException.class, () -> list.addAll(java.util.Arrays.asList(new Identity(), null)));
        assertEquals(1, list.size(), "a failed addAll adds nothing");
        UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class, () -> list.call(Tensor.ones(1)));
        assertTrue(u.getMessage().contains("ModuleList has no forward pass"), u.getMessage());
    }

    @Test
    void moduleDictKeepsInsertionOrderAndReplacesInPlace() {
        Map<String, Module> init = new LinkedHashMap<>();
        init.put("b", new Linear(1, 1));
        init.put("a", new Linear(1, 2));
        ModuleDict dict = new ModuleDict(init);
        Linear replacement = new Linear(1, 3);
        assertSame(init.get("b"), dict.put("b", replacement));
        assertEquals(List.of("b", "a"), List.copyOf(dict.keySet()));
        assertEquals(List.of("b.weight", "b.bias", "a.weight", "a.bias"), List.copyOf(dict.stateDict().keySet()));
        assertEquals(3, dict.stateDict().get("b.weight").shape()[0]);
        assertSame(init.get("a"), dict.remove("a"));
        assertNull(dict.remove("a"));
        assertEquals(List.of("b"), List.copyOf(dict.children().keySet()));
        assertTrue(dict.containsKey("b") && dict.size() == 1 && dict.values().equals(List.of(replacement)));
        dict.clear();
        assertTrue(dict.isEmpty() && dict.children().isEmpty());
    }

    @Test
    void moduleDictErrorsNameTheCallAndWhatIsAllowed() {
        ModuleDict dict = new ModuleDict();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dict.put("a.b", new Identity()));
        assertTrue(e.getMessage().contains("ModuleDict.put") && e.getMessage().contains("no '.'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> dict.put("", new Identity()));
        assertThrows(IllegalArgumentException.class, () -> dict.put(null, new Identity()));
        assertThrows(IllegalArgumentException.class, () -> dict.put("x", null));
        UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class, () -> dict.forward(Tensor.ones(1)));
        assertTrue(u.getMessage().contains("ModuleDict has no forward pass"), u.getMessage());
    }
}
