/**
 * CPU kernels over flat arrays.
 *
 * <p>Reference kernels take {@link dev.jgrad.kernels.Buf} operands and compute in double
 * precision: they are deliberately plain loops and serve as the oracle for the fast kernels.
 *
 * <p>Fast kernels take {@code float[]} operands directly and are named {@code *F32}:
 * {@link dev.jgrad.kernels.Sgemm} (BLAS-style SGEMM and the batched product),
 * {@link dev.jgrad.kernels.Conv2dF32}, {@link dev.jgrad.kernels.Pool2dF32},
 * {@link dev.jgrad.kernels.ElementwiseF32}, {@link dev.jgrad.kernels.ReduceF32},
 * {@link dev.jgrad.kernels.SoftmaxF32}, {@link dev.jgrad.kernels.LayerNormF32},
 * {@link dev.jgrad.kernels.AttentionF32}, {@link dev.jgrad.kernels.CrossEntropyF32},
 * {@link dev.jgrad.kernels.OptimF32} and {@link dev.jgrad.kernels.DropoutF32} (whose random numbers
 * come from {@link dev.jgrad.kernels.Philox}), with float64 twins {@code OptimF64} and
 * {@code DropoutF64}. They use the Vector API through package-private
 * {@code *Vec} classes, loaded only when {@code jdk.incubator.vector} is readable
 * ({@link dev.jgrad.kernels.Simd}); otherwise they run scalar float loops. Multi-threaded ones
 * share one pool, {@link dev.jgrad.kernels.Parallel}, sized to the machine and settable.
 *
 * <pre>{@code
 * Buf out = new Buf.F32(new float[4]);
 * Elementwise.unary(UnaryFn.EXP, new int[] {4}, Strided.contiguous(out, new int[] {4}),
 *                   Strided.contiguous(new Buf.F32(new float[] {0, 1, 2, 3}), new int[] {4}));
 * Sgemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
 * }</pre>
 */
package dev.jgrad.kernels;
