package dev.jgrad.tensor.internal;

/**
 * A step's CUDA work captured into a CUDA graph by {@link TensorInternals#captureCudaGraph}: each
 * {@link #launch()} queues the recorded kernels again on the device's stream, over the same device
 * memory (the graph's private pool), without the Java code that queued them.
 *
 * <pre>{@code
 * CapturedCudaGraph g = TensorInternals.captureCudaGraph(0, warmUp, () -> lossOf(model, x, y).backward());
 * if (g.brokenReason() == null) g.launch();   // the same kernels, the same buffers
 * }</pre>
 */
public interface CapturedCudaGraph extends AutoCloseable {
    /** {@return why the body could not be captured (a host read, a host random draw, a call the driver refused while capturing), or null} */
    String brokenReason();

    /**
     * Queues one run of the graph on its device's stream, after the work queued there before; returns without waiting.
     *
     * @throws IllegalStateException when {@link #brokenReason()} is not null or the graph was closed
     */
    void launch();

    /** {@return the CUDA device ordinal the graph runs on} */
    int device();

    /** {@return bytes of device memory the graph owns (the blocks its capture allocated): its static memory plan} */
    long poolBytes();

    /** Destroys the graph and gives its memory back to the device's allocator; later calls do nothing. */
    @Override
    void close();
}
