package dev.jgrad.dist;

import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;

/**
 * A group of processes ("ranks") that combine tensors: the collectives data-parallel training
 * needs. {@link #world()} is every process {@code mpirun} started (Open MPI, bound through FFM),
 * or this process alone when it was started without mpirun — so the same program runs on one
 * machine or many.
 *
 * <p>Every collective must be called by every rank, in the same order, on tensors of the same
 * shape and dtype. Each call is checked: the ranks exchange a short description of the call
 * first, so a rank that calls another collective (or the same one on another shape) makes every
 * rank throw a {@link DistributedException} naming what each rank called, and a rank that never
 * arrives makes the others throw after {@value #TIMEOUT_PROPERTY} seconds (default
 * {@value #DEFAULT_TIMEOUT_SECONDS}) instead of hanging.
 *
 * <p>Tensors must be contiguous and on the communicator's {@link #device()} (the CPU, or the
 * rank's GPU for {@link #cuda(Communicator)}); the in-place collectives change the tensor (its version,
 * as any in-place op), so a tensor that requires grad needs {@code GradMode.noGrad()}.
 *
 * <pre>{@code
 * try (Communicator comm = Communicator.world()) {      // mpirun -np 2 java ... Main
 *     Tensor t = Tensor.full(comm.rank() + 1.0, 3);
 *     comm.allReduce(t, ReduceOp.SUM);                   // [3, 3, 3] on both ranks
 *     Tensor all = comm.allGather(Tensor.scalar(comm.rank()));   // [0, 1]
 * }
 * }</pre>
 */
public interface Communicator extends AutoCloseable {
    /** System property: seconds a rank waits for the others to reach a collective before it fails. */
    String TIMEOUT_PROPERTY = "jgrad.dist.timeout";
    /** The default of {@value #TIMEOUT_PROPERTY}. */
    int DEFAULT_TIMEOUT_SECONDS = 300;

    /** {@return this process's rank, from 0 to {@link #size()} − 1} */
    int rank();

    /** {@return the number of ranks} */
    int size();

    /**
     * Combines {@code t} over the ranks, in place: afterwards every rank holds the same result.
     *
     * @param t  a contiguous tensor on {@link #device()} of float32, float64, float16, bfloat16, int32 or int64
     *           (integers: SUM, MAX, MIN), the same shape and dtype on every rank
     * @param op how to combine
     * @throws IllegalArgumentException for a tensor or op it cannot reduce (on this rank, before
     *         any communication)
     * @throws DistributedException     when the ranks disagree or do not all arrive
     */
    void allReduce(Tensor t, ReduceOp op);

    /**
     * {@link #allReduce(Tensor, ReduceOp)} with {@link ReduceOp#SUM}.
     *
     * @param t the tensor to sum over ranks, in place
     */
    default void allReduce(Tensor t) {
        allReduce(t, ReduceOp.SUM);
    }

    /**
     * Starts {@link #allReduce(Tensor, ReduceOp)} and returns at once; the tensor must not be
     * used until {@link Work#await()} returns. Collectives run one at a time, in the order
     * they were started, on a thread of the communicator's own.
     *
     * @param t  the tensor, as for {@link #allReduce(Tensor, ReduceOp)}
     * @param op how to combine
     * @return the pending collective
     */
    Work allReduceAsync(Tensor t, ReduceOp op);

    /**
     * Copies rank {@code root}'s {@code t} into every other rank's {@code t}, in place.
     *
     * @param t    a contiguous tensor on {@link #device()} (any dtype), the same shape and dtype on every rank
     * @param root the rank whose values everyone gets
     */
    void broadcast(Tensor t, int root);

    /**
     * {@return the ranks' tensors concatenated along dimension 0, in rank order} A tensor of
     * shape [d0, …] gives one of [size·d0, …]; a 0-d tensor gives one of [size].
     *
     * @param t a contiguous tensor on {@link #device()} (any dtype), the same shape and dtype on every rank
     */
    Tensor allGather(Tensor t);

    /** Returns once every rank has called it. */
    void barrier();

    /**
     * {@return the device whose tensors the collectives take: the CPU for {@link #world()} and
     * {@link #single()}, this rank's GPU for {@link #cuda(Communicator)}}
     */
    default Device device() {
        return Device.CPU;
    }

    /** {@return what carries the collectives ("Open MPI v4.1.4, …", "one process")} */
    String engine();

