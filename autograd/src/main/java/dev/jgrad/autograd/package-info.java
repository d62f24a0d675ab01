/**
 * Autograd: {@link dev.jgrad.autograd.Derivatives} holds every derivative rule in one
 * {@code switch}; {@link dev.jgrad.autograd.BackwardPass} walks the graph in reverse
 * topological order; {@link dev.jgrad.autograd.GradCheck} compares the rules with central
 * differences. For learning: {@link dev.jgrad.autograd.BackwardStepper} runs the pass one node
 * at a time, showing each rule from {@link dev.jgrad.autograd.Formulas}, and
 * {@link dev.jgrad.autograd.DotExport} and {@link dev.jgrad.autograd.HtmlExport} draw the graph.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new double[] {1, 2, 3}).requiresGrad(true);
 * x.mul(x).sum().backward();
 * x.grad();   // [2, 4, 6]
 * }</pre>
 */
package dev.jgrad.autograd;
