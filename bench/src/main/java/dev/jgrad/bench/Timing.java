package dev.jgrad.bench;

import dev.jgrad.bench.Workload.Body;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Times a {@link Body}: one cold call, then an adaptive warm-up, then blocks of samples, each
 * sample enough calls to last a few milliseconds. Warm-up runs batches of calls until they stop
 * getting faster ({@link #settled}) and the JIT has stopped compiling ({@link #jitQuiet},
 * {@link #jitIdle}), after at least
 * {@value #MIN_WARMUP_SECONDS} s and within the budget's bound; a case that never settles says
 * so. Process CPU time over a block divided by its wall
 * time tells how many cores the op kept busy.
 *
 * <pre>{@code
 * Timing.Result r = Timing.measure(body, new Timing.Budget(2.0, 2.0, 8.0));
 * System.out.println(r.medianSeconds() + " s, p10-p90 " + r.spread().timeRange());
 * }</pre>
 */
public final class Timing {
    private Timing() {}

    /** Smallest time one sample should last, so that timer resolution does not matter. */
    static final double SAMPLE_SECONDS = 0.005;
    /**
     * Warm-up runs at least this long (or the budget's bound, if smaller): the JIT compiles a hot
     * loop in the background, and a few quick, equal batches can come before it has.
     */
    static final double MIN_WARMUP_SECONDS = 0.2;
    /** Consecutive warm-up batches that must agree before warm-up stops. */
    static final int SETTLE_WINDOW = 5;
    /** How far (relative) those batches may differ from each other and from the best batch so far. */
    static final double SETTLE_TOLERANCE = 0.10;
    /** Samples in one block at most, however quick the call. */
    private static final int MAX_SAMPLES_PER_BLOCK = 400;

    /**
     * How long to spend on one case.
     *
     * @param warmupSeconds  the most warm-up after the cold call (it stops earlier once timings
     *                       settle; at least one batch is run)
     * @param measureSeconds time for the samples of each contestant (split over the rounds)
     * @param maxCallSeconds a cold call slower than this is reported alone, without repeats
     * @param rounds         rounds of interleaved blocks (jgrad, then each peer), at least 1
     */
    public record Budget(double warmupSeconds, double measureSeconds, double maxCallSeconds, int rounds) {
        /**
         * A budget of one round (no interleaving).
         *
         * @param warmupSeconds  the most warm-up
         * @param measureSeconds time for the samples
         * @param maxCallSeconds a cold call slower than this is reported alone
         */
        public Budget(double warmupSeconds, double measureSeconds, double maxCallSeconds) {
            this(warmupSeconds, measureSeconds, maxCallSeconds, 1);
        }

        /** Checks the rounds. */
        public Budget {
            if (rounds < 1) throw new IllegalArgumentException("Timing.Budget: rounds must be at least 1, got " + rounds);
        }
    }

    /**
     * What warm-up found.
     *
     * @param callsPerSample  calls per sample so that one lasts at least {@value #SAMPLE_SECONDS} s
     * @param estimateSeconds the best per-call time of a warm-up batch
     * @param coldSeconds     the first call's time
     * @param seconds         time spent warming up
     * @param batches         warm-up batches run
     * @param settled         whether the stopping rule was met (else the bound stopped it)
     * @param single          whether the cold call exceeded the budget, so the case is that one call
     */
    public record Warm(int callsPerSample, double estimateSeconds, double coldSeconds, double seconds, int batches, boolean settled,
            boolean single) {
        /** {@return "settled after 0.31 s (14 batches)", "not settled in 2.00 s (…)", or "1 cold call"} */
        public String describe() {
            if (single) return "1 cold call";
            return String.format(java.util.Locale.ROOT, "%s %.2f s (%d batches)", settled ? "settled after" : "not settled in", seconds, batches);
        }
    }

    /**
     * The samples of one block.
     *
     * @param perCall   seconds per call of each sample
     * @param cpuNanos  process CPU time during the block (-1 when unknown)
     * @param wallNanos wall time of the block
     */
    public record Block(double[] perCall, long cpuNanos, long wallNanos) {
        /** {@return process CPU time / wall time during the block (≈ busy cores), or -1 when unknown} */
        public double cpuPerWall() {
            return cpuNanos < 0 || wallNanos <= 0 ? -1 : cpuNanos / (double) wallNanos;
        }
    }

    /**
     * What one case measured.
     *
     * @param spread         per-call time of the samples: median, p10, p90, min, max
     * @param callsPerSample calls per sample
     * @param cpuPerWall     process CPU time / wall time during the samples (≈ busy cores; GC and JIT threads count too)
     * @param warm           what warm-up found
     * @param note           what the table should say about the measurement, or ""
     */
    public record Result(Spread spread, int callsPerSample, double cpuPerWall, Warm warm, String note) {
        /** {@return the median time of one call} */
        public double medianSeconds() {
            return spread.median();
        }

        /** {@return the fastest sample's time per call} */
        public double minSeconds() {
            return spread.min();
        }

        /** {@return the number of samples} */
        public int samples() {
            return spread.count();
        }
    }

    /**
     * Warms up {@code body} and times it in one block of {@code budget.measureSeconds()}: the
     * measurement without a peer to interleave with.
     *
     * @param body   what to time
     * @param budget the bounds
     * @return the samples' spread
     */
    public static Result measure(Body body, Budget budget) {
        Warm warm = warmUp(body, budget);
        if (warm.single()) return single(warm, budget);
        Block b = block(body, warm.callsPerSample(), budget.measureSeconds());
        return new Result(Spread.of(b.perCall()), warm.callsPerSample(), b.cpuPerWall(), warm, "");
    }

    /** The result of a case whose cold call exceeded the budget. */
    static Result single(Warm warm, Budget budget) {
        return new Result(Spread.of(warm.coldSeconds()), 1, -1, warm, "1 cold call (> " + Report.formatTime(budget.maxCallSeconds()) + " budget)");
    }

    /**
     * One cold call, then batches of calls until {@link #settled} says the timings have settled
     * (after at least {@value #MIN_WARMUP_SECONDS} s) or the budget's warm-up bound is spent.
     *
     * @param body   what to warm up
     * @param budget the bounds
     * @return calls per sample and how warm-up went
     */
    public static Warm warmUp(Body body, Budget budget) {
        long t0 = System.nanoTime();
        Object sink = body.run();
        double cold = (System.nanoTime() - t0) * 1e-9;
        if (cold > budget.maxCallSeconds()) {
            consume(sink);
            return new Warm(1, cold, cold, cold, 0, false, true);
        }
        double max = budget.warmupSeconds(), min = Math.min(MIN_WARMUP_SECONDS, max);
        double best = cold, elapsed;
        boolean settled;
        List<Double> batches = new ArrayList<>();
        List<Long> jit = new ArrayList<>();   // the JIT's total compilation time after each batch
        long start = System.nanoTime();
        while (true) {
            int inner = callsPerSample(best);
            long s = System.nanoTime();
            for (int i = 0; i < inner; i++) sink = body.run();
            double t = (System.nanoTime() - s) * 1e-9 / inner;
            batches.add(t);
            jit.add(compileMillis());
            best = Math.min(best, t);
            elapsed = (System.nanoTime() - start) * 1e-9;
            // The compiler queue is asked only once the timings look settled: the query takes a fraction of a millisecond.
            settled = elapsed >= min && settled(batches) && jitQuiet(jit) && jitIdle(compilerQueue());
            if (settled || elapsed >= max) break;
        }
        consume(sink);
        return new Warm(callsPerSample(best), best, cold, elapsed, batches.size(), settled, false);
    }

    /**
     * The warm-up stopping rule: the median of the last {@value #SETTLE_WINDOW} batch times
     * (seconds per call) is within {@value #SETTLE_TOLERANCE} (relative) of the median of the
     * {@value #SETTLE_WINDOW} before them: the timings have stopped improving (and have not
     * jumped). Medians, so that a batch slowed by other work on a shared machine does not keep
     * warm-up going to its bound; a cold case improves from window to window and so goes on.
     *
     * @param perCall the warm-up batches' seconds per call, in order
     * @return whether the timings have settled
     */
    static boolean settled(List<Double> perCall) {
        int n = perCall.size();
        if (n < 2 * SETTLE_WINDOW) return false;
        double[] last = new double[SETTLE_WINDOW], before = new double[SETTLE_WINDOW];
        for (int i = 0; i < SETTLE_WINDOW; i++) {
            before[i] = perCall.get(n - 2 * SETTLE_WINDOW + i);
            last[i] = perCall.get(n - SETTLE_WINDOW + i);
        }
        double m1 = Spread.of(last).median(), m0 = Spread.of(before).median();
        return m1 >= m0 / (1 + SETTLE_TOLERANCE) && m1 <= m0 * (1 + SETTLE_TOLERANCE);
    }

    /**
     * Whether the JIT finished no compilation during the last {@value #SETTLE_WINDOW} batches
     * (always true when the JVM does not tell): flat timings while it still compiles may be a
     * plateau before the optimised code arrives.
     */
    static boolean jitQuiet(List<Long> compileMillisAfterBatch) {
        int n = compileMillisAfterBatch.size();
        if (n <= SETTLE_WINDOW) return false;
        long now = compileMillisAfterBatch.get(n - 1), then = compileMillisAfterBatch.get(n - 1 - SETTLE_WINDOW);
        return now < 0 || now == then;
    }

    /**
     * Whether {@code jcmd Compiler.queue} text shows the JIT idle: no current compile and both
     * queues empty. A big method (a Vector API GEMM kernel) can take C2 seconds to compile on a
     * busy machine while the interpreted or C1 code runs at a steady, slow pace that the timings
     * alone would call settled; the total compilation time only grows when a compile ends.
     *
     * @param queue the diagnostic command's output, or null when it could not run
     * @return true when idle, or when the JVM cannot tell (null)
     */
    static boolean jitIdle(String queue) {
        if (queue == null) return true;
        for (String line : queue.split("\n")) {
            String l = line.trim();
            boolean header = l.equals("Current compiles:") || l.endsWith("compile queue:");
            if (!header && !l.isEmpty() && !l.equals("Empty")) return false;   // an active compile, or a queued one
        }
        return true;
    }

    /** The output of the {@code Compiler.queue} diagnostic command (as {@code jcmd} prints it), or null when unavailable. */
    private static String compilerQueue() {
        try {
            return (String) ManagementFactory.getPlatformMBeanServer().invoke(new javax.management.ObjectName(
                    "com.sun.management:type=DiagnosticCommand"), "compilerQueue", new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
        } catch (Exception | LinkageError e) {
            return null;
        }
    }

    /** The JIT's total compilation time so far in ms, or -1 when the JVM does not tell. */
    private static long compileMillis() {
        var c = ManagementFactory.getCompilationMXBean();
        return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : -1;
    }

    /** Calls per sample so that a sample lasts at least {@link #SAMPLE_SECONDS}, for a call of {@code perCall} seconds. */
    static int callsPerSample(double perCall) {
        return (int) Math.max(1, Math.min(1_000_000, Math.ceil(SAMPLE_SECONDS / Math.max(perCall, 1e-9))));
    }

    /**
     * Samples of {@code inner} calls each for about {@code seconds} (at least one sample; a
     * sample that would end past the time is not started).
     *
     * @param body    what to time (warmed up)
     * @param inner   calls per sample
     * @param seconds the block's length
     * @return the per-call time of each sample and the CPU time used
     */
    public static Block block(Body body, int inner, double seconds) {
        double[] perCall = new double[MAX_SAMPLES_PER_BLOCK];
        int n = 0;
        Object sink = null;
        long cpuStart = cpuNanos(), wallStart = System.nanoTime();
        while (n < MAX_SAMPLES_PER_BLOCK) {
            long s = System.nanoTime();
            for (int i = 0; i < inner; i++) sink = body.run();
            double t = (System.nanoTime() - s) * 1e-9;
            perCall[n++] = t / inner;
            if ((System.nanoTime() - wallStart) * 1e-9 + t > seconds) break;
        }
        long wall = System.nanoTime() - wallStart, cpu = cpuStart < 0 ? -1 : cpuNanos() - cpuStart;
        consume(sink);
        return new Block(java.util.Arrays.copyOf(perCall, n), cpu, wall);
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