    /** {@return whether {@link #close()} was called} */
    boolean isClosed();

    /**
     * Ends this communicator; a collective on it afterwards is an error. Closing
     * {@link #world()} ends MPI for this process (every rank must close it). Idempotent.
     */
    @Override
    void close();

    /**
     * {@return every rank mpirun started, or this process alone without mpirun} Created on the
     * first call (with MPI: {@code MPI_Init_thread}); later calls return the same communicator
     * until it is closed.
     *
     * @throws DistributedException when the process was started by mpirun but Open MPI's
     *         library cannot be loaded or initialised, naming what was tried
     */
    static Communicator world() {
        return launchedByMpi() ? MpiCommunicator.world() : SingleProcessCommunicator.world();
    }

    /**
     * {@return a communicator of the same ranks as {@code cpuComm} for CUDA tensors, over NVIDIA's
     * NCCL, on this rank's GPU} One rank per GPU: the GPU is the rank's local rank on its machine
     * ({@code OMPI_COMM_WORLD_LOCAL_RANK}, else {@code SLURM_LOCALID}, else its rank) modulo the
     * number of GPUs. Every rank must call it, in the same order as its other collectives on
     * {@code cpuComm}.
     *
     * <p>Rank 0 creates NCCL's unique id and broadcasts it over {@code cpuComm}; each rank then
     * joins the NCCL communicator. The collectives are queued on jgrad's stream of the GPU, in
     * order with the kernels of the ops before and after them, so they return before the GPU has
     * run them (a later read of the tensor waits, as for any op). Before each, the ranks check
     * over {@code cpuComm} that they all call the same collective on the same shape, as
     * {@link #world()} does. {@code cpuComm} stays the caller's: close the CUDA communicator first.
     *
     * <p>NCCL ({@code libnccl.so.2}) is looked for in {@code -Djgrad.nccl.path}, then
     * {@code JGRAD_NCCL_PATH}, then the system's library search, then a Python environment's copy
     * ({@code site-packages/nvidia/nccl/lib}, from PyTorch's {@code nvidia-nccl} wheel).
     *
     * <pre>{@code
     * try (Communicator world = Communicator.world();                // mpirun -np 2 java ... Main
     *      Communicator gpus = Communicator.cuda(world)) {           // NCCL, one GPU per rank
     *     Tensor t = Tensor.full(world.rank() + 1.0, 3).to(gpus.device());
     *     gpus.allReduce(t, ReduceOp.SUM);                            // [3, 3, 3] on both GPUs
     *     var model = new DistributedDataParallel(net.to(gpus.device()), gpus);
     * }
     * }</pre>
     *
     * @param cpuComm the ranks (for example {@link #world()}): it carries the unique id and the
     *                per-call checks
     * @throws IllegalArgumentException when {@code cpuComm} is null, closed or not a CPU communicator
     * @throws DistributedException     on every rank when a rank has no usable GPU or NCCL library
     *                                  (naming the rank and what was tried), or NCCL fails to start
     */
    static Communicator cuda(Communicator cpuComm) {
        return NcclCommunicator.create(cpuComm, null);
    }

    /**
     * {@link #cuda(Communicator)} on a GPU of the caller's choice instead of the local rank's.
     *
     * @param cpuComm the ranks, as for {@link #cuda(Communicator)}
     * @param device  this rank's GPU (each rank its own)
     * @return the CUDA communicator
     * @throws IllegalArgumentException when {@code cpuComm} is unusable or {@code device} is not a CUDA device
     * @throws DistributedException     as for {@link #cuda(Communicator)}
     */
    static Communicator cuda(Communicator cpuComm, Device device) {
        if (device == null || device.type() != Device.Type.CUDA) {
            throw new IllegalArgumentException("Communicator.cuda: expects a CUDA device, got " + device);
        }
        return NcclCommunicator.create(cpuComm, device.index());
    }

    /** {@return a communicator of this process alone: every collective leaves its tensor as it is} */
    static Communicator single() {
        return new SingleProcessCommunicator();
    }

    /** {@return whether this process was started by mpirun (Open MPI's or a PMIx launcher's environment is set)} */
    static boolean launchedByMpi() {
        return System.getenv("OMPI_COMM_WORLD_SIZE") != null || System.getenv("PMIX_RANK") != null;
    }
}
