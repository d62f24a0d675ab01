/**
 * CUDA for jgrad through the JDK's foreign function and memory API: the driver API, cuBLAS,
 * device memory and the compiled kernels. Loads lazily; nothing here throws when no GPU exists.
 */
module dev.jgrad.cuda {
    exports dev.jgrad.cuda;
}
