package dev.jgrad.tensor;

import dev.jgrad.cuda.runtime.DeviceBuffer;

/**
 * Elements in device memory: a {@link DeviceBuffer} from the device's caching allocator, which
 * returns to the pool when the storage becomes unreachable (no tensor refers to it).
 */
record CudaStorage(DeviceBuffer buffer, DType dtype, Device device, int length) implements Storage {

    @Override
    public Backend backend() {
        return CudaBackend.of(device.index());
    }

    /** Device address of element {@code offset}. */
    long address(long offset) {
        return buffer.address() + offset * dtype.byteSize();
    }
}
