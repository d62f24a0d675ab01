package dev.jgrad.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntConsumer;

/**
 * This machine's peaks, measured in the same run as the benchmarks they scale: FP32 FMA
 * throughput with the Vector API (all threads at once, and one), and memory bandwidth as a
 * large-array copy (read + write bytes, as STREAM counts them).
 *
 * <pre>{@code
 * Peak p = Peak.measure(2);
 * System.out.printf("%.0f GFLOP/s, %.1f GB/s%n", p.flops() / 1e9, p.bytesPerSecond() / 1e9);
 * }</pre>
 *
 * @param threads        threads the all-core figures used
 * @param flops          FP32 FLOP/s with all threads (NaN without the Vector API)
 * @param flopsOneThread FP32 FLOP/s on one thread (NaN without the Vector API)
 * @param bytesPerSecond copy bandwidth with all threads (bytes read + written per second)
 * @param description    how the figures were measured
 */
public record Peak(int threads, double flops, double flopsOneThread, double bytesPerSecond, String description) {

    /** Copy size: 2 × 128 MiB, far past any cache. */
    private static final int COPY_FLOATS = 32 << 20;

    /** Measures FMA throughput and copy bandwidth on {@code threads} threads. */
    public static Peak measure(int threads) {
        double flops = Double.NaN, one = Double.NaN;
        String fma;
        if (vectorApiReadable()) {
            for (int i = 0; i < 300; i++) VectorFma.run(20_000);   // let C2 compile the loop
            int iters = 1_000_000, calls = 30;
            double perThread = VectorFma.flopsPerIteration() * iters * calls;
            one = perThread / bestOf(5, 1, t -> {
                for (int c = 0; c < calls; c++) sink += VectorFma.run(iters);
            });
            flops = perThread * threads / bestOf(5, threads, t -> {
                for (int c = 0; c < calls; c++) sink += VectorFma.run(iters);
            });
            fma = "FP32 FMA loop, Vector API " + VectorFma.lanes() * 32 + "-bit species, " + VectorFma.ACCUMULATORS
                    + " independent accumulators, " + threads + " thread(s), best of 5";
        } else {
            fma = "FMA peak not measured: the jdk.incubator.vector module is not readable (run with --add-modules jdk.incubator.vector)";
        }
        float[] src = new float[COPY_FLOATS], dst = new float[COPY_FLOATS];
        java.util.Arrays.fill(src, 1f);
        int chunk = (COPY_FLOATS + threads - 1) / threads;
        int repeats = 4;
        IntConsumer copy = t -> {
            int from = t * chunk, len = Math.min(chunk, COPY_FLOATS - from);
            for (int i = 0; i < repeats && len > 0; i++) System.arraycopy(src, from, dst, from, len);
        };
        bestOf(1, threads, copy);   // first touch
        double bw = 2.0 * 4 * COPY_FLOATS * repeats / bestOf(7, threads, copy);
        String copyNote = "copy of a " + (COPY_FLOATS * 4L >> 20) + " MiB float array into another (System.arraycopy, 4 times per round, "
                + "bytes read + written), " + threads + " thread(s), best of 7";
        return new Peak(threads, flops, one, bw, fma + "; " + copyNote);
    }

    /**
     * The higher of two measurements of each figure: other work on the machine only ever lowers
     * a peak, so the CLI measures at the start and the end of a run and keeps the better.
     */
    public static Peak better(Peak a, Peak b) {
        return new Peak(a.threads, max(a.flops, b.flops), max(a.flopsOneThread, b.flopsOneThread), Math.max(a.bytesPerSecond, b.bytesPerSecond),
                a.description + " (better of a measurement at the start and one at the end of the run)");
    }

    private static double max(double x, double y) {
        return Double.isNaN(x) ? y : Double.isNaN(y) ? x : Math.max(x, y);
    }

    /** Whether this module can use {@code jdk.incubator.vector} (it was added to the boot layer). */
    public static boolean vectorApiReadable() {
        var vec = ModuleLayer.boot().findModule("jdk.incubator.vector");
        return vec.isPresent() && Peak.class.getModule().canRead(vec.get());
    }

    /** The Vector API's preferred species width in bits, or 0 without it. */
    public static int vectorBits() {
        return vectorApiReadable() ? VectorFma.lanes() * 32 : 0;
    }

    private static volatile float sink;

    /**
     * Fastest wall time of {@code rounds} rounds, each running {@code work} on {@code threads}
     * threads at once: from the first worker's start to the last one's end, timed by the
     * workers themselves (the coordinating thread may be descheduled while they run).
     */
    private static double bestOf(int rounds, int threads, IntConsumer work) {
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r < rounds; r++) {
            CyclicBarrier start = new CyclicBarrier(threads);
            long[] begin = new long[threads], end = new long[threads];
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts.add(Thread.ofPlatform().daemon().start(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    begin[id] = System.nanoTime();
                    work.accept(id);
                    end[id] = System.nanoTime();
                }));
            }
            try {
                for (Thread t : ts) t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("peak measurement interrupted", e);
            }
            long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
            for (int t = 0; t < threads; t++) {
                first = Math.min(first, begin[t]);
                last = Math.max(last, end[t]);
            }
            best = Math.min(best, (last - first) * 1e-9);
        }
        return best;
    }
}
