package dev.jgrad.bench;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.kernels.ladder.Gemm;
import dev.jgrad.kernels.ladder.SgemmLadder;
import dev.jgrad.kernels.typed.GemmTuner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code ./jgrad bench ladder}: every rung of {@link SgemmLadder} at one size, n×n×n, with
 * GFLOP/s, the share of this machine's FMA peak measured in the same run (one core's peak for
 * the single-thread rungs, all cores' for the threaded ones), and the ratio to OpenBLAS (numpy)
 * timed in the same run at the same thread count, {@code OPENBLAS_CORETYPE} unset. A rung whose
 * one call would take longer than {@code --max-call} (extrapolated from a small size) is skipped
 * with the reason. Writes {@code ladder.csv}, {@code ladder.svg} (a bar chart), {@code table.txt},
 * {@code machine.txt} and a README to the output folder.
 *
 * <pre>{@code
 * ./jgrad bench ladder                       # n = 1024
 * ./jgrad bench ladder --size 512 --no-peers --out /tmp/ladder
 * }</pre>
 */
final class LadderBench {
    private LadderBench() {}

    /** The size a rung is first timed at, to predict its time at the requested size. */
    static final int PROBE = 128;

    /**
     * One rung's figures; NaN where it was not timed.
     *
     * @param rung        the rung
     * @param threads     threads it ran on
     * @param time        its per-call times (median, p10, p90), or {@link Spread#NONE}
     * @param gflops      GFLOP/s at the median
     * @param peakShare   of the peak at its thread count
     * @param vsOpenBlas  OpenBLAS's time / its time, at the same thread count
     * @param note        why it was skipped, or what to know about its figure
     */
    record Row(SgemmLadder.Rung rung, int threads, Spread time, double gflops, double peakShare, double vsOpenBlas, String note) {}

    /** OpenBLAS's median seconds per call at one and at all threads (NaN when not measured), and what it ran. */
    record Blas(double oneThread, double allThreads, String description) {}

    static void run(Args args, String[] argv, int threads, Timing.Budget budget) throws IOException {
        int n = args.getInt("size");
        long start = System.nanoTime();
        Map<String, String> machine = MachineInfo.collect(threads);
        System.out.println("jgrad SGEMM ladder, n = " + n + ": " + machine.get("cpu") + ", " + machine.get("cores (available processors)")
                + " cores, " + threads + " thread(s) for the threaded rungs, " + machine.get("jdk"));
        machine.put("jgrad sgemm blocking", GemmTuner.choiceNow().describe());
        machine.put("caches", caches(MachineInfo.run("getconf", "-a")));
        System.out.println("caches per core (getconf): " + machine.get("caches"));
        MachineInfo.warnIfBusy(machine);
        System.out.println("measuring this machine's peak (FMA throughput)...");
        Peak peak = Peak.measure(threads);
        System.out.printf(Locale.ROOT, "  peak: %.1f GFLOP/s on one thread, %.1f on %d%n", peak.flopsOneThread() / 1e9, peak.flops() / 1e9, threads);

        Blas blas = args.has("no-peers") ? new Blas(Double.NaN, Double.NaN, "peers skipped: --no-peers")
                : openBlas(n, threads, budget, args);
        System.out.println("  " + blas.description());

        Random rnd = new Random(7);
        float[] a = new float[n * n], b = new float[n * n], c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextFloat() * 2 - 1;
            b[i] = rnd.nextFloat() * 2 - 1;
        }
        double flop = 2.0 * n * n * n;
        List<Row> rows = new ArrayList<>();
        for (SgemmLadder.Rung rung : SgemmLadder.rungs()) {
            int t = rung.threaded() ? threads : 1;
            Row row;
            if (!rung.available()) {
                row = new Row(rung, t, Spread.NONE, Double.NaN, Double.NaN, Double.NaN, "skipped: " + rung.unavailableReason());
            } else {
                Gemm g = rung.create();
                double predicted = predictSeconds(g, n, budget.maxCallSeconds());
                if (predicted > budget.maxCallSeconds()) {
                    row = new Row(rung, t, Spread.NONE, Double.NaN, Double.NaN, Double.NaN, String.format(Locale.ROOT,
                            "skipped: one call ≈ %s (extrapolated from %d³) > the %s budget (--max-call)", Report.formatTime(predicted),
                            Math.min(n, PROBE), Report.formatTime(budget.maxCallSeconds())));
                } else {
                    Timing.Result r = Timing.measure(() -> {
                        g.multiply(n, n, n, a, b, c);
                        return c;
                    }, budget);
                    double s = r.medianSeconds();
                    double peakFlops = rung.threaded() ? peak.flops() : peak.flopsOneThread();
                    double blasS = rung.threaded() ? blas.allThreads() : blas.oneThread();
                    row = new Row(rung, t, r.spread(), flop / s / 1e9, flop / s / peakFlops, blasS / s, r.note());
                }
            }
            rows.add(row);
            System.out.println("  " + line(row));
        }
        machine.put("load average at end", MachineInfo.loadAverage());
        machine.put("fp32 fma peak", String.format(Locale.ROOT, "%.1f GFLOP/s on one thread, %.1f GFLOP/s on %d", peak.flopsOneThread() / 1e9,
                peak.flops() / 1e9, threads));
        machine.put("peak method", peak.description());
        machine.put("openblas peer", blas.description());

