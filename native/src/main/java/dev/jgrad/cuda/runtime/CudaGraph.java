package dev.jgrad.cuda.runtime;

import dev.jgrad.cuda.CudaException;
import dev.jgrad.cuda.bindings.DriverExtras;

/**
 * A CUDA graph made by stream capture: the kernels, copies and memsets one run of some code
 * queues on a stream, recorded once ({@code cuStreamBeginCapture_v2} … {@code cuStreamEndCapture},
 * {@code cuGraphInstantiateWithFlags}) and launched again as one unit ({@code cuGraphLaunch}),
 * without the host code that queued them.
 *
 * <pre>{@code
 * CudaDevice gpu = Devices.get(0);
 * try (CudaGraph g = CudaGraph.capture(gpu.stream(), () -> step(x, y))) {   // records, runs nothing
 *     for (int i = 0; i < 100; i++) g.launch();                              // runs the recorded work
 * }
 * }</pre>
 *
 * <p>What a capture needs, and what happens otherwise:
 * <ul>
 *   <li>Memory: while capturing, the stream's allocations come from the graph's private pool
 *       ({@link CachingAllocator.GraphPool}): the graph's kernels write the same addresses at every
 *       launch, so those blocks stay the graph's until {@link #close()}, which hands them to the
 *       stream's general pool.</li>
 *   <li>No host synchronisation inside the body: a device-to-host or host-to-device copy, a
 *       stream or device synchronisation on the capturing stream is refused with a
 *       {@link CudaException} of code {@code CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED} (900) before the
 *       driver is called; the driver itself refuses what jgrad does not catch, and a refusal
 *       invalidates the capture. Either way {@code capture} ends the capture, destroys what it
 *       made and rethrows the body's error (the end's own error, such as
 *       {@code CUDA_ERROR_STREAM_CAPTURE_INVALIDATED} (901), added as suppressed). A capture that the
 *       body did not see fail but the driver invalidated throws from {@code cuStreamEndCapture}.</li>
 *   <li>Warm up first: run the body once eagerly before capturing it, so that kernel modules,
 *       cuBLAS's handle and jgrad's staging buffers exist (their creation is not capturable).</li>
 *   <li>Values the host passes at launch time (kernel arguments, cuBLAS's alpha and beta) are
 *       frozen at capture: a body whose scalars change from run to run must not be captured.</li>
 * </ul>
 *
 * <p>Capture mode: {@code CU_STREAM_CAPTURE_MODE_RELAXED}. In the {@code GLOBAL} and
 * {@code THREAD_LOCAL} modes the capturing thread may not make "potentially unsafe" calls, and
 * {@code cuMemAlloc} is one: it fails with {@code CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED} and
 * invalidates the capture (in {@code GLOBAL} mode even when another thread calls it). The driver
 * calls it unsafe because an allocation is not recorded in the graph, so a graph that relied on
 * it being made again at each launch would be wrong; here the block is made once and belongs to
 * the graph for its whole life, which is exactly what the graph needs, so the private pool's
 * first capture must be able to call it. {@code RELAXED} allows it and still refuses the calls
 * that necessarily conflict with a capture (synchronising the capturing stream, querying an event
 * recorded in it). It also lets libraries that make lazy runtime calls on first use (cuBLAS
 * looking up its kernels, say) be captured. What {@code RELAXED} gives up — refusing other unsafe
 * calls of this thread — jgrad's own host paths check for themselves (see above). Other threads are not restricted by a
 * {@code RELAXED} or {@code THREAD_LOCAL} capture; work they queue on the capturing stream would
 * be captured too, so keep the stream to the capturing thread.
 *
 * <p>Not thread-safe: one thread captures, launches and closes a graph.
 */
public final class CudaGraph implements AutoCloseable {
    /** Why RELAXED and not THREAD_LOCAL or GLOBAL: see the class comment (cuMemAlloc for the private pool). */
    static final int CAPTURE_MODE = DriverExtras.CU_STREAM_CAPTURE_MODE_RELAXED;

    private final Stream stream;
    private final DriverExtras extras;
    private final CachingAllocator.GraphPool pool;
    private long graph, exec;
    private long launches;
    private boolean closed;

    private CudaGraph(Stream stream, DriverExtras extras, CachingAllocator.GraphPool pool, long graph, long exec) {
        this.stream = stream;
        this.extras = extras;
        this.pool = pool;
        this.graph = graph;
        this.exec = exec;
    }

    /**
     * {@return whether {@code code} (a {@link CudaException#code()}) is a stream-capture error:
     * {@code CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED} (900) to {@code CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD} (908)}
     *
     * @param code a CUresult
     */
    public static boolean isCaptureError(int code) {
        return DriverExtras.isCaptureError(code);
    }

