package dev.jgrad.autograd.inspect;

import java.util.ArrayList;
import java.util.List;

/** The text inside a node's box, shared by the DOT and HTML exports. */
final class Labels {
    /** Characters of a value shown inside a box. */
    static final int SHORT = 24;

    private Labels() {}

    /** Box heading: {@code #3 MatMul} or a leaf's name. */
    static String heading(Graph.Node n) {
        return n.isLeaf() ? n.title() : "#" + n.id() + " " + n.title();
    }

    /** Second line: the kind of leaf or the op's constant operands, then the shape. */
    static String detail(Graph g, Graph.Node n) {
        List<String> parts = new ArrayList<>();
        switch (n.kind()) {
            case PARAMETER -> parts.add("parameter");
            case INPUT -> parts.add("input");
            case CONSTANT -> parts.add("constant");
            case OP -> {
                List<String> roles = Formulas.inputNames(n.tensor().op());
                for (int i = 0; i < n.inputs().size(); i++) {
                    Graph.Node in = g.node(n.inputs().get(i));
                    if (in.kind() == Graph.Kind.CONSTANT) parts.add(roles.get(i) + " = " + in.title());
                }
            }
        }
        parts.add("shape " + TensorText.shape(n.tensor()));
        return String.join(" · ", parts);
    }

    /** Third line: the forward value, cut to fit the box. */
    static String value(Graph.Node n) {
        return "= " + TensorText.values(n.tensor(), SHORT);
    }
}
