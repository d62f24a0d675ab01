package dev.jgrad.cuda.runtime;

/**
 * A CUDA event: a marker recorded into a stream, for timing and for ordering streams.
 *
 * <pre>{@code
 * try (Event start = gpu.newEvent(true); Event end = gpu.newEvent(true)) {
 *     start.record(gpu.stream()); runKernel(); end.record(gpu.stream());
 *     float ms = start.elapsedMillis(end);
 * }
 * }</pre>
 */
public final class Event implements AutoCloseable {
    private final CudaDevice device;
    private final long handle;
    private volatile boolean closed;

    Event(CudaDevice device, long handle) {
        this.device = device;
        this.handle = handle;
    }

    /** The CUevent. */
    public long handle() {
        if (closed) throw new IllegalStateException("event used after close()");
        return handle;
    }

    /** Records the event at the current end of {@code stream}'s queue. */
    public Event record(Stream stream) {
        device.makeCurrent();
        device.driver().eventRecord(handle(), stream.handle());
        return this;
    }

    /** Waits until the recorded work has run. */
    public void synchronize() {
        device.makeCurrent();
        device.driver().eventSynchronize(handle());
    }

    /** Whether the recorded work has run (does not wait). */
    public boolean isDone() {
        device.makeCurrent();
        return device.driver().eventQuery(handle());
    }

    /** Milliseconds from this event to {@code end} (both recorded, with timing enabled); waits for {@code end}. */
    public float elapsedMillis(Event end) {
        end.synchronize();
        return device.driver().eventElapsedTime(handle(), end.handle());
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.makeCurrent();
        device.driver().eventDestroy(handle);
    }
}
