package dev.jgrad.cuda.runtime;

import dev.jgrad.cuda.CudaException;

/**
 * What the caching allocator asks of a device: the driver's cuMemAlloc/cuMemFree/cuMemGetInfo,
 * or a fake in tests. {@link #malloc} signals exhaustion with a {@link CudaException} whose
 * code is {@code CUDA_ERROR_OUT_OF_MEMORY} (2).
 */
interface RawMemory {
    long malloc(long bytes);

    void free(long address);

    /** {free, total} bytes. */
    long[] memInfo();

    /** "cuda:0" */
    String deviceName();
}
