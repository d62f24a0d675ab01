/**
 * Hooks of the tensor module for the autograd engine and the optimizers of {@code dev.jgrad.nn}:
 * exported to those modules only, so that user code cannot re-home a leaf or mark a graph node
 * consumed behind the engine's back.
 *
 * <pre>{@code
 * TensorInternals.releaseGraph(node);   // what BackwardPass does after each node without retainGraph
 * }</pre>
 */
package dev.jgrad.tensor.internal;
