/**
 * The CUDA runtime of jgrad: {@link dev.jgrad.cuda.runtime.Devices} loads the driver once and
 * opens each {@link dev.jgrad.cuda.runtime.CudaDevice} (its context, stream, caching allocator and
 * pinned staging buffers); device memory is a {@link dev.jgrad.cuda.runtime.DeviceBuffer} from the
 * PyTorch-style {@link dev.jgrad.cuda.runtime.CachingAllocator}; {@code Stream}, {@code Event} and
 * {@code PinnedBuffer} wrap their driver handles; {@link dev.jgrad.cuda.runtime.KernelModules}
 * loads the compiled kernels (the cubin for the device, else the PTX) from the jar. Exported only to
 * the modules that run tensors on a GPU.
 *
 * <pre>{@code
 * CudaDevice gpu = Devices.get(0);
 * try (DeviceBuffer b = gpu.allocate(4L * n)) {
 *     b.copyFromHost(MemorySegment.ofArray(data), 0, 0, 4L * n);
 * }
 * }</pre>
 */
package dev.jgrad.cuda.runtime;