    /**
     * {@return whether this device's driver has the CUDA graph entry points (CUDA 11.4 or later)}
     *
     * @param device the device
     */
    public static boolean supported(CudaDevice device) {
        return DriverExtras.of(device.driver()).hasGraphs();
    }

    /**
     * Captures the work {@code body} queues on {@code stream} into a graph; nothing runs now. The
     * capture always ends, even when the body throws.
     *
     * @param stream the stream the body's work goes to (jgrad's ops use their device's {@link CudaDevice#stream()})
     * @param body   the code to capture; it runs once, on this thread
     * @return the executable graph; {@link #close()} it to give its memory back
     * @throws CudaException                 when a call is refused during the capture (code 900, or 901 when the driver
     *                                       invalidated the capture), or instantiating the graph fails
     * @throws UnsupportedOperationException when the driver has no graph entry points
     * @throws IllegalStateException         when a capture is already under way on the device
     */
    public static CudaGraph capture(Stream stream, Runnable body) {
        if (stream == null || body == null) throw new IllegalArgumentException("CudaGraph.capture: stream and body must not be null");
        CudaDevice device = stream.device();
        DriverExtras extras = DriverExtras.of(device.driver());
        if (!extras.hasGraphs()) {
            throw new UnsupportedOperationException("CudaGraph.capture: the CUDA driver of " + device + " lacks the graph entry points "
                    + "(cuStreamBeginCapture_v2, cuGraphInstantiateWithFlags, cuGraphLaunch: CUDA 11.4 or later)");
        }
        device.makeCurrent();
        long handle = stream.handle();
        device.beginCapture(stream);
        CachingAllocator.GraphPool pool;
        try {
            pool = device.allocator().beginGraphPool(handle);
        } catch (RuntimeException e) {
            device.endCapture();
            throw e;
        }
        try {
            extras.streamBeginCapture(handle, CAPTURE_MODE);
        } catch (RuntimeException e) {
            device.endCapture();
            device.allocator().closeGraphPool(pool);
            throw e;
        }
        Throwable failure = null;
        try {
            body.run();
        } catch (Throwable t) {
            failure = t;
        }
        long graph = 0;
        try {
            device.makeCurrent();   // the body may have made another device current
            graph = extras.streamEndCapture(handle);
        } catch (RuntimeException e) {
            if (failure != null) failure.addSuppressed(e);
            else failure = e;
        } finally {
            device.endCapture();
            device.allocator().endGraphCapture(pool);
        }
        long exec = 0;
        if (failure == null) {
            try {
                exec = extras.graphInstantiate(graph, 0);
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (failure != null) {
            if (graph != 0) {
                try {
                    extras.graphDestroy(graph);
                } catch (RuntimeException e) {
                    failure.addSuppressed(e);
                }
            }
            device.allocator().closeGraphPool(pool);   // nothing ran: the blocks may serve anyone
            if (failure instanceof RuntimeException r) throw r;
            if (failure instanceof Error e) throw e;
            throw new IllegalStateException(failure);
        }
        return new CudaGraph(stream, extras, pool, graph, exec);
    }

    /**
     * Queues one run of the graph on its stream, after the work queued there before; returns
     * without waiting.
     *
     * @throws IllegalStateException when the graph was closed
     */
    public void launch() {
        if (closed) throw new IllegalStateException("CudaGraph.launch: the graph was closed");
        stream.device().makeCurrent();
        extras.graphLaunch(exec, stream.handle());
        launches++;
    }

    /** {@return bytes of the device memory the graph owns: the blocks its capture allocated} */
    public long poolBytes() {
        return pool.bytes();
    }

    /** {@return bytes of the memory freed during the capture that the graph holds until it closes} */
    public long heldBytes() {
        return pool.heldBytes();
    }

    /** {@return launches so far} */
    public long launches() {
        return launches;
    }

    /** {@return the stream the graph was captured on and launches on} */
    public Stream stream() {
        return stream;
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Destroys the graph and hands its memory to the stream's general pool; later calls do nothing.
     * A launch still running finishes first (the driver frees the executable graph when it completes;
     * the memory is reused only by work queued on the stream after it).
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        stream.device().makeCurrent();
        try {
            extras.graphExecDestroy(exec);
            extras.graphDestroy(graph);
        } finally {
            exec = 0;
            graph = 0;
            stream.device().allocator().closeGraphPool(pool);
        }
    }

    @Override
    public String toString() {
        return "CudaGraph[cuda:" + stream.device().ordinal() + ", " + pool.bytes() + " B private" + (closed ? ", closed" : "") + "]";
    }
}
