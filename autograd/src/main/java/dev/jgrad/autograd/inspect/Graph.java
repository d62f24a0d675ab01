package dev.jgrad.autograd.inspect;

import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The computation graph behind a tensor, as the learner's views draw it: every tensor reachable
 * through {@link Tensor#op()} inputs, numbered inputs-first (so the loss has the largest id),
 * with edges from each input to the op node that used it.
 *
 * <pre>{@code
 * Tensor w = Tensor.scalar(3).requiresGrad(true).name("w");
 * Graph g = Graph.of(w.mul(2).add(1));
 * for (Graph.Node n : g.nodes()) System.out.println(n.id() + " " + n.title() + " " + n.kind());
 * // 0 w PARAMETER, 1 2 CONSTANT, 2 Mul OP, 3 1 CONSTANT, 4 Add OP
 * }</pre>
 */
public final class Graph {

    /** What a node is. */
    public enum Kind {
        /** A leaf that requires grad: a weight, a bias, or an input being differentiated. */
        PARAMETER,
        /** A leaf that needs no gradient: data, targets, indices, masks. */
        INPUT,
        /** An unnamed one-element leaf without grad, such as the 2 in {@code x.mul(2)}; drawn inside its op. */
        CONSTANT,
        /** The output of a recorded op. */
        OP
    }

    /**
     * One tensor of the graph.
     *
     * @param id     position in inputs-first order
     * @param tensor the tensor itself
     * @param kind   leaf kind, or OP
     * @param inputs ids of the op's inputs, in {@link Op#inputs()} order (empty for leaves)
     */
    public record Node(int id, Tensor tensor, Kind kind, List<Integer> inputs) {
        /** {@return the tensor's {@link Tensor#name() name}, or null} */
        public String name() {
            return tensor.name();
        }

        /**
         * {@return how the node is shown: the op name (and the tensor's name if set), a leaf's name, or a
         * constant's value}
         */
        public String title() {
            String name = tensor.name();
            return switch (kind) {
                case OP -> tensor.op().name() + (name != null ? " " + name : "");
                case PARAMETER -> name != null ? name : "param";
                case INPUT -> name != null ? name : "input";
                case CONSTANT -> TensorText.values(tensor);
            };
        }

        /**
         * {@code #id title}, unambiguous in text output.
         *
         * @return the reference text
         */
        public String ref() {
            return "#" + id + " " + title();
        }

        /** {@return whether this node is a leaf (no op)} */
        public boolean isLeaf() {
            return kind != Kind.OP;
        }
    }

    private final List<Node> nodes;
    private final Map<Tensor, Node> byTensor;

    private Graph(List<Node> nodes, Map<Tensor, Node> byTensor) {
        this.nodes = nodes;
        this.byTensor = byTensor;
    }

    /**
     * {@return the graph of everything {@code root} was computed from}
     *
     * @param root the tensor the graph ends at
     */
    public static Graph of(Tensor root) {
        List<Tensor> order = inputsFirst(root);
        Map<Tensor, Node> byTensor = new IdentityHashMap<>();
        List<Node> nodes = new ArrayList<>();
        for (Tensor t : order) {
            List<Integer> inputs = new ArrayList<>();
            if (t.op() != null) for (Tensor in : t.op().inputs()) inputs.add(byTensor.get(in).id());
            Node n = new Node(nodes.size(), t, kindOf(t), List.copyOf(inputs));
            nodes.add(n);
            byTensor.put(t, n);
        }
        return new Graph(Collections.unmodifiableList(nodes), byTensor);
    }

    private static Kind kindOf(Tensor t) {
        if (t.op() != null) return Kind.OP;
        if (t.requiresGrad()) return Kind.PARAMETER;
        return t.numel() == 1 && t.name() == null ? Kind.CONSTANT : Kind.INPUT;
    }

    /** Every reachable tensor, each after its inputs (iterative, so deep graphs do not overflow the stack). */
    private static List<Tensor> inputsFirst(Tensor root) {
        List<Tensor> out = new ArrayList<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        Deque<Object[]> stack = new ArrayDeque<>();   // {tensor, next input position}
        stack.push(new Object[] {root, 0});
        seen.put(root, true);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            List<Tensor> inputs = t.op() == null ? List.of() : t.op().inputs();
            int i = (int) frame[1];
            while (i < inputs.size() && seen.containsKey(inputs.get(i))) i++;
            if (i < inputs.size()) {
                frame[1] = i + 1;
                seen.put(inputs.get(i), true);
                stack.push(new Object[] {inputs.get(i), 0});
            } else {
                stack.pop();
                out.add(t);
            }
        }
        return out;
    }

    /**
     * All nodes, inputs before the ops that use them; {@code nodes().get(i).id() == i}.
     *
     * @return the nodes
     */
    public List<Node> nodes() {
        return nodes;
    }

    /**
     * {@return the node with this id}
     *
     * @param id the node's id
     */
    public Node node(int id) {
        return nodes.get(id);
    }

    /**
     * {@return the node of {@code t}, or null when t is not in the graph}
     *
     * @param t the tensor
     */
    public Node nodeOf(Tensor t) {
        return byTensor.get(t);
    }

    /** {@return the tensor the graph was built from (the last node)} */
    public Node root() {
        return nodes.getLast();
    }
}
