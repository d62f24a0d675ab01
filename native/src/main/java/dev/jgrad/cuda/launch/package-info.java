/**
 * The launchers of jgrad's CUDA kernels, one per family and device ({@code X.of(device)}):
 * {@link dev.jgrad.cuda.launch.CudaKernels} (the shared primitives, and any kernel by name),
 * {@link dev.jgrad.cuda.launch.GemmKernels} with {@link dev.jgrad.cuda.launch.GemmDispatch} (its
 * per-shape choice), {@link dev.jgrad.cuda.launch.ConvKernels},
 * {@link dev.jgrad.cuda.launch.AttentionKernels} and {@link dev.jgrad.cuda.launch.Blas} (cuBLAS
 * products on row-major operands). Arguments are packed by {@link dev.jgrad.cuda.launch.KernelArgs}
 * (with {@link dev.jgrad.cuda.launch.Indexing}'s strided indexers) and checked at each launch
 * against the signature {@link dev.jgrad.cuda.launch.KernelCatalog} read from the compiled PTX.
 * Exported only to the modules that run tensors on a GPU.
 *
 * <pre>{@code
 * CudaKernels k = CudaKernels.of(Devices.get(0));
 * k.unary("exp", ScalarType.F32, ScalarType.F32, new int[] {n}, out, new int[] {1}, x, new int[] {1});
 * }</pre>
 */
package dev.jgrad.cuda.launch;
