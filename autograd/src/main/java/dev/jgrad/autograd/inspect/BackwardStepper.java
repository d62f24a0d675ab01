package dev.jgrad.autograd.inspect;

import dev.jgrad.autograd.BackwardPass;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Backpropagation one node at a time, for learning how it works: each {@link #next()} applies
 * one op's derivative rule (in reverse topological order, the loss first) and returns a
 * {@link NodeStep} saying which rule, with which formula, what gradient arrived and what was
 * sent on. It drives the same {@link BackwardPass} as {@link Tensor#backward()}, so the
 * gradients it leaves in the leaves' {@link Tensor#grad()} are exactly backward()'s.
 *
 * <pre>{@code
 * Tensor w = Tensor.scalar(1).requiresGrad(true).name("w");
 * Tensor loss = w.mul(3).sub(5).square();
 * BackwardStepper stepper = new BackwardStepper(loss);
 * while (stepper.hasNext()) System.out.println(stepper.next());
 * w.grad();   // 2·(3w − 5)·3 = −12, as loss.backward() would give
 * }</pre>
 *
 * Nodes are titled by the calls the learner wrote ({@code square}, {@code Wᵀ}); pass a
 * {@link Graph.Naming} to see the primitives the engine recorded as well, or instead:
 *
 * <pre>{@code
 * new BackwardStepper(loss, Graph.Naming.CALLS_AND_PRIMITIVES).next().node().title();   // "square (PowScalar) L"
 * }</pre>
 *
 * The graph can be exported while or after stepping: {@link DotExport#dot(BackwardStepper)} and
 * {@link HtmlExport#write(BackwardStepper, java.nio.file.Path)}.
 */
public final class BackwardStepper {
    private final Graph graph;
    private final BackwardPass pass;
    private final List<NodeStep> steps = new ArrayList<>();

    /**
     * Prepares to step backward from a one-element {@code loss} (seed 1).
     *
     * @param loss the tensor to differentiate, one element
     */
    public BackwardStepper(Tensor loss) {
        this(loss, null, false, Graph.Naming.CALLS);
    }

    /**
     * Prepares to step backward from a one-element {@code loss} (seed 1), titling op nodes as {@code naming} says.
     *
     * @param loss   the tensor to differentiate, one element
     * @param naming how op nodes are titled: by the learner's calls, the primitives, or both
     * @throws IllegalArgumentException when {@code naming} is null
     */
    public BackwardStepper(Tensor loss, Graph.Naming naming) {
        this(loss, null, false, naming);
    }

    /**
     * Prepares to step backward from {@code root}.
     *
     * @param root        the tensor to differentiate
     * @param seed        ∂L/∂root with root's shape, or null for a one-element root
     * @param retainGraph keep the graph so that it can be walked again, as in {@link Tensor#backward(Tensor, boolean)}
     */
    public BackwardStepper(Tensor root, Tensor seed, boolean retainGraph) {
        this(root, seed, retainGraph, Graph.Naming.CALLS);
    }

    /**
     * Prepares to step backward from {@code root}, titling op nodes as {@code naming} says.
     *
     * @param root        the tensor to differentiate
     * @param seed        ∂L/∂root with root's shape, or null for a one-element root
     * @param retainGraph keep the graph so that it can be walked again, as in {@link Tensor#backward(Tensor, boolean)}
     * @param naming      how op nodes are titled: by the learner's calls, the primitives, or both
     * @throws IllegalArgumentException when {@code naming} is null
     */
    public BackwardStepper(Tensor root, Tensor seed, boolean retainGraph, Graph.Naming naming) {
        if (naming == null) {
            throw new IllegalArgumentException("BackwardStepper: naming must not be null (one of "
                    + java.util.Arrays.toString(Graph.Naming.values()) + ")");
        }
        this.graph = Graph.of(root, naming);
        this.pass = new BackwardPass(root, seed, retainGraph);
    }

    /** {@return the graph being walked} */
    public Graph graph() {
        return graph;
    }

    /** {@return the op nodes in the order the pass visits them} */
    public List<Graph.Node> order() {
        List<Graph.Node> out = new ArrayList<>();
        for (Tensor t : pass.nodes()) out.add(graph.nodeOf(t));
        return out;
    }

    /** {@return how many steps the whole pass takes} */
    public int total() {
        return pass.nodes().size();
    }

    /** {@return whether nodes remain} */
    public boolean hasNext() {
        return pass.hasNext();
    }

    /**
     * Applies the next node's derivative rule and says what it did.
     *
     * @return the step
     */
    public NodeStep next() {
        BackwardPass.Step s = pass.step();
        Graph.Node node = graph.nodeOf(s.node());
        List<Graph.Node> inputs = new ArrayList<>();
        for (Tensor in : s.op().inputs()) inputs.add(graph.nodeOf(in));
        List<Graph.Node> leaves = new ArrayList<>();
        List<Tensor> leafGrads = new ArrayList<>();
        for (Tensor leaf : s.leavesUpdated()) {
            Graph.Node n = graph.nodeOf(leaf);
            if (leaves.contains(n)) continue;   // x.mul(x) sends to the same leaf twice
            leaves.add(n);
            leafGrads.add(leaf.grad().clone());   // a snapshot: later steps and optimizers replace or modify grad
        }
        NodeStep step = new NodeStep(s.index(), total(), node, Formulas.of(s.op()), List.copyOf(inputs),
                Formulas.inputNames(s.op()), s.upstream(), s.inputGrads(), List.copyOf(leaves), List.copyOf(leafGrads));
        steps.add(step);
        return step;
    }

    /**
     * Runs the remaining steps; returns them.
     *
     * @return the steps, in order
     */
    public List<NodeStep> runToEnd() {
        List<NodeStep> rest = new ArrayList<>();
        while (hasNext()) rest.add(next());
        return rest;
    }

    /**
     * The gradient of the loss with respect to {@code node} as far as the pass has got: an op
     * node's complete upstream gradient once its step ran, a leaf's gradient after the latest
     * step that changed it; null before then (and for nodes that get none).
     *
     * @param node a node of {@link #graph()}
     * @return the gradient so far, or null
     */
    public Tensor gradient(Graph.Node node) {
        for (int i = steps.size() - 1; i >= 0; i--) {
            NodeStep s = steps.get(i);
            if (s.node() == node) return s.upstream();
            int k = s.leavesChanged().indexOf(node);
            if (k >= 0) return s.leafGrads().get(k);
        }
        return null;
    }

    /** {@return the steps taken so far} */
    public List<NodeStep> steps() {
        return Collections.unmodifiableList(steps);
    }
}
