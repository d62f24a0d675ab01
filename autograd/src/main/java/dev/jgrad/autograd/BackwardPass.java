package dev.jgrad.autograd;

import dev.jgrad.tensor.Anomaly;
import dev.jgrad.tensor.Autocast;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.internal.TensorInternals;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One backward pass, run a node at a time. {@link Engine} runs it to the end; the learner's
 * stepper pauses between {@link #step()} calls to show each node.
 *
 * <p>The graph's non-leaf nodes are visited in reverse topological order (every node after all
 * the nodes that consumed it), so each node's gradient is complete when its rule runs.
 * Gradients reaching a leaf that requires grad accumulate into its {@link Tensor#grad()}.
 * A tensor's gradient hooks ({@link Tensor#registerHook}) run on its complete gradient: a
 * node's before its rule, a leaf's once the last node feeding it has been visited (the leaf's
 * gradient is held back until then, so its hooks see the sum over every path, as in PyTorch).
 * Before a node's rule runs, the tensors it reads are checked against the versions recorded when
 * the op ran: one modified in place since makes the pass fail (see {@link Tensor#version()}).
 *
 * <pre>{@code
 * BackwardPass pass = new BackwardPass(loss, null, false);
 * while (pass.hasNext()) System.out.println(pass.step());
 * }</pre>
 */
public final class BackwardPass {
    private final List<Tensor> order;
    private final Map<Tensor, Tensor> pending = new IdentityHashMap<>();
    /**
     * Leaves with gradient hooks: the edges from nodes still to visit, and the gradient summed so
     * far. Their hooks must see the complete gradient, so it is held back until the last edge.
     */
    private final Map<Tensor, Integer> hookedLeafEdges = new IdentityHashMap<>();
    private final Map<Tensor, Tensor> hookedLeafGrads = new IdentityHashMap<>();
    private final boolean retainGraph;
    private final boolean leavesTakeGradients;
    private int next;

    /**
     * What one step did: the node, its op, the gradient it received and the gradients it sent to its inputs.
     *
     * @param index         the step's position in the pass, from 0
     * @param node          the node visited
     * @param op            the node's op
     * @param upstream      ∂L/∂node, the gradient the node received
     * @param inputGrads    ∂L/∂input for each of the op's inputs, null where an input needs none
     * @param leavesUpdated the leaves whose gradient this step accumulated into
     */
    public record Step(int index, Tensor node, Op op, Tensor upstream, List<Tensor> inputGrads, List<Tensor> leavesUpdated) {}

    /**
     * Prepares the pass from {@code root}.
     *
     * @param root        the tensor to differentiate
     * @param seed ∂loss/∂root, or null when root is a one-element tensor (seed 1)
     * @param retainGraph keep the graph so that it can be walked again
     */
    public BackwardPass(Tensor root, Tensor seed, boolean retainGraph) {
        this(root, seed, retainGraph, false);
    }

    /**
     * Prepares the pass; with {@code leavesTakeGradients} a leaf without a gradient keeps a
     * gradient its rule made as its own instead of a copy (a tensor no one else holds). Only for a pass
     * whose {@link Step}s nobody sees: the leaf closes that tensor when a later gradient replaces it.
     */
    BackwardPass(Tensor root, Tensor seed, boolean retainGraph, boolean leavesTakeGradients) {
        this.leavesTakeGradients = leavesTakeGradients;
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: the tensor does not require grad and has no op; call requiresGrad(true) on "
                    + "the parameters, and do not compute the loss under GradMode.noGrad()");
        }
        Tensor s = seed != null ? seed : defaultSeed(root);
        if (Anomaly.isEnabled()) Anomaly.checkSeed(s);
        if (!s.device().equals(root.device())) {
            throw new IllegalArgumentException("backward: the seed is on " + s.device() + " but the tensor is on " + root.device());
        }
        if (!Arrays.equals(s.shape(), root.shape())) {
            throw new IllegalArgumentException("backward: seed shape " + Arrays.toString(s.shape())
                    + " does not match the tensor's shape " + Arrays.toString(root.shape()));
        }
        this.retainGraph = retainGraph;
        this.order = reverseTopologicalOrder(root);
        if (root.isLeaf()) {
            try (var _ = GradMode.noGrad()) {
                TensorInternals.accumulateGrad(root, TensorInternals.applyGradHooks(root, s));
                TensorInternals.runPostAccumulateHooks(root);
            }
        } else {
            pending.put(root, s);
        }
        for (Tensor node : order) {
            for (Tensor in : node.op().inputs()) {
                // a leaf with hooks gets its gradient once, summed over its edges: its hooks see the whole of it
                if (in.isLeaf() && in.requiresGrad() && (TensorInternals.hasGradHooks(in) || TensorInternals.hasPostAccumulateHooks(in))) {
                    hookedLeafEdges.merge(in, 1, Integer::sum);
                }
            }
        }
    }

    private static Tensor defaultSeed(Tensor root) {
        if (root.numel() != 1) {
            throw new IllegalArgumentException("backward: a gradient can be created implicitly only for a one-element output; "
                    + "this tensor has shape " + Arrays.toString(root.shape()) + ", so pass a seed of that shape to backward(seed)");
        }
        return Tensor.onesLike(root);
    }

    /** Non-leaf nodes reachable from root through inputs that require grad, consumers before producers. */
    private static List<Tensor> reverseTopologicalOrder(Tensor root) {
        List<Tensor> postOrder = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object[]> stack = new ArrayDeque<>();  // {node, iterator position}
        if (!root.isLeaf()) {
            stack.push(new Object[] {root, 0});
            seen.add(root);
        }
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor node = (Tensor) frame[0];
            if (TensorInternals.isGraphReleased(node)) {
                throw new IllegalStateException("backward: trying to go through the graph a second time (at " + node.op().name()
                        + "); pass retainGraph = true to the first backward call if you need to");
            }
            List<Tensor> inputs = node.op().inputs();
            int i = (int) frame[1];
            while (i < inputs.size() && !(inputs.get(i).requiresGrad() && !inputs.get(i).isLeaf() && !seen.contains(inputs.get(i)))) i++;
            if (i < inputs.size()) {
                frame[1] = i + 1;
                seen.add(inputs.get(i));
                stack.push(new Object[] {inputs.get(i), 0});
            } else {
                stack.pop();
                postOrder.add(node);
            }
        }
        Collections.reverse(postOrder);
        return postOrder;
    }

    /**
     * Whether {@code gi}, the gradient a rule gave input {@code i}, is a tensor the rule made: not
     * the gradient it received, the node, one of the op's inputs or the gradient of another input
     * (a rule may pass any of those on unchanged). Such a tensor is referenced only by this pass,
     * so a leaf may keep it as its gradient instead of a copy.
     */
    private static boolean madeByRule(Tensor gi, Tensor g, Tensor node, List<Tensor> inputs, Tensor[] grads, int i) {
        if (gi == g || gi == node) return false;
        for (Tensor in : inputs) if (in == gi) return false;
        for (int k = 0; k < grads.length; k++) if (k != i && grads[k] == gi) return false;
        return true;
    }

    /** {@return the nodes this pass visits, in visiting order} */
    public List<Tensor> nodes() {
        return Collections.unmodifiableList(order);
    }

    /** {@return whether nodes remain} */
    public boolean hasNext() {
        return next < order.size();
    }

    /**
     * {@return the gradient accumulated so far for a node that is still to be visited, or null}
     *
     * @param node the node
     */
    public Tensor pendingGrad(Tensor node) {
        return pending.get(node);
    }

    /**
     * Applies the next node's derivative rule and passes its gradients on.
     *
     * @return what the step did
     */
    public Step step() {
        if (!hasNext()) throw new IllegalStateException("backward pass already finished");
        int index = next++;
        Tensor node = order.get(index);
        Tensor g = pending.remove(node);
        Op op = node.op();
        List<Tensor> inputs = op.inputs();
        List<Tensor> sent = new ArrayList<>(Collections.nCopies(inputs.size(), (Tensor) null));
        List<Tensor> leaves = new ArrayList<>();
        // derivative rules compute in the types the forward pass saved: no autocast, as in PyTorch
        try (var _ = GradMode.noGrad(); var _ = Autocast.disable()) {
            if (g != null) {
                g = TensorInternals.applyGradHooks(node, g);
                SavedTensorCheck.check(node);
                Tensor[] grads;
                try (var rules = Anomaly.isEnabled() ? Anomaly.derivativeRules() : null) {
                    grads = Derivatives.inputGrads(op, node, g);
                }
                for (int i = 0; i < inputs.size(); i++) {
                    Tensor in = inputs.get(i), gi = grads[i];
                    if (gi == null || !in.requiresGrad()) continue;
                    if (!Arrays.equals(gi.shape(), in.shape())) {
                        throw new IllegalStateException("internal error: the derivative rule of " + op.name() + " gave a gradient of shape "
                                + Arrays.toString(gi.shape()) + " for input " + i + " of shape " + Arrays.toString(in.shape()));
                    }
                    if (gi.dtype() != in.dtype()) gi = gi.to(in.dtype());
                    if (Anomaly.isEnabled()) Anomaly.checkGradient(node, i, gi, g);
                    sent.set(i, gi);
                    if (hookedLeafEdges.containsKey(in)) {
                        hookedLeafGrads.merge(in, gi, Tensor::add);
                    } else if (in.isLeaf()) {
                        if (leavesTakeGradients && madeByRule(gi, g, node, inputs, grads, i)) TensorInternals.accumulateTemporaryGrad(in, gi);
                        else TensorInternals.accumulateGrad(in, gi);
                        leaves.add(in);
                    } else {
                        pending.merge(in, gi, Tensor::add);
                    }
                }
                if (node.retainsGrad()) TensorInternals.accumulateGrad(node, g);
            }
            for (Tensor in : inputs) {   // a hooked leaf whose last edge this was: its hooks, then its gradient
                Integer left = hookedLeafEdges.computeIfPresent(in, (k, n) -> n - 1);
                if (left == null || left > 0) continue;
                hookedLeafEdges.remove(in);
                Tensor total = hookedLeafGrads.remove(in);
                if (total == null) continue;
                TensorInternals.accumulateGrad(in, TensorInternals.applyGradHooks(in, total));
                TensorInternals.runPostAccumulateHooks(in);
                leaves.add(in);
            }
        }
        if (!retainGraph) TensorInternals.releaseGraph(node);
        return new Step(index, node, op, g, Collections.unmodifiableList(sent), List.copyOf(leaves));
    }
}
