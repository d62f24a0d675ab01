package dev.jgrad.cuda.runtime;

/**
 * A CUDA stream: work queued on it runs in order. Each device has one default stream
 * ({@link CudaDevice#stream()}) that every jgrad op uses; {@link CudaDevice#newStream()} makes
 * others (non-blocking with respect to the legacy NULL stream).
 *
 * <pre>{@code
 * try (Stream s = gpu.newStream()) { ...; s.synchronize(); }
 * }</pre>
 */
public final class Stream implements AutoCloseable {
    private final CudaDevice device;
    private final long handle;
    private final boolean owned;
    private volatile boolean closed;

    Stream(CudaDevice device, long handle, boolean owned) {
        this.device = device;
        this.handle = handle;
        this.owned = owned;
    }

    /** The CUstream. */
    public long handle() {
        if (closed) throw new IllegalStateException("stream used after close()");
        return handle;
    }

    public CudaDevice device() {
        return device;
    }

    /** Waits until everything queued on this stream has run. */
    public void synchronize() {
        if (device.capturingStream() == this) throw device.captureRefusal("cuStreamSynchronize", "waiting for the stream");
        device.makeCurrent();
        device.driver().streamSynchronize(handle());
    }

    /** Makes later work on this stream wait for {@code event}. */
    public void waitFor(Event event) {
        device.makeCurrent();
        device.driver().streamWaitEvent(handle(), event.handle());
    }

    /**
     * Destroys a stream made by {@link CudaDevice#newStream()} after waiting for its work and
     * returning its cached memory; the default stream is never destroyed. Close a stream only
     * after the buffers allocated on it.
     */
    @Override
    public void close() {
        if (!owned || closed) return;
        synchronize();
        device.allocator().releaseStream(handle);
        closed = true;
        device.driver().streamDestroy(handle);
    }
}
