/**
 * jgrad's compiled CUDA kernels: one PTX file (compute 8.0, JIT-compiled by the driver on any
 * newer GPU) and cubins for compute capability 8.x and 9.0 per kernel family, read by the
 * {@code dev.jgrad.cuda} module when it loads kernels onto a device. A separate module so that
 * an application that never uses a GPU carries none of it.
 */
module dev.jgrad.cuda.kernels {
    exports dev.jgrad.cuda.kernels;
}
