package dev.jgrad.bench;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.Cli;
import dev.jgrad.examples.cli.Options;
import dev.jgrad.examples.cli.UsageException;
import dev.jgrad.kernels.typed.GemmTuner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The benchmark CLI. {@code cpu} (the default) runs the quick CPU suite of {@link Workloads}
 * through the public Tensor/nn API, measures this machine's FMA and copy peaks in the same run,
 * times the same cases in numpy (OpenBLAS) and PyTorch when they are installed, prints a table
 * and writes CSV, an SVG plot and a machine description to an output folder.
 *
 * <pre>{@code
 * ./jgrad bench                          # the whole CPU suite, all cores, results under bench/results/
 * ./jgrad bench cpu --threads 1 --only 'matmul|conv' --out /tmp/b
 * ./jgrad bench ladder --size 512            # the SGEMM ladder (LadderBench)
 * }</pre>
 */
public final class Main {
    private Main() {}

    /** First argument of the launcher's first pass: check the command line only (see {@link Cli#check}). */
    static final String CHECK_ONLY = "--check-only";

    /** The CLI's options, each checked before any work. */
    static final Options OPTIONS = new Options("""
            The quick CPU suite: jgrad against this machine's measured peak, OpenBLAS (numpy) and PyTorch; prints a
            table and writes CSV, an SVG plot and a machine description to an output folder.
            (The JMH benchmarks: ./jgrad bench jmh [JMH args].)""")
            .word("cpu", "the quick CPU suite (the default)")
            .word("list", "list the cases and exit")
            .word("ladder", "the SGEMM ladder: every version from the naive loop to jgrad's kernel at one size (--size), "
                    + "with GFLOP/s, % of peak, × OpenBLAS and an SVG bar chart (docs/kernels.md explains the steps)")
            .wholeNumber("size", 1024, 16, 8192, "n of the ladder's n×n×n product (ladder only)")
            .word("dist", "data parallelism with mpirun: all-reduce through jgrad against C's MPI_Allreduce, and the DDP overhead of "
                    + "the MNIST-CNN step (needs Open MPI)")
            .count("ranks", 2, "processes mpirun starts (dist only)")
            .word("help", "print this help and exit")
            .count("threads", Runtime.getRuntime().availableProcessors(), "threads for jgrad (sets -Djgrad.threads) and the peers")
            .describeDefault("threads", "all cores")
            .outputFolder("out", null, "output folder")
            .describeDefault("out", "bench/results/<date>-<cpu tag>")
            .pattern("only", "run only the cases whose id matches (see list)")
            .positive("budget", 2, "seconds of timed samples per case and contestant, split over the rounds")
            .count("rounds", 5, "rounds of interleaved blocks (jgrad, then each peer); ratios are per round")
            .nonNegative("warmup", 10, "most seconds of warm-up per case: it stops once the timings settle and the JIT is idle (after 0.2 s)")
            .positive("max-call", 8, "a call slower than this is timed once; a sweep size predicted slower is skipped")
            .flag("no-peers", "do not run numpy/PyTorch")
            .text("python", "PATH", null, "Python to run bench/python/cpu_peers.py with")
            .describeDefault("python", "/usr/bin/python3, then python3")
            .flag("keep-blas-env", "keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for the peers (by default they are removed)")
            .folder("blas-dir", "folder with an OpenBLAS libblas.so.3 for the peers (put first on their LD_LIBRARY_PATH)")
            .text("note", "TEXT", null, "a note for the output folder's README")
            .rule(a -> {
                if (a.has("size") && !ladder(a)) throw new UsageException("--size applies to `./jgrad bench ladder` only");
                if (ladder(a) && a.has("only")) throw new UsageException("--only applies to the CPU suite, not to `ladder` (every rung runs)");
                if (a.has("only") && suite(a).isEmpty()) {
                    throw new UsageException("--only " + a.get("only") + " matches none of the cases (./jgrad bench list shows them)");
                }
                if (!a.has("out") && !listOnly(a)) {
                    Path base = defaultBase();
                    Options.checkWritableFolder("the default output folder", base.toString(), base);
                }
            });

    public static void main(String[] argv) {
        int code = run(argv);
        if (code != 0) System.exit(code);
    }

    /** Runs the CLI and returns its exit code: 0, 1 for an internal error, 2 for a user error (one line on stderr). */
    public static int run(String... argv) {
        if (argv.length > 0 && argv[0].equals(CHECK_ONLY)) return Cli.check("jgrad bench", OPTIONS, Arrays.copyOfRange(argv, 1, argv.length));
        return Cli.run("jgrad bench", OPTIONS, args -> bench(args, argv), argv);
    }

