package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.simd.SgemmVec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;

/**
 * Chooses the {@link GemmConfig} that {@link SgemmF32} runs with on this CPU, once per JVM.
 *
 * <p>In order: the property {@value #CONFIG_PROPERTY} (a configuration as
 * {@link GemmConfig#parse} reads it) wins; otherwise the choice cached for this CPU model in
 * {@code gemm.properties} under the cache folder; otherwise, unless {@value #TUNE_PROPERTY} is
 * {@code false}, a short measurement started at first use on a background thread
 * ({@link #TUNE_BUDGET_NANOS} at most once the kernels are compiled: a few candidate
 * configurations, each timed several times on small products, interleaved, best time kept), whose
 * winner replaces the table's choice when it is done and is cached; otherwise the built-in table,
 * keyed on the CPU family and the vector width ({@link #table}). The first products run with the
 * table's choice while the measurement goes on: every configuration gives the same bits, so the
 * choice, and the switch, change only the speed.
 *
 * <p>The cache folder is {@value #CACHE_PROPERTY} if set, else {@code $XDG_CACHE_HOME/jgrad},
 * else {@code ~/.cache/jgrad}; the cache key names the CPU (vendor, family, model, model name),
 * the float lanes of a vector and the JDK version, so a new CPU or JDK measures again. A cache
 * that cannot be read or written, or holds a bad entry, is ignored: the choice never fails for
 * it. A measurement disturbed by other load (the candidates' times spread widely across repeats)
 * is used for this run but not cached.
 *
 * <pre>{@code
 * GemmTuner.Choice c = GemmTuner.choice();   // what SgemmF32 uses, and where it came from
 * System.out.println(c.config() + " (" + c.source() + ")");
 * GemmTuner.tune();                          // measure again now and cache the result
 * // java -Djgrad.gemm.config=tile=6x4,kc=256,mc=96 ...   fixes it; -Djgrad.gemm.tune=false: table only
 * }</pre>
 */
public final class GemmTuner {
    /** System property: a configuration to use as is, e.g. {@code tile=6x4,kc=384,mc=96,nc=4096}. */
    public static final String CONFIG_PROPERTY = "jgrad.gemm.config";
    /** System property: {@code false} never measures (the cache is still read; without an entry, the table). */
    public static final String TUNE_PROPERTY = "jgrad.gemm.tune";
    /** System property: {@code true} ignores the cached entry, measures again and rewrites it. */
    public static final String RETUNE_PROPERTY = "jgrad.gemm.retune";
    /** System property: the cache folder (default {@code $XDG_CACHE_HOME/jgrad} or {@code ~/.cache/jgrad}). */
    public static final String CACHE_PROPERTY = "jgrad.gemm.cacheDir";
    /** Name of the cache file in the cache folder. */
    public static final String CACHE_FILE = "gemm.properties";
    /** Fewest timed rounds whose choice is cached (one round's spread says nothing). */
    static final int MIN_STEADY_ROUNDS = 3;
    /** Upper bound on the timed rounds of one measurement (after the warm-up). */
    public static final long TUNE_BUDGET_NANOS = 400_000_000L;
    /** Upper bound on the warm-up that gets the kernels compiled before the timed rounds. */
    public static final long WARM_UP_NANOS = 3_000_000_000L;
    /**
     * A candidate must beat the table's choice by this fraction (geometric mean of the sizes'
     * times) to replace it: smaller differences are within what load on the machine does.
     */
    static final double MARGIN = 0.03;
    /**
     * Largest spread for a measurement to be cached: the median, over candidates and sizes, of
     * the median time over the best one.
     */
    static final double NOISY = 1.30;

    /** Where a choice came from. */
    public enum Source {
        /** The {@value #CONFIG_PROPERTY} system property. */
        PROPERTY,
        /** This CPU's entry in the cache file. */
        CACHE,
        /** Measured in this JVM. */
        MEASURED,
        /** The built-in table (SIMD off, tuning switched off, or nothing cached). */
        TABLE
    }

