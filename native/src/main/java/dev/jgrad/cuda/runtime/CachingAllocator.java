package dev.jgrad.cuda.runtime;

import dev.jgrad.cuda.CudaException;
import dev.jgrad.cuda.CudaOutOfMemoryError;
import dev.jgrad.cuda.MemoryStats;
import dev.jgrad.cuda.bindings.Driver;
import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching device-memory allocator in the style of PyTorch's: freed blocks go back to a pool
 * instead of to the driver, and a later request of the same size class on the same stream
 * reuses them, so that a training loop stops calling cuMemAlloc/cuMemFree after its first step.
 *
 * <ul>
 *   <li>Size classes: requests up to 1 MiB round up to a multiple of 512 B, larger ones to a
 *       multiple of 2 MiB ({@link #roundSize}).</li>
 *   <li>Pools are per stream: a block freed on stream S is reused only by requests on S, so
 *       kernels still queued on S that used the block run before any new user's work.</li>
 *   <li>Small classes reuse only an exact match; large ones take the smallest cached block that
 *       is at most 25% bigger than needed. Blocks are not split or merged (PyTorch carves small
 *       blocks out of 2 MiB segments; here each block is its own cuMemAlloc).</li>
 *   <li>Out of memory: the cache is emptied and the request retried (as PyTorch does). Blocks of
 *       tensors that were closed ({@code Tensor.close()}, {@code Tensor.scope()}) are in the cache
 *       by then, so code that manages lifetimes recovers here, without the garbage collector.</li>
 *   <li>Then, only when {@linkplain #setCollectOnOutOfMemory collection on out-of-memory} is on
 *       (the default, for code that never closes its tensors), the garbage collector is asked to
 *       run so that the {@link Cleaner} returns buffers no longer reachable, and the request is
 *       tried once more; the first time this rescues a request, a warning names the bytes the
 *       collector had to find. Then a {@link CudaOutOfMemoryError} states the requested and free
 *       bytes and what jgrad holds.</li>
 *   <li>A {@link Cleaner} returns a forgotten {@link DeviceBuffer} to its pool when it becomes
 *       unreachable; {@link DeviceBuffer#close()} does so at once.</li>
 *   <li>CUDA graphs: while a graph is captured on a stream ({@link CudaGraph#capture}), that
 *       stream's requests are served from the graph's private {@link GraphPool} (PyTorch's
 *       private graph memory pool): a captured kernel's addresses are baked into the graph, so the
 *       blocks must stay the graph's — not handed to eager work, not given back to the driver —
 *       as long as it lives. Blocks freed during and after the capture return to that pool; blocks
 *       of the general pool freed during the capture are held, untouched, since the graph may read
 *       them. Closing the graph hands all of them to the stream's general pool. During a capture
 *       nothing is given back to the driver (cuMemFree waits for the stream, which a capturing
 *       stream forbids), so an out-of-memory request then fails at once.</li>
 * </ul>
 * Thread-safe.
 */
public final class CachingAllocator {
    static final long SMALL_LIMIT = 1L << 20;
    static final long SMALL_ROUND = 512;
    static final long LARGE_ROUND = 2L << 20;

    static final Cleaner CLEANER = Cleaner.create();

    private final RawMemory raw;
    private final CudaDevice device;
    /** stream handle → (block size → free block addresses) */
    private final Map<Long, TreeMap<Long, ArrayDeque<Long>>> pools = new HashMap<>();
    /** stream handle → the graph pool serving that stream's requests while its graph is captured */
    private final Map<Long, GraphPool> capturing = new HashMap<>();
    /**
     * Whether an out-of-memory retry of every allocator may run the garbage collector
     * ({@code -Djgrad.cuda.gcOnOom=false} turns it off from the start).
     */
    private static volatile boolean collectOnOom = !"false".equalsIgnoreCase(System.getProperty("jgrad.cuda.gcOnOom"));
    private static final System.Logger LOG = System.getLogger(CachingAllocator.class.getName());
    private static volatile boolean warnedOfCollection;

    /** This allocator's own setting (tests), or null to follow {@link #setCollectOnOutOfMemory}. */
    private volatile Boolean gcOnOom;

    private long allocated, reserved, peakAllocated, peakReserved, requested;
    private long allocations, cacheHits, mallocs, frees, active, cached, cleanerReleases, oomRetries, ooms, gcCollections;
    private long cleanerBytes;   // bytes the Cleaner returned, for the warning after a collection

    CachingAllocator(RawMemory raw, CudaDevice device) {
        this.raw = raw;
        this.device = device;
    }

    /** The block size a request of {@code bytes} occupies: 512 B multiples up to 1 MiB, then 2 MiB multiples. */
    public static long roundSize(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation size " + bytes);
        if (bytes == 0) return 0;
        long unit = bytes <= SMALL_LIMIT ? SMALL_ROUND : LARGE_ROUND;
        return Math.ceilDiv(bytes, unit) * unit;
    }

    /** The device this allocator serves (null for a test allocator over a fake driver). */
    CudaDevice device() {
        return device;
    }

    /** Whether this allocator's out-of-memory retry may run the garbage collector, whatever the global setting (tests). */
    void setGcOnOom(boolean enabled) {
        gcOnOom = enabled;
    }

    /**
     * Whether an allocation that fails even after the cache was emptied may run the garbage
     * collector and wait for the {@link Cleaner} to return buffers no longer reachable, before it
     * gives up (default true; {@code -Djgrad.cuda.gcOnOom=false} sets it off from the start). Code
     * that closes its tensors, or runs its steps in {@code Tensor.scope()}, never needs it: its
     * memory is back in the cache when the retry comes. Turn it off to make an unclosed tensor show
     * as an out-of-memory error instead of as a collector pause, as in PyTorch, which never collects.
     *
     * <pre>{@code
     * CachingAllocator.setCollectOnOutOfMemory(false);   // or Cuda.setCollectOnOutOfMemory(false)
     * }</pre>
     */
    public static void setCollectOnOutOfMemory(boolean enabled) {
        collectOnOom = enabled;
    }

    /** The setting of {@link #setCollectOnOutOfMemory}. */
    public static boolean collectOnOutOfMemory() {
        return collectOnOom;
    }

    private boolean mayCollect() {
        Boolean own = gcOnOom;
        return own != null ? own : collectOnOom;
    }

    /** A buffer of at least {@code bytes} for use on {@code stream} (0 for the device's default stream). */
    public DeviceBuffer allocate(long bytes, long stream) {
        long size = roundSize(bytes);
        if (size == 0) return new DeviceBuffer(this, new Block(0, 0, stream), 0);
        GraphPool graph;
        synchronized (this) {
            graph = capturing.get(stream);
        }
        if (graph != null) return new DeviceBuffer(this, allocateForGraph(graph, size, stream, bytes), bytes);
        Block b = tryAllocate(size, stream, bytes);   // the pools, then the driver, then the driver after emptying the cache
        boolean collected = false;
        if (b == null && mayCollect()) {
            collected = true;
            b = allocateAfterCollection(size, stream, bytes);
        }
        if (b == null) {
            long[] info = raw.memInfo();
            synchronized (this) {
                ooms++;
                throw new CudaOutOfMemoryError(raw.deviceName(), bytes, size, info[0], info[1], allocated, reserved, collected);
            }
        }
        return new DeviceBuffer(this, b, bytes);
    }

    /**
     * The last resort for code that does not close its tensors: unreachable buffers are only
     * returned by the Cleaner thread, so run the collector and give the Cleaner a chance.
     */
    private Block allocateAfterCollection(long size, long stream, long bytes) {
        long before, bytesBefore;
        synchronized (this) {
            before = cleanerReleases;
            bytesBefore = cleanerBytes;
            gcCollections++;
        }
        System.gc();
        // wait (at most ~200 ms) until the Cleaner has released something and then gone quiet
        long last = before;
        for (int i = 0, quiet = 0; i < 40 && quiet < 2; i++) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            long now;
            synchronized (this) {
                now = cleanerReleases;
            }
            if (now != last) {
                last = now;
                quiet = 0;
            } else if (now != before) {
                quiet++;
            }
        }
        Block b;
        long reclaimed;
        synchronized (this) {
            reclaimed = cleanerBytes - bytesBefore;
            b = reuse(size, stream);
            if (b == null) {
                releaseCached();
                b = mallocOrNull(size, stream);
            }
            if (b != null) record(b, bytes, false);
        }
        if (b != null && reclaimed > 0 && !warnedOfCollection) {
            warnedOfCollection = true;
            LOG.log(System.Logger.Level.WARNING, "CUDA memory on " + raw.deviceName() + " ran out until the garbage collector found "
                    + CudaOutOfMemoryError.bytes(reclaimed) + " in tensors that were never closed; close tensors when done with them, or run "
                    + "each step in try (var scope = Tensor.scope()) { ... }, to free device memory without a collection "
                    + "(said once; CachingAllocator.setCollectOnOutOfMemory(false) makes this an error)");
        }
        return b;
    }

    private synchronized Block tryAllocate(long size, long stream, long bytes) {
        Block b = reuse(size, stream);
        if (b != null) {
            record(b, bytes, true);
            return b;
        }
        b = mallocOrNull(size, stream);
        if (b == null) {
            oomRetries++;
            releaseCached();
            b = mallocOrNull(size, stream);
        }
        if (b != null) record(b, bytes, false);
        return b;
    }

    private Block reuse(long size, long stream) {
        return take(pools.get(stream), size, stream, null);
    }

    /** A free block of {@code pool} fit for {@code size} (exact for small classes, at most 25% bigger for large), removed from it; or null. */
    private Block take(TreeMap<Long, ArrayDeque<Long>> pool, long size, long stream, GraphPool owner) {
        if (pool == null) return null;
        Map.Entry<Long, ArrayDeque<Long>> e = size <= SMALL_LIMIT ? entry(pool, size) : pool.ceilingEntry(size);
        if (e == null || (size > SMALL_LIMIT && e.getKey() > size + size / 4)) return null;
        long address = e.getValue().pop();
        if (e.getValue().isEmpty()) pool.remove(e.getKey());
        cached--;
        return new Block(address, e.getKey(), stream, owner);
    }

    /**
     * A block for a graph being captured: from its own free blocks, else a cached block of the
     * stream's general pool (which becomes the graph's), else from the driver. No collection and no
     * emptying of the cache: both would end in cuMemFree, which waits for the capturing stream.
     */
    private synchronized Block allocateForGraph(GraphPool graph, long size, long stream, long bytes) {
        Block b = take(graph.free, size, stream, graph);
        boolean hit = b != null;
        if (b == null) {
            Block general = reuse(size, stream);
            if (general != null) {
                b = new Block(general.address, general.size, stream, graph);
                hit = true;
            } else {
                Block fresh = mallocOrNull(size, stream);
                if (fresh == null) {
                    ooms++;
                    long[] info = raw.memInfo();
                    throw new CudaOutOfMemoryError(raw.deviceName(), bytes, size, info[0], info[1], allocated, reserved, false);
                }
                b = new Block(fresh.address, fresh.size, stream, graph);
            }
            graph.bytes += b.size;
            graph.blocks++;
        }
        record(b, bytes, hit);
        return b;
    }

    /**
     * Starts serving {@code stream}'s requests from a new graph pool, for the capture about to begin on it.
     *
     * @throws IllegalStateException when a graph is already being captured on the stream
     */
    synchronized GraphPool beginGraphPool(long stream) {
        if (capturing.containsKey(stream)) {
            throw new IllegalStateException("a CUDA graph is already being captured on stream 0x" + Long.toHexString(stream)
                    + " (captures on one stream do not nest)");
        }
        GraphPool g = new GraphPool(stream);
        capturing.put(stream, g);
        return g;
    }

    /** The capture ended: the stream's requests go to its general pool again; the graph's blocks stay the graph's. */
    synchronized void endGraphCapture(GraphPool graph) {
        capturing.remove(graph.stream, graph);
        graph.capturing = false;
    }

    /**
     * The graph was destroyed (or its capture failed): its free and held blocks join the stream's
     * general pool, and its blocks still in use join it when they are released. Stream order makes
     * that safe, as for any freed block: later work on the stream runs after the graph's last launch.
     */
    synchronized void closeGraphPool(GraphPool graph) {
        if (graph.closed) return;
        endGraphCapture(graph);
        graph.closed = true;
        TreeMap<Long, ArrayDeque<Long>> general = pools.computeIfAbsent(graph.stream, s -> new TreeMap<>());
        for (Map.Entry<Long, ArrayDeque<Long>> e : graph.free.entrySet()) {
            general.computeIfAbsent(e.getKey(), s -> new ArrayDeque<>()).addAll(e.getValue());
        }
        graph.free.clear();
        for (Block b : graph.held) general.computeIfAbsent(b.size, s -> new ArrayDeque<>()).push(b.address);
        graph.held.clear();
    }

    private static Map.Entry<Long, ArrayDeque<Long>> entry(TreeMap<Long, ArrayDeque<Long>> pool, long size) {
        ArrayDeque<Long> q = pool.get(size);
        return q == null ? null : Map.entry(size, q);
    }

    private Block mallocOrNull(long size, long stream) {
        try {
            long address = raw.malloc(size);
            mallocs++;
            reserved += size;
            peakReserved = Math.max(peakReserved, reserved);
            return new Block(address, size, stream);
        } catch (CudaException e) {
            if (e.code() == Driver.CUDA_ERROR_OUT_OF_MEMORY) return null;
            throw e;
        }
    }

    private void record(Block b, long bytes, boolean hit) {
        allocations++;
        if (hit) cacheHits++;
        active++;
        allocated += b.size;
        requested += bytes;
        peakAllocated = Math.max(peakAllocated, allocated);
    }

    /** Called once per buffer, by close() or by the Cleaner. */
    synchronized void release(Block b, long bytes, boolean byCleaner) {
        if (b.size == 0) return;
        active--;
        allocated -= b.size;
        requested -= bytes;
        if (byCleaner) {
            cleanerReleases++;
            cleanerBytes += b.size;
        }
        cached++;
        if (b.pool != null && !b.pool.closed) {   // the graph's: its kernels write it at every launch
            b.pool.free.computeIfAbsent(b.size, s -> new ArrayDeque<>()).push(b.address);
            return;
        }
        GraphPool graph = capturing.get(b.stream);
        if (graph != null) {   // freed while a graph is captured on its stream: the graph may read it, so nobody else gets it
            graph.held.add(new Block(b.address, b.size, b.stream));
            graph.heldBytes += b.size;
            return;
        }
        pools.computeIfAbsent(b.stream, s -> new TreeMap<>()).computeIfAbsent(b.size, s -> new ArrayDeque<>()).push(b.address);
    }

    /** Returns every cached block to the driver (live buffers are untouched). */
    public synchronized void emptyCache() {
        releaseCached();
    }

    private void releaseCached() {
        if (!capturing.isEmpty()) return;   // cuMemFree would wait for a capturing stream, which the driver refuses
        for (Iterator<TreeMap<Long, ArrayDeque<Long>>> it = pools.values().iterator(); it.hasNext(); ) {
            TreeMap<Long, ArrayDeque<Long>> pool = it.next();
            for (Map.Entry<Long, ArrayDeque<Long>> e : pool.entrySet()) {
                for (long address : e.getValue()) {
                    raw.free(address);
                    frees++;
                    reserved -= e.getKey();
                    cached--;
                }
            }
            it.remove();
        }
    }

    /** Drops the cached blocks of one stream (when the stream is destroyed). */
    synchronized void releaseStream(long stream) {
        if (!capturing.isEmpty()) {
            throw new IllegalStateException("closing a stream returns its cached memory to the driver, which waits for the device's stream: "
                    + "not permitted while a CUDA graph is being captured on " + raw.deviceName() + "; close it after the capture");
        }
        TreeMap<Long, ArrayDeque<Long>> pool = pools.remove(stream);
        if (pool == null) return;
        for (Map.Entry<Long, ArrayDeque<Long>> e : pool.entrySet()) {
            for (long address : e.getValue()) {
                raw.free(address);
                frees++;
                reserved -= e.getKey();
                cached--;
            }
        }
    }

    public synchronized MemoryStats stats() {
        return new MemoryStats(allocated, reserved, peakAllocated, peakReserved, requested, allocations, cacheHits, mallocs, frees,
                active, cached, cleanerReleases, oomRetries, ooms, gcCollections);
    }

    /** Peaks restart from the current values. */
    public synchronized void resetPeakStats() {
        peakAllocated = allocated;
        peakReserved = reserved;
    }

    /**
     * One block of device memory: its address, its rounded size, the stream whose pool it belongs
     * to and, for a block a CUDA graph owns, that graph's pool (else null).
     */
    record Block(long address, long size, long stream, GraphPool pool) {
        Block(long address, long size, long stream) {
            this(address, size, stream, null);
        }
    }

    /**
     * The private memory of one CUDA graph: the blocks its capture allocated (the kernels' addresses
     * in the graph point into them) and the blocks of the general pool freed during the capture. Its
     * state changes under the allocator's lock.
     */
    static final class GraphPool {
        final long stream;
        /** block size → addresses of the graph's blocks no tensor holds now */
        final TreeMap<Long, ArrayDeque<Long>> free = new TreeMap<>();
        /** blocks of the general pool released during the capture: kept untouched until the graph closes */
        final java.util.List<Block> held = new java.util.ArrayList<>();
        long bytes, heldBytes;
        int blocks;
        boolean capturing = true, closed;

        GraphPool(long stream) {
            this.stream = stream;
        }

        /** {@return bytes of the blocks the graph's capture allocated (in use or free): its private memory} */
        long bytes() {
            return bytes;
        }

        /** {@return bytes of general blocks freed during the capture that the graph holds until it closes} */
        long heldBytes() {
            return heldBytes;
        }

        /** {@return the blocks the capture allocated} */
        int blocks() {
            return blocks;
        }

        /** {@return whether the graph was closed and its memory handed back} */
        boolean isClosed() {
            return closed;
        }
    }
}
