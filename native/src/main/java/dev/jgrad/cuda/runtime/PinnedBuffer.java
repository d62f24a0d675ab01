package dev.jgrad.cuda.runtime;

import java.lang.foreign.MemorySegment;

/**
 * Page-locked host memory (cuMemHostAlloc): the DMA engines copy it to and from the device
 * asynchronously and at full PCIe/NVLink speed. Host↔device copies stage through two of these
 * per device.
 *
 * <pre>{@code
 * try (PinnedBuffer p = gpu.allocatePinned(1 << 20)) { p.segment().fill((byte) 0); }
 * }</pre>
 */
public final class PinnedBuffer implements AutoCloseable {
    private final CudaDevice device;
    private final MemorySegment segment;
    private volatile boolean closed;

    PinnedBuffer(CudaDevice device, MemorySegment segment) {
        this.device = device;
        this.segment = segment;
    }

    /** The host memory. */
    public MemorySegment segment() {
        if (closed) throw new IllegalStateException("pinned buffer used after close()");
        return segment;
    }

    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.makeCurrent();
        device.driver().memFreeHost(segment.address());
    }
}
