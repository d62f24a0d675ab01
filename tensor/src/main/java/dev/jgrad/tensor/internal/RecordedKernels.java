package dev.jgrad.tensor.internal;

/**
 * The CPU kernels one run of a step launched, in order, bound to their tensors, over a static
 * memory plan: what {@link TensorInternals#record} returns and a captured training step replays.
 *
 * <pre>{@code
 * RecordedKernels tape = TensorInternals.record(() -> lossOf(model, x, y).backward());
 * if (tape.brokenReason() == null) tape.replay();   // the same kernels over the same buffers
 * }</pre>
 */
public interface RecordedKernels {
    /** {@return why the run cannot be replayed (it read tensor values on the host, drew random numbers outside a kernel, used a GPU), or null} */
    String brokenReason();

    /**
     * Runs the recorded kernels again, in order: the tensors the run made hold the new results.
     *
     * @throws IllegalStateException when {@link #brokenReason()} is not null
     */
    void replay();

    /** {@return the kernels (and zero-fills of zeroed allocations) a replay runs} */
    int kernelCount();

    /** {@return the ops of each chain of elementwise kernels fused into one pass, in order, such as {@code add→relu}} */
    java.util.List<String> fusedChains();

    /** {@return the kernels those fused chains replaced} */
    int fusedKernelCount();

    /** {@return the storages the run allocated outside kernels} */
    int allocationCount();

    /** {@return the arrays of the static memory plan those storages share} */
    int arrayCount();

    /** {@return bytes of the plan's arrays: the memory a replay uses for the step's tensors} */
    long planBytes();

    /** {@return bytes the eager run allocated for the same tensors} */
    long allocatedBytes();
}
