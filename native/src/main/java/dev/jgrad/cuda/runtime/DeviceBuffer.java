package dev.jgrad.cuda.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * A block of device memory from a {@link CachingAllocator}. {@link #close()} returns it to the
 * allocator's pool at once; a buffer that is never closed is returned by a {@link Cleaner} when
 * it becomes unreachable. Either way the memory is reused only by work on the same stream, so
 * kernels already queued that use it are safe.
 *
 * <pre>{@code
 * CudaDevice gpu = Devices.get(0);
 * try (DeviceBuffer b = gpu.allocate(4 * 1024)) {
 *     b.copyFromHost(MemorySegment.ofArray(new float[1024]), 0, 0, 4 * 1024);
 * }
 * }</pre>
 */
public final class DeviceBuffer implements AutoCloseable {
    private final CachingAllocator allocator;
    private final CachingAllocator.Block block;
    private final long byteSize;
    private final Release release;
    private final Cleaner.Cleanable cleanable;

    DeviceBuffer(CachingAllocator allocator, CachingAllocator.Block block, long byteSize) {
        this.allocator = allocator;
        this.block = block;
        this.byteSize = byteSize;
        this.release = new Release(allocator, block, byteSize);
        this.cleanable = block.size() == 0 ? null : CachingAllocator.CLEANER.register(this, release);
    }

    /** The device address (a CUdeviceptr). */
    public long address() {
        if (release.done) throw new IllegalStateException("device buffer of " + byteSize + " bytes used after close()");
        return block.address();
    }

    /** The requested size in bytes. */
    public long byteSize() {
        return byteSize;
    }

    /** The bytes the block occupies (its size class). */
    public long blockSize() {
        return block.size();
    }

    /** The stream whose pool the memory returns to. */
    public long stream() {
        return block.stream();
    }

    /** The device, or null for buffers of a test allocator. */
    public CudaDevice device() {
        return allocator.device();
    }

    public boolean isClosed() {
        return release.done;
    }

    /** Copies {@code bytes} from host memory (any segment: heap arrays included) through pinned staging. */
    public void copyFromHost(MemorySegment src, long srcOffset, long dstOffset, long bytes) {
        checkRange(dstOffset, bytes);
        device().copyHostToDevice(src, srcOffset, address() + dstOffset, bytes);
    }

    /** Copies {@code bytes} to host memory through pinned staging; returns when the data is there. */
    public void copyToHost(long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
        checkRange(srcOffset, bytes);
        device().copyDeviceToHost(address() + srcOffset, dst, dstOffset, bytes);
    }

    /** Copies {@code bytes} from another buffer of the same device, in stream order. */
    public void copyFrom(DeviceBuffer src, long srcOffset, long dstOffset, long bytes) {
        checkRange(dstOffset, bytes);
        src.checkRange(srcOffset, bytes);
        device().copyDeviceToDevice(src.address() + srcOffset, address() + dstOffset, bytes);
    }

    /**
     * Copies {@code bytes} from {@code src}, a buffer on any GPU (this buffer's included), into
     * this buffer without the host: the copy runs on this buffer's device stream after the work
     * already queued on {@code src}'s device stream, and {@code src}'s stream runs its later work
     * only after the copy, so {@code src} may be closed or overwritten at once. Returns without
     * waiting; synchronize this buffer's device (or read the buffer) to see the bytes on the host.
     *
     * <pre>{@code
     * try (DeviceBuffer a = Devices.get(0).allocate(bytes); DeviceBuffer b = Devices.get(1).allocate(bytes)) {
     *     a.fillBytes(1);                  // queued on cuda:0
     *     b.copyFromPeer(a, 0, 0, bytes);   // queued on cuda:1, runs after the fill
     * }
     * }</pre>
     *
     * @throws IndexOutOfBoundsException when a range falls outside its buffer
     * @throws IllegalArgumentException  when a buffer is not CUDA device memory
     */
    public void copyFromPeer(DeviceBuffer src, long srcOffset, long dstOffset, long bytes) {
        if (src == null) throw new IllegalArgumentException("copyFromPeer: the source buffer is null");
        src.checkRange(srcOffset, bytes);
        checkRange(dstOffset, bytes);
        long from = src.address() + srcOffset, to = address() + dstOffset;
        CudaDevice srcDevice = src.device(), dstDevice = device();
        if (srcDevice == null || dstDevice == null) {
            throw new IllegalArgumentException("copyFromPeer: expected two buffers of CUDA devices, got " + src
                    + (srcDevice == null ? " (no device)" : "") + " and " + this + (dstDevice == null ? " (no device)" : ""));
        }
        dstDevice.copyFromPeer(srcDevice, from, to, bytes);
    }

    /** Sets every byte to {@code value}, in stream order. */
    public void fillBytes(int value) {
        if (byteSize > 0) device().memset(address(), value, byteSize);
    }

    private void checkRange(long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > byteSize) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + bytes) + ") outside a device buffer of "
                    + byteSize + " bytes");
        }
    }

    /** Returns the memory to the allocator's pool; later calls do nothing. */
    @Override
    public void close() {
        if (cleanable != null && !release.done) {
            release.explicit = true;
            cleanable.clean();
        }
        release.done = true;
    }

    @Override
    public String toString() {
        return "DeviceBuffer[" + byteSize + " B at 0x" + Long.toHexString(block.address()) + (release.done ? ", closed" : "") + "]";
    }

    /** The Cleaner's action: must not reference the buffer itself. */
    private static final class Release implements Runnable {
        private final CachingAllocator allocator;
        private final CachingAllocator.Block block;
        private final long bytes;
        volatile boolean explicit;
        volatile boolean done;

        Release(CachingAllocator allocator, CachingAllocator.Block block, long bytes) {
            this.allocator = allocator;
            this.block = block;
            this.bytes = bytes;
        }

        @Override
        public void run() {
            done = true;
            allocator.release(block, bytes, !explicit);
        }
    }
}
