/**
 * CPU kernels over flat arrays.
 *
 * <p>Reference kernels take {@link dev.jgrad.kernels.Buf} operands and compute in double
 * precision: they are deliberately plain loops and serve as the oracle for the fast kernels.
 * Fast kernels take {@code float[]} operands directly.
 *
 * <pre>{@code
 * Buf out = new Buf.F32(new float[4]);
 * Elementwise.unary(UnaryFn.EXP, new int[] {4}, out, 0, new int[] {1},
 *                   new Buf.F32(new float[] {0, 1, 2, 3}), 0, new int[] {1});
 * }</pre>
 */
package dev.jgrad.kernels;
