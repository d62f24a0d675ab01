/**
 * The user-facing CUDA API: {@link dev.jgrad.cuda.Cuda} tells, without throwing, whether a usable
 * GPU and driver are present and why not, holds the switches (TF32 matmuls, BF16 attention, index
 * checks) and reports each device's memory ({@link dev.jgrad.cuda.MemoryStats}) and, for
 * diagnostics, what each device is ({@link dev.jgrad.cuda.DeviceInfo}) and which compiled kernel
 * image it loads;
 * {@link dev.jgrad.cuda.CudaException} and {@link dev.jgrad.cuda.CudaOutOfMemoryError} are what a
 * failed call throws; {@link dev.jgrad.cuda.ScalarType} names element types as the kernels do.
 *
 * <p>The rest of the module is in layers, each using only those below it:
 * {@code dev.jgrad.cuda.bindings} (FFM downcalls to the driver and cuBLAS),
 * {@code dev.jgrad.cuda.runtime} (devices, memory, streams, events, kernel modules) and
 * {@code dev.jgrad.cuda.launch} (the kernel launchers and cuBLAS products). The runtime and the
 * launchers are exported only to the modules that run tensors on them.
 *
 * <pre>{@code
 * if (Cuda.isAvailable()) {
 *     Cuda.setAllowTf32(true);
 *     System.out.println(Cuda.memoryStats(0).allocatedBytes() + " bytes in use on cuda:0");
 * } else {
 *     System.out.println(Cuda.unavailableReason());
 * }
 * }</pre>
 */
package dev.jgrad.cuda;
