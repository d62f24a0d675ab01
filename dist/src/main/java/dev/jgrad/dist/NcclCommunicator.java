package dev.jgrad.dist;

import dev.jgrad.dist.nccl.Nccl;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.internal.TensorInternals;
import dev.jgrad.tensor.internal.TensorInternals.CudaView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * The ranks of a CPU communicator, for CUDA tensors, over NCCL ({@link Nccl}): one GPU per rank.
 * Created by {@link Communicator#cuda(Communicator)}: rank 0's NCCL unique id travels over the CPU
 * communicator, then every rank joins with {@code ncclCommInitRank} on its GPU.
 *
 * <p>Each collective is queued on jgrad's stream of the GPU — the stream every jgrad op on that
 * device runs on — so it runs after the kernels that produced its tensor and before those that
 * read the result, and the call returns without waiting for the GPU. Before each, the ranks
 * exchange a {@link CallHeader} over the CPU communicator (an all-gather, with its timeout), so a
 * rank that calls another collective or a tensor of another shape fails on every rank before
 * anything reaches NCCL, where it would hang. Calls are serialised: an NCCL communicator takes
 * one call at a time, and the ranks must queue their collectives in the same order.
 */
final class NcclCommunicator extends BaseCommunicator {
    private final Communicator cpu;
    private final Nccl nccl;
    private final int version;
    private final MemorySegment comm;
    private final int gpu;
    private final Device device;
    private final int rank, size;
    private final String engine;
    private long sequence;

    /**
     * Checks the arguments, then agrees with every rank that each has NCCL and a GPU before any
     * rank starts NCCL's setup (which would wait for the missing rank forever).
     *
     * @param cpu    the ranks
     * @param device this rank's GPU, or null for the local rank's
     */
    static NcclCommunicator create(Communicator cpu, Integer device) {
        if (cpu == null) throw new IllegalArgumentException("Communicator.cuda: the CPU communicator is null");
        if (cpu.isClosed()) throw new IllegalArgumentException("Communicator.cuda: the CPU communicator is closed");
        if (cpu.device().type() != Device.Type.CPU) {
            throw new IllegalArgumentException("Communicator.cuda: expects a CPU communicator (Communicator.world() or single()) to carry "
                    + "NCCL's id, got one on " + cpu.device());
        }
        String problem = null;
        Nccl nccl = null;
        int gpu = -1;
        Optional<Nccl> loaded = Nccl.load();
        if (loaded.isEmpty()) {
            problem = Nccl.lastProblem();
        } else {
            nccl = loaded.get();
            int count = TensorInternals.cudaDeviceCount();
            if (count == 0) problem = "no usable CUDA device (NCCL reduces GPU tensors; jgrad's CUDA module, the NVIDIA driver or a GPU is missing)";
            else if (device != null && device >= count) problem = "cuda:" + device + " does not exist: " + count + " CUDA device(s) present";
            else gpu = device != null ? device : NcclTypes.deviceFor(NcclTypes.localRank(System.getenv(), cpu.rank()), count);
        }
        int failing = ranksFailing(cpu, problem != null);
        if (problem != null) throw new DistributedException("Communicator.cuda: rank " + cpu.rank() + ": " + problem);
        if (failing > 0) {
            throw new DistributedException("Communicator.cuda: rank " + cpu.rank() + ": " + failing + " other rank(s) cannot use NCCL (see "
                    + "their errors); no rank joined NCCL");
        }
        return new NcclCommunicator(cpu, nccl, gpu);
    }

    /** {@return how many ranks cannot go on} Every rank calls it, with or without a problem. */
    private static int ranksFailing(Communicator cpu, boolean failed) {
        Tensor flag = Tensor.of(new int[] {failed ? 1 : 0}, 1);
        cpu.allReduce(flag, ReduceOp.SUM);
        return flag.toIntArray()[0];
    }

    private NcclCommunicator(Communicator cpu, Nccl nccl, int gpu) {
        this.cpu = cpu;
        this.nccl = nccl;
        this.gpu = gpu;
        this.device = Device.cuda(gpu);
        this.rank = cpu.rank();
        this.size = cpu.size();
        this.version = nccl.version();
        TensorInternals.makeCudaCurrent(gpu);   // NCCL works on the calling thread's current device
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(Nccl.UNIQUE_ID_BYTES);
            // word 0: rank 0's result code, so that every rank learns of its failure; then the id's 128 bytes
            int[] words = new int[1 + Nccl.UNIQUE_ID_BYTES / Integer.BYTES];
            if (rank == 0) {
                words[0] = nccl.getUniqueId(id);
                MemorySegment.copy(id, 0, MemorySegment.ofArray(words), Integer.BYTES, Nccl.UNIQUE_ID_BYTES);
            }
            Tensor idWords = Tensor.of(words, words.length);
            cpu.broadcast(idWords, 0);
            words = idWords.toIntArray();
            if (words[0] != Nccl.SUCCESS) {
                throw new DistributedException("Communicator.cuda: rank " + rank + ": rank 0's ncclGetUniqueId failed: " + nccl.errorString(words[0])
                        + " (NCCL error " + words[0] + ")");
            }
            MemorySegment.copy(MemorySegment.ofArray(words), Integer.BYTES, id, 0, Nccl.UNIQUE_ID_BYTES);
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            int rc = nccl.commInitRank(out, size, id, rank);
            if (rc != Nccl.SUCCESS) {
                throw new DistributedException("Communicator.cuda: rank " + rank + ": ncclCommInitRank on " + device + " failed: "
                        + nccl.errorString(rc) + " (NCCL error " + rc + ")");
            }
            comm = out.get(ValueLayout.ADDRESS, 0);
        }
        engine = "NCCL " + Nccl.versionText(version) + " (" + nccl.loadedFrom + ") on " + device + ", checked over " + cpu.engine();
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public String engine() {
        return engine;
    }


    // ---- collectives ----------------------------------------------------------------------------------------

    @Override
    public synchronized void allReduce(Tensor t, ReduceOp op) {
        usable("allReduce");
        checkReducible("allReduce", t, op);
        NcclTypes.checkReducible("allReduce", t.dtype(), version);
        CudaView v = TensorInternals.cudaView(t, "allReduce", true);
        agree(CallHeader.Call.ALL_REDUCE, t, op.ordinal());
        long n = t.numel();
        if (n == 0) return;
        int type = NcclTypes.dataType(t.dtype()), nop = NcclTypes.reduceOp(op, version);
        enqueue("ncclAllReduce", () -> nccl.allReduce(v.address(), v.address(), n, type, nop, comm, v.stream()));
        if (op == ReduceOp.AVG && !NcclTypes.nativeAvg(version)) {
            try (var g = GradMode.noGrad()) {
                t.mulInPlace(1.0 / size);   // queued after the sum, on the same stream
            }
        }
        Reference.reachabilityFence(t);
    }

    /** {@inheritDoc} The collective is queued on the GPU's stream at once, so the returned work has nothing left to wait for on the host. */
    @Override
    public Work allReduceAsync(Tensor t, ReduceOp op) {
        allReduce(t, op);
        return SingleProcessCommunicator.DONE;
    }

    @Override
    public synchronized void broadcast(Tensor t, int root) {
        usable("broadcast");
        checkTensor("broadcast", t);
        checkRoot("broadcast", root);
        CudaView v = TensorInternals.cudaView(t, "broadcast", rank != root);
        agree(CallHeader.Call.BROADCAST, t, root);
        long bytes = (long) t.numel() * t.dtype().byteSize();
        if (bytes == 0) return;
        enqueue("ncclBroadcast", () -> nccl.broadcast(v.address(), v.address(), bytes, Nccl.UINT8, root, comm, v.stream()));
        Reference.reachabilityFence(t);
    }

    @Override
    public synchronized Tensor allGather(Tensor t) {
        usable("allGather");
        checkTensor("allGather", t);
        CudaView src = TensorInternals.cudaView(t, "allGather", false);
        agree(CallHeader.Call.ALL_GATHER, t, 0);
        Tensor out;
        try (var g = GradMode.noGrad()) {   // a new tensor of the gathered shape on the GPU, overwritten below
            out = t.reshape(-1).repeat(size).reshape(gatheredShape(t.shape(), size));
        }
        long bytes = (long) t.numel() * t.dtype().byteSize();
        if (bytes == 0) return out;
        CudaView dst = TensorInternals.cudaView(out, "allGather", true);
        enqueue("ncclAllGather", () -> nccl.allGather(src.address(), dst.address(), bytes, Nccl.UINT8, comm, src.stream()));
        Reference.reachabilityFence(t);
        return out;
    }

    /** {@inheritDoc} Also waits until this rank's queued collectives have run on its GPU. */
    @Override
    public synchronized void barrier() {
        usable("barrier");
        TensorInternals.cudaSynchronize(gpu);
        checkAsyncError("barrier");
        agree(CallHeader.Call.BARRIER, null, 0);
    }

    /**
     * Ends the NCCL communicator (after the queued collectives have run); the CPU communicator
     * stays open. After a failure, or once the CPU communicator is closed, NCCL's communicator is
     * aborted instead, without waiting for the other ranks.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        boolean destroyed = false;
        try {
            if (broken == null && !cpu.isClosed()) {
                agree(CallHeader.Call.CLOSE, null, 0);
                TensorInternals.cudaSynchronize(gpu);
                TensorInternals.makeCudaCurrent(gpu);
                int rc = nccl.commDestroy(comm);
                destroyed = true;
                if (rc != Nccl.SUCCESS) throw new DistributedException("rank " + rank + ": ncclCommDestroy failed: " + nccl.errorString(rc));
            }
        } finally {
            if (!destroyed) {
                TensorInternals.makeCudaCurrent(gpu);
                nccl.commAbort(comm);
            }
        }
    }

    // ---- the checks -------------------------------------------------------------------------------------------

    /**
     * Exchanges this call's header with every rank over the CPU communicator; throws, leaving this
     * communicator unusable, when a rank called something else or not every rank arrived in time.
     */
    private void agree(CallHeader.Call call, Tensor t, long arg) {
        long[] mine = CallHeader.of(++sequence, call, t, arg);
        if (size == 1) return;
        long[] all;
        try (var g = GradMode.noGrad()) {
            all = cpu.allGather(Tensor.of(mine, CallHeader.LONGS)).toLongArray();
        } catch (RuntimeException e) {
            broken = "rank " + rank + ": the ranks could not agree on NCCL collective " + CallHeader.describe(mine, 0) + " over "
                    + cpu.engine() + ": " + e.getMessage();
            throw new DistributedException(broken, e);
        }
        String disagreement = CallHeader.disagreement(all, size, rank);
        if (disagreement != null) {
            broken = disagreement;
            throw new DistributedException(broken);
        }
    }

    /** Queues one NCCL call on the GPU's stream; a failure (returned, or reported by NCCL's background work) makes this communicator unusable. */
    private void enqueue(String what, IntSupplier call) {
        TensorInternals.makeCudaCurrent(gpu);
        int rc = call.getAsInt();
        if (rc != Nccl.SUCCESS) fail(what + " failed: " + nccl.errorString(rc) + " (NCCL error " + rc + ")");
        checkAsyncError(what);
    }

    private void checkAsyncError(String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment error = a.allocate(ValueLayout.JAVA_INT);
            int rc = nccl.commGetAsyncError(comm, error);
            int e = error.get(ValueLayout.JAVA_INT, 0);
            if (rc != Nccl.SUCCESS) fail(what + ": ncclCommGetAsyncError failed: " + nccl.errorString(rc));
            if (e != Nccl.SUCCESS && e != Nccl.IN_PROGRESS) fail(what + ": NCCL reported " + nccl.errorString(e) + " (NCCL error " + e + ")");
        }
    }

    private void fail(String message) {
        broken = "rank " + rank + ": " + message;
        throw new DistributedException(broken);
    }
}