    /**
     * The configuration in use and where it came from.
     *
     * @param config the configuration
     * @param source where it came from
     * @param cpuKey the cache key of this CPU, JDK and vector width
     * @param detail a line on the measurement (candidates, spread), or empty
     * @param settled whether nothing more will be measured for this choice: it came from the
     *                property, the cache or the table with tuning off, or from a measurement steady
     *                enough to cache; false for the table's choice while a measurement runs in the
     *                background, and for a noisy measurement
     */
    public record Choice(GemmConfig config, Source source, String cpuKey, String detail, boolean settled) {
        /** {@return the configuration and where it came from, as the doctor and the bench print it} */
        public String describe() {
            return config + " (" + source.toString().toLowerCase(Locale.ROOT) + (detail.isEmpty() ? "" : ", " + detail) + ")";
        }
    }

    private static volatile Choice current;

    private GemmTuner() {}

    /** {@return the configuration {@link SgemmF32} uses, choosing it on the first call} */
    public static GemmConfig config() {
        return choice().config();
    }

    /**
     * {@return the configuration in use and where it came from, choosing it on the first call}
     *
     * @throws IllegalArgumentException when {@value #CONFIG_PROPERTY} does not parse
     */
    public static Choice choice() {
        Choice c = current;
        if (c == null) {
            synchronized (GemmTuner.class) {
                c = current;
                if (c == null) current = c = choose(true);
            }
        }
        return c;
    }

    /**
     * Measures the candidates now (ignoring the cache and {@value #TUNE_PROPERTY}), caches the
     * winner when the measurement was steady, and uses it from now on in this JVM. With SIMD off
     * there is nothing to tune and the table's choice is returned.
     *
     * @return the new choice
     */
    public static synchronized Choice tune() {
        String key = cpuKey();
        GemmConfig table = table(Cpu.detect(), lanes());
        Choice c = lanes() == 0 ? new Choice(table, Source.TABLE, key, "", true) : measure(key, table, cacheDir());
        current = c;
        return c;
    }

    /** Makes {@code c} the choice in use (tests put back what they changed). */
    static synchronized void use(Choice c) {
        current = c;
    }

    /** The choice the properties, cache and table make now, without keeping it (tests). */
    static Choice chooseNow() {
        return choose(true);
    }

    /**
     * {@return the configuration in use, chosen now in the foreground if it is not yet: as
     * {@link #choice()}, but a measurement it needs runs on this thread before returning} A
     * benchmark calls this first, so that no measurement runs beside the cases it times.
     *
     * @throws IllegalArgumentException when {@value #CONFIG_PROPERTY} does not parse
     */
    public static synchronized Choice choiceNow() {
        // a first measurement may spend its bound compiling the kernels and time no round: up to three tries
        for (int attempt = 0; attempt < 3 && (current == null || !current.settled()); attempt++) {
            current = choose(false);
        }
        return current;
    }

    private static Choice choose(boolean background) {
        String fixed = System.getProperty(CONFIG_PROPERTY);
        String key = cpuKey();
        if (fixed != null && !fixed.isBlank()) return new Choice(GemmConfig.parse(fixed), Source.PROPERTY, key, "", true);
        GemmConfig table = table(Cpu.detect(), lanes());
        if (lanes() == 0) return new Choice(table, Source.TABLE, key, "", true);
        Optional<Path> dir = cacheDir();
        if (!Boolean.getBoolean(RETUNE_PROPERTY)) {
            Optional<GemmConfig> cached = dir.flatMap(d -> readCache(d.resolve(CACHE_FILE), key));
            if (cached.isPresent()) return new Choice(cached.get(), Source.CACHE, key, "", true);
        }
        if (!Boolean.parseBoolean(System.getProperty(TUNE_PROPERTY, "true"))) return new Choice(table, Source.TABLE, key, "", true);
        if (!background) return measure(key, table, dir);
        Choice start = new Choice(table, Source.TABLE, key, "measuring in the background", false);
        Thread t = new Thread(() -> {
            Choice measured = measure(key, table, dir);
            synchronized (GemmTuner.class) {
                if (current == start) current = measured; // unless tune() or a test replaced it meanwhile
            }
        }, "jgrad-gemm-tuner");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return start;
    }

