/**
 * CUDA for jgrad through the JDK's foreign function and memory API, in layers:
 * {@code dev.jgrad.cuda} is the user-facing API (availability, settings, memory statistics,
 * errors); {@code dev.jgrad.cuda.bindings} the FFM downcalls to the driver and cuBLAS;
 * {@code dev.jgrad.cuda.runtime} devices, memory, streams and kernel modules;
 * {@code dev.jgrad.cuda.launch} the kernel launchers. Only the API is exported to everyone; the
 * runtime and the launchers only to the modules that run tensors on them. Loads lazily; nothing
 * here throws when no GPU exists.
 */
module dev.jgrad.cuda {
    requires dev.jgrad.cuda.kernels;   // the compiled PTX/cubins, a module of their own
    exports dev.jgrad.cuda;
    exports dev.jgrad.cuda.runtime to dev.jgrad.tensor, dev.jgrad.bench;
    exports dev.jgrad.cuda.launch to dev.jgrad.tensor, dev.jgrad.bench;
}
