/**
 * CPU kernels over flat arrays: the vocabulary shared by every layer and by the tensor module.
 *
 * <p>This package holds what the kernels and their callers both speak: {@link dev.jgrad.kernels.Buf}
 * (a typed Java array read and written as doubles) and {@link dev.jgrad.kernels.Strided} (a buffer
 * with an offset and strides), the shapes of convolution and pooling
 * ({@link dev.jgrad.kernels.ConvShape}, {@link dev.jgrad.kernels.PoolShape}), the element functions
 * ({@link dev.jgrad.kernels.UnaryFn}, {@link dev.jgrad.kernels.BinaryFn},
 * {@link dev.jgrad.kernels.ReduceFn}), the attention mask, {@link dev.jgrad.kernels.Erf} and the
 * {@link dev.jgrad.kernels.Philox} generator, the shared thread pool
 * ({@link dev.jgrad.kernels.Parallel}) and the SIMD switch ({@link dev.jgrad.kernels.Simd}).
 *
 * <p>The kernels themselves live in layers, and a class's suffix names its layer:
 * <ul>
 *   <li>{@code dev.jgrad.kernels.ref}, {@code XRef}: double-precision references over {@code Buf},
 *       plain loops that are the oracle every fast kernel is tested against;</li>
 *   <li>{@code dev.jgrad.kernels.typed}, {@code XF32} / {@code XF64}: the fast paths over typed
 *       arrays that the CPU backend calls ({@code XScalar} there: package-private scalar twins of
 *       SIMD loops, run when SIMD is off);</li>
 *   <li>{@code dev.jgrad.kernels.simd}, {@code XVec}: the Vector API loops of the fast paths,
 *       internal to this module and loaded only when {@link dev.jgrad.kernels.Simd#enabled()}.</li>
 * </ul>
 *
 * <pre>{@code
 * Buf x = new Buf.F32(new float[] {0, 1, 2, 3});
 * Strided view = Strided.contiguous(x, new int[] {2, 2});   // a 2×2 row-major view
 * Parallel.setThreads(4);                                 // the pool every multi-threaded kernel uses
 * }</pre>
 */
package dev.jgrad.kernels;
