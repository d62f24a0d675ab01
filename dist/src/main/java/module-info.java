/**
 * Data-parallel training across processes and machines on the collective-communication engines
 * the field uses: a {@link dev.jgrad.dist.Communicator} over Open MPI for CPU tensors and one
 * over NVIDIA's NCCL for CUDA tensors (both bound through FFM and found at run time, like
 * cuBLAS), {@link dev.jgrad.dist.DistributedDataParallel} and
 * {@link dev.jgrad.dist.DistributedSampler}. Launched with {@code mpirun -np N ...}; without
 * mpirun, the same code runs as one process.
 */
module dev.jgrad.dist {
    requires transitive dev.jgrad.nn;
    exports dev.jgrad.dist;
}