    private static void bench(Args args, String[] argv) throws IOException, InterruptedException {
        int threads = args.getInt("threads");
        if (args.has("threads")) {
            // Before any kernel class loads, so a thread pool sized from it sees the value.
            System.setProperty("jgrad.threads", Integer.toString(threads));
        }
        if (args.words().contains("dist")) {
            DistBench.run(args, argv);
            return;
        }
        Timing.Budget budget = new Timing.Budget(args.getDouble("warmup"), args.getDouble("budget"), args.getDouble("max-call"),
                args.getInt("rounds"));
        if (ladder(args)) {
            LadderBench.run(args, argv, threads, budget);
            return;
        }
        List<Workload> suite = suite(args);
        if (listOnly(args)) {
            for (Workload w : suite) System.out.printf(Locale.ROOT, "%-28s %-32s %s%n", w.id(), w.op(), w.size());
            return;
        }
        runCpu(suite, threads, budget, args, argv);
    }

    /** Whether the last command word is {@code list} (a later word wins, as a later option does). */
    private static boolean listOnly(Args args) {
        return !args.words().isEmpty() && args.words().getLast().equals("list");
    }

    /** Whether the command is {@code ladder} (the SGEMM ladder rather than the suite). */
    private static boolean ladder(Args args) {
        return args.words().contains("ladder");
    }

    /** The suite's cases that {@code --only} selects. */
    private static List<Workload> suite(Args args) {
        List<Workload> suite = Workloads.cpuSuite();
        if (args.has("only")) {
            Pattern p = Pattern.compile(args.get("only"));
            suite = suite.stream().filter(w -> p.matcher(w.id()).find()).toList();
        }
        return suite;
    }

