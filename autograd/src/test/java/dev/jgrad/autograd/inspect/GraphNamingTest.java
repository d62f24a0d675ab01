package dev.jgrad.autograd.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Op nodes are titled by the calls a learner writes; the primitive shows on request. */
class GraphNamingTest {

    private static Tensor param(String name, int... shape) {
        return Tensor.randn(new Generator(11), shape).requiresGrad(true).name(name);
    }

    @Test
    void squareIsTitledSquareWithItsPrimitiveOnRequest() {
        Tensor w = param("w", 3);
        Tensor loss = w.square().sum();
        Graph.Node sq = Graph.of(loss).node(1);
        assertEquals("square", sq.title());
        assertEquals("square", sq.call());
        assertEquals("PowScalar", sq.primitive());
        assertEquals("square (PowScalar)", Graph.of(loss, Graph.Naming.CALLS_AND_PRIMITIVES).node(1).title());
        assertEquals("PowScalar", Graph.of(loss, Graph.Naming.PRIMITIVES).node(1).title());
        assertEquals("#1 square", sq.ref());
    }

    @Test
    void primitivesAndLeavesAreTitledAsBefore() {
        Tensor w = param("w", 3);
        Graph g = Graph.of(w.mul(w).sum().name("L"), Graph.Naming.CALLS_AND_PRIMITIVES);
        assertEquals("Mul", g.node(1).title(), "a call that is its primitive is not named twice");
        assertNull(g.node(1).call());
        assertEquals("Sum L", g.root().title());
        assertEquals("w", g.node(0).title());
        assertNull(g.node(0).primitive(), "a leaf has no op");
        assertNull(g.node(0).call());
    }

    @Test
    void aTransposeIsTitledByTheTransposedTensorsName() {
        Tensor w = param("W", 2, 3), x = param("x", 4, 3);
        Graph g = Graph.of(x.matmul(w.t()).sum());
        Graph.Node t = g.nodeOf(((dev.jgrad.tensor.Op.MatMul) g.root().tensor().op().inputs().getFirst().op()).b());
        assertEquals("Wᵀ", t.title());
        assertEquals("Permute", t.primitive());
        assertEquals("Wᵀ (Permute)", Graph.of(x.matmul(w.t()).sum(), Graph.Naming.CALLS_AND_PRIMITIVES)
                .nodes().stream().filter(n -> "Permute".equals(n.primitive())).findFirst().orElseThrow().title());
        assertEquals("Wᵀ", titleOfRoot(w.transpose(0, 1)));
        assertEquals("xᵀ", titleOfRoot(w.mul(2).t()), "an unnamed tensor is x, as the rule's formulas call it");
        assertEquals("hᵀ", titleOfRoot(w.mul(2).name("h").t()));
        assertEquals("Aᵀ", titleOfRoot(param("A", 5, 2, 3).transpose(-1, -2)), "a batched matrix transpose");
        assertEquals("transpose", titleOfRoot(param("A", 5, 2, 3).transpose(0, 2)), "not a matrix transpose: no ᵀ");
    }

    @Test
    void linearIsTitledAsItsFormulaReads() {
        Tensor x = Tensor.randn(new Generator(1), 4, 3);
        Tensor w = Tensor.randn(new Generator(2), 2, 3).requiresGrad(true);
        Tensor b = Tensor.randn(new Generator(3), 2).requiresGrad(true);
        Graph g = Graph.of(x.linear(w, b).sum());
        assertEquals(List.of("input", "param", "Wᵀ", "x·Wᵀ", "param", "x·Wᵀ + b", "Sum"), g.nodes().stream().map(Graph.Node::title).toList());
        w.name("fc1.weight");
        x.name("x");
        assertEquals(List.of("x", "fc1.weight", "fc1.weightᵀ", "x·Wᵀ", "param", "x·Wᵀ + b"),
                Graph.of(x.linear(w, b)).nodes().stream().map(Graph.Node::title).toList(),
                "a named weight shows its name; the product is the layer's formula, whatever its input's name");
        assertEquals(List.of("Permute", "MatMul", "Add"), Graph.of(x.linear(w, b), Graph.Naming.PRIMITIVES).nodes().stream()
                .filter(n -> !n.isLeaf()).map(Graph.Node::title).toList());
    }

    @Test
    void compositesAreTitledByTheCall() {
        Tensor x = param("x", 2, 3);
        assertEquals("mean L", titleOfRoot(x.mean().name("L")));
        assertEquals("mean (Div) L", Graph.of(x.mean().name("L"), Graph.Naming.CALLS_AND_PRIMITIVES).root().title());
        assertEquals("var", titleOfRoot(x.var()));
        assertEquals("std", titleOfRoot(x.std(null, false, 1)));
        assertEquals("flatten", titleOfRoot(x.flatten()));
        assertEquals("unsqueeze", titleOfRoot(x.unsqueeze(0)));
    }

    @Test
    void theStepperAndExportsUseTheNaming() {
        Tensor w = param("w", 2);
        Tensor loss = w.square().sum().name("L");
        BackwardStepper stepper = new BackwardStepper(loss);
        List<NodeStep> steps = stepper.runToEnd();
        NodeStep square = steps.get(1);
        assertEquals("power rule", square.rule().name(), "the rule is the primitive's");
        assertTrue(square.describe().contains("── step 2/2 · #1 square "), square.describe());
        assertTrue(steps.getFirst().describe().contains("x = #1 square  [2]"), steps.getFirst().describe());
        assertTrue(DotExport.dot(stepper).contains("label=\"#1 square\\n"), DotExport.dot(stepper));

        Tensor w2 = param("w", 2);
        BackwardStepper both = new BackwardStepper(w2.square().sum().name("L"), Graph.Naming.CALLS_AND_PRIMITIVES);
        assertEquals(Graph.Naming.CALLS_AND_PRIMITIVES, both.graph().naming());
        assertTrue(both.next().describe().contains("x = #1 square (PowScalar)  [2]"));
        assertTrue(HtmlExport.json(both).contains("\"heading\":\"#1 square (PowScalar)\""));
        assertTrue(DotExport.dot(w2.square().sum(), Graph.Naming.PRIMITIVES).contains("label=\"#1 PowScalar\\n"));
        assertEquals(w.grad().toDoubleArray()[0], w2.grad().toDoubleArray()[0], 0.0, "naming does not change the pass");
    }

    @Test
    void badNamingArgumentsAreRejectedClearly() {
        Tensor w = param("w", 2);
        Tensor loss = w.square().sum();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Graph.of(loss, null));
        assertTrue(e.getMessage().contains("Graph.of: naming must not be null") && e.getMessage().contains("CALLS_AND_PRIMITIVES"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Graph.of(null));
        assertTrue(e.getMessage().contains("Graph.of: root must not be null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BackwardStepper(loss, null));
        assertTrue(e.getMessage().contains("BackwardStepper: naming must not be null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DotExport.dot(loss, null));
        assertTrue(e.getMessage().contains("naming must not be null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Graph.Node(0, loss, Graph.Kind.OP, List.of(), null));
        assertTrue(e.getMessage().contains("Graph.Node: tensor, kind, inputs and naming must not be null"), e.getMessage());
        assertEquals(Graph.Naming.CALLS, new Graph.Node(0, loss, Graph.Kind.OP, List.of()).naming());
    }

    private static String titleOfRoot(Tensor t) {
        return Graph.of(t).root().title();
    }
}
