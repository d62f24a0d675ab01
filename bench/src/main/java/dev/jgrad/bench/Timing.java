package dev.jgrad.bench;

import dev.jgrad.bench.Workload.Body;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Times a {@link Body}: one cold call, warm-up calls, then samples of enough calls each to last
 * a few milliseconds; the result is the median time per call. Process CPU time over the
 * samples divided by their wall time tells how many cores the op kept busy.
 *
 * <pre>{@code
 * Timing.Result r = Timing.measure(body, new Timing.Budget(0.5, 2.0, 8.0));
 * System.out.println(r.medianSeconds());
 * }</pre>
 */
public final class Timing {
    private Timing() {}

    /** Smallest time one sample should last, so that timer resolution does not matter. */
    private static final double SAMPLE_SECONDS = 0.005;
    private static final int MIN_SAMPLES = 3, MAX_SAMPLES = 50;

    /**
     * How long to spend on one case.
     *
     * @param warmupSeconds  warm-up time after the cold call (at least one more call is made)
     * @param measureSeconds time for the samples (at least three are taken)
     * @param maxCallSeconds a cold call slower than this is reported alone, without repeats
     */
    public record Budget(double warmupSeconds, double measureSeconds, double maxCallSeconds) {}

    /**
     * What one case measured.
     *
     * @param medianSeconds median time of one call
     * @param minSeconds    fastest sample's time per call
     * @param samples       number of samples
     * @param callsPerSample calls per sample
     * @param cpuPerWall    process CPU time / wall time during the samples (≈ busy cores; GC and JIT threads count too)
     * @param note          what the table should say about the measurement, or ""
     */
    public record Result(double medianSeconds, double minSeconds, int samples, int callsPerSample, double cpuPerWall, String note) {}

    /** Measures {@code body} within {@code budget}. */
    public static Result measure(Body body, Budget budget) {
        Object sink;
        long c0 = cpuNanos(), t0 = System.nanoTime();
        sink = body.run();
        long t1 = System.nanoTime();
        double cold = (t1 - t0) * 1e-9;
        if (cold > budget.maxCallSeconds()) {
            double cpu = (cpuNanos() - c0) / (double) (t1 - t0);
            consume(sink);
            return new Result(cold, cold, 1, 1, cpu, "1 cold call (> " + Report.formatTime(budget.maxCallSeconds()) + " budget)");
        }

        // Warm-up: at least one more call; keep the fastest as the estimate of one call.
        double estimate = cold;
        long warmStart = System.nanoTime();
        int warmCalls = 0;
        while (warmCalls < 1 || (System.nanoTime() - warmStart) * 1e-9 < budget.warmupSeconds()) {
            long s = System.nanoTime();
            sink = body.run();
            estimate = Math.min(estimate, (System.nanoTime() - s) * 1e-9);
            warmCalls++;
        }

        int inner = (int) Math.max(1, Math.min(1_000_000, Math.ceil(SAMPLE_SECONDS / Math.max(estimate, 1e-9))));
        double[] perCall = new double[MAX_SAMPLES];
        int n = 0;
        long cpuStart = cpuNanos(), wallStart = System.nanoTime();
        while (n < MAX_SAMPLES) {
            long s = System.nanoTime();
            for (int i = 0; i < inner; i++) sink = body.run();
            double t = (System.nanoTime() - s) * 1e-9;
            perCall[n++] = t / inner;
            double elapsed = (System.nanoTime() - wallStart) * 1e-9;
            if (n >= MIN_SAMPLES && elapsed + t > budget.measureSeconds()) break;
        }
        long wall = System.nanoTime() - wallStart;
        double cpu = (cpuNanos() - cpuStart) / (double) wall;
        consume(sink);
        double[] sorted = Arrays.copyOf(perCall, n);
        Arrays.sort(sorted);
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Result(median, sorted[0], n, inner, cpu, "");
    }

    /** CPU time of the whole process (all threads), or -1 when the JVM cannot tell. */
    static long cpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static volatile int blackhole;

    private static void consume(Object o) {
        blackhole += System.identityHashCode(o) & 1;
    }
}
