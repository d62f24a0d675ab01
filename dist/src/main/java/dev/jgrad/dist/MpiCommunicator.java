package dev.jgrad.dist;

import dev.jgrad.dist.mpi.Mpi;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.internal.TensorInternals;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The ranks of {@code mpirun}, over Open MPI ({@link Mpi}). Every MPI call happens on one thread
 * of this communicator ({@code jgrad-mpi}): MPI is initialised there with
 * {@code MPI_THREAD_SERIALIZED}, and collectives run one at a time in the order they were
 * started, which is what lets {@link #allReduceAsync} overlap communication with the caller's
 * work. The collectives use a duplicate of {@code MPI_COMM_WORLD} with {@code MPI_ERRORS_RETURN},
 * so an MPI error becomes an exception instead of ending the job.
 *
 * <p>Before each collective the ranks exchange a {@link CallHeader} with non-blocking calls
 * ({@link CallExchange}: a message to every other rank; beyond {@value CallExchange#MAX_RANKS}
 * ranks an {@code MPI_Iallgather}), polled until every rank's header has arrived or the timeout
 * has passed. A small collective's data travels in the same messages, and each rank finishes it
 * from the ranks' contributions (an all-reduce with {@link LocalReduce}); a larger one's data then
 * moves in place between the tensors' own arrays (in chunks of {@value #CHUNK_BYTES} bytes, each a
 * short call made while every rank is known to be there).
 */
final class MpiCommunicator extends BaseCommunicator {
    /** Bytes per in-place call: each is a critical native call during which the JVM cannot reach a safepoint. */
    static final int CHUNK_BYTES = 1 << 22;
    /** How long a rank waiting for the others spins, then yields its core, before it sleeps between polls. */
    static final long SPIN_NANOS = 50_000, YIELD_NANOS = 2_000_000, PARK_NANOS = 100_000;

    private static MpiCommunicator world;
    /** Set once MPI_Finalize ran: MPI cannot start again in this process. */
    private static boolean finalized;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jgrad-mpi");
        t.setDaemon(true);
        return t;
    });
    private final Mpi mpi;
    private final boolean ownsMpi;
    private final MemorySegment comm;
    private final int rank, size;
    private final long timeoutNanos;
    private final String engine;
    private long sequence;
    /** The point-to-point call exchange, in a world of at most {@link CallExchange#MAX_RANKS} ranks; null beyond. */
    private final CallExchange exchange;
    private final LocalReduce reducer = new LocalReduce();
    /** {@link #check} and the exchange's test, made once: the small collectives' path allocates as little as it can. */
    private final CallExchange.Checker checker = this::check;
    private final BooleanSupplier exchangeDone = this::exchangeDone;

    static synchronized MpiCommunicator world() {
        if (world != null && !world.closed) return world;
        if (finalized) throw new IllegalStateException("Communicator.world(): MPI was finalised when the world communicator was closed, "
                + "and cannot start again in this process");
        world = new MpiCommunicator();
        return world;
    }

    private MpiCommunicator() {
        timeoutNanos = (long) (timeoutSeconds() * 1e9);
        Object[] r = onThread(() -> {
            Mpi m = Mpi.load().orElseThrow(() -> new DistributedException("Communicator.world(): started by mpirun, but " + Mpi.lastProblem()));
            try (Arena a = Arena.ofConfined()) {
                MemorySegment flag = a.allocate(ValueLayout.JAVA_INT);
                check(m, m.initialized(flag), "MPI_Initialized");
                boolean own = flag.get(ValueLayout.JAVA_INT, 0) == 0;
                if (own) {
                    MemorySegment provided = a.allocate(ValueLayout.JAVA_INT);
                    check(m, m.initThread(Mpi.THREAD_SERIALIZED, provided), "MPI_Init_thread");
                }
                MemorySegment out = a.allocate(ValueLayout.ADDRESS);
                check(m, m.commDup(m.commWorld, out), "MPI_Comm_dup");
                MemorySegment c = out.get(ValueLayout.ADDRESS, 0);
                check(m, m.commSetErrhandler(c, m.errorsReturn), "MPI_Comm_set_errhandler");
                MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
                check(m, m.commRank(c, v), "MPI_Comm_rank");
                int rk = v.get(ValueLayout.JAVA_INT, 0);
                check(m, m.commSize(c, v), "MPI_Comm_size");
                return new Object[] {m, own, c, rk, v.get(ValueLayout.JAVA_INT, 0), m.libraryVersion()};
            }
        });
        mpi = (Mpi) r[0];
        ownsMpi = (Boolean) r[1];
        comm = (MemorySegment) r[2];
        rank = (Integer) r[3];
        size = (Integer) r[4];
        engine = r[5] + " (" + mpi.loadedFrom + ")";
        exchange = size <= CallExchange.MAX_RANKS ? new CallExchange(mpi, comm, rank, size) : null;
        Runtime.getRuntime().addShutdownHook(new Thread(this::closeAtExit, "jgrad-mpi-exit"));
    }

    static double timeoutSeconds() {
        String v = System.getProperty(TIMEOUT_PROPERTY);
        if (v == null) return DEFAULT_TIMEOUT_SECONDS;
        try {
            double s = Double.parseDouble(v.trim());
            if (s > 0 && Double.isFinite(s)) return s;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + TIMEOUT_PROPERTY + " must be a number of seconds > 0, got '" + v + "'");
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
    public String engine() {
        return engine;
    }


    // ---- collectives ----------------------------------------------------------------------------------------

    @Override
    public void allReduce(Tensor t, ReduceOp op) {
        allReduceAsync(t, op, false, true).await();
    }

    @Override
    public Work allReduceAsync(Tensor t, ReduceOp op) {
        return allReduceAsync(t, op, true, true);
    }

    /** {@link #allReduce} through MPI_Allreduce whatever the size (for the tests that compare both paths). */
    void allReduceThroughMpi(Tensor t, ReduceOp op) {
        allReduceAsync(t, op, false, false).await();
    }

    private Work allReduceAsync(Tensor t, ReduceOp op, boolean async, boolean inlineSmall) {
        usable("allReduce");
        checkReducible("allReduce", t, op);
        DType d = t.dtype();
        if (d == DType.FLOAT16 || d == DType.BFLOAT16) {
            // no 16-bit float type in MPI: reduce in float32, round once (as PyTorch's CPU backends do)
            Tensor wide = t.to(DType.FLOAT32);
            Work w = allReduceAsync(wide, op, async, inlineSmall);
            return new Staged(w, () -> {
                try (var g = GradMode.noGrad()) {
                    t.copyFrom(wide);
                }
            });
        }
        Object array = TensorInternals.hostArray(t, "allReduce", true);
        int offset = t.storageOffset(), n = t.numel();
        long bytes = (long) n * d.byteSize();
        Task task = inlineSmall && carriesInline(bytes) ? () -> {
            // small: the data travels with the header, and each rank reduces the contributions itself
            HostArrays.copyOut(array, offset, n, exchange.ownData(bytes));
            agree(CallHeader.Call.ALL_REDUCE, t, op.ordinal(), bytes);
            reducer.reduce(array, offset, n, op, rank, size, r -> exchange.data(r, bytes));
            if (op == ReduceOp.AVG) divide(array, offset, n, size);
            return null;
        } : () -> {
            agree(CallHeader.Call.ALL_REDUCE, t, op.ordinal());
            MemorySegment type = mpiType(d), mop = switch (op) {
                case SUM, AVG -> mpi.opSum;
                case MAX -> mpi.opMax;
                case MIN -> mpi.opMin;
            };
            forChunks(array, offset, n, d.byteSize(), (seg, count) -> check(mpi.allreduceInPlaceHeap(seg, count, type, mop, comm), "MPI_Allreduce"));
            if (op == ReduceOp.AVG) divide(array, offset, n, size);
            return null;
        };
        return async ? submit(task) : inline(task);
    }

    @Override
    public void broadcast(Tensor t, int root) {
        usable("broadcast");
        checkTensor("broadcast", t);
        checkRoot("broadcast", root);
        Object array = TensorInternals.hostArray(t, "broadcast", rank != root);
        int offset = t.storageOffset(), n = t.numel();
        DType d = t.dtype();
        long bytes = (long) n * d.byteSize();
        if (carriesInline(bytes)) {   // small: the root's data travels with its header
            inline(() -> {
                if (rank == root) HostArrays.copyOut(array, offset, n, exchange.ownData(bytes));
                agree(CallHeader.Call.BROADCAST, t, root, rank == root ? bytes : 0);
                if (rank != root) HostArrays.copyIn(exchange.data(root, bytes), array, offset, n);
                return null;
            }).await();
            return;
        }
        inline(() -> {
            agree(CallHeader.Call.BROADCAST, t, root);
            if (array instanceof boolean[] b) {   // no heap segment over boolean[]: through bytes
                byte[] asBytes = new byte[n];
                for (int i = 0; i < n; i++) asBytes[i] = (byte) (b[offset + i] ? 1 : 0);
                forChunks(asBytes, 0, n, 1, (seg, count) -> check(mpi.bcastHeap(seg, count, mpi.byteType, root, comm), "MPI_Bcast"));
                for (int i = 0; i < n; i++) b[offset + i] = asBytes[i] != 0;
            } else {
                MemorySegment type = byteCompatibleType(d);
                int unit = type == mpi.byteType ? d.byteSize() : 1;   // 16-bit floats move as bytes
                forChunks(array, offset, n, d.byteSize(), (seg, count) -> check(mpi.bcastHeap(seg, count * unit, type, root, comm), "MPI_Bcast"));
            }
            return null;
        }).await();
    }

    @Override
    public Tensor allGather(Tensor t) {
        usable("allGather");
        checkTensor("allGather", t);
        DType d = t.dtype();
        int n = t.numel();
        long bytes = (long) n * d.byteSize();
        if (bytes * size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("allGather: " + size + " × " + bytes + " bytes is more than one call can gather (2 GiB)");
        }
        Tensor out;
        try (var g = GradMode.noGrad()) {
            out = Tensor.zeros(d, gatheredShape(t.shape(), size));
        }
        Object src = TensorInternals.hostArray(t, "allGather", false), dst = TensorInternals.hostArray(out, "allGather", true);
        int srcOffset = t.storageOffset();
        if (carriesInline(bytes)) {   // small: every rank's data travels with its header
            inline(() -> {
                HostArrays.copyOut(src, srcOffset, n, exchange.ownData(bytes));
                agree(CallHeader.Call.ALL_GATHER, t, 0, bytes);
                for (int r = 0; r < size; r++) HostArrays.copyIn(exchange.data(r, bytes), dst, r * n, n);
                return null;
            }).await();
            return out;
        }
        inline(() -> {
            agree(CallHeader.Call.ALL_GATHER, t, 0);
            try (Arena a = Arena.ofConfined()) {   // not a short call (it waits for every rank): through native memory
                MemorySegment send = a.allocate(Math.max(1, bytes)), recv = a.allocate(Math.max(1, bytes * size));
                HostArrays.copyOut(src, srcOffset, n, send);
                check(mpi.allgather(send, (int) bytes, mpi.byteType, recv, comm), "MPI_Allgather");
                HostArrays.copyIn(recv, dst, 0, n * size);
            }
            return null;
        }).await();
        return out;
    }

    @Override
    public void barrier() {
        usable("barrier");
        inline(() -> {
            agree(CallHeader.Call.BARRIER, null, 0);   // all ranks' headers arrived: all ranks are here
            return null;
        }).await();
    }

    @Override
    public void close() {
        synchronized (MpiCommunicator.class) {
            if (closed) return;
            closed = true;
        }
        try {
            onThread(() -> {
                if (broken == null) {
                    agree(CallHeader.Call.CLOSE, null, 0);
                    try (Arena a = Arena.ofConfined()) {
                        MemorySegment ref = a.allocate(ValueLayout.ADDRESS);
                        ref.set(ValueLayout.ADDRESS, 0, comm);
                        check(mpi.commFree(ref), "MPI_Comm_free");
                    }
                    if (exchange != null) exchange.close();
                    if (ownsMpi) {
                        check(mpi.finalizeMpi(), "MPI_Finalize");
                        synchronized (MpiCommunicator.class) {
                            finalized = true;
                        }
                    }
                }
                return null;
            });
        } finally {
            thread.shutdown();
        }
    }

    /** At JVM exit: a world left open is closed, so that mpirun sees a clean end (bounded: other ranks may be gone). */
    private void closeAtExit() {
        if (closed || broken != null) return;
        Thread t = new Thread(() -> {
            try {
                close();
            } catch (RuntimeException e) {
                // the process is ending: nothing to report to
            }
        }, "jgrad-mpi-close");
        t.setDaemon(true);
        t.start();
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the comm thread --------------------------------------------------------------------------------------

    private interface Task {
        Object run();
    }

    private <T> T onThread(Task task) {
        Future<Object> f = thread.submit(() -> {
            synchronized (mpiLock) {
                return task.run();
            }
        });
        try {
            @SuppressWarnings("unchecked")
            T v = (T) f.get();
            return v;
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DistributedException("rank " + rank + ": interrupted while waiting for a collective");
        }
    }

    /** Serialises MPI calls between the caller's thread and the comm thread (MPI_THREAD_SERIALIZED). */
    private final Object mpiLock = new Object();
    /** The last collective handed to the comm thread: a collective run inline waits for it, to keep the ranks' order. */
    private Future<Object> last;

    /** Runs a collective on the comm thread; returns at once. */
    private Work submit(Task task) {
        Future<Object> f = thread.submit(() -> {
            synchronized (mpiLock) {
                try {
                    return task.run();
                } catch (RuntimeException | Error e) {
                    if (broken == null) broken = e.getMessage();
                    throw e;
                }
            }
        });
        last = f;
        return work(f);
    }

    /**
     * Runs a collective on the caller's thread (no hand-off to the comm thread and back, which
     * costs a wake-up each way), after the collectives started before it, so that every rank
     * issues them in program order.
     */
    private Work inline(Task task) {
        Future<Object> before = last;
        if (before != null) {
            try {
                before.get();
            } catch (ExecutionException e) {
                // reported to whoever awaits that collective; this one fails below on the broken state
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DistributedException("rank " + rank + ": interrupted while waiting for a collective");
            }
        }
        synchronized (mpiLock) {
            String b = broken;
            if (b != null) throw new IllegalStateException("the communicator is unusable after an earlier failure: " + b);
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                if (broken == null) broken = e.getMessage();
                throw e;
            }
        }
        return SingleProcessCommunicator.DONE;
    }

    private Work work(Future<Object> f) {
        return new Work() {
            @Override
            public void await() {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw unwrap(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DistributedException("rank " + rank + ": interrupted while waiting for a collective");
                }
            }

            @Override
            public boolean isDone() {
                return f.isDone();
            }
        };
    }

    private static RuntimeException unwrap(Throwable c) {
        if (c instanceof RuntimeException r) return r;
        if (c instanceof Error e) throw e;
        return new DistributedException(String.valueOf(c), c);
    }

    /** A float32 copy reduced in place of a 16-bit tensor, written back when the collective is awaited. */
    private record Staged(Work inner, Runnable writeBack) implements Work {
        @Override
        public void await() {
            inner.await();
            writeBack.run();
        }

        @Override
        public boolean isDone() {
            return inner.isDone();
        }
    }

    /** As {@link #agree(CallHeader.Call, Tensor, long, long)} with no inline data. */
    private void agree(CallHeader.Call call, Tensor t, long arg) {
        agree(call, t, arg, 0);
    }

    /**
     * Exchanges this call's header with every rank (on the comm thread), followed by the first
     * {@code dataBytes} bytes of {@link CallExchange#ownData} where the world is small enough for
     * the {@link CallExchange}; throws, leaving the communicator unusable, when a rank called
     * something else or not every rank arrived in time.
     */
    private void agree(CallHeader.Call call, Tensor t, long arg, long dataBytes) {
        long seq = ++sequence;
        long[] mine = CallHeader.of(seq, call, t, arg);
        long[] all;
        if (exchange != null) {
            exchange.start(mine, dataBytes, checker);
            poll(exchangeDone, mine);
            if (exchange.agrees()) return;
            all = exchange.headers(mine);
        } else {
            // not closed on a timeout: MPI still owns the buffers of the pending request
            Arena a = Arena.ofConfined();
            MemorySegment send = a.allocateFrom(ValueLayout.JAVA_LONG, mine);
            MemorySegment recv = a.allocate(ValueLayout.JAVA_LONG, (long) CallHeader.LONGS * size);
            MemorySegment request = a.allocate(ValueLayout.ADDRESS), flag = a.allocate(ValueLayout.JAVA_INT);
            check(mpi.iallgather(send, CallHeader.LONGS, mpi.int64Type, recv, comm, request), "MPI_Iallgather");
            poll(() -> {
                check(mpi.test(request, flag), "MPI_Test");
                return flag.get(ValueLayout.JAVA_INT, 0) != 0;
            }, mine);
            all = recv.toArray(ValueLayout.JAVA_LONG);
            a.close();
        }
        String disagreement = CallHeader.disagreement(all, size, rank);
        if (disagreement != null) {
            broken = disagreement;
            throw new DistributedException(broken);
        }
    }

    /** {@return whether a collective of {@code bytes} bytes of data sends them with its header (the {@link CallExchange})} */
    private boolean carriesInline(long bytes) {
        return exchange != null && bytes <= exchange.capacity();
    }

    private boolean exchangeDone() {
        return exchange.test(checker);
    }

    /** Polls {@code done} until it holds or the timeout has passed (then throws, leaving the communicator unusable). */
    private void poll(BooleanSupplier done, long[] mine) {
        long start = System.nanoTime();
        while (!done.getAsBoolean()) {
            long waited = System.nanoTime() - start;
            if (waited > timeoutNanos) {
                String msg = String.format(Locale.ROOT, "rank %d: not every rank reached collective %s within %.0f s (-D%s): a rank skipped "
                        + "it, is stuck, or died; the ranks are no longer in step", rank, CallHeader.describe(mine, 0), timeoutNanos / 1e9,
                        TIMEOUT_PROPERTY);
                broken = msg;
                throw new DistributedException(msg);
            }
            // the others usually arrive within microseconds: spin; then give the core away more and more
            if (waited < SPIN_NANOS) Thread.onSpinWait();
            else if (waited < YIELD_NANOS) Thread.yield();
            else LockSupport.parkNanos(PARK_NANOS);
        }
    }

    private void check(int rc, String what) {
        check(mpi, rc, what);
    }

    private static void check(Mpi m, int rc, String what) {
        if (rc != 0) throw new DistributedException(what + " failed: " + m.errorString(rc) + " (MPI error " + rc + ")");
    }

    private interface Chunk {
        void run(MemorySegment segment, int count);
    }

    /** Runs {@code body} over the elements [offset, offset + n) of a heap array, at most {@link #CHUNK_BYTES} bytes at a time. */
    private static void forChunks(Object array, int offset, int n, int elementSize, Chunk body) {
        MemorySegment all = HostArrays.segment(array);
        int per = Math.max(1, CHUNK_BYTES / elementSize);
        for (int i = 0; i < n; i += per) {
            int count = Math.min(per, n - i);
            body.run(all.asSlice((long) (offset + i) * elementSize, (long) count * elementSize), count);
        }
    }

    private MemorySegment mpiType(DType d) {
        return switch (d) {
            case FLOAT32 -> mpi.floatType;
            case FLOAT64 -> mpi.doubleType;
            case INT32 -> mpi.int32Type;
            case INT64 -> mpi.int64Type;
            default -> throw new IllegalArgumentException("allReduce: no MPI type for " + d);
        };
    }

    /** The type a broadcast moves: the element type, or bytes for 16-bit floats. */
    private MemorySegment byteCompatibleType(DType d) {
        return d == DType.FLOAT16 || d == DType.BFLOAT16 ? mpi.byteType : mpiType(d);
    }

    private static void divide(Object array, int offset, int n, int by) {
        switch (array) {
            case float[] f -> {
                for (int i = offset; i < offset + n; i++) f[i] /= by;
            }
            case double[] f -> {
                for (int i = offset; i < offset + n; i++) f[i] /= by;
            }
            default -> throw new IllegalStateException("AVG of " + array.getClass().getSimpleName());
        }
    }
}
