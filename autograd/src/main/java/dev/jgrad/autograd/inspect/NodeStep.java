package dev.jgrad.autograd.inspect;

import dev.jgrad.tensor.Tensor;
import java.util.List;

/**
 * What one step of a {@link BackwardStepper} did at one op node: the rule it applied, the
 * gradient that arrived and the gradients it sent to each input.
 *
 * <pre>{@code
 * NodeStep s = stepper.next();
 * s.rule().name();          // "product rule"
 * s.upstream();             // ∂L/∂(this node's output)
 * s.inputGrads().get(0);    // ∂L/∂(first input), or null if that input needs no gradient
 * System.out.println(s);    // all of it, as text
 * }</pre>
 *
 * @param index         position in the pass, from 0
 * @param total         number of op nodes in the pass
 * @param node          the op node visited
 * @param rule          its derivative rule in words
 * @param inputs        the op's input nodes, in {@link dev.jgrad.tensor.Op#inputs()} order
 * @param inputRoles    what the formulas call each input ({@code a}, {@code b}, {@code x}, …)
 * @param upstream      ∂L/∂out, the complete gradient of this node's output (null when no gradient reached it)
 * @param inputGrads    ∂L/∂input for each input, null where the input needs none
 * @param leavesChanged the leaves whose {@link Tensor#grad()} this step changed
 * @param leafGrads     each changed leaf's gradient right after this step
 */
public record NodeStep(int index, int total, Graph.Node node, Formulas.Rule rule, List<Graph.Node> inputs,
                       List<String> inputRoles, Tensor upstream, List<Tensor> inputGrads,
                       List<Graph.Node> leavesChanged, List<Tensor> leafGrads) {

    /** {@return the op's output (its forward value)} */
    public Tensor output() {
        return node.tensor();
    }

    /**
     * {@return a multi-line description: the rule, inputs, output, upstream gradient, gradients sent and leaf
     * grads changed}
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        String head = "── step " + (index + 1) + "/" + total + " · " + node.ref() + " ";
        sb.append(head).append("─".repeat(Math.max(3, 64 - head.length()))).append('\n');
        line(sb, "rule", rule.name());
        line(sb, "forward", rule.forward());
        line(sb, "backward", rule.backward());
        for (int i = 0; i < inputs.size(); i++) {
            Graph.Node in = inputs.get(i);
            line(sb, i == 0 ? "inputs" : "", inputRoles.get(i) + " = " + tensorRef(in) + "  " + TensorText.shape(in.tensor())
                    + "  " + TensorText.values(in.tensor()));
        }
        line(sb, "output", TensorText.shape(output()) + "  " + TensorText.values(output()));
        line(sb, "upstream", "g = ∂L/∂out = " + TensorText.values(upstream));
        boolean sent = false;
        for (int i = 0; i < inputs.size(); i++) {
            if (inputGrads.get(i) == null) continue;
            line(sb, sent ? "" : "sends", "∂L/∂" + inputRoles.get(i) + " = " + TensorText.values(inputGrads.get(i))
                    + "  → " + inputs.get(i).ref());
            sent = true;
        }
        if (!sent) line(sb, "sends", "nothing (no input needs a gradient)");
        for (int i = 0; i < leavesChanged.size(); i++) {
            line(sb, i == 0 ? "leaf grads" : "", leavesChanged.get(i).title() + ".grad = " + TensorText.values(leafGrads.get(i)));
        }
        if (leavesChanged.isEmpty()) line(sb, "leaf grads", "unchanged");
        return sb.toString();
    }

    private static String tensorRef(Graph.Node n) {
        return n.kind() == Graph.Kind.CONSTANT ? "constant" : n.ref();
    }

    private static void line(StringBuilder sb, String label, String text) {
        sb.append(String.format("%-12s", label)).append(text).append('\n');
    }

    @Override
    public String toString() {
        return describe();
    }
}
