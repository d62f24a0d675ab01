/**
 * The user-facing {@link dev.jgrad.tensor.Tensor}: storage, layout, dtype, device, the op
 * records autograd walks, and dispatch of every op to the CPU kernels or the CUDA backend.
 *
 * <p>{@code Tensor.backward()} finds the engine of the {@code dev.jgrad.autograd} module through
 * {@link java.util.ServiceLoader}, so this module does not depend on it.
 */
module dev.jgrad.tensor {
    requires transitive dev.jgrad.kernels;
    // Optional: a CPU-only application leaves out jgrad-cuda (and its compiled kernels); every path
    // into CUDA checks that the module is present first (CudaSupport) and names the artifact if not.
    requires static dev.jgrad.cuda;
    requires static jdk.incubator.vector;
    requires java.management;   // Doctor: the JVM's flags and initial heap
    exports dev.jgrad.tensor;
    exports dev.jgrad.tensor.io;
    exports dev.jgrad.tensor.internal to dev.jgrad.autograd, dev.jgrad.nn, dev.jgrad.dist;   // engine hooks, fused optimizer updates, MPI buffers
    uses dev.jgrad.tensor.BackwardEngine;
}