    private static void runCpu(List<Workload> suite, int threads, Timing.Budget budget, Args opts, String[] argv)
            throws IOException {
        long start = System.nanoTime();
        Map<String, String> machine = MachineInfo.collect(threads);
        System.out.println("jgrad CPU benchmark: " + machine.get("cpu") + ", " + machine.get("cores (available processors)")
                + " cores, " + threads + " thread(s), " + machine.get("jdk"));
        System.out.println("jgrad SIMD: " + machine.get("jgrad simd"));
        // chosen (and measured if need be) before any case is timed, so that no measurement runs beside them
        machine.put("jgrad sgemm blocking", GemmTuner.choiceNow().describe());
        System.out.println("jgrad SGEMM blocking: " + machine.get("jgrad sgemm blocking"));
        MachineInfo.warnIfBusy(machine);
        System.out.println("measuring this machine's peak (FMA throughput, copy bandwidth)...");
        Peak peak = Peak.measure(threads);   // measured again at the end; the better of the two is kept
        System.out.printf(Locale.ROOT, "  peak: %.1f GFLOP/s FP32 on %d thread(s) (%.1f on one), copy %.1f GB/s%n",
                peak.flops() / 1e9, threads, peak.flopsOneThread() / 1e9, peak.bytesPerSecond() / 1e9);

        Peers peers;
        if (opts.has("no-peers")) {
            peers = Peers.none("peers skipped: --no-peers");
        } else {
            System.out.println("starting the peers (numpy/OpenBLAS, PyTorch CPU) with " + threads + " thread(s)...");
            peers = Peers.start(threads, budget, opts.get("python"), null, opts.has("blas-dir") ? Path.of(opts.get("blas-dir")) : null,
                    opts.has("keep-blas-env"));
        }
        System.out.println(peers.message());
        if (peers.blasEnv() != null) System.out.println("  peer environment: " + peers.blasEnv());
        boolean openBlas = peers.numpyHasOpenBlas();
        if (peers.available()) {
            System.out.println("  " + peers.describe("numpy") + "\n  " + peers.describe("torch"));
            if (!openBlas) {
                System.out.println("warning: numpy does not use OpenBLAS here, so the OpenBLAS column stays empty and the OpenBLAS targets say so. "
                        + "Install it (Debian/Ubuntu: apt-get install libopenblas0-pthread) or pass --blas-dir with the directory of its libblas.so.3.");
            }
        }

        System.out.println("timing " + suite.size() + " cases, each warmed up in jgrad and the peers (until settled, at most "
                + budget.warmupSeconds() + " s), then " + budget.rounds() + " interleaved rounds of jgrad, numpy, PyTorch blocks ("
                + budget.measureSeconds() + " s of samples each in all; max one call " + budget.maxCallSeconds() + " s)...");
        List<Report.Row> rows = new ArrayList<>();
        List<Object> peerReplies = new ArrayList<>();
        Map<String, double[]> lastInSeries = new HashMap<>();   // series → {seconds, work}
        try (peers) {
            for (Workload w : suite) {
                Timing.Result r = null;
                Peers.Times times = Peers.Times.NONE;
                String skip = "";
                double[] last = w.series() == null ? null : lastInSeries.get(w.series().name());
                double predicted = last == null ? Double.NaN : last[0] * w.work() / last[1];
                if (predicted > budget.maxCallSeconds()) {
                    skip = String.format(Locale.ROOT, "skipped: one call ≈ %s (extrapolated) > %s budget", Report.formatTime(predicted),
                            Report.formatTime(budget.maxCallSeconds()));
                } else {
                    try {
                        CaseTimer.Timed t = CaseTimer.time(w, w.build(), budget, peers);
                        r = t.jgrad();
                        times = t.peers();
                        if (w.series() != null) lastInSeries.put(w.series().name(), new double[] {r.medianSeconds(), w.work()});
                    } catch (RuntimeException | OutOfMemoryError e) {
                        skip = "error: " + e;
                    }
                }
                System.out.printf(Locale.ROOT, "  %-28s %s%n", w.id(), r == null ? skip : Report.progressLine(w, r, times, openBlas));
                System.gc();   // the next case does not see this one's garbage
                if (times.raw() != null) peerReplies.add(times.raw());
                rows.add(new Report.Row(w, r, skip, times, openBlas, MachineInfo.loadAverage().split(" ")[0]));
            }
        }
        if (peers.available()) System.out.println(peers.message());

        machine.put("load average at end", MachineInfo.loadAverage());
        System.out.println("measuring the peak again...");
        peak = Peak.better(peak, Peak.measure(threads));
        machine.put("fp32 fma peak", String.format(Locale.ROOT, "%.1f GFLOP/s on %d thread(s), %.1f GFLOP/s on one", peak.flops() / 1e9,
                threads, peak.flopsOneThread() / 1e9));
        machine.put("copy bandwidth", String.format(Locale.ROOT, "%.1f GB/s", peak.bytesPerSecond() / 1e9));
        machine.put("peak method", peak.description());
        if (opts.has("blas-dir")) machine.put("peer blas dir", opts.get("blas-dir"));
        if (peers.blasEnv() != null) machine.put("peer environment", peers.blasEnv());
        if (peers.info() != null) {
            machine.put("peer openblas kernel", peerField(peers, "numpy", "blas_corename", "not reported (numpy's BLAS is not OpenBLAS, or it has no openblas_get_corename)"));
            machine.put("peer pytorch cpu capability", peerField(peers, "torch", "cpu_capability", "not reported"));
        }
        machine.put("peers", peers.info() != null ? peers.describe("numpy") + "; " + peers.describe("torch") + "; python "
                + peers.info().get("python") + " (" + peers.info().get("executable") + ")" : peers.message().replaceFirst("^peers ", ""));

        String table = Report.table(rows, peak);
        System.out.println();
        System.out.print(table);
        System.out.println();
        String legend = legend(peak, threads, budget.rounds()) + loadWarning(machine.get("load average at start"), machine.get("load average at end"))
                + contentionWarning(rows);
        System.out.print(legend);
        double minutes = (System.nanoTime() - start) / 60e9;

        Path out = outputDir(opts.get("out"), machine);
        Files.createDirectories(out);
        Report.writeCsv(out.resolve("results.csv"), rows, peak);
        Report.writeSgemmPlot(out.resolve("sgemm.svg"), rows, peak);
        Report.writeMachine(out.resolve("machine.txt"), machine);
        Files.writeString(out.resolve("table.txt"), table + "\n" + legend, StandardCharsets.UTF_8);
        if (peers.info() != null) {
            Map<String, Object> raw = new java.util.LinkedHashMap<>();
            raw.put("info", peers.info());
            raw.put("cases", peerReplies);
            Files.writeString(out.resolve("peers.json"), dev.jgrad.tensor.io.Json.write(raw) + "\n");
        }
        Files.writeString(out.resolve("README.md"), readme(argv, opts.get("note"), machine, table, legend, minutes, peers),
                StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "%nwrote %s/{results.csv, table.txt, sgemm.svg, machine.txt, README.md%s} (%.1f min)%n", out,
                peers.info() != null ? ", peers.json" : "", minutes);
    }

    private static String legend(Peak peak, int threads, int rounds) {
        return String.format(Locale.ROOT, """
                time: median per call over all samples after an adaptive warm-up; spread: ± half the p10–p90 width, relative to the median;
                rate: GFLOP/s (FLOP cases) or GB/s read+written (memory cases);
                %%peak: of the FP32 FMA peak (%.1f GFLOP/s) or copy bandwidth (%.1f GB/s) measured in this run on %d thread(s);
                cpu: process CPU time / wall time while timing (≈ cores busy);
                ×OpenBLAS, ×PyTorch: peer time / jgrad time (above 1: jgrad faster), the median over %d interleaved rounds (jgrad block,
                then each peer's block) with the lowest–highest round in brackets;
                WIDE: samples spread more than ±%.0f%% or round ratios over a range of more than %.0f%% of their median: noise, rerun;
                COLD?: a warm-up that did not settle within its bound; targets are reported, not asserted.
                """, peak.flops() / 1e9, peak.bytesPerSecond() / 1e9, threads, rounds, 50 * Report.WIDE_TIME, 100 * Report.WIDE_RATIO);
    }

