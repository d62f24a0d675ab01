/**
 * Stateless CPU kernels: scalar references (the oracle) and fast float32 versions.
 *
 * <p>Every kernel is a static function over flat arrays with explicit sizes, offsets and
 * strides; nothing here knows about tensors or autograd. The Vector API is optional: when
 * {@code jdk.incubator.vector} is not readable the scalar paths run.
 */
module dev.jgrad.kernels {
    requires static jdk.incubator.vector;
    exports dev.jgrad.kernels;
}
