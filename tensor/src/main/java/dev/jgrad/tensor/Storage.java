package dev.jgrad.tensor;

/**
 * A flat block of elements of one dtype on one device. Tensors view it through a {@link Layout};
 * several tensors may share one storage.
 */
sealed interface Storage permits CpuStorage, CudaStorage {
    DType dtype();

    Device device();

    /** Number of elements. */
    int length();

    /** The backend whose kernels operate on this storage. */
    Backend backend();
}
