/**
 * The reference kernels: every CPU kernel written once against {@link dev.jgrad.kernels.Buf} (any
 * dtype, any strides), computing floating operands in double precision and rounding on store, and
 * integer and bool operands in long (exact, wrapping on overflow as PyTorch's integers do). They are deliberately
 * plain loops and serve as the oracle for the fast kernels of {@code dev.jgrad.kernels.typed}; the
 * CPU backend also runs them for every dtype the fast paths do not take (float64 for gradient
 * checks, integers, masks). Each is named {@code XRef} after its family: {@code ElementwiseRef},
 * {@code ReduceRef}, {@code MatMulRef}, {@code Conv2dRef}, {@code Pool2dRef}, {@code SoftmaxRef},
 * {@code GatherRef}, {@code AttentionRef}, {@code LayerNormRef}, {@code CrossEntropyRef},
 * {@code OptimRef}, {@code DropoutRef} and {@code BiasRef}.
 *
 * <pre>{@code
 * Buf out = new Buf.F64(new double[4]);
 * ElementwiseRef.unary(UnaryFn.EXP, new int[] {4}, Strided.contiguous(out, new int[] {4}),
 *                      Strided.contiguous(new Buf.F64(new double[] {0, 1, 2, 3}), new int[] {4}));
 * }</pre>
 */
package dev.jgrad.kernels.ref;
