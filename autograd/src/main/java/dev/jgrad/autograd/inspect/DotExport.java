package dev.jgrad.autograd.inspect;

import dev.jgrad.tensor.Tensor;

/**
 * The graph in Graphviz's DOT language, left to right from the leaves to the loss: parameters
 * in yellow, other inputs in grey, ops in white; each box shows the forward value and, when
 * exported from a {@link BackwardStepper}, the gradient found so far.
 *
 * <pre>{@code
 * Files.writeString(Path.of("graph.dot"), DotExport.dot(loss));   // then: dot -Tsvg graph.dot -o graph.svg
 * BackwardStepper s = new BackwardStepper(loss);
 * s.runToEnd();
 * String withGrads = DotExport.dot(s);
 * }</pre>
 */
public final class DotExport {
    private DotExport() {}

    /**
     * {@return the graph behind {@code root}, with forward values only}
     *
     * @param root the tensor whose graph is drawn
     */
    public static String dot(Tensor root) {
        return dot(Graph.of(root), null);
    }

    /**
     * The graph behind {@code root}, with forward values only, its op nodes titled as {@code naming} says.
     *
     * <pre>{@code
     * DotExport.dot(loss, Graph.Naming.CALLS_AND_PRIMITIVES);   // boxes such as "#3 square (PowScalar)"
     * }</pre>
     *
     * @param root   the tensor whose graph is drawn
     * @param naming how op nodes are titled
     * @return the DOT text
     * @throws IllegalArgumentException when {@code root} or {@code naming} is null
     */
    public static String dot(Tensor root, Graph.Naming naming) {
        return dot(Graph.of(root, naming), null);
    }

    /**
     * {@return the stepper's graph, with the gradients of the steps taken so far; the last step's node is
     * outlined}
     *
     * @param stepper the stepper
     */
    public static String dot(BackwardStepper stepper) {
        return dot(stepper.graph(), stepper);
    }

    private static String dot(Graph g, BackwardStepper stepper) {
        StringBuilder sb = new StringBuilder("digraph jgrad {\n  rankdir=LR;\n");
        sb.append("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n");
        sb.append("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#666666\"];\n");
        Graph.Node active = stepper == null || stepper.steps().isEmpty() ? null : stepper.steps().getLast().node();
        for (Graph.Node n : g.nodes()) {
            if (!GraphLayout.drawn(n)) continue;
            StringBuilder label = new StringBuilder(Labels.heading(n)).append('\n').append(Labels.detail(g, n))
                    .append('\n').append(Labels.value(n));
            if (stepper != null && n.kind() != Graph.Kind.INPUT) {
                label.append("\ngrad ").append(TensorText.values(stepper.gradient(n), Labels.SHORT));
            }
            String fill = switch (n.kind()) {
                case PARAMETER -> "#fff3c4";
                case INPUT, CONSTANT -> "#eeeeee";
                case OP -> "#ffffff";
            };
            sb.append("  n").append(n.id()).append(" [label=").append(quote(label.toString())).append(", fillcolor=\"").append(fill)
                    .append('"').append(n == active ? ", color=\"#d9480f\", penwidth=3" : "").append("];\n");
        }
        for (Graph.Node n : g.nodes()) {
            if (n.isLeaf()) continue;
            var roles = Formulas.inputNames(n.tensor().op());
            for (int i = 0; i < n.inputs().size(); i++) {
                Graph.Node in = g.node(n.inputs().get(i));
                if (!GraphLayout.drawn(in)) continue;
                sb.append("  n").append(in.id()).append(" -> n").append(n.id()).append(" [label=").append(quote(roles.get(i))).append("];\n");
            }
        }
        return sb.append("}\n").toString();
    }

    /** A DOT string literal; newlines become centred line breaks. */
    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
