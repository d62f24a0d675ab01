/**
 * Looking at a graph and its backward pass, for learning:
 * {@link dev.jgrad.autograd.inspect.BackwardStepper} drives the engine's
 * {@link dev.jgrad.autograd.BackwardPass} one node at a time and returns a
 * {@link dev.jgrad.autograd.inspect.NodeStep} per node, with the rule applied in words from
 * {@link dev.jgrad.autograd.inspect.Formulas}; {@link dev.jgrad.autograd.inspect.Graph} numbers the
 * tensors a result was computed from; {@link dev.jgrad.autograd.inspect.DotExport} and
 * {@link dev.jgrad.autograd.inspect.HtmlExport} draw it (Graphviz, and a self-contained page that
 * replays the pass); {@link dev.jgrad.autograd.inspect.TensorText} writes tensors as short text.
 * Op nodes are titled by the call the learner wrote ({@code square}, {@code Wᵀ}, {@code mean}), the
 * recorded primitive on request ({@link dev.jgrad.autograd.inspect.Graph.Naming}).
 *
 * <pre>{@code
 * Tensor w = Tensor.scalar(1).requiresGrad(true).name("w");
 * Tensor loss = w.mul(3).sub(5).square();
 * BackwardStepper stepper = new BackwardStepper(loss);
 * while (stepper.hasNext()) System.out.println(stepper.next());   // each rule, formula and gradient
 * HtmlExport.write(stepper, Path.of("backprop.html"));              // the same pass in a browser
 * }</pre>
 */
package dev.jgrad.autograd.inspect;
