package dev.jgrad.tensor;

import dev.jgrad.cuda.runtime.DeviceBuffer;

/**
 * Elements in device memory: a {@link DeviceBuffer} from the device's caching allocator, which
 * returns to the pool at once when the last tensor holding it is closed, or, for tensors never
 * closed, when the storage becomes unreachable (the buffer's Cleaner).
 */
final class CudaStorage extends Storage {
    private final DeviceBuffer buffer;
    private final DType dtype;
    private final Device device;
    private final int length;

    CudaStorage(DeviceBuffer buffer, DType dtype, Device device, int length) {
        this.buffer = buffer;
        this.dtype = dtype;
        this.device = device;
        this.length = length;
        countOpened();
        Tape.otherDevice(device);
    }

    /** The device memory. */
    DeviceBuffer buffer() {
        if (isFreed()) throw freedError();
        return buffer;
    }

    /** Back to the allocator's pool of the buffer's stream: work already queued that uses it runs first (stream order). */
    @Override
    void releaseMemory() {
        buffer.close();
    }

    @Override
    DType dtype() {
        return dtype;
    }

    @Override
    Device device() {
        return device;
    }

    @Override
    int length() {
        return length;
    }

    @Override
    Backend backend() {
        return CudaBackend.of(device.index());
    }

    /** Device address of element {@code offset}. */
    long address(long offset) {
        return buffer().address() + offset * dtype.byteSize();
    }
}
