package dev.jgrad.bench;

import dev.jgrad.bench.Workload.Unit;
import dev.jgrad.nn.train.LinePlot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CLI's output: the table it prints, and the files it writes (CSV, SVG plot of the SGEMM
 * sweep, machine description, README).
 *
 * <pre>{@code
 * String table = Report.table(rows, peak);
 * Report.writeCsv(dir.resolve("results.csv"), rows, peak);
 * }</pre>
 */
public final class Report {
    private Report() {}

    /**
     * One measured (or skipped) case.
     *
     * @param w       the case
     * @param result  jgrad's timing, or null when the case was skipped
     * @param skip    why it was skipped ("" when it ran)
     * @param peers   the peers' times for the same case, measured in rounds interleaved with jgrad's
     * @param openBlas whether numpy's BLAS is OpenBLAS (else numpy's time is not an OpenBLAS time)
     * @param load    the 1-minute load average when the case finished
     */
    public record Row(Workload w, Timing.Result result, String skip, Peers.Times peers, boolean openBlas, String load) {
        double numpyS() {
            return peers.numpySeconds();
        }

        double torchS() {
            return peers.torchSeconds();
        }

        public double seconds() {
            return result == null ? Double.NaN : result.medianSeconds();
        }

        /** GFLOP/s, GB/s or calls/s. */
        public double rate() {
            return w.work() / seconds() / (w.unit() == Unit.CALL ? 1 : 1e9);
        }

        /** Percentage of the measured FLOP or bandwidth peak, or NaN. */
        public double percentOfPeak(Peak p) {
            return switch (w.unit()) {
                case FLOP -> 100 * w.work() / seconds() / p.flops();
                case BYTE -> 100 * w.work() / seconds() / p.bytesPerSecond();
                case CALL -> Double.NaN;
            };
        }

        /**
         * Speed relative to OpenBLAS (numpy): its time / jgrad's time (above 1: jgrad is faster), the
         * median over the interleaved rounds; NaN when numpy has no OpenBLAS.
         */
        public double vsOpenBlas() {
            return openBlas ? peers.numpy().ratio().median() : Double.NaN;
        }

        /** Speed relative to PyTorch: its time / jgrad's time, the median over the interleaved rounds. */
        public double vsTorch() {
            return peers.torch().ratio().median();
        }

        /**
         * Why this case's figures are doubtful, or "": "WIDE" when jgrad's samples or a peer's
         * spread more than {@link #WIDE_TIME} (p10–p90 relative to the median) or a peer's round
         * ratios over more than {@link #WIDE_RATIO}; "COLD?" when a warm-up did not settle.
         */
        public String doubt() {
            if (result == null) return "";
            List<String> what = new ArrayList<>();
            if (result.spread().count() > 1 && result.spread().relativeWidth() > WIDE_TIME) what.add("jgrad");
            for (String name : new String[] {"numpy", "torch"}) {
                Peers.PeerTime p = name.equals("numpy") ? peers.numpy() : peers.torch();
                if ((p.time().count() > 1 && p.time().relativeWidth() > WIDE_TIME) || (p.ratio().count() > 1 && p.ratio().relativeRange() > WIDE_RATIO)) {
                    what.add(name);
                }
            }
            String s = what.isEmpty() ? "" : "WIDE (" + String.join(", ", what) + ")";
            boolean cold = !result.warm().settled() && !result.warm().single() || !peers.numpy().settled() || !peers.torch().settled();
            return cold ? (s.isEmpty() ? "COLD?" : s + "; COLD?") : s;
        }

        /**
         * Whether this case was timed while other work took CPU from it: jgrad's or a peer's
         * process got less than 0.8 of a core while timing (every op keeps at least one busy).
         */
        public boolean contended() {
            return (result != null && result.cpuPerWall() >= 0 && result.cpuPerWall() < CONTENDED)
                    || peers.numpyCpu() < CONTENDED || peers.torchCpu() < CONTENDED;
        }

