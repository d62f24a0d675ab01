package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.GradCases.GradCase;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link Op#savedTensors} lists every tensor a derivative rule reads: in the graph of every
 * gradcheck case (so at every primitive op), each input and output a node does <em>not</em> list is
 * overwritten in place, and the node's rule must give the same gradients as before, bit for bit.
 * A rule that reads a tensor its op does not declare would let an in-place change of that tensor
 * slip past the engine's version check; this test fails for it instead.
 */
class SavedTensorsDeclarationTest {

    @Test
    void everyRuleReadsOnlyTheTensorsItsOpDeclares() {
        Set<String> opsChecked = new TreeSet<>();
        int[] changed = {0};
        GradCheckCoverageTest.allCases().forEach(c -> checkCase(c, opsChecked, changed));
        assertEquals(GradCheckCoverageTest.primitiveOpNames(), opsChecked, "every primitive op's rule was run on its graph");
        assertTrue(changed[0] > 100, "undeclared tensors overwritten: " + changed[0]);
    }

    private static void checkCase(GradCase c, Set<String> opsChecked, int[] changed) {
        List<Tensor> xs = new ArrayList<>();
        for (Tensor in : c.inputs()) xs.add(in.dtype().isFloating() ? in.detach().to(DType.FLOAT64).clone().detach().requiresGrad(true) : in);
        Tensor root = c.f().apply(xs);
        for (Tensor node : nodes(root)) {
            Op op = node.op();
            opsChecked.add(op.name());
            Tensor g = Tensor.randn(new Generator(7), node.shape()).to(node.dtype());
            List<double[]> before = grads(op, node, g);
            List<Tensor> declared = op.savedTensors(node);
            List<Tensor> candidates = new ArrayList<>(op.inputs());
            candidates.add(node);
            for (Tensor t : candidates) {
                if (containsSame(declared, t) || !t.dtype().isFloating() || t.numel() == 0) continue;
                int[] declaredVersions = declared.stream().mapToInt(Tensor::version).toArray();
                try (var _ = GradMode.noGrad()) {
                    Tensor backup = t.clone();
                    t.fill(0.6180339887);
                    // a declared tensor sharing t's storage (x.div(x)) changed too: the rule may see it
                    boolean shared = !java.util.Arrays.equals(declaredVersions, declared.stream().mapToInt(Tensor::version).toArray());
                    if (!shared) {
                        List<double[]> after = grads(op, node, g);
                        for (int i = 0; i < before.size(); i++) {
                            assertArrayEquals(before.get(i), after.get(i), c.name() + ": the rule of " + op.name() + " read "
                                    + (t == node ? "its output" : "input " + op.inputs().indexOf(t)) + ", which savedTensors does not list"
                                    + " (gradient of input " + i + " changed)");
                        }
                        changed[0]++;
                    }
                    t.copyFrom(backup);
                }
            }
        }
    }

    /** The gradients the rule of {@code op} gives for upstream gradient {@code g}, as arrays (null stays null). */
    private static List<double[]> grads(Op op, Tensor node, Tensor g) {
        try (var _ = GradMode.noGrad()) {
            List<double[]> out = new ArrayList<>();
            for (Tensor gi : Derivatives.inputGrads(op, node, g)) out.add(gi == null ? null : gi.toDoubleArray());
            return out;
        }
    }

    private static boolean containsSame(List<Tensor> list, Tensor t) {
        for (Tensor u : list) if (u == t) return true;
        return false;
    }

    /** The non-leaf tensors of the graph. */
    private static List<Tensor> nodes(Tensor root) {
        List<Tensor> out = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Tensor> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            Tensor t = todo.pop();
            if (!seen.add(t) || t.op() == null) continue;
            out.add(t);
            todo.addAll(t.op().inputs());
        }
        return out;
    }
}
