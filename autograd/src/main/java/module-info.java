/**
 * Reverse-mode differentiation for jgrad tensors. {@code dev.jgrad.autograd} is the engine: the
 * derivative rules of every primitive op, the backward pass behind {@code Tensor.backward()} and
 * gradient checking. {@code dev.jgrad.autograd.inspect} is for looking at a graph: a pass that can
 * be stepped one node at a time, each rule in words, and DOT and HTML drawings of the graph.
 */
module dev.jgrad.autograd {
    requires transitive dev.jgrad.tensor;
    exports dev.jgrad.autograd;
    exports dev.jgrad.autograd.inspect;
    provides dev.jgrad.tensor.BackwardEngine with dev.jgrad.autograd.Engine;
}