        /**
         * "met", "missed", "no peer", or "" without a target; a target relative to another case
         * ({@link Workload.Target#vsCase}) looks that case up in {@code rows} (the same run).
         */
        public String targetStatus(List<Row> rows) {
            Workload.Target t = w.target();
            if (t == null) return "";
            if (result == null) return "missed (not run)";
            if (t.caseId() != null) {
                Row ref = rows.stream().filter(r -> r.w.id().equals(t.caseId())).findFirst().orElse(null);
                if (ref == null || ref.result == null) return "no " + t.caseId() + " in this run";
                double ratio = rate() / ref.rate();
                return String.format(Locale.ROOT, "%s (%.2f×)", ratio >= t.ratio() ? "met" : "missed", ratio);
            }
            double ratio = switch (t.peer()) {
                case "openblas" -> vsOpenBlas();
                case "torch" -> vsTorch();
                default -> Double.NaN;
            };
            if (t.peer().equals("abs")) return seconds() <= t.ratio() ? "met" : "missed";
            if (t.peer().equals("openblas") && !openBlas && !Double.isNaN(numpyS())) return "no OpenBLAS";
            if (Double.isNaN(ratio)) return "no peer";
            return ratio >= t.ratio() ? "met" : "missed";
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Table
    // ---------------------------------------------------------------------------------------------

    /** Below this process CPU / wall time while timing, a case is flagged as contended. */
    static final double CONTENDED = 0.8;
    /** Above this (p90 − p10) / median of the samples, a case is flagged WIDE. */
    static final double WIDE_TIME = 0.25;
    /** Above this (max − min) / median of the per-round ratios, a case is flagged WIDE. */
    static final double WIDE_RATIO = 0.25;

    private static final String FMT = "%-30s %-29s %10s %7s %15s %7s %5s %19s %19s  %-15s %s%n";

    /** The table the CLI prints. */
    public static String table(List<Row> rows, Peak peak) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, FMT, "op", "size", "time", "spread", "rate", "%peak", "cpu", "×OpenBLAS", "×PyTorch", "target",
                "status"));
        sb.append("-".repeat(179)).append('\n');
        for (Row r : rows) {
            String status = r.targetStatus(rows);
            String note = r.result == null ? r.skip : r.result.note();
            if (!note.isEmpty()) status = status.isEmpty() ? note : status + "; " + note;
            if (r.contended()) status = status.isEmpty() ? "CONTENDED" : status + "; CONTENDED";
            String doubt = r.doubt();
            if (!doubt.isEmpty()) status = status.isEmpty() ? doubt : status + "; " + doubt;
            sb.append(String.format(Locale.ROOT, FMT, r.w.op(), r.w.size(),
                    r.result == null ? "skipped" : formatTime(r.seconds()),
                    r.result == null ? "" : r.result.spread().plusMinus(),
                    r.result == null ? "" : formatRate(r.rate(), r.w.unit()),
                    pct(r.percentOfPeak(peak)),
                    r.result == null || r.result.cpuPerWall() < 0 ? "" : String.format(Locale.ROOT, "%.1f", r.result.cpuPerWall()),
                    r.openBlas ? ratioCell(r.peers.numpy().ratio()) : "", ratioCell(r.peers.torch().ratio()),
                    r.w.target() == null ? "" : r.w.target().describe(), status));
        }
        return sb.toString();
    }

    /** A time with three significant digits and a unit: "812 ns", "1.23 ms", "4.56 s". */
    public static String formatTime(double s) {
        if (Double.isNaN(s)) return "";
        if (s < 1e-6) return String.format(Locale.ROOT, "%.0f ns", s * 1e9);
        if (s < 1e-3) return String.format(Locale.ROOT, "%.3g µs", s * 1e6);
        if (s < 1) return String.format(Locale.ROOT, "%.3g ms", s * 1e3);
        return String.format(Locale.ROOT, "%.3g s", s);
    }

    static String formatRate(double rate, Unit unit) {
        if (Double.isNaN(rate) || Double.isInfinite(rate)) return "";
        if (unit == Unit.CALL) return String.format(Locale.ROOT, "%.3g Mop/s", rate / 1e6);
        return String.format(Locale.ROOT, "%.3g %s", rate, unit.rateLabel);
    }

    private static String pct(double p) {
        if (Double.isNaN(p)) return "";
        return p < 1 ? String.format(Locale.ROOT, "%.2f%%", p) : String.format(Locale.ROOT, "%.0f%%", p);
    }

    private static String ratio(double r) {
        if (Double.isNaN(r) || Double.isInfinite(r)) return "";
        return r < 0.1 ? String.format(Locale.ROOT, "%.3f×", r) : String.format(Locale.ROOT, "%.2f×", r);
    }

    /** "0.77× [0.72–0.80]": the median ratio over the rounds and the lowest and highest round. */
    static String ratioCell(Spread s) {
        if (s.count() == 0 || Double.isNaN(s.median()) || Double.isInfinite(s.median())) return "";
        if (s.count() == 1) return ratio(s.median());
        return ratio(s.median()) + " [" + plain(s.min()) + "–" + plain(s.max()) + "]";
    }

    private static String plain(double r) {
        return r < 0.1 ? String.format(Locale.ROOT, "%.3f", r) : String.format(Locale.ROOT, "%.2f", r);
    }

    /**
     * The line the CLI prints as each case finishes: jgrad's median, spread and rate, and the peers' ratios.
     *
     * @param w        the case
     * @param r        jgrad's result
     * @param peers    the peers' figures
     * @param openBlas whether numpy's BLAS is OpenBLAS
     * @return e.g. "5.71 µs ±1.2%  91.8 GFLOP/s  ×OpenBLAS 1.05 [0.98–1.10]  ×PyTorch 1.20 [1.1–1.3]"
     */
    static String progressLine(Workload w, Timing.Result r, Peers.Times peers, boolean openBlas) {
        StringBuilder sb = new StringBuilder(formatTime(r.medianSeconds()));
        String pm = r.spread().plusMinus();
        if (!pm.isEmpty()) sb.append(' ').append(pm);
        sb.append("  ").append(formatRate(w.work() / r.medianSeconds() / (w.unit() == Unit.CALL ? 1 : 1e9), w.unit()));
        if (openBlas && peers.numpy().ratio().count() > 0) sb.append("  ×OpenBLAS ").append(ratioCell(peers.numpy().ratio()));
        if (peers.torch().ratio().count() > 0) sb.append("  ×PyTorch ").append(ratioCell(peers.torch().ratio()));
        sb.append("  (warm-up ").append(r.warm().describe()).append(')');
        if (!r.note().isEmpty()) sb.append("  (").append(r.note()).append(')');
        return sb.toString();
    }

    // ---------------------------------------------------------------------------------------------
    // Files
    // ---------------------------------------------------------------------------------------------

    /** One line per case with every figure the table shows, unformatted. */
    public static void writeCsv(Path file, List<Row> rows, Peak peak) throws IOException {
        StringBuilder sb = new StringBuilder("id,op,size,unit,work,threads,median_s,min_s,samples,calls_per_sample,cpu_per_wall,rate,"
                + "rate_unit,pct_of_peak,numpy_median_s,numpy_cpu_per_wall,numpy_is_openblas,torch_median_s,torch_cpu_per_wall,vs_openblas,vs_torch,"
                + "target,target_status,load1,contended,note,p10_s,p90_s,warmup_s,warmup_settled,numpy_p10_s,numpy_p90_s,torch_p10_s,"
                + "torch_p90_s,vs_openblas_min,vs_openblas_max,vs_torch_min,vs_torch_max,rounds,doubt\n");
        for (Row r : rows) {
            Timing.Result t = r.result;
            sb.append(String.join(",", csv(r.w.id()), csv(r.w.op()), csv(r.w.size()), r.w.unit().name(), num(r.w.work()),
                    Integer.toString(peak.threads()), num(r.seconds()), t == null ? "" : num(t.minSeconds()),
                    t == null ? "0" : Integer.toString(t.samples()), t == null ? "0" : Integer.toString(t.callsPerSample()),
                    t == null ? "" : num(t.cpuPerWall()), num(r.rate()), csv(r.w.unit() == Unit.CALL ? "op/s" : r.w.unit().rateLabel),
                    num(r.percentOfPeak(peak)), num(r.numpyS()), num(r.peers.numpyCpu()), Boolean.toString(r.openBlas), num(r.torchS()),
                    num(r.peers.torchCpu()), num(r.vsOpenBlas()), num(r.vsTorch()),
                    csv(r.w.target() == null ? "" : r.w.target().describe()), csv(r.targetStatus(rows)), r.load, Boolean.toString(r.contended()),
                    csv(t == null ? r.skip : t.note()),
                    t == null ? "" : num(t.spread().p10()), t == null ? "" : num(t.spread().p90()),
                    t == null ? "" : num(t.warm().seconds()), t == null ? "" : Boolean.toString(t.warm().settled()),
                    num(r.peers.numpy().time().p10()), num(r.peers.numpy().time().p90()),
                    num(r.peers.torch().time().p10()), num(r.peers.torch().time().p90()),
                    num(r.openBlas ? r.peers.numpy().ratio().min() : Double.NaN), num(r.openBlas ? r.peers.numpy().ratio().max() : Double.NaN),
                    num(r.peers.torch().ratio().min()), num(r.peers.torch().ratio().max()),
                    Integer.toString(Math.max(r.peers.numpy().ratio().count(), r.peers.torch().ratio().count())), csv(r.doubt()))).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    /** GFLOP/s against n for the SGEMM sweep: jgrad, OpenBLAS, PyTorch and the FMA peak. */
    public static void writeSgemmPlot(Path file, List<Row> rows, Peak peak) throws IOException {
        List<Row> sweep = rows.stream().filter(r -> r.w.series() != null && r.w.series().name().equals("sgemm")).toList();
        if (sweep.isEmpty()) return;
        int n = sweep.size();
        double[] x = new double[n], jg = new double[n], ob = new double[n], pt = new double[n], pk = new double[n];
        for (int i = 0; i < n; i++) {
            Row r = sweep.get(i);
            x[i] = r.w.series().x();
            jg[i] = r.rate();
            ob[i] = r.w.work() / r.numpyS() / 1e9;
            pt[i] = r.w.work() / r.torchS() / 1e9;
            pk[i] = peak.flops() / 1e9;
        }
        List<LinePlot.Series> series = new ArrayList<>();
        series.add(new LinePlot.Series("jgrad", x, jg));
        if (!allNaN(ob)) series.add(new LinePlot.Series(sweep.get(0).openBlas ? "OpenBLAS (numpy)" : "numpy (not OpenBLAS)", x, ob));
        if (!allNaN(pt)) series.add(new LinePlot.Series("PyTorch CPU", x, pt));
        if (!allNaN(pk)) series.add(new LinePlot.Series("FMA peak", x, pk));
        LinePlot.write(file, List.of(new LinePlot.Chart("SGEMM n×n×n, " + peak.threads() + " thread(s)", "n", "GFLOP/s", true, true, series)));
    }

    /** machine.txt: one "key: value" line each. */
    public static void writeMachine(Path file, Map<String, String> machine) throws IOException {
        StringBuilder sb = new StringBuilder();
        machine.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static boolean allNaN(double[] v) {
        for (double d : v) if (!Double.isNaN(d) && !Double.isInfinite(d)) return false;
        return true;
    }

    static String num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }

    static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
