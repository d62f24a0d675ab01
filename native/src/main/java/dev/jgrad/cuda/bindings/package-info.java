/**
 * Hand-written FFM downcalls: {@link dev.jgrad.cuda.bindings.Driver} (the CUDA driver API of
 * {@code libcuda.so.1}: devices, contexts, memory, copies, streams, events, modules, launches),
 * {@link dev.jgrad.cuda.bindings.DriverExtras} (the tensor-map binding),
 * {@link dev.jgrad.cuda.bindings.CuBlas} (cuBLAS, {@code libcublas.so.13} or {@code .12}) and the
 * library search ({@link dev.jgrad.cuda.bindings.LibraryProbe}). Each method binds one C function,
 * whose signature is written in a comment above it, and turns a failed status into a
 * {@link dev.jgrad.cuda.CudaException}. Internal to the module: not exported.
 *
 * <pre>{@code
 * LibraryProbe.Result r = LibraryProbe.probe(List.of(LibraryProbe.DRIVER), LibraryProbe.SYSTEM);
 * Driver d = new Driver(r.lookup());
 * int rc = d.init();   // cuInit(0)
 * }</pre>
 */
package dev.jgrad.cuda.bindings;
