package dev.jgrad.tensor;

import dev.jgrad.kernels.Parallel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Heap arrays of CPU storages whose last tensor was closed, kept for the next storage of the same
 * dtype and length. Java zeroes every new array, and a large one (past half a G1 region) is
 * allocated outside the young generation, touched by one thread and cold in the cache; an op whose
 * result dies at {@link Tensor#close()} or at the end of a {@link Tensor#scope()} hands its array
 * to the next op of that size instead, still warm, and the next op need not zero it when it writes
 * every element (PyTorch's caching allocator does the same for its CPU tensors).
 *
 * <p>Only arrays a {@link CpuStorage} allocated itself come here, and only when its holder count
 * reached zero ({@link Storage#release}): a tensor wrapping a caller's array ({@code Tensor.of})
 * and an array handed out by {@code toFloatArray()} and friends never do. A closed tensor's storage
 * refuses access to its elements, so no tensor can reach an array after it was pooled. Storages
 * the garbage collector reclaims (tensors never closed) do not come back: their lifetime is unknown.
 *
 * <p>Bounded: arrays below {@link #minBytes} are not kept (a new small array costs less than a
 * lookup), and the pool holds at most {@link #maxBytes} in all, dropping the oldest arrays first.
 * Settings, read once: {@code -Djgrad.heapPool=false} turns it off; {@code -Djgrad.heapPool.maxBytes}
 * (default an eighth of the maximum heap, at most 1 GiB) and {@code -Djgrad.heapPool.minBytes}
 * (default 256 KiB). Thread-safe: one lock, taken once per large allocation and per release.
 */
final class HeapArrayPool {
    private HeapArrayPool() {}

    private static final long DEFAULT_MIN_BYTES = 256 << 10;
    private static volatile boolean enabled = !"false".equalsIgnoreCase(System.getProperty("jgrad.heapPool", "true").trim());
    private static volatile long maxBytes = longProperty("jgrad.heapPool.maxBytes", Math.min(Runtime.getRuntime().maxMemory() / 8, 1L << 30));
    private static volatile long minBytes = longProperty("jgrad.heapPool.minBytes", DEFAULT_MIN_BYTES);

    /** One kept array, on its size's stack and on the pool-wide list in the order arrays came in. */
    private static final class Entry {
        final Object array;
        final long key, bytes;
        Entry older, newer;

        Entry(Object array, long key, long bytes) {
            this.array = array;
            this.key = key;
            this.bytes = bytes;
        }
    }

    private static final Object LOCK = new Object();
    /** Per dtype and length, newest last (taken from the end: the array most likely still in the cache). */
    private static final Map<Long, ArrayDeque<Entry>> BY_SIZE = new HashMap<>();
    private static Entry oldest, newest;
    private static long pooledBytes;
    private static long hits, returns;

    private static long longProperty(String name, long fallback) {
        String v = System.getProperty(name);
        if (v == null) return fallback;
        try {
            return Math.max(0, Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            System.getLogger(HeapArrayPool.class.getName()).log(System.Logger.Level.WARNING, "ignoring " + name + "=" + v + ": not an integer");
            return fallback;
        }
    }

    private static long key(DType dtype, int length) {
        return ((long) dtype.ordinal() << 32) | length;
    }

    /** Whether arrays of this dtype and length are worth keeping. */
    private static boolean eligible(DType dtype, int length) {
        long bytes = (long) length * dtype.byteSize();
        return enabled && bytes >= minBytes && bytes > 0 && bytes <= maxBytes;
    }

    /**
     * A kept array of {@code dtype}'s Java type and exactly {@code length} elements, with whatever
     * values it held (the caller zeroes it or overwrites every element), or null when none is kept.
     */
    static Object take(DType dtype, int length) {
        if (!eligible(dtype, length)) return null;
        synchronized (LOCK) {
            ArrayDeque<Entry> stack = BY_SIZE.get(key(dtype, length));
            Entry e = stack == null ? null : stack.pollLast();
            if (e == null) return null;
            unlink(e);
            hits++;
            return e.array;
        }
    }

    /** Keeps {@code array} (of {@code dtype}'s Java type), which no tensor can reach any more, if it is eligible and fits. */
    static void give(DType dtype, Object array) {
        int length = java.lang.reflect.Array.getLength(array);
        if (!eligible(dtype, length)) return;
        long bytes = (long) length * dtype.byteSize();
        Entry e = new Entry(array, key(dtype, length), bytes);
        synchronized (LOCK) {
            while (pooledBytes + bytes > maxBytes && oldest != null) evict(oldest);
            BY_SIZE.computeIfAbsent(e.key, _ -> new ArrayDeque<>()).addLast(e);
            e.older = newest;
            if (newest != null) newest.newer = e;
            newest = e;
            if (oldest == null) oldest = e;
            pooledBytes += bytes;
            returns++;
        }
    }

    /** Drops the oldest array (the first on its size's stack, since each stack is in arrival order). */
    private static void evict(Entry e) {
        ArrayDeque<Entry> stack = BY_SIZE.get(e.key);
        stack.pollFirst();
        if (stack.isEmpty()) BY_SIZE.remove(e.key);
        unlink(e);
    }

    private static void unlink(Entry e) {
        if (e.older != null) e.older.newer = e.newer;
        else oldest = e.newer;
        if (e.newer != null) e.newer.older = e.older;
        else newest = e.older;
        e.older = e.newer = null;
        pooledBytes -= e.bytes;
        ArrayDeque<Entry> stack = BY_SIZE.get(e.key);
        if (stack != null && stack.isEmpty()) BY_SIZE.remove(e.key);
    }

    /** Sets every element of {@code array} to zero (false), on the kernel threads when it is large. */
    static void zero(Object array) {
        int n = java.lang.reflect.Array.getLength(array);
        Parallel.forRange(n, n, (from, to) -> {
            switch (array) {
                case float[] a -> Arrays.fill(a, from, to, 0f);
                case double[] a -> Arrays.fill(a, from, to, 0d);
                case long[] a -> Arrays.fill(a, from, to, 0L);
                case int[] a -> Arrays.fill(a, from, to, 0);
                case short[] a -> Arrays.fill(a, from, to, (short) 0);
                case boolean[] a -> Arrays.fill(a, from, to, false);
                default -> throw new IllegalStateException("not a pooled array type: " + array.getClass().getSimpleName());
            }
        });
    }

    // ---- settings and counts, for tests and diagnostics --------------------------------------------------------------------

    /** Turns the pool on or off (off also empties it); returns the previous setting. */
    static boolean setEnabled(boolean on) {
        boolean was = enabled;
        enabled = on;
        if (!on) clear();
        return was;
    }

    /** Sets the bound on pooled bytes (dropping the oldest arrays past it); returns the previous bound. */
    static long setMaxBytes(long bytes) {
        long was = maxBytes;
        synchronized (LOCK) {
            maxBytes = Math.max(0, bytes);
            while (pooledBytes > maxBytes && oldest != null) evict(oldest);
        }
        return was;
    }

    /** Sets the smallest array kept, in bytes; returns the previous value. */
    static long setMinBytes(long bytes) {
        long was = minBytes;
        minBytes = Math.max(0, bytes);
        return was;
    }

    /** Drops every kept array. */
    static void clear() {
        synchronized (LOCK) {
            while (oldest != null) evict(oldest);
        }
    }

    /** {@return the bytes of the arrays kept now} */
    static long pooledBytes() {
        synchronized (LOCK) {
            return pooledBytes;
        }
    }

    /** {@return the arrays kept now} */
    static int pooledArrays() {
        synchronized (LOCK) {
            int n = 0;
            for (ArrayDeque<Entry> s : BY_SIZE.values()) n += s.size();
            return n;
        }
    }

    /** {@return how many allocations were served from the pool so far} */
    static long hits() {
        synchronized (LOCK) {
            return hits;
        }
    }

    /** {@return how many arrays were kept so far} */
    static long returns() {
        synchronized (LOCK) {
            return returns;
        }
    }
}
