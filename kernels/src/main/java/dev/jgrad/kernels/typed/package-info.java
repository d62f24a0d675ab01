/**
 * The fast CPU kernels the backend calls: static functions over typed arrays ({@code float[]},
 * {@code double[]}), named by family and element type — {@code XF32} for float32
 * ({@link dev.jgrad.kernels.typed.SgemmF32}, {@code ElementwiseF32}, {@code ReduceF32},
 * {@code Conv2dF32}, {@code Pool2dF32}, {@code SoftmaxF32}, {@code LayerNormF32},
 * {@code AttentionF32}, {@code CrossEntropyF32}, {@code ReluF32}, {@code BiasF32},
 * {@code OptimF32}, {@code DropoutF32}) and {@code XF64} for the few float64 fast paths
 * ({@code OptimF64}, {@code DropoutF64}). Each is tested against its reference in
 * {@code dev.jgrad.kernels.ref}.
 *
 * <p>The float32 kernels use the Vector API through the module's internal
 * {@code dev.jgrad.kernels.simd} package when {@link dev.jgrad.kernels.Simd#enabled()}; otherwise
 * they run scalar float loops (the package-private {@code RowsScalar} and {@code SgemmScalar} are
 * the scalar twins of the SIMD row and SGEMM loops). Multi-threaded ones share one pool,
 * {@link dev.jgrad.kernels.Parallel}.
 *
 * <pre>{@code
 * // C (m×n) = A (m×k) · B (k×n), row-major
 * SgemmF32.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
 * SoftmaxF32.forward(false, rows, n, x, 0, n, out, 0, n);
 * }</pre>
 */
package dev.jgrad.kernels.typed;
