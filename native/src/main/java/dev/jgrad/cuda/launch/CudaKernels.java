package dev.jgrad.cuda.launch;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.CudaException;
import dev.jgrad.cuda.ScalarType;
import dev.jgrad.cuda.bindings.Driver;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.DeviceBuffer;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Launches jgrad's CUDA kernels (cuda-kernels/src/main/cuda/*.cu) on one device's stream. Operands
 * are raw device addresses that already include the tensor's storage offset, with element
 * strides per dimension (stride 0 broadcasts); everything is asynchronous except the
 * index-checking ops, which read back a device error flag.
 *
 * <p>Kernels are found by name in {@link KernelCatalog}, which reads their parameters from the
 * compiled PTX; every launch is checked against that signature. Besides the launchers of the
 * shared primitives below, {@link #launchGridStride} and {@link #launch} start any kernel by
 * name, so an op family elsewhere can launch its own kernels.
 *
 * <pre>{@code
 * CudaKernels k = CudaKernels.of(Devices.get(0));
 * k.unary("exp", ScalarType.F32, ScalarType.F32, new int[] {n}, out, new int[] {1}, x, new int[] {1});
 * }</pre>
 */
public final class CudaKernels {
    /** Threads per block of the grid-stride launches. */
    static final int THREADS = 256;
    /** Shared memory a block may use without opting in (cuFuncSetAttribute). */
    static final int STATIC_SMEM_LIMIT = 48 * 1024;

    private final CudaDevice device;
    /** CUfunction → the dynamic shared memory its limit was raised to. */
    private final Map<Long, Integer> smemRaised = new ConcurrentHashMap<>();
    private DeviceBuffer errorSlot;

    private static final Map<CudaDevice, CudaKernels> INSTANCES = new ConcurrentHashMap<>();

    private CudaKernels(CudaDevice device) {
        this.device = device;
    }

    /** The launcher for {@code device}. */
    public static CudaKernels of(CudaDevice device) {
        return INSTANCES.computeIfAbsent(device, CudaKernels::new);
    }

    /** Whether kernel {@code name} exists in the compiled modules ({@link KernelCatalog#contains}). */
    public static boolean hasKernel(String name) {
        return KernelCatalog.contains(name);
    }

    // =============================================================================================
    // Launching
    // =============================================================================================

    /**
     * Launches {@code kernel} over a grid-stride loop of {@code work} items: 256 threads per
     * block, one block per 256 items, at most 32 blocks per SM (the kernel loops over the rest).
     *
     * <pre>{@code
     * k.launchGridStride("adam_f32", n, KernelArgs.get().ptr(p).ptr(g).ptr(m).ptr(v).i32(n)...);
     * }</pre>
     *
     * @throws IllegalStateException when there is no such kernel or the arguments do not match its PTX signature
     */
    public void launchGridStride(String kernel, long work, KernelArgs args) {
        launch(kernel, gridStrideBlocks(work), 1, 1, THREADS, 1, 1, 0, args);
    }

    /**
     * Launches {@code kernel} with a 2-D grid of 2-D blocks and {@code sharedMem} bytes of
     * dynamic shared memory (above 48 KiB the kernel's limit is raised once, up to the device's
     * opt-in maximum).
     *
     * <pre>{@code
     * k.launch("layernorm_bwd_dwdb_f32", (C + 31) / 32, chunks, 32, 8, 0, args);
     * }</pre>
     *
     * @throws IllegalStateException when there is no such kernel or the arguments do not match its PTX signature
     * @throws UnsupportedOperationException when the device cannot give {@code sharedMem} bytes to a block
     */
    public void launch(String kernel, int gx, int gy, int bx, int by, int sharedMem, KernelArgs args) {
        launch(kernel, gx, gy, 1, bx, by, 1, sharedMem, args);
    }

    /** {@link #launch(String, int, int, int, int, int, KernelArgs)} with 3-D grid and block dimensions. */
    public void launch(String kernel, int gx, int gy, int gz, int bx, int by, int bz, int sharedMem, KernelArgs args) {
        KernelCatalog.Kernel k = KernelCatalog.get(kernel);
        args.check(kernel, k.signature());
        long fn = device.modules().function(k.module(), kernel);
        device.makeCurrent();
        if (sharedMem > STATIC_SMEM_LIMIT && smemRaised.getOrDefault(fn, 0) < sharedMem) raiseSharedMemory(kernel, fn, sharedMem);
        device.driver().launchKernel(fn, gx, gy, gz, bx, by, bz, sharedMem, device.stream().handle(), args.pointerArray(), kernel);
    }

    private void raiseSharedMemory(String kernel, long fn, int sharedMem) {
        int max = device.maxSharedMemoryPerBlockOptin();
        if (sharedMem > max) {
            throw new UnsupportedOperationException(kernel + " needs " + sharedMem + " B of shared memory; " + device.name() + " allows " + max
                    + " B per block");
        }
        device.driver().funcSetAttribute(fn, Driver.FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedMem);
        smemRaised.merge(fn, sharedMem, Math::max);
    }

    /** Blocks for a grid-stride loop over {@code work} items: one per 256 items, at most 32 per SM. */
    public int gridStrideBlocks(long work) {
        long b = Math.ceilDiv(Math.max(work, 1), THREADS);
        return (int) Math.max(1, Math.min(b, (long) device.multiprocessorCount() * 32));
    }

    private static long at(long base, long elements, ScalarType t) {
        return base + elements * t.bytes();
    }

    // =============================================================================================
    // Elementwise
    // =============================================================================================

    /**
     * out = fn(x) over {@code shape} by kernel {@code unary_<fn>_<in>}: x of type {@code in}, out
     * of type {@code out} (the caller states it: the input type, or BOOL for a predicate such as
     * {@code not} / {@code is_nonfinite}).
     *
     * <pre>{@code
     * k.unary("is_nonfinite", ScalarType.F32, ScalarType.BOOL, shape, mask, maskStrides, x, xStrides);
     * }</pre>
     */
    public void unary(String fn, ScalarType in, ScalarType out, int[] shape, long outAddress, int[] outStrides, long x, int[] xStrides) {
        String name = "unary_" + fn + "_" + in.suffix();
        for (Indexing.Chunk c : Indexing.coalesce(shape, outStrides, xStrides).chunks()) {
            long n = c.plan().numel();
            if (n == 0) return;
            KernelArgs a = KernelArgs.get().ptr(at(outAddress, c.offsets()[0], out)).ptr(at(x, c.offsets()[1], in)).indexer(c.plan())
                    .i32((int) n);
            launchGridStride(name, c.plan().dense() ? n / 4 : n, a);
        }
    }

    /**
     * out = fn(a, b) over {@code shape} by kernel {@code binary_<fn>_<in>}: a and b of type
     * {@code in}, out of type {@code out} (the input type, or BOOL for comparisons and logic).
     */
    public void binary(String fn, ScalarType in, ScalarType out, int[] shape, long outAddress, int[] outStrides, long a, int[] aStrides,
                       long b, int[] bStrides) {
        String name = "binary_" + fn + "_" + in.suffix();
        for (Indexing.Chunk c : Indexing.coalesce(shape, outStrides, aStrides, bStrides).chunks()) {
            long n = c.plan().numel();
            if (n == 0) return;
            KernelArgs k = KernelArgs.get().ptr(at(outAddress, c.offsets()[0], out)).ptr(at(a, c.offsets()[1], in))
                    .ptr(at(b, c.offsets()[2], in)).indexer(c.plan()).i32((int) n);
            launchGridStride(name, c.plan().dense() ? n / 4 : n, k);
        }
    }

    /** out = cond ? a : b (cond BOOL; a, b, out of type t). */
    public void where(ScalarType t, int[] shape, long out, int[] outStrides, long cond, int[] condStrides, long a, int[] aStrides,
                      long b, int[] bStrides) {
        for (Indexing.Chunk c : Indexing.coalesce(shape, outStrides, condStrides, aStrides, bStrides).chunks()) {
            long n = c.plan().numel();
            if (n == 0) return;
            long[] off = c.offsets();
            KernelArgs k = KernelArgs.get().ptr(at(out, off[0], t)).ptr(at(cond, off[1], ScalarType.BOOL)).ptr(at(a, off[2], t))
                    .ptr(at(b, off[3], t)).indexer(c.plan()).i32((int) n);
            launchGridStride("where_" + t.suffix(), n, k);
        }
    }

    /** out = value (converted as the CPU backend does: truncation for integers, != 0 for bool). */
    public void fill(ScalarType t, int[] shape, long out, int[] outStrides, double value) {
        for (Indexing.Chunk c : Indexing.coalesce(shape, outStrides).chunks()) {
            long n = c.plan().numel();
            if (n == 0) return;
            KernelArgs k = KernelArgs.get().ptr(at(out, c.offsets()[0], t)).indexer(c.plan()).i32((int) n).scalar(t, value);
            launchGridStride("fill_" + t.suffix(), c.plan().dense() ? n / 4 : n, k);
        }
    }

    /** out (type dst) = x (type src), any strides: casts, transposes, contiguous copies. */
    public void copy(ScalarType src, ScalarType dst, int[] shape, long out, int[] outStrides, long x, int[] xStrides) {
        Indexing.Plan p = Indexing.coalesce(shape, outStrides, xStrides);
        if (p.numel() == 0) return;
        if (src == dst && p.dense()) {
            device.copyDeviceToDevice(x, out, p.numel() * src.bytes());
            return;
        }
        String name = "copy_" + src.suffix() + "_" + dst.suffix();
        for (Indexing.Chunk c : p.chunks()) {
            long n = c.plan().numel();
            KernelArgs k = KernelArgs.get().ptr(at(out, c.offsets()[0], dst)).ptr(at(x, c.offsets()[1], src)).indexer(c.plan()).i32((int) n);
            launchGridStride(name, c.plan().dense() ? n / 4 : n, k);
        }
    }

    // =============================================================================================
    // Reductions
    // =============================================================================================

    /**
     * Bytes of one partial accumulator: the produced type's, with bool kept as int (as reduce.cu's
     * max/min do) and the 16-bit floats as float (their kernels accumulate in float).
     */
    private static int accBytes(ScalarType produced) {
        return produced == ScalarType.BOOL || produced.bytes() == 2 ? 4 : produced.bytes();
    }

    /** Launch geometry of a reduction over K outputs of R elements each. */
    record ReducePlan(boolean rows, int bx, int by, int gridX, int chunks, int chunk) {}

    /**
     * rows when the reduced run is unit-stride (coalesced along the reduction), cols when the
     * kept run is; R is split over gridDim.y chunks when K outputs alone would leave the GPU idle.
     */
    static ReducePlan reducePlan(Indexing.Plan kept, Indexing.Plan red, int sms) {
        long K = kept.numel(), R = red.numel();
        boolean redUnit = red.ndim() > 0 && red.strides()[0][red.ndim() - 1] == 1;
        boolean keptUnit = kept.ndim() > 0 && kept.strides()[1][kept.ndim() - 1] == 1;
        boolean rows = redUnit || (!keptUnit && R >= 32);
        int bx, by, gridX;
        if (rows) {
            bx = R >= 8192 ? 1024 : R >= 1024 ? 256 : 32;
            by = Math.max(1, THREADS / bx);
            gridX = (int) Math.ceilDiv(K, by);
        } else {
            bx = 32;
            by = R >= 256 ? 32 : 8;
            gridX = (int) Math.ceilDiv(K, 32);
        }
        int lanes = rows ? bx : by;
        long target = (long) sms * 4;
        int chunks = 1;
        if (gridX < target && R > (long) lanes * 64) {
            chunks = (int) Math.min(Math.min(Math.ceilDiv(target, gridX), Math.ceilDiv(R, (long) lanes * 64)), 65535);
        }
        int chunk = (int) Math.ceilDiv(Math.max(R, 1), chunks);
        chunks = (int) Math.ceilDiv(Math.max(R, 1), chunk);
        return new ReducePlan(rows, bx, by, gridX, chunks, chunk);
    }

    /**
     * out[k] = op over the reduced space of x[k, r] (op: sum, prod, max, min) by the kernels
     * {@code reduce_*_<op>_<in>}: x of type {@code in}, out of type {@code out}, which the caller
     * states (reduce.cu: sum and prod of integers and bool produce I64, everything else its input
     * type). The kept space has out strides and x strides; the reduced space x strides. Returns
     * false, launching nothing, when either space has more than 8 dimensions after coalescing
     * (the caller then makes x contiguous with the reduced dimensions last).
     *
     * <pre>{@code
     * // row sums of a contiguous int32 [rows, cols] into int64 [rows]
     * k.reduce("sum", ScalarType.I32, ScalarType.I64, new int[] {rows}, out, new int[] {1}, new int[] {cols},
     *         new int[] {cols}, new int[] {1}, x);
     * }</pre>
     */
    public boolean reduce(String op, ScalarType in, ScalarType out, int[] keptShape, long outAddress, int[] outStrides, int[] xKeptStrides,
                          int[] reducedShape, int[] xReducedStrides, long x) {
        Indexing.Plan kept = Indexing.coalesce(keptShape, outStrides, xKeptStrides);
        Indexing.Plan red = Indexing.coalesce(reducedShape, xReducedStrides);
        if (kept.ndim() > Indexing.MAX_DIMS || red.ndim() > Indexing.MAX_DIMS) return false;
        long K = kept.numel();
        if (K == 0) return true;
        if (red.numel() == 0) red = new Indexing.Plan(new int[] {0}, new int[][] {{1}});
        ReducePlan rp = reducePlan(kept, red, device.multiprocessorCount());
        String suffix = op + "_" + in.suffix();
        String mode = rp.rows() ? "rows" : "cols";
        DeviceBuffer partial = rp.chunks() > 1 ? device.allocate((long) rp.chunks() * K * accBytes(out)) : null;
        try {
            KernelArgs a = KernelArgs.get().ptr(outAddress).ptr(partial == null ? 0 : partial.address()).ptr(x).indexer(kept).indexer(red)
                    .i32((int) K).i32((int) red.numel()).i32(rp.chunk());
            launch("reduce_" + mode + "_" + suffix, rp.gridX(), rp.chunks(), rp.bx(), rp.by(), 0, a);
            if (partial != null) {
                Indexing.Plan oix = new Indexing.Plan(kept.shape(), new int[][] {kept.strides()[0]});
                KernelArgs f = KernelArgs.get().ptr(outAddress).ptr(partial.address()).indexer(oix).i32((int) K).i32(rp.chunks());
                launchGridStride("reduce_finish_" + suffix, K, f);
            }
        } finally {
            if (partial != null) partial.close();
        }
        return true;
    }

    /** out[k] (I64) = position in the reduced space of the first max (or min) of x[k, ·]; same contract as {@link #reduce}. */
    public boolean argReduce(boolean max, ScalarType t, int[] keptShape, long out, int[] outStrides, int[] xKeptStrides,
                             int[] reducedShape, int[] xReducedStrides, long x) {
        Indexing.Plan kept = Indexing.coalesce(keptShape, outStrides, xKeptStrides);
        Indexing.Plan red = Indexing.coalesce(reducedShape, xReducedStrides);
        if (kept.ndim() > Indexing.MAX_DIMS || red.ndim() > Indexing.MAX_DIMS) return false;
        long K = kept.numel(), R = red.numel();
        if (K == 0) return true;
        if (R == 0) throw new IllegalArgumentException("arg" + (max ? "max" : "min") + " over an empty dimension");
        ReducePlan rp = reducePlan(kept, red, device.multiprocessorCount());
        String suffix = (max ? "max" : "min") + "_" + t.suffix();
        int vb = accBytes(t);
        DeviceBuffer pv = rp.chunks() > 1 ? device.allocate((long) rp.chunks() * K * vb) : null;
        DeviceBuffer pi = rp.chunks() > 1 ? device.allocate((long) rp.chunks() * K * 4) : null;
        try {
            KernelArgs a = KernelArgs.get().ptr(out).ptr(pv == null ? 0 : pv.address()).ptr(pi == null ? 0 : pi.address()).ptr(x)
                    .indexer(kept).indexer(red).i32((int) K).i32((int) R).i32(rp.chunk());
            launch("argreduce_" + (rp.rows() ? "rows" : "cols") + "_" + suffix, rp.gridX(), rp.chunks(), rp.bx(), rp.by(), 0, a);
            if (pv != null) {
                Indexing.Plan oix = new Indexing.Plan(kept.shape(), new int[][] {kept.strides()[0]});
                KernelArgs f = KernelArgs.get().ptr(out).ptr(pv.address()).ptr(pi.address()).indexer(oix).i32((int) K).i32(rp.chunks());
                launchGridStride("argreduce_finish_" + suffix, K, f);
            }
        } finally {
            if (pv != null) pv.close();
            if (pi != null) pi.close();
        }
        return true;
    }

    /**
     * Softmax (or log-softmax) of x along {@code dim} into out (F32, F64, F16 or BF16; the 16-bit
     * types compute in float and round each output once). Returns false when
     * the rows' index space needs more than 8 dimensions (the caller makes x contiguous).
     */
    public boolean softmax(boolean log, ScalarType t, int[] shape, int dim, long out, int[] outStrides, long x, int[] xStrides) {
        int nd = shape.length;
        int[] rs = new int[nd - 1], ros = new int[nd - 1], rxs = new int[nd - 1];
        for (int d = 0, j = 0; d < nd; d++) {
            if (d == dim) continue;
            rs[j] = shape[d];
            ros[j] = outStrides[d];
            rxs[j++] = xStrides[d];
        }
        Indexing.Plan rows = Indexing.coalesce(rs, ros, rxs);
        if (rows.ndim() > Indexing.MAX_DIMS) return false;
        long nrows = rows.numel();
        int len = shape[dim];
        if (nrows == 0 || len == 0) return true;
        String base = (log ? "log_softmax" : "softmax");
        if (len == 1 || (xStrides[dim] == 1 && outStrides[dim] == 1)) {
            int bx = len >= 4096 ? 1024 : len >= 512 ? 256 : 32;
            int by = Math.max(1, THREADS / bx);
            KernelArgs a = KernelArgs.get().ptr(out).ptr(x).indexer(rows).i32((int) nrows).i32(len);
            launch(base + "_rows_" + t.suffix(), (int) Math.ceilDiv(nrows, by), 1, bx, by, 0, a);
        } else {
            KernelArgs a = KernelArgs.get().ptr(out).ptr(x).indexer(rows).i32((int) nrows).i32(len).i32(xStrides[dim]).i32(outStrides[dim]);
            launchGridStride(base + "_cols_" + t.suffix(), nrows, a);
        }
        return true;
    }

    /**
     * out[r] = log Σ_j exp(x[r, j]) over {@code rows} contiguous rows of {@code len} (F32, F64, F16 or BF16),
     * one row per blockDim.x threads as the softmax rows kernel reads them.
     *
     * <pre>{@code
     * k.logSumExp(ScalarType.F32, out, x, 4096, 50257);
     * }</pre>
     */
    public void logSumExp(ScalarType t, long out, long x, int rows, int len) {
        if (rows == 0) return;
        int bx = len >= 4096 ? 1024 : len >= 512 ? 256 : 32;
        int by = Math.max(1, THREADS / bx);
        launch("logsumexp_rows_" + t.suffix(), (int) Math.ceilDiv(rows, by), 1, bx, by, 0, KernelArgs.get().ptr(out).ptr(x).i32(rows).i32(len));
    }

    // =============================================================================================
    // Scans and sorting
    // =============================================================================================

    /**
     * out = cumulative sum (or product when {@code prod}) of x along the middle dimension of a
     * contiguous [outer, n, inner] block (t: F32, F64 or I64), by {@code scan_rows_*} (one warp
     * per row) when inner is 1, else {@code scan_cols_*} (one thread per column).
     *
     * <pre>{@code
     * k.scan(false, ScalarType.F32, out, x, 4096, 4096, 1);   // cumsum along the rows of [4096, 4096]
     * }</pre>
     */
    public void scan(boolean prod, ScalarType t, long out, long x, int outer, int n, int inner) {
        if ((long) outer * n * inner == 0) return;
        String op = (prod ? "prod_" : "sum_") + t.suffix();
        if (inner == 1) {
            int warps = THREADS / 32;
            launch("scan_rows_" + op, (int) Math.ceilDiv(outer, warps), 1, THREADS, 1, 0,
                    KernelArgs.get().ptr(out).ptr(x).i32(outer).i32(n));
        } else {
            launchGridStride("scan_cols_" + op, (long) outer * inner, KernelArgs.get().ptr(out).ptr(x).i32(outer).i32(n).i32(inner));
        }
    }

    /** Scratch rows of the global-memory sort are kept to this many bytes per launch. */
    private static final long SORT_SCRATCH_BYTES = 64L << 20;

    /**
     * Sorts each of {@code rows} contiguous rows of n (t: F32, F64 or I64) into values [rows, n]
     * and the source positions into indices (I64 [rows, n]): stable, NaN largest, descending when
     * asked. A row that fits in shared memory once padded to a power of two (4096 elements) is
     * sorted there; longer rows in global scratch, a batch of rows per launch.
     *
     * <pre>{@code
     * k.sortRows(ScalarType.F32, values, indices, x, 4096, 4096, false);
     * }</pre>
     */
    public void sortRows(ScalarType t, long values, long indices, long x, int rows, int n, boolean descending) {
        if (rows == 0 || n == 0) return;
        if (n > 1 << 30) throw new IllegalArgumentException("sort: rows of more than 2^30 elements are not supported on CUDA, got " + n);
        int p = Integer.highestOneBit(Math.max(n, 2) - 1) << 1;   // the power of two at or above n (n >= 2)
        int threads = Math.min(1024, Math.max(32, p / 2));
        long entry = t.bytes() + 4L;
        if (p * entry <= STATIC_SMEM_LIMIT) {
            launch("sort_rows_smem_" + t.suffix(), rows, 1, threads, 1, (int) (p * entry),
                    KernelArgs.get().ptr(values).ptr(indices).ptr(x).i32(n).i32(p).i32(descending ? 1 : 0));
            return;
        }
        int batch = (int) Math.max(1, Math.min(rows, SORT_SCRATCH_BYTES / (p * entry)));
        try (DeviceBuffer keys = device.allocate((long) batch * p * t.bytes()); DeviceBuffer pos = device.allocate((long) batch * p * 4)) {
            for (int r = 0; r < rows; r += batch) {
                int count = Math.min(batch, rows - r);
                long skip = (long) r * n;
                launch("sort_rows_global_" + t.suffix(), count, 1, threads, 1, 0, KernelArgs.get().ptr(at(values, skip, t))
                        .ptr(indices + skip * 8).ptr(at(x, skip, t)).i32(n).i32(p).i32(descending ? 1 : 0).ptr(keys.address())
                        .ptr(pos.address()));
            }
        }
    }

    // =============================================================================================
    // Indexing
    // =============================================================================================

    /**
     * The device address of this device's index-error slot, two {@code unsigned long long}
     * words {flag, bad index}: pass it as the {@code err} argument of a kernel that reports an
     * out-of-range index with {@code report_bad_index} (common.cuh), then call
     * {@link #checkIndexError} after the launch.
     *
     * <pre>{@code
     * k.launchGridStride("embedding_fwd_f32", n * 32L, KernelArgs.get().ptr(out).ptr(w).ptr(idx).i32(n).i32(dim).i32(num)
     *         .ptr(k.indexErrorSlot()));
     * k.checkIndexError("embedding: index %d is out of range for " + num + " embeddings");
     * }</pre>
     */
    public synchronized long indexErrorSlot() {
        if (errorSlot == null) {
            errorSlot = device.allocate(16);
            errorSlot.fillBytes(0);
        }
        return errorSlot.address();
    }

    /**
     * Reads the index-error slot (a small synchronous copy) unless index checking is off
     * ({@link Cuda#setCheckIndices}); when a kernel recorded a bad index, clears the slot and
     * throws an IndexOutOfBoundsException whose message is {@code String.format(messageFormat, index)}.
     */
    public void checkIndexError(String messageFormat) {
        if (!Cuda.checkIndices()) return;
        if (device.capturingStream() == device.stream()) {   // the read below would be refused anyway: say what to do about it
            throw new CudaException("cuMemcpyDtoHAsync_v2", 900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "operation not permitted when stream is capturing",
                    "checking an indexed kernel's indices reads an error flag on the host after the kernel, which a CUDA graph being captured "
                            + "cannot do; Cuda.setCheckIndices(false) turns the check off (out-of-range indices then go unreported) and lets the step be captured");
        }
        long[] words = new long[2];
        device.copyDeviceToHost(indexErrorSlot(), MemorySegment.ofArray(words), 0, 16);
        if (words[0] != 0) {
            errorSlot.fillBytes(0);
            throw new IndexOutOfBoundsException(String.format(messageFormat, words[1]));
        }
    }

    private static int[] zeroAt(int[] strides, int dim) {
        int[] s = strides.clone();
        s[dim] = 0;
        return s;
    }

    /**
     * out[p] = x[p with coordinate dim := index[p]] over {@code shape} (index's shape). t is the
     * element type of x and out, idx INT32 or INT64. Throws IndexOutOfBoundsException for an index
     * outside [0, dimSize), negative ones included.
     */
    public void gather(ScalarType t, ScalarType idx, int[] shape, int dim, int dimSize, long out, int[] outStrides, long x,
                       int[] xStrides, long index, int[] indexStrides) {
        String w = "b" + 8 * t.bytes();   // b8, b16, b32, b64
        String name = "gather_" + w + "_" + idx.suffix();
        long err = indexErrorSlot();
        boolean any = false;
        for (Indexing.Chunk c : Indexing.coalesce(shape, outStrides, zeroAt(xStrides, dim), indexStrides).chunks()) {
            long n = c.plan().numel();
            if (n == 0) break;
            long[] off = c.offsets();
            KernelArgs a = KernelArgs.get().ptr(at(out, off[0], t)).ptr(at(x, off[1], t)).ptr(at(index, off[2], idx)).indexer(c.plan())
                    .i32((int) n).i32(dimSize).i32(xStrides[dim]).ptr(err);
            launchGridStride(name, n, a);
            any = true;
        }
        if (any) checkIndexError("index %d is out of bounds for dimension " + dim + " with size " + dimSize);
    }

    /**
     * out[p with coordinate dim := index[p]] += src[p] over {@code shape} (index's shape); t is out's
     * and src's type. Throws IndexOutOfBoundsException for an index outside [0, dimSize) (the
     * elements with valid indices are still added).
     */
    public void scatterAdd(ScalarType t, ScalarType idx, int[] shape, int dim, int dimSize, long out, int[] outStrides, long index,
                           int[] indexStrides, long src, int[] srcStrides) {
        String name = "scatter_add_" + t.suffix() + "_" + idx.suffix();
        long err = indexErrorSlot();
        boolean any = false;
        for (Indexing.Chunk c : Indexing.coalesce(shape, zeroAt(outStrides, dim), indexStrides, srcStrides).chunks()) {
            long n = c.plan().numel();
            if (n == 0) break;
            long[] off = c.offsets();
            KernelArgs a = KernelArgs.get().ptr(at(out, off[0], t)).ptr(at(index, off[1], idx)).ptr(at(src, off[2], t)).indexer(c.plan())
                    .i32((int) n).i32(dimSize).i32(outStrides[dim]).ptr(err);
            launchGridStride(name, n, a);
            any = true;
        }
        if (any) checkIndexError("index %d is out of bounds for dimension " + dim + " with size " + dimSize);
    }

    /** out [n, dim] = weight[idx[i], :] for int64 idx [n]; weight [num, dim]; all contiguous. */
    public void embeddingForward(ScalarType t, long out, long weight, long idx, int n, int dim, int num) {
        if (n == 0 || dim == 0) return;
        KernelArgs a = KernelArgs.get().ptr(out).ptr(weight).ptr(idx).i32(n).i32(dim).i32(num).ptr(indexErrorSlot());
        launchGridStride("embedding_fwd_" + t.suffix(), (long) n * 32, a);
        checkIndexError("embedding: index %d is out of range for " + num + " embeddings");
    }

    /** dweight[idx[i], :] += dout[i, :] (atomic; dweight not cleared). */
    public void embeddingBackward(ScalarType t, long dweight, long dout, long idx, int n, int dim, int num) {
        if (n == 0 || dim == 0) return;
        KernelArgs a = KernelArgs.get().ptr(dweight).ptr(dout).ptr(idx).i32(n).i32(dim).i32(num).ptr(indexErrorSlot());
        launchGridStride("embedding_bwd_" + t.suffix(), (long) n * 32, a);
        checkIndexError("embedding: index %d is out of range for " + num + " embeddings");
    }

    // =============================================================================================
    // Matrix product fallback, convolution, pooling
    // =============================================================================================

    /** c[b] = a[b] · b[b] with three strides per operand (batch, row, column), by jgrad's tiled kernel (F32, F64, I32, I64). */
    public void matmulTiled(ScalarType t, int batch, int m, int n, int k, long c, int[] cs, long a, int[] as, long b, int[] bs) {
        if (batch == 0 || m == 0 || n == 0) return;
        KernelArgs args = KernelArgs.get().ptr(c).ptr(a).ptr(b).i32(batch).i32(m).i32(n).i32(k)
                .ints(as[0], as[1], as[2], bs[0], bs[1], bs[2], cs[0], cs[1], cs[2]);
        String name = "matmul_" + t.suffix();
        if (!hasKernel(name)) throw new IllegalArgumentException("matmul: no kernel for " + t);
        launch(name, (n + 15) / 16, (m + 15) / 16, Math.min(batch, 65535), 16, 16, 1, 0, args);
    }

    /**
     * im2col over {@code geom} = {nb, cg, h, w, r, s, p, q, sh, sw, ph, pw, dh, dw}; x points at
     * channel 0 of the group in image 0, xImg elements apart; col[img*imgStride + row*rowStride + pq].
     */
    public void im2col(ScalarType t, long col, long x, int[] geom, int xImg, int imgStride, int rowStride) {
        long work = (long) geom[0] * geom[1] * geom[4] * geom[5] * geom[6] * geom[7];
        KernelArgs a = KernelArgs.get().ptr(col).ptr(x).ints(geom).i32(xImg).i32(imgStride).i32(rowStride);
        launchGridStride("im2col_" + t.suffix(), work, a);
    }

    /** The adjoint of {@link #im2col}: dx (assigned, not accumulated) from col. */
    public void col2im(ScalarType t, long dx, long col, int[] geom, int xImg, int imgStride, int rowStride) {
        long work = (long) geom[0] * geom[1] * geom[2] * geom[3];
        KernelArgs a = KernelArgs.get().ptr(dx).ptr(col).ints(geom).i32(xImg).i32(imgStride).i32(rowStride);
        launchGridStride("col2im_" + t.suffix(), work, a);
    }

    /** geom = {nc, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad}. */
    public void maxPoolForward(ScalarType t, long y, long indices, long x, int[] geom) {
        launchGridStride("max_pool_fwd_" + t.suffix(), (long) geom[0] * geom[3] * geom[4], KernelArgs.get().ptr(y).ptr(indices).ptr(x).ints(geom));
    }

    public void maxPoolBackward(ScalarType t, long dx, long dy, long indices, int[] geom) {
        launchGridStride("max_pool_bwd_" + t.suffix(), (long) geom[0] * geom[1] * geom[2], KernelArgs.get().ptr(dx).ptr(dy).ptr(indices).ints(geom));
    }

    public void avgPoolForward(ScalarType t, long y, long x, int[] geom) {
        launchGridStride("avg_pool_fwd_" + t.suffix(), (long) geom[0] * geom[3] * geom[4], KernelArgs.get().ptr(y).ptr(x).ints(geom));
    }

    public void avgPoolBackward(ScalarType t, long dx, long dy, int[] geom) {
        launchGridStride("avg_pool_bwd_" + t.suffix(), (long) geom[0] * geom[1] * geom[2], KernelArgs.get().ptr(dx).ptr(dy).ints(geom));
    }

    // =============================================================================================
    // Fused neural-network kernels
    // =============================================================================================

    /** LayerNorm over rows of x [N, C]; weight, bias, mean, rstd may be 0 (null). */
    public void layerNormForward(ScalarType t, long out, long mean, long rstd, long x, long weight, long bias, int N, int C, double eps) {
        if (N == 0) return;
        KernelArgs a = KernelArgs.get().ptr(out).ptr(mean).ptr(rstd).ptr(x).ptr(weight).ptr(bias).i32(N).i32(C).scalar(t, eps);
        launchGridStride("layernorm_fwd_" + t.suffix(), (long) N * 32, a);
    }

    /** dx of LayerNorm; weight may be 0. */
    public void layerNormBackwardInput(ScalarType t, long dx, long dout, long x, long mean, long rstd, long weight, int N, int C) {
        if (N == 0) return;
        KernelArgs a = KernelArgs.get().ptr(dx).ptr(dout).ptr(x).ptr(mean).ptr(rstd).ptr(weight).i32(N).i32(C);
        launchGridStride("layernorm_bwd_dx_" + t.suffix(), (long) N * 32, a);
    }

    /** dweight += Σ dout·norm, dbias += Σ dout (either may be 0); callers zero them for a fresh gradient. */
    public void layerNormBackwardParams(ScalarType t, long dweight, long dbias, long dout, long x, long mean, long rstd, int N, int C) {
        if (N == 0 || C == 0) return;
        int gx = (C + 31) / 32;
        int target = device.multiprocessorCount() * 4;
        int chunksWanted = Math.max(1, Math.min(Math.ceilDiv(target, gx), Math.ceilDiv(N, 64)));
        int rowsPerChunk = Math.ceilDiv(N, chunksWanted);
        int chunks = Math.ceilDiv(N, rowsPerChunk);
        KernelArgs a = KernelArgs.get().ptr(dweight).ptr(dbias).ptr(dout).ptr(x).ptr(mean).ptr(rstd).i32(N).i32(C).i32(rowsPerChunk);
        launch("layernorm_bwd_dwdb_" + t.suffix(), gx, chunks, 32, 8, 0, a);
    }

    /** Threads per row of the cross-entropy kernels (one block per row). */
    private static int crossEntropyThreads(int V) {
        return V >= 4096 ? 1024 : V >= 512 ? 256 : 64;
    }

    /**
     * Cross-entropy forward over contiguous logits [N, V] (F32 or F64) with int64 targets [N]:
     * lse[n] = log Σ_j exp(logits[n, j]) and loss[n] = lse[n] − logits[n, target[n]], or 0 when
     * target[n] == ignoreIndex. Either output may be 0 (not written). Throws
     * IndexOutOfBoundsException for a target outside [0, V) other than ignoreIndex.
     *
     * <pre>{@code
     * k.crossEntropyForward(ScalarType.F32, loss, lse, logits, targets, N, V, -100);
     * }</pre>
     */
    public void crossEntropyForward(ScalarType t, long loss, long lse, long logits, long targets, int N, int V, long ignoreIndex) {
        if (N == 0) return;
        KernelArgs a = KernelArgs.get().ptr(loss).ptr(lse).ptr(logits).ptr(targets).i32(N).i32(V).i64(ignoreIndex).ptr(indexErrorSlot());
        launch("cross_entropy_fwd_" + t.suffix(), Math.min(N, device.multiprocessorCount() * 32), 1, crossEntropyThreads(V), 1, 0, a);
        checkIndexError("cross_entropy: target %d is out of bounds for " + V + " classes");
    }

    /**
     * Cross-entropy backward: dlogits[n, j] = (exp(logits[n, j] − lse[n]) − [j == target[n]]) ·
     * dloss[n · dlossStride], or 0 for an ignored row; lse from {@link #crossEntropyForward}.
     * dlossStride 1 takes one upstream gradient per row, 0 broadcasts one scalar (the gradient
     * of a mean or sum over the rows). dlogits may be logits (in place).
     *
     * <pre>{@code
     * k.crossEntropyBackward(ScalarType.F32, dlogits, logits, lse, targets, dmean, 0, N, V, -100);   // dmean = 1/N
     * }</pre>
     */
    public void crossEntropyBackward(ScalarType t, long dlogits, long logits, long lse, long targets, long dloss, int dlossStride, int N,
                                     int V, long ignoreIndex) {
        if (N == 0 || V == 0) return;
        KernelArgs a = KernelArgs.get().ptr(dlogits).ptr(logits).ptr(lse).ptr(targets).ptr(dloss).i32(dlossStride).i32(N).i32(V)
                .i64(ignoreIndex);
        launch("cross_entropy_bwd_" + t.suffix(), Math.min(N, device.multiprocessorCount() * 32), 1, crossEntropyThreads(V), 1, 0, a);
    }

    /**
     * Inverted dropout over n contiguous elements (F32 or F64): u_i is the Philox4x32-10 uniform
     * of element i for (seed, offset) (dropout.cu; {@code dev.jgrad.kernels.Philox} is its Java
     * twin), keep_i = u_i ≥ p, out_i = keep_i ? x_i · scale : 0, mask_i = keep_i (mask: BOOL
     * bytes, may be 0). The caller gives scale (1 / (1 − p), or 0 for p = 1), converted to the
     * element type, so the CPU and GPU results are the same bits.
     *
     * <pre>{@code
     * k.dropoutForward(ScalarType.F32, out, mask, x, n, 0.1f, 1 / (1 - 0.1f), seed, offset);
     * }</pre>
     */
    public void dropoutForward(ScalarType t, long out, long mask, long x, int n, float p, double scale, long seed, long offset) {
        if (n == 0) return;
        launchGridStride("dropout_fwd_" + t.suffix(), Math.ceilDiv(n, 4),
                KernelArgs.get().ptr(out).ptr(mask).ptr(x).i32(n).f32(p).scalar(t, scale).i64(seed).i64(offset));
    }

    /** dx_i = mask_i ? dy_i · scale : 0 over n contiguous elements, with the forward pass's mask and scale. */
    public void dropoutBackward(ScalarType t, long dx, long dy, long mask, int n, double scale) {
        if (n == 0) return;
        launchGridStride("dropout_bwd_" + t.suffix(), n, KernelArgs.get().ptr(dx).ptr(dy).ptr(mask).i32(n).scalar(t, scale));
    }

    /** One Adam/AdamW step over n contiguous elements (see optim.cu for the formula; bc = bias corrections). */
    public void adam(ScalarType t, long p, long grad, long m, long v, int n, double lr, double beta1, double beta2, double eps,
                     double weightDecay, double bc1, double bc2, boolean decoupled) {
        if (n == 0) return;
        KernelArgs a = KernelArgs.get().ptr(p).ptr(grad).ptr(m).ptr(v).i32(n).scalar(t, lr).scalar(t, beta1).scalar(t, beta2).scalar(t, eps)
                .scalar(t, weightDecay).scalar(t, bc1).scalar(t, bc2).i32(decoupled ? 1 : 0);
        launchGridStride("adam_" + t.suffix(), n, a);
    }

    /** One SGD step (PyTorch's momentum/dampening/Nesterov/weight decay); {@code first} starts the momentum buffer at g. */
    public void sgd(ScalarType t, long p, long grad, long buf, int n, double lr, double momentum, double dampening, double weightDecay,
                    boolean nesterov, boolean first) {
        if (n == 0) return;
        KernelArgs a = KernelArgs.get().ptr(p).ptr(grad).ptr(buf).i32(n).scalar(t, lr).scalar(t, momentum).scalar(t, dampening)
                .scalar(t, weightDecay).i32(nesterov ? 1 : 0).i32(first ? 1 : 0);
        launchGridStride("sgd_" + t.suffix(), n, a);
    }

    /** Registers, local memory and max threads of a kernel, as the driver reports them (for benchmarks). */
    public String describe(String name) {
        KernelCatalog.Kernel e = KernelCatalog.get(name);
        long fn = device.modules().function(e.module(), name);
        Driver d = device.driver();
        return name + " [" + device.modules().source(e.module()) + "]: regs=" + d.funcAttribute(Driver.FUNC_ATTR_NUM_REGS, fn) + " local="
                + d.funcAttribute(Driver.FUNC_ATTR_LOCAL_SIZE_BYTES, fn) + "B static-smem=" + d.funcAttribute(Driver.FUNC_ATTR_SHARED_SIZE_BYTES, fn)
                + "B max-threads=" + d.funcAttribute(Driver.FUNC_ATTR_MAX_THREADS_PER_BLOCK, fn);
    }
}