    private static String peerField(Peers peers, String peer, String key, String absent) {
        return peers.info().get(peer) instanceof Map<?, ?> m && m.get(key) != null ? m.get(key).toString() : absent;
    }

    /**
     * A warning when other work ran on the machine before this run (1-minute load average above
     * 0.5 at the start; later readings include this run's own threads), else "".
     */
    private static String loadWarning(String start, String end) {
        try {
            double a = Double.parseDouble(start.split(" ")[0]);
            if (a <= 0.5) return "";
            return String.format(Locale.ROOT, "warning: the machine was busy with other work (1-minute load average %.2f at the start, %s at the end, "
                    + "this run's own threads included): times may be skewed; a cpu value under the op's thread count, and the "
                    + "*_cpu_per_wall columns of results.csv, show where.%n", a, end.split(" ")[0]);
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** A warning naming how many cases got less than 0.8 of a core in jgrad or a peer while timing, else "". */
    private static String contentionWarning(List<Report.Row> rows) {
        long n = rows.stream().filter(Report.Row::contended).count();
        if (n == 0) return "";
        return String.format(Locale.ROOT, "warning: %d of %d cases are marked CONTENDED: jgrad or a peer got less than %.1f of a core while "
                + "timing them, so other work on the machine slowed them; rerun those (--only) on a quiet machine.%n", n, rows.size(),
                Report.CONTENDED);
    }

    private static String readme(String[] argv, String note, Map<String, String> machine, String table, String legend, double minutes,
            Peers peers) {
        StringBuilder sb = new StringBuilder("# jgrad CPU benchmark, " + machine.get("date") + "\n\n");
        if (note != null && !note.isBlank()) sb.append(note).append("\n\n");
        sb.append("Command: `./jgrad bench").append(argv.length == 0 ? "" : " " + String.join(" ", argv)).append("` (")
                .append(String.format(Locale.ROOT, "%.1f", minutes)).append(" min)\n\n");
        sb.append("Machine: ").append(machine.get("cpu")).append(", ").append(machine.get("cores (available processors)"))
                .append(" cores, ").append(machine.get("threads used")).append(" thread(s); jgrad SIMD: ").append(machine.get("jgrad simd"))
                .append("; ").append(machine.get("jdk")).append("; ").append(machine.get("os")).append(" (all of it in `machine.txt`)\n\n");
        sb.append("Load average (1, 5, 15 min): ").append(machine.get("load average at start")).append(" at the start, ")
                .append(machine.get("load average at end")).append(" at the end\n\n");
        sb.append("Peak measured in this run: ").append(machine.get("fp32 fma peak")).append("; copy ").append(machine.get("copy bandwidth"))
                .append("\n\nPeers: ").append(machine.get("peers")).append("\n\n");
        if (machine.containsKey("peer openblas kernel")) {
            sb.append("OpenBLAS kernel: ").append(machine.get("peer openblas kernel")).append("; PyTorch CPU capability: ")
                    .append(machine.get("peer pytorch cpu capability")).append("\n\n");
        }
        if (machine.containsKey("peer environment")) sb.append("Peer environment: ").append(machine.get("peer environment")).append("\n\n");
        sb.append("```\n").append(table).append("\n").append(legend).append("```\n\n");
        sb.append("Files: `results.csv` (every figure, unformatted), `table.txt` (the table above), `sgemm.svg` (GFLOP/s vs n), "
                + "`machine.txt`").append(peers.info() != null ? ", `peers.json` (the peer script's raw output)" : "").append(".\n");
        return sb.toString();
    }

    /** Where output folders go without {@code --out}: bench/results in a checkout, else jgrad-bench-results. */
    private static Path defaultBase() {
        return Files.isDirectory(Path.of("bench")) ? Path.of("bench", "results") : Path.of("jgrad-bench-results");
    }

    private static Path outputDir(String given, Map<String, String> machine) {
        return resultsFolder(given, "");
    }

    /**
     * {@return {@code given} when set, else a new folder {@code <date>-<cpu tag><suffix>} under
     * {@link #defaultBase()} (numbered when one of that name exists)}
     *
     * @param given  the {@code --out} folder, or null
     * @param suffix what follows the CPU tag ("", "-ladder", "-dist")
     */
    static Path resultsFolder(String given, String suffix) {
        if (given != null) return Path.of(given);
        Path base = defaultBase();
        String name = LocalDate.now() + "-" + MachineInfo.hostTag() + suffix;
        Path p = base.resolve(name);
        for (int i = 2; Files.exists(p); i++) p = base.resolve(name + "-" + i);
        return p;
    }
}