    private static Choice measure(String key, GemmConfig table, Optional<Path> dir) {
        List<GemmConfig> cands = candidates(table, lanes(), vectorRegisters(Cpu.detect(), lanes()));
        Measurement m = Measurement.run(cands, TUNE_BUDGET_NANOS);
        // out of time before one full round (a very busy machine): the table, not cached
        GemmConfig best = m.rounds == 0 ? table : pick(cands, m.best);
        boolean steady = m.rounds >= MIN_STEADY_ROUNDS && m.spread <= NOISY;
        if (steady) dir.ifPresent(d -> writeCache(d.resolve(CACHE_FILE), key, best));
        String detail = cands.size() + " candidates, " + m.rounds + " rounds in " + m.nanos / 1_000_000 + " ms, spread "
                + String.format(Locale.ROOT, "%.2f", m.spread) + (steady ? "" : " (noisy: not cached)");
        System.getLogger(GemmTuner.class.getName()).log(System.Logger.Level.DEBUG, "jgrad: SGEMM blocking " + best + " (" + detail + ")");
        return new Choice(best, Source.MEASURED, key, detail, steady);
    }

    /** Float lanes of the SIMD path, 0 when SIMD is off. */
    static int lanes() {
        return Simd.enabled() ? SgemmVec.L : 0;
    }

    /**
     * {@return the cache key of this CPU model, vector width, JDK and built-in table entry} The
     * entry is part of it because the candidates are measured around it: a release that changes
     * the entry measures again instead of keeping a choice made among the old candidates.
     */
    public static String cpuKey() {
        Cpu cpu = Cpu.detect();
        return cpu.key() + "|lanes=" + lanes() + "|jdk=" + Runtime.version() + "|table=" + table(cpu, lanes());
    }

    // ---------------------------------------------------------------- the table and the candidates

    /**
     * The built-in choice for a CPU and vector width, before any measurement. Six-row tiles of 4
     * vectors need 24 accumulator registers: right where there are 32 (AVX-512, and the 128-bit
     * vectors of AArch64); x86 below 512 bits has 16, and there the 4×2 tile: with the 6×2 tile's
     * 12 accumulators C2 spilled some to the stack, which halved its speed. The block sizes
     * come from measurements in docs/design-notes.md ("SGEMM: a tuner per CPU", "SGEMM: the
     * AVX2 tile").
     *
     * @param cpu   the CPU
     * @param lanes float lanes of a vector, 0 without SIMD
     * @return the configuration to start from
     */
    static GemmConfig table(Cpu cpu, int lanes) {
        if (lanes == 0) return GemmConfig.DEFAULT;
        if (vectorRegisters(cpu, lanes) < 32) return AVX2;
        if (cpu.amd() && cpu.family() >= 26) return ZEN5;
        return GemmConfig.DEFAULT;
    }

    /**
     * The table's entry for AMD family 26 (Zen 5): Zen 4's tile and blocks, but twice as deep a
     * pass (half as many reloads of C, whose tiles come from beyond L2 at 1024³ and up) and A
     * packed six rows at a time rather than gathered (docs/design-notes.md, "SGEMM: the Zen 5 gap").
     */
    static final GemmConfig ZEN5 = new GemmConfig(GemmConfig.Tile.R6V4, 768, 96, 4096, true, false);

