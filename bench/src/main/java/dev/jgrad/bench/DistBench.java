package dev.jgrad.bench;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.UsageException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./jgrad bench dist}: what data parallelism costs on this machine, measured with mpirun.
 * <ul>
 *   <li><b>All-reduce through the binding</b>: {@code Communicator.allReduce} (float32 sum, in
 *       place) against a C program calling {@code MPI_Allreduce} on the same sizes
 *       ({@code bench/c/allreduce.c}, compiled with mpicc), in alternating rounds in the same run;
 *       the ratio is what the Java binding and its per-call check add (goal ≥ 0.95×).</li>
 *   <li><b>DDP overhead</b>: the MNIST-CNN training step (batch {@value #BATCH} per rank, Adam) on
 *       one rank, on N ranks without DDP (each rank alone: what sharing the machine costs), and
 *       on N ranks with DDP, with small buckets (reduction overlaps the rest of backward) and with
 *       one bucket (reduction after backward). Overlap hides (one bucket − small buckets) /
 *       (one bucket − without DDP) of the communication.</li>
 * </ul>
 * Each rank runs jgrad on one thread, so N ranks use N cores. Writes {@code table.txt},
 * {@code results.csv}, {@code machine.txt} and a README to the output folder.
 */
final class DistBench {
    private DistBench() {}

    static final int[] SIZES = {256, 768, 4_096, 16_384, 262_144, 1_048_576, 4_194_304};
    static final int ITERATIONS = 50, BATCH = 64, STEPS = 40, ROUNDS = 2;
    static final long SMALL_BUCKETS = 1L << 20, ONE_BUCKET = 1L << 30;

    static void run(Args args, String[] argv) throws IOException, InterruptedException {
        String mpirun = onPath("mpirun");
        if (mpirun == null) {
            throw new UsageException("bench dist: mpirun was not found; install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev)");
        }
        int ranks = args.getInt("ranks");
        long start = System.nanoTime();
        Map<String, String> machine = MachineInfo.collect(1);
        machine.put("ranks", Integer.toString(ranks));
        machine.put("mpirun", mpirun + " (" + firstLine(MachineInfo.run(mpirun, "--version")) + ")");
        System.out.println("jgrad distributed benchmark: " + ranks + " ranks on " + machine.get("cpu") + ", " + machine.get("cores (available processors)")
                + " cores; " + machine.get("mpirun"));
        MachineInfo.warnIfBusy(machine);
        Path work = Files.createTempDirectory("jgrad-bench-dist");
        String cPeer = compileC(work);
        System.out.println(cPeer.startsWith("/") ? "C peer: " + cPeer : "C peer skipped: " + cPeer);

        // all-reduce: alternating rounds of the C program and of jgrad
        Map<Integer, List<Double>> c = new LinkedHashMap<>(), jgrad = new LinkedHashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            if (cPeer.startsWith("/")) {
                List<String> cmd = new ArrayList<>(List.of(cPeer, Integer.toString(ITERATIONS)));
                for (int n : SIZES) cmd.add(Integer.toString(n));
                collect(mpi(mpirun, ranks, cmd), "", c);
            }
            List<String> cmd = new ArrayList<>(List.of("allreduce", Integer.toString(ITERATIONS)));
            for (int n : SIZES) cmd.add(Integer.toString(n));
            collect(mpi(mpirun, ranks, java(cmd)), "allreduce ", jgrad);
            System.out.println("  all-reduce round " + (round + 1) + "/" + ROUNDS + " done");
        }
        // DDP: one rank, N ranks alone, N ranks with small buckets and with one bucket
        Map<String, Double> ddp = new LinkedHashMap<>();
        ddp.put("1 rank, no DDP", step(mpirun, 1, 0));
        ddp.put(ranks + " ranks, no DDP (each alone)", step(mpirun, ranks, 0));
        ddp.put(ranks + " ranks, DDP, 1 MiB buckets (overlap)", step(mpirun, ranks, SMALL_BUCKETS));
        ddp.put(ranks + " ranks, DDP, one bucket (no overlap)", step(mpirun, ranks, ONE_BUCKET));
        ddp.forEach((k, v) -> System.out.printf(Locale.ROOT, "  MNIST-CNN step, %s: %s%n", k, Report.formatTime(v)));

        machine.put("load average at end", MachineInfo.loadAverage());
        String table = table(c, jgrad, ddp, ranks, cPeer);
        System.out.println();
        System.out.print(table);
        Path out = outputDir(args.get("out"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("table.txt"), table, StandardCharsets.UTF_8);
        Files.writeString(out.resolve("results.csv"), csv(c, jgrad, ddp), StandardCharsets.UTF_8);
        Report.writeMachine(out.resolve("machine.txt"), machine);
        double minutes = (System.nanoTime() - start) / 60e9;
        Files.writeString(out.resolve("README.md"), "# jgrad distributed benchmark, " + machine.get("date") + "\n\n"
                + (args.has("note") ? args.get("note") + "\n\n" : "") + "Command: `./jgrad bench " + String.join(" ", argv) + "` ("
                + String.format(Locale.ROOT, "%.1f", minutes) + " min)\n\nMachine: " + machine.get("cpu") + ", "
                + machine.get("cores (available processors)") + " cores; " + machine.get("jdk") + "; " + machine.get("mpirun")
                + " (all of it in `machine.txt`)\n\nLoad average (1, 5, 15 min): " + machine.get("load average at start") + " at the start, "
                + machine.get("load average at end") + " at the end\n\n```\n" + table + "```\n", StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "%nwrote %s/{table.txt, results.csv, machine.txt, README.md} (%.1f min)%n", out, minutes);
    }

    /** The median step time of one DDP configuration (bucket 0: no DDP). */
    private static double step(String mpirun, int ranks, long bucketBytes) throws IOException, InterruptedException {
        Map<Integer, List<Double>> r = new LinkedHashMap<>();
        collect(mpi(mpirun, ranks, java(List.of("ddp", Integer.toString(STEPS), Integer.toString(BATCH), Long.toString(bucketBytes)))), "ddp ", r);
        return r.values().iterator().next().get(0);
    }

    /** mpirun's command line for {@code ranks} copies of {@code program}. */
    static List<String> mpi(String mpirun, int ranks, List<String> program) {
        List<String> cmd = new ArrayList<>(List.of(mpirun, "-np", Integer.toString(ranks), "--oversubscribe", "--bind-to", "none",
                // containers forbid cross-memory attach between ranks; the C peer runs with the same setting
                "--mca", "btl_vader_single_copy_mechanism", "none"));
        if ("root".equals(System.getProperty("user.name"))) cmd.add("--allow-run-as-root");
        cmd.addAll(program);
        return cmd;
    }

    /** This JVM's command line for {@link DistBenchRank}, one thread of jgrad per rank. */
    static List<String> java(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Djgrad.threads=1", "-Djgrad.gemm.tune=false"));
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && !modulePath.isBlank()) {
            cmd.addAll(List.of("--enable-native-access=dev.jgrad.dist,dev.jgrad.cuda", "--module-path", modulePath, "-m",
                    "dev.jgrad.bench/" + DistBenchRank.class.getName()));
        } else {
            cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), DistBenchRank.class.getName()));
        }
        cmd.addAll(args);
        return cmd;
    }

    /** Runs {@code cmd}, adding each "PREFIX KEY SECONDS" line of its output to {@code into}. */
    private static void collect(List<String> cmd, String prefix, Map<Integer, List<Double>> into) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("bench dist: " + String.join(" ", cmd) + " did not finish within 10 minutes");
        }
        if (p.exitValue() != 0) throw new IOException("bench dist: " + String.join(" ", cmd) + " failed (exit " + p.exitValue() + "):\n" + out);
        boolean any = false;
        for (String line : out.split("\n")) {
            if (!line.startsWith(prefix)) continue;
            String[] f = line.substring(prefix.length()).trim().split("\\s+");
            if (f.length != 2) continue;
            try {
                long key = Long.parseLong(f[0]);
                into.computeIfAbsent((int) Math.min(key, Integer.MAX_VALUE), k -> new ArrayList<>()).add(Double.parseDouble(f[1]));
                any = true;
            } catch (NumberFormatException e) {
                // not a result line
            }
        }
        if (!any) throw new IOException("bench dist: no result from " + String.join(" ", cmd) + ":\n" + out);
    }

    /** Compiles bench/c/allreduce.c with mpicc; {@return the executable's path, or why not} */
    private static String compileC(Path work) throws IOException, InterruptedException {
        Path src = Path.of("bench", "c", "allreduce.c");
        if (!Files.isRegularFile(src)) return "bench/c/allreduce.c not found (run from the jgrad checkout)";
        String mpicc = onPath("mpicc");
        if (mpicc == null) return "mpicc not found (Debian/Ubuntu: apt-get install libopenmpi-dev)";
        Path exe = work.resolve("allreduce");
        Process p = new ProcessBuilder(mpicc, "-O2", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) return "mpicc failed: " + out.strip();
        return exe.toAbsolutePath().toString();
    }

    static String table(Map<Integer, List<Double>> c, Map<Integer, List<Double>> jgrad, Map<String, Double> ddp, int ranks, String cPeer) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "all-reduce, float32 sum in place, %d ranks (median per call of %d, best of %d rounds)%n", ranks, ITERATIONS, ROUNDS));
        sb.append(String.format(Locale.ROOT, "%12s %12s %12s %12s %12s %10s%n", "floats", "bytes", "C MPI", "jgrad", "jgrad GB/s", "×C"));
        double factor = 2.0 * (ranks - 1) / ranks;   // bus bandwidth: what each rank sends and receives, as nccl-tests report it
        for (var e : jgrad.entrySet()) {
            int n = e.getKey();
            double j = best(e.getValue()), cs = c.containsKey(n) ? best(c.get(n)) : Double.NaN;
            sb.append(String.format(Locale.ROOT, "%12d %12d %12s %12s %12.2f %10s%n", n, 4L * n, Double.isNaN(cs) ? "-" : Report.formatTime(cs),
                    Report.formatTime(j), 4.0 * n * factor / j / 1e9, Double.isNaN(cs) ? "-" : String.format(Locale.ROOT, "%.2f×", cs / j)));
        }
        if (!cPeer.startsWith("/")) sb.append("C peer skipped: ").append(cPeer).append('\n');
        sb.append("(GB/s: bus bandwidth, bytes · 2(N−1)/N per call; ×C: C's time / jgrad's, above 1: jgrad faster)\n\n");
        sb.append(String.format(Locale.ROOT, "MNIST-CNN training step, batch %d per rank, Adam, one jgrad thread per rank (median of %d steps)%n", BATCH, STEPS));
        for (var e : ddp.entrySet()) sb.append(String.format(Locale.ROOT, "  %-44s %10s%n", e.getKey(), Report.formatTime(e.getValue())));
        List<Double> v = new ArrayList<>(ddp.values());
        double one = v.get(0), alone = v.get(1), overlap = v.get(2), serial = v.get(3);
        sb.append(String.format(Locale.ROOT, "  DDP overhead (step with DDP / one rank): %.2f× with overlap, %.2f× without%n", overlap / one, serial / one));
        double comm = serial - alone;
        sb.append(String.format(Locale.ROOT, "  communication after backward (one bucket − no DDP): %s; overlap hides %.0f%% of it%n",
                Report.formatTime(Math.max(comm, 0)), comm > 0 ? 100 * (serial - overlap) / comm : Double.NaN));
        return sb.toString();
    }

    private static String csv(Map<Integer, List<Double>> c, Map<Integer, List<Double>> jgrad, Map<String, Double> ddp) {
        StringBuilder sb = new StringBuilder("measurement,size,c_seconds,jgrad_seconds\n");
        for (var e : jgrad.entrySet()) {
            sb.append("allreduce,").append(e.getKey()).append(',').append(c.containsKey(e.getKey()) ? best(c.get(e.getKey())) : "").append(',')
                    .append(best(e.getValue())).append('\n');
        }
        for (var e : ddp.entrySet()) sb.append('"').append(e.getKey()).append("\",").append(BATCH).append(",,").append(e.getValue()).append('\n');
        return sb.toString();
    }

    private static double best(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static String onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d, exe);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    private static String firstLine(String s) {
        return s == null || s.isBlank() ? "version unknown" : s.lines().findFirst().orElse("").trim();
    }

    private static Path outputDir(String given) {
        return Main.resultsFolder(given, "-dist");
    }
}
