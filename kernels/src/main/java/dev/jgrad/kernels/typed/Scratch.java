package dev.jgrad.kernels.typed;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The per-thread scratch arrays of the CPU GEMM and convolution kernels (packed panels, the
 * convolution's source and output tiles), kept between calls only up to {@link #CAP_BYTES} per
 * thread.
 *
 * <p>Keeping them saves an allocation (and its zeroing) per call, which matters for the many
 * small products of a training step; but kept without a bound, each thread's arrays grew to the
 * largest op it had ever run and stayed there (32 MiB per thread after one 224×224 convolution,
 * 256 MiB on 8 threads). Now an array a kernel asks for is kept only while the thread's kept
 * arrays stay within the cap: a request that would exceed it first releases the thread's other
 * kept arrays (largest first), and a request larger than the cap itself is served by an array
 * that is not kept. A thread's kept bytes never exceed the cap, and the shapes of the MNIST CNN
 * and the benchmark suite fit under it (the sizes and timings are in docs/design-notes.md,
 * "Bounded kernel scratch").
 *
 * <pre>{@code
 * float[] pack = Scratch.floats(Scratch.SGEMM_B, kc * nc);   // contents undefined: fill before reading
 * long kept = Scratch.maxRetainedBytes();                     // ≤ Scratch.CAP_BYTES
 * }</pre>
 */
public final class Scratch {
    /**
     * Bytes of scratch one thread keeps between calls: {@code -Djgrad.scratch.mib} (default 8).
     * 0 keeps nothing: every call allocates.
     */
    public static final long CAP_BYTES = Math.max(0, Long.getLong("jgrad.scratch.mib", 8)) << 20;

    /** SGEMM's packed panel of B ({@link SgemmF32}). */
    static final int SGEMM_B = 0;
    /** SGEMM's packed block of A. */
    static final int SGEMM_A = 1;
    /** SGEMM's edge tile. */
    static final int SGEMM_TILE = 2;
    /** The vector partial sums of {@link SgemmF32#dotGemm}. */
    static final int SGEMM_DOT = 3;
    /** The convolution's source rows ({@link Conv2dF32}). */
    static final int CONV_SOURCE = 4;
    /** The convolution's GEMM output (or gathered output gradient, or columns). */
    static final int CONV_OUT = 5;
    private static final int SLOTS = 6;

    /** One thread's kept arrays and their total size; only the owning thread writes. */
    private static final class Kept {
        final float[][] arrays = new float[SLOTS][];
        volatile long bytes;
    }

    /** Every live thread's {@link Kept}, for the accounting (weak: a finished thread's entry goes with it). */
    private static final Map<Thread, Kept> ALL = Collections.synchronizedMap(new WeakHashMap<>());

    private static final ThreadLocal<Kept> KEPT = ThreadLocal.withInitial(() -> {
        Kept k = new Kept();
        ALL.put(Thread.currentThread(), k);
        return k;
    });

    private Scratch() {}

    /**
     * An array of at least {@code size} floats for {@code slot} on this thread, with undefined
     * contents. It stays valid until this thread asks for the same slot again; two slots may be
     * in use at once.
     */
    static float[] floats(int slot, int size) {
        Kept k = KEPT.get();
        float[] a = k.arrays[slot];
        if (a != null && a.length >= size) return a;
        float[] fresh = new float[size];
        long need = 4L * size;
        if (need > CAP_BYTES) return fresh;   // never kept: larger than the whole allowance
        long others = k.bytes - (a == null ? 0 : 4L * a.length);
        while (others + need > CAP_BYTES) others -= releaseLargest(k, slot);
        k.arrays[slot] = fresh;
        k.bytes = others + need;
        return fresh;
    }

    /** Drops the thread's largest kept array other than {@code slot}'s and returns its bytes. */
    private static long releaseLargest(Kept k, int slot) {
        int largest = -1;
        for (int s = 0; s < SLOTS; s++) {
            if (s != slot && k.arrays[s] != null && (largest < 0 || k.arrays[s].length > k.arrays[largest].length)) largest = s;
        }
        long freed = 4L * k.arrays[largest].length;
        k.arrays[largest] = null;
        return freed;
    }

    /** {@return bytes of scratch the calling thread keeps} */
    public static long retainedBytes() {
        return KEPT.get().bytes;
    }

    /** {@return the most bytes of scratch any live thread keeps (at most {@link #CAP_BYTES})} */
    public static long maxRetainedBytes() {
        long max = 0;
        for (long b : perThread()) max = Math.max(max, b);
        return max;
    }

    /** {@return bytes of scratch all live threads keep together} */
    public static long totalRetainedBytes() {
        long sum = 0;
        for (long b : perThread()) sum += b;
        return sum;
    }

    private static List<Long> perThread() {
        List<Long> bytes = new ArrayList<>();
        synchronized (ALL) {
            for (Kept k : ALL.values()) bytes.add(k.bytes);
        }
        return bytes;
    }
}