    /**
     * The table's entry for x86 with 256-bit vectors (AVX2, or AVX-512 CPUs run with
     * {@code -XX:UseAVX=2}): the 4×2 tile, whose 8 accumulators stay in the 16 registers
     * (docs/design-notes.md, "SGEMM: the AVX2 tile").
     */
    static final GemmConfig AVX2 = new GemmConfig(GemmConfig.Tile.R4V2, 384, 48, 4096, true, false);

    /**
     * {@return the vector registers the JIT has for a CPU and vector width} x86 has 32 with
     * AVX-512 (16 lanes) and 16 below it; AArch64 has 32 at every width.
     *
     * @param cpu   the CPU
     * @param lanes float lanes of a vector
     */
    static int vectorRegisters(Cpu cpu, int lanes) {
        return cpu.x86() && lanes < 16 ? 16 : 32;
    }

    /**
     * {@return whether {@code tile}'s accumulators, one B vector per column vector and a broadcast
     * of A fit in {@code registers} vector registers}
     */
    static boolean fits(GemmConfig.Tile tile, int registers) {
        return tile.rows() * tile.vectors() + tile.vectors() + 1 <= registers;
    }

    /**
     * The configurations a measurement compares: the table's choice first, then the other tiles
     * that fit the machine's {@code registers}, then variations of the depth, A block and loop
     * order (each alone, so that a handful of candidates covers the choices that mattered in the
     * measurements).
     */
    static List<GemmConfig> candidates(GemmConfig base, int lanes, int registers) {
        LinkedHashSet<GemmConfig> set = new LinkedHashSet<>();
        set.add(base);
        for (GemmConfig.Tile other : GemmConfig.Tile.values()) {
            if (other != base.tile() && fits(other, registers)) {
                set.add(new GemmConfig(other, base.kc(), base.mc(), base.nc(), base.jrOuter(), base.gatherA()));
            }
        }
        for (int kc : new int[] {256, 512}) set.add(new GemmConfig(base.tile(), kc, base.mc(), base.nc(), base.jrOuter(), base.gatherA()));
        for (int mc : new int[] {48, 192}) set.add(new GemmConfig(base.tile(), base.kc(), mc, base.nc(), base.jrOuter(), base.gatherA()));
        // A micro-panel reused across a B block that fits in a 1 MB L2 with room to spare
        int nr = base.tile().vectors() * Math.max(lanes, 1);
        int nc = Math.max(nr, (512 * 1024 / 4 / base.kc()) / nr * nr);
        set.add(new GemmConfig(base.tile(), base.kc(), base.mc(), nc, !base.jrOuter(), base.gatherA()));
        return new ArrayList<>(set);
    }

    /**
     * The winner of a measurement: the candidate with the smallest geometric mean, over the
     * sizes, of its best time relative to the first candidate's (the incumbent), provided it beats
     * the incumbent by more than {@link #MARGIN}; otherwise the incumbent.
     *
     * @param cands     the candidates, the incumbent first
     * @param bestNanos bestNanos[c][s]: candidate c's best time on size s
     * @return the chosen configuration
     */
    static GemmConfig pick(List<GemmConfig> cands, double[][] bestNanos) {
        int best = 0;
        double bestScore = 1;
        for (int c = 1; c < cands.size(); c++) {
            double log = 0;
            int sizes = bestNanos[c].length;
            for (int s = 0; s < sizes; s++) log += Math.log(bestNanos[c][s] / bestNanos[0][s]);
            double score = Math.exp(log / sizes);
            if (score < bestScore) {
                bestScore = score;
                best = c;
            }
        }
        return bestScore < 1 - MARGIN ? cands.get(best) : cands.get(0);
    }

    // ---------------------------------------------------------------- the cache

