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
        TreeMap<Long, ArrayDeque<Long>> pool = pools.get(stream);
        if (pool == null) return null;
        Map.Entry<Long, ArrayDeque<Long>> e = size <= SMALL_LIMIT ? entry(pool, size) : pool.ceilingEntry(size);
        if (e == null || (size > SMALL_LIMIT && e.getKey() > size + size / 4)) return null;
        long address = e.getValue().pop();
        if (e.getValue().isEmpty()) pool.remove(e.getKey());
        cached--;
        return new Block(address, e.getKey(), stream);
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
        pools.computeIfAbsent(b.stream, s -> new TreeMap<>()).computeIfAbsent(b.size, s -> new ArrayDeque<>()).push(b.address);
        cached++;
    }

    /** Returns every cached block to the driver (live buffers are untouched). */
    public synchronized void emptyCache() {
        releaseCached();
    }

    private void releaseCached() {
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

    /** One block of device memory: its address, its rounded size and the stream whose pool it belongs to. */
    record Block(long address, long size, long stream) {}
}