        String table = table(rows, n, blas);
        System.out.println();
        System.out.print(table);
        Path out = outputDir(args.get("out"));
        Files.createDirectories(out);
        writeCsv(out.resolve("ladder.csv"), rows, n);
        writeChart(out.resolve("ladder.svg"), rows, n, peak, blas, threads);
        Report.writeMachine(out.resolve("machine.txt"), machine);
        Files.writeString(out.resolve("table.txt"), table, StandardCharsets.UTF_8);
        double minutes = (System.nanoTime() - start) / 60e9;
        Files.writeString(out.resolve("README.md"), readme(argv, args.get("note"), machine, table, minutes), StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "%nwrote %s/{ladder.csv, ladder.svg, table.txt, machine.txt, README.md} (%.1f min)%n", out, minutes);
    }

    /** Longest the probe of {@link #predictSeconds} repeats its call waiting for the rung to be compiled. */
    static final double PROBE_WARM_SECONDS = 3.0;

    /**
     * Seconds one call at n would take, from the fastest of repeated calls at {@link #PROBE} (or
     * n, if smaller) scaled by n³. The calls repeat until the prediction is within
     * {@code limitSeconds} or {@link #PROBE_WARM_SECONDS} have passed, because a rung whose
     * kernels no earlier rung compiled runs its first calls in the interpreter, where the Vector
     * API is hundreds of times slower: a prediction from the second call skipped rungs that run
     * well within the budget (docs/design-notes.md, "SGEMM: the AVX2 tile"). An underestimate for
     * the rungs whose cache behaviour worsens with n, which is why the budget check is repeated by
     * {@link Timing#measure} on the real size's first call.
     *
     * @param g            the rung
     * @param n            the size it is to run at
     * @param limitSeconds the budget for one call: the probe stops as soon as it predicts less
     * @return the predicted seconds of one n³ call
     */
    static double predictSeconds(Gemm g, int n, double limitSeconds) {
        int p = Math.min(n, PROBE);
        float[] a = new float[p * p], b = new float[p * p], c = new float[p * p];
        g.multiply(p, p, p, a, b, c);   // class loading, first compilation
        double scale = (double) n / p, cube = scale * scale * scale;
        long start = System.nanoTime(), best = Long.MAX_VALUE;
        do {
            long t0 = System.nanoTime();
            g.multiply(p, p, p, a, b, c);
            best = Math.min(best, System.nanoTime() - t0);
        } while (best * 1e-9 * cube > limitSeconds && System.nanoTime() - start < PROBE_WARM_SECONDS * 1e9);
        return best * 1e-9 * cube;
    }

    /** OpenBLAS (numpy) at n³ on one thread and on {@code threads}, each in its own peer process. */
    private static Blas openBlas(int n, int threads, Timing.Budget budget, Args args) {
        double one = Double.NaN, all = Double.NaN;
        String what = "";
        for (int t : threads == 1 ? new int[] {1} : new int[] {1, threads}) {
            System.out.println("timing OpenBLAS (numpy) at " + n + "³ on " + t + " thread(s)...");
            try (Peers peers = Peers.start(t, budget, args.get("python"), null, args.has("blas-dir") ? Path.of(args.get("blas-dir")) : null,
                    args.has("keep-blas-env"))) {
                if (!peers.available()) return new Blas(Double.NaN, Double.NaN, peers.message());
                if (!peers.numpyHasOpenBlas()) {
                    return new Blas(Double.NaN, Double.NaN, "no OpenBLAS peer: numpy does not use OpenBLAS here (" + peers.describe("numpy") + ")");
                }
                if (!peers.prepare(Workloads.matmul(n)).containsKey("numpy")) {
                    return new Blas(Double.NaN, Double.NaN, "no OpenBLAS peer: numpy could not run the case " + peers.lastErrors());
                }
                List<Double> samples = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    for (double s : peers.contestant("numpy").block(budget.measureSeconds() / 3).perCall()) samples.add(s);
                }
                double median = Spread.of(samples.stream().mapToDouble(Double::doubleValue).toArray()).median();
                if (t == 1) one = median;
                else all = median;
                what = peers.describe("numpy") + (peers.blasEnv() != null ? "; " + peers.blasEnv() : "");
            } catch (Exception e) {   // a contestant's block may throw anything the peer process reports
                return new Blas(one, all, "OpenBLAS peer stopped: " + e.getMessage());
            }
        }
        if (threads == 1) all = one;
        return new Blas(one, all, "OpenBLAS peer: " + what);
    }

    /**
     * {@return the data caches as {@code getconf -a} reports them ("L1d 48 KiB (12-way), L2 1 MiB
     * (8-way), L3 32 MiB"), or "unknown"} The block sizes of the ladder's rungs are chosen
     * against these; docs/kernels.md explains how.
     *
     * @param getconf the output of {@code getconf -a}, or null
     */
    static String caches(String getconf) {
        if (getconf == null) return "unknown";
        List<String> parts = new ArrayList<>();
        String[][] levels = {{"L1d", "LEVEL1_DCACHE"}, {"L2", "LEVEL2_CACHE"}, {"L3", "LEVEL3_CACHE"}};
        for (String[] l : levels) {
            long size = confValue(getconf, l[1] + "_SIZE"), ways = confValue(getconf, l[1] + "_ASSOC");
            if (size <= 0) continue;
            String kib = size >= 1 << 20 && size % (1 << 20) == 0 ? (size >> 20) + " MiB" : size >= 1 << 20
                    ? String.format(Locale.ROOT, "%.1f MiB", size / 1048576.0) : (size >> 10) + " KiB";
            parts.add(l[0] + " " + kib + (ways > 0 ? " (" + ways + "-way)" : ""));
        }
        return parts.isEmpty() ? "unknown" : String.join(", ", parts);
    }

    private static long confValue(String getconf, String key) {
        for (String line : getconf.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && f[0].equals(key)) {
                try {
                    return Long.parseLong(f[1]);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static String line(Row r) {
        if (Double.isNaN(r.gflops())) return String.format(Locale.ROOT, "%d %-10s %s", r.rung().number(), r.rung().id(), r.note());
        return String.format(Locale.ROOT, "%d %-10s %s  %.1f GFLOP/s  %.0f%% of peak%s", r.rung().number(), r.rung().id(),
                Report.formatTime(r.time().median()), r.gflops(), 100 * r.peakShare(),
                Double.isNaN(r.vsOpenBlas()) ? "" : String.format(Locale.ROOT, "  %.2f× OpenBLAS", r.vsOpenBlas()));
    }

    static String table(List<Row> rows, int n, Blas blas) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-3s %-11s %-36s %7s %10s %7s %13s %9s %11s  %s%n", "#", "rung", "what", "threads", "time", "spread",
                "GFLOP/s", "%peak", "×OpenBLAS", "note"));
        sb.append("-".repeat(130)).append('\n');
        for (Row r : rows) {
            boolean timed = !Double.isNaN(r.gflops());
            sb.append(String.format(Locale.ROOT, "%-3d %-11s %-36s %7d %10s %7s %13s %9s %11s  %s%n", r.rung().number(), r.rung().id(), r.rung().title(),
                    r.threads(), timed ? Report.formatTime(r.time().median()) : "-", timed ? spread(r.time()) : "-",
                    timed ? String.format(Locale.ROOT, "%.1f", r.gflops()) : "-",
                    timed ? String.format(Locale.ROOT, "%.1f%%", 100 * r.peakShare()) : "-",
                    timed && !Double.isNaN(r.vsOpenBlas()) ? String.format(Locale.ROOT, "%.2f×", r.vsOpenBlas()) : "-", r.note()));
        }
        sb.append(String.format(Locale.ROOT, "%nn = %d (C = A·B, all n×n float32; 2n³ = %.3g FLOP per call); time: median per call, spread: ± half "
                + "the p10–p90 width; %%peak: of the FMA peak measured in this run at the rung's thread count; ×OpenBLAS: OpenBLAS's median "
                + "time at the same thread count / the rung's (above 1: the rung is faster)%n", n, 2.0 * n * n * n));
        if (!Double.isNaN(blas.oneThread())) {
            sb.append(String.format(Locale.ROOT, "OpenBLAS: %.1f GFLOP/s on one thread, %.1f on all; %s%n", 2.0 * n * n * n / blas.oneThread() / 1e9,
                    2.0 * n * n * n / blas.allThreads() / 1e9, blas.description()));
        } else {
            sb.append(blas.description()).append('\n');
        }
        return sb.toString();
    }

    private static String spread(Spread s) {
        if (s.count() < 2) return "1 call";
        return String.format(Locale.ROOT, "±%.0f%%", 50 * (s.p90() - s.p10()) / s.median());
    }

    private static void writeCsv(Path file, List<Row> rows, int n) throws IOException {
        StringBuilder sb = new StringBuilder("rung,id,title,threads,n,median_s,p10_s,p90_s,gflops,peak_share,vs_openblas,note\n");
        for (Row r : rows) {
            boolean timed = !Double.isNaN(r.gflops());
            sb.append(String.join(",", Integer.toString(r.rung().number()), r.rung().id(), Report.csv(r.rung().title()), Integer.toString(r.threads()),
                    Integer.toString(n), timed ? Report.num(r.time().median()) : "", timed ? Report.num(r.time().p10()) : "", timed ? Report.num(r.time().p90()) : "",
                    Report.num(r.gflops()), Report.num(r.peakShare()), Report.num(r.vsOpenBlas()), Report.csv(r.note()))).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static void writeChart(Path file, List<Row> rows, int n, Peak peak, Blas blas, int threads) throws IOException {
        List<LadderChart.Bar> bars = new ArrayList<>();
        for (Row r : rows) bars.add(new LadderChart.Bar(r.rung().number() + " " + r.rung().title(), r.gflops(), r.rung().threaded(), r.note()));
        List<LadderChart.Mark> marks = new ArrayList<>();
        marks.add(new LadderChart.Mark("FMA peak, 1 thread", peak.flopsOneThread() / 1e9, false));
        if (threads > 1) marks.add(new LadderChart.Mark("FMA peak, " + threads + " threads", peak.flops() / 1e9, true));
        if (!Double.isNaN(blas.oneThread())) {
            marks.add(new LadderChart.Mark("OpenBLAS, 1 thread", 2.0 * n * n * n / blas.oneThread() / 1e9, false));
            if (threads > 1) marks.add(new LadderChart.Mark("OpenBLAS, " + threads + " threads", 2.0 * n * n * n / blas.allThreads() / 1e9, true));
        }
        LadderChart.write(file, "SGEMM ladder, n = " + n + " (GFLOP/s, log scale)", bars, marks);
    }

    private static String readme(String[] argv, String note, Map<String, String> machine, String table, double minutes) {
        StringBuilder sb = new StringBuilder("# jgrad SGEMM ladder, " + machine.get("date") + "\n\n");
        if (note != null && !note.isBlank()) sb.append(note).append("\n\n");
        sb.append("Command: `./jgrad bench ").append(String.join(" ", argv)).append("` (").append(String.format(Locale.ROOT, "%.1f", minutes))
                .append(" min)\n\n");
        sb.append("Machine: ").append(machine.get("cpu")).append(", ").append(machine.get("cores (available processors)")).append(" cores; jgrad SIMD: ")
                .append(machine.get("jgrad simd")).append("; ").append(machine.get("jdk")).append("; ").append(machine.get("os"))
                .append(" (all of it in `machine.txt`)\n\n");
        sb.append("Load average (1, 5, 15 min): ").append(machine.get("load average at start")).append(" at the start, ")
                .append(machine.get("load average at end")).append(" at the end\n\n");
        sb.append("Peak measured in this run: ").append(machine.get("fp32 fma peak")).append("; caches: ").append(machine.get("caches"))
                .append("\n\n");
        sb.append("```\n").append(table).append("```\n\n");
        sb.append("![the ladder](ladder.svg)\n\nFiles: `ladder.csv` (every figure, unformatted), `table.txt`, `ladder.svg`, `machine.txt`. "
                + "The steps are explained in docs/kernels.md.\n");
        return sb.toString();
    }

    private static Path outputDir(String given) {
        return Main.resultsFolder(given, "-ladder");
    }
}