    /** The cache folder, if one can be named. */
    static Optional<Path> cacheDir() {
        try {
            String dir = System.getProperty(CACHE_PROPERTY);
            if (dir != null && !dir.isBlank()) return Optional.of(Path.of(dir));
            String xdg = System.getenv("XDG_CACHE_HOME");
            if (xdg != null && !xdg.isBlank()) return Optional.of(Path.of(xdg, "jgrad"));
            String home = System.getProperty("user.home");
            if (home != null && !home.isBlank()) return Optional.of(Path.of(home, ".cache", "jgrad"));
        } catch (RuntimeException e) {
            // an unusable path is no cache
        }
        return Optional.empty();
    }

    /**
     * {@return the configuration cached for {@code key} in {@code file}; empty when the file is
     * missing, unreadable or malformed, or the entry does not parse}
     */
    static Optional<GemmConfig> readCache(Path file, String key) {
        try {
            String v = load(file).getProperty(key);
            return v == null ? Optional.empty() : Optional.of(GemmConfig.parse(v));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Stores {@code config} under {@code key} in {@code file}, keeping the other CPUs' entries
     * (a malformed file is replaced). Written to a temporary file and moved into place, so a
     * reader never sees half a file. Returns false, never throws, when it cannot be written.
     */
    static boolean writeCache(Path file, String key, GemmConfig config) {
        try {
            Properties p;
            try {
                p = load(file);
            } catch (IOException | RuntimeException e) {
                p = new Properties();
            }
            p.setProperty(key, config.toString());
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, CACHE_FILE, ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    p.store(out, "jgrad SGEMM blocking per CPU model (GemmTuner); delete to measure again");
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            }
        }
        return p;
    }

    // ---------------------------------------------------------------- the CPU

    /**
     * What the cache key and the table know of the CPU.
     *
     * @param arch      {@code os.arch}
     * @param vendor    vendor id ({@code AuthenticAMD}, {@code GenuineIntel}), or empty
     * @param family    CPU family, -1 when unknown
     * @param model     model number, -1 when unknown
     * @param modelName marketing name, or empty
     */
    record Cpu(String arch, String vendor, int family, int model, String modelName) {
        private static volatile Cpu detected;

        boolean x86() {
            return arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86");
        }

        boolean amd() {
            return vendor.equals("AuthenticAMD");
        }

        String key() {
            return arch + "|" + vendor + "|family=" + family + "|model=" + model + "|" + modelName;
        }

        /** This machine's CPU, from {@code /proc/cpuinfo} where there is one. */
        static Cpu detect() {
            Cpu c = detected;
            if (c == null) detected = c = parse(System.getProperty("os.arch", "unknown"), readCpuinfo());
            return c;
        }

        private static String readCpuinfo() {
            try {
                Path p = Path.of("/proc/cpuinfo");
                return Files.isReadable(p) ? Files.readString(p) : "";
            } catch (IOException | RuntimeException e) {
                return "";
            }
        }

        /** The first processor's fields of a {@code /proc/cpuinfo} text (empty: only the architecture). */
        static Cpu parse(String arch, String cpuinfo) {
            String vendor = "", name = "";
            int family = -1, model = -1;
            for (String line : cpuinfo.split("\n")) {
                if (line.isBlank()) {
                    if (!vendor.isEmpty() || !name.isEmpty()) break; // first processor only
                    continue;
                }
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                String k = line.substring(0, colon).trim(), v = line.substring(colon + 1).trim();
                switch (k) {
                    case "vendor_id" -> vendor = v;
                    case "cpu family" -> family = parseInt(v);
                    case "model" -> model = parseInt(v);
                    case "model name" -> name = v;
                    default -> { }
                }
            }
            return new Cpu(arch, vendor, family, model, name);
        }

        private static int parseInt(String v) {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    // ---------------------------------------------------------------- the measurement

    /** Interleaved timings of the candidates on a few product shapes, on the calling thread. */
    static final class Measurement {
        /**
         * m, n, k: a square product, a deep one (two passes at KC 256), a Linear layer's batch,
         * and 512³, large enough for the B block (NC) and the loop order to matter: a candidate
         * that won on the small shapes alone (the other loop order with a narrow NC) ran 2048³
         * 27% slower. About a millisecond per round and candidate once compiled, so several
         * interleaved rounds of every candidate fit the budget.
         */
        static final int[][] SHAPES = {{192, 192, 256}, {96, 256, 640}, {64, 128, 784}, {512, 512, 512}};

        final double[][] best;
        final double spread;
        final int rounds;
        final long nanos;

        private Measurement(double[][] best, double spread, int rounds, long nanos) {
            this.best = best;
            this.spread = spread;
            this.rounds = rounds;
            this.nanos = nanos;
        }

        /** Times the candidates; {@code rounds} is 0 when the budget ran out before one full round. */
        static Measurement run(List<GemmConfig> cands, long budget) {
            long start = System.nanoTime();
            Random rnd = new Random(1);
            int maxM = 0, maxN = 0, maxK = 0;
            for (int[] s : SHAPES) {
                maxM = Math.max(maxM, s[0]);
                maxN = Math.max(maxN, s[1]);
                maxK = Math.max(maxK, s[2]);
            }
            float[] a = new float[maxM * maxK], b = new float[maxK * maxN], c = new float[maxM * maxN];
            for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() - 0.5f;
            for (int i = 0; i < b.length; i++) b[i] = rnd.nextFloat() - 0.5f;
            // warm-up on tiny products until the kernels are compiled (the interpreted Vector API
            // is slow enough that a first full-size call would eat the budget): stop once a call
            // costs no more than twice the fastest so far after a fifth of the budget, or after
            // WARM_UP_NANOS. The budget for the timed rounds starts after it.
            long warmSoft = start + budget / 5, warmHard = start + WARM_UP_NANOS, fastest = Long.MAX_VALUE;
            for (int w = 0; ; w++) {
                long t = System.nanoTime();
                for (GemmConfig g : cands) SgemmF32.gemmOneThread(g, 12, 2 * g.tile().vectors() * SgemmVec.L, 64, a, b, c);
                long now = System.nanoTime(), dt = now - t;
                if (now > warmHard || (now > warmSoft && dt <= 2 * fastest && w > 200)) break;
                fastest = Math.min(fastest, dt);
            }
            long deadline = System.nanoTime() + budget;
            int nc = cands.size(), ns = SHAPES.length, maxRounds = 9;
            double[][][] times = new double[nc][ns][maxRounds];
            int rounds = 0;
            while (rounds < maxRounds) {
                long roundStart = System.nanoTime();
                boolean late = false;
                for (int s = 0; s < ns && !late; s++) {
                    for (int ci = 0; ci < nc; ci++) {
                        int[] sh = SHAPES[s];
                        long t = System.nanoTime();
                        SgemmF32.gemmOneThread(cands.get(ci), sh[0], sh[1], sh[2], a, b, c);
                        long now = System.nanoTime();
                        times[ci][s][rounds] = now - t;
                        if (now > deadline) late = true;
                    }
                }
                if (late) break; // this round is incomplete (or over budget): not counted
                rounds++;
                long now = System.nanoTime();
                if (now + (now - roundStart) > deadline) break;
            }
            if (rounds == 0) return new Measurement(null, Double.POSITIVE_INFINITY, 0, System.nanoTime() - start);
            double[][] best = new double[nc][ns];
            double[] spreads = new double[nc * ns];
            for (int ci = 0; ci < nc; ci++)
                for (int s = 0; s < ns; s++) {
                    double[] t = Arrays.copyOf(times[ci][s], rounds);
                    Arrays.sort(t);
                    best[ci][s] = t[0];
                    spreads[ci * ns + s] = t[rounds / 2] / t[0];
                }
            Arrays.sort(spreads);
            double spread = spreads[spreads.length / 2];
            return new Measurement(best, spread, rounds, System.nanoTime() - start);
        }
    }
}
