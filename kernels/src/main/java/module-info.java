/**
 * Stateless CPU kernels in layers: {@code dev.jgrad.kernels} holds the vocabulary the tensor
 * module shares with them (buffers, strides, shapes, element functions, the thread pool),
 * {@code dev.jgrad.kernels.ref} the double-precision references (the oracle),
 * {@code dev.jgrad.kernels.typed} the fast paths over typed arrays, and the internal
 * {@code dev.jgrad.kernels.simd} their Vector API loops.
 *
 * <p>Every kernel is a static function over flat arrays with explicit sizes, offsets and
 * strides; nothing here knows about tensors or autograd. The Vector API is optional: when
 * {@code jdk.incubator.vector} is not readable the scalar paths run.
 */
module dev.jgrad.kernels {
    requires static jdk.incubator.vector;
    // VectorAlignment reads the array header size (sun.misc.Unsafe.ARRAY_FLOAT_BASE_OFFSET, a
    // field, no memory access): required, not static, so that the module is resolved on the
    // module path too and every launch agrees on where vector loops start
    requires jdk.unsupported;
    exports dev.jgrad.kernels;
    exports dev.jgrad.kernels.ref;
    exports dev.jgrad.kernels.typed;
    exports dev.jgrad.kernels.ladder;
    exports dev.jgrad.kernels.fused to dev.jgrad.tensor;   // fused elementwise chains of captured steps
    // dev.jgrad.kernels.simd is not exported: its classes are loaded only when Simd.enabled().
}
