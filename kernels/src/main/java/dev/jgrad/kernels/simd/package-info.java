/**
 * The Vector API loops of the fast float32 kernels, one class per family named {@code XVec}
 * ({@code ElementwiseVec}, {@code RowsVec}, {@code SgemmVec}, {@code CopyVec}, {@code PoolVec},
 * {@code Conv2dDirectVec}, {@code OptimVec}, {@code DropoutVec}). Internal to the module (not
 * exported): only {@code dev.jgrad.kernels.typed} calls them, and only when
 * {@link dev.jgrad.kernels.Simd#enabled()} (and {@code Simd} asks {@code CopyVec} for the vector
 * width when the module is readable), so no class here is loaded on a JVM without
 * {@code jdk.incubator.vector}. Each method handles whole vectors and returns how far it got (or
 * handles its whole row); the typed kernel finishes with its scalar loop.
 *
 * <pre>{@code
 * int done = Simd.enabled() ? ElementwiseVec.unary(fn, n, out, o, x, xi) : 0;
 * for (int i = done; i < n; i++) out[o + i] = (float) fn.apply(x[xi + i]);
 * }</pre>
 */
package dev.jgrad.kernels.simd;
