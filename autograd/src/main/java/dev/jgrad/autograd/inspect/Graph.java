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
 *
 * <p>An op node is titled by the call the learner wrote ({@link Tensor#callName()}) when that is
 * not its primitive's name: {@code w.square()} is a {@code square} node (its primitive is
 * {@code PowScalar}), {@code w.t()} a {@code wᵀ} node ({@code Permute}), and
 * {@code Linear}'s weight, transposed inside {@code x.linear(weight, bias)}, a {@code Wᵀ} node
 * ({@code fc1.weightᵀ} once the weight is named). {@link Naming} shows the primitives instead,
 * or both:
 *
 * <pre>{@code
 * Graph.of(w.square()).root().title();                                    // "square"
 * Graph.of(w.square(), Graph.Naming.CALLS_AND_PRIMITIVES).root().title(); // "square (PowScalar)"
 * Graph.of(w.square(), Graph.Naming.PRIMITIVES).root().title();           // "PowScalar"
 * }</pre>
 */
public final class Graph {

    /**
     * How op nodes are titled. Derivative rules ({@link Formulas}) are always the primitive's:
     * a {@code square} node applies the power rule.
     */
    public enum Naming {
        /** By the call the learner wrote ({@code square}, {@code Wᵀ}, {@code mean}), the primitive where the two are the same ({@code Mul}). */
        CALLS,
        /** The call, then its primitive in parentheses where they differ: {@code square (PowScalar)}, {@code Wᵀ (Permute)}. */
        CALLS_AND_PRIMITIVES,
        /** By the primitive {@link Op} alone ({@code PowScalar}, {@code Permute}), as the engine records it. */
        PRIMITIVES
    }

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
     * @param naming how {@link #title()} names an op node
     */
    public record Node(int id, Tensor tensor, Kind kind, List<Integer> inputs, Naming naming) {
        /**
         * Checks the components.
         *
         * @throws IllegalArgumentException when {@code tensor}, {@code kind}, {@code inputs} or {@code naming} is null
         */
        public Node {
            if (tensor == null || kind == null || inputs == null || naming == null) {
                throw new IllegalArgumentException("Graph.Node: tensor, kind, inputs and naming must not be null, got tensor "
                        + (tensor == null ? "null" : "set") + ", kind " + kind + ", inputs " + inputs + ", naming " + naming);
            }
        }

        /**
         * A node titled by the learner's calls ({@link Naming#CALLS}).
         *
         * @param id     position in inputs-first order
         * @param tensor the tensor itself
         * @param kind   leaf kind, or OP
         * @param inputs ids of the op's inputs (empty for leaves)
         */
        public Node(int id, Tensor tensor, Kind kind, List<Integer> inputs) {
            this(id, tensor, kind, inputs, Naming.CALLS);
        }

        /** {@return the tensor's {@link Tensor#name() name}, or null} */
        public String name() {
            return tensor.name();
        }

        /** {@return the primitive op's name ({@code "PowScalar"}, {@code "Permute"}, …), or null for a leaf} */
        public String primitive() {
            return kind == Kind.OP ? tensor.op().name() : null;
        }

        /**
         * The call the learner wrote, when it is not the primitive ({@link Tensor#callName()}),
         * with a transpose's input's name written before the ᵀ when it has one: {@code "square"},
         * {@code "Wᵀ"} for a tensor named W, {@code "xᵀ"} for an unnamed one.
         *
         * @return the call's name, or null for a leaf and for a node whose call is its primitive
         */
        public String call() {
            if (kind != Kind.OP) return null;
            String call = tensor.callName();
            // only a transpose (a Permute) takes its input's name: linear's "x·Wᵀ" is a fixed formula
            if (call == null || !(tensor.op() instanceof Op.Permute) || !call.endsWith("ᵀ")) return call;
            String transposed = tensor.op().inputs().getFirst().name();
            return transposed != null ? transposed + "ᵀ" : call;
        }

        /**
         * {@return how the node is shown: an op by its call or primitive as {@link #naming()} says (and the
         * tensor's name if set), a leaf by its name, a constant by its value}
         */
        public String title() {
            String name = tensor.name();
            return switch (kind) {
                case OP -> opTitle() + (name != null ? " " + name : "");
                case PARAMETER -> name != null ? name : "param";
                case INPUT -> name != null ? name : "input";
                case CONSTANT -> TensorText.values(tensor);
            };
        }

        private String opTitle() {
            String primitive = tensor.op().name();
            String call = call();
            if (call == null || naming == Naming.PRIMITIVES) return primitive;
            return naming == Naming.CALLS ? call : call + " (" + primitive + ")";
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
     * {@return the graph of everything {@code root} was computed from, its ops titled by the learner's calls}
     *
     * @param root the tensor the graph ends at
     * @throws IllegalArgumentException when {@code root} is null
     */
    public static Graph of(Tensor root) {
        return of(root, Naming.CALLS);
    }

    /**
     * The graph of everything {@code root} was computed from, its op nodes titled as {@code naming} says.
     *
     * <pre>{@code
     * Graph g = Graph.of(loss, Graph.Naming.CALLS_AND_PRIMITIVES);   // "square (PowScalar)", "Wᵀ (Permute)", "Mul"
     * }</pre>
     *
     * @param root   the tensor the graph ends at
     * @param naming how op nodes are titled
     * @return the graph
     * @throws IllegalArgumentException when {@code root} or {@code naming} is null
     */
    public static Graph of(Tensor root, Naming naming) {
        if (root == null) throw new IllegalArgumentException("Graph.of: root must not be null (pass the tensor to draw, e.g. the loss)");
        if (naming == null) {
            throw new IllegalArgumentException("Graph.of: naming must not be null (one of " + java.util.Arrays.toString(Naming.values()) + ")");
        }
        List<Tensor> order = inputsFirst(root);
        Map<Tensor, Node> byTensor = new IdentityHashMap<>();
        List<Node> nodes = new ArrayList<>();
        for (Tensor t : order) {
            List<Integer> inputs = new ArrayList<>();
            if (t.op() != null) for (Tensor in : t.op().inputs()) inputs.add(byTensor.get(in).id());
            Node n = new Node(nodes.size(), t, kindOf(t), List.copyOf(inputs), naming);
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

    /** {@return how the nodes' titles name op nodes} */
    public Naming naming() {
        return root().naming();
    }

    /** {@return the tensor the graph was built from (the last node)} */
    public Node root() {
        return nodes.getLast();
    }
}
