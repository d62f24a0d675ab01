/**
 * Reverse-mode differentiation for jgrad tensors: the derivative rules of every primitive op,
 * the backward engine behind {@code Tensor.backward()}, gradient checking, and a pass that can
 * be stepped one node at a time.
 */
module dev.jgrad.autograd {
    requires transitive dev.jgrad.tensor;
    exports dev.jgrad.autograd;
    provides dev.jgrad.tensor.BackwardEngine with dev.jgrad.autograd.Engine;
}
