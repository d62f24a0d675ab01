/**
 * The autograd engine: {@link dev.jgrad.autograd.Derivatives} holds every derivative rule in one
 * {@code switch}; {@link dev.jgrad.autograd.BackwardPass} walks the graph in reverse topological
 * order, one node per {@link dev.jgrad.autograd.BackwardPass#step() step};
 * {@link dev.jgrad.autograd.Engine} runs that pass to its end for {@code Tensor.backward()}; and
 * {@link dev.jgrad.autograd.GradCheck} compares the rules with central differences. Tools for
 * looking at a graph and a pass are in {@code dev.jgrad.autograd.inspect}, which builds on this
 * package (this package does not use it).
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new double[] {1, 2, 3}).requiresGrad(true);
 * x.mul(x).sum().backward();
 * x.grad();   // [2, 4, 6]
 * }</pre>
 */
package dev.jgrad.autograd;
