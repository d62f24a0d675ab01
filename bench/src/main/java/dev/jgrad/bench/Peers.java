package dev.jgrad.bench;

import dev.jgrad.tensor.io.Json;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The peers, numpy (OpenBLAS) and PyTorch CPU, timed by {@code bench/python/cpu_peers.py} in a
 * Python process that stays up for the whole run. For each case the CLI asks the script to
 * build and warm up the case ({@link #prepare}), then interleaves blocks of samples of jgrad and
 * of each peer ({@link #contestant}, {@link Contest}), so that on a shared machine background
 * load hits all of them alike; every exchange is one JSON line each way.
 *
 * <p>The peer process runs without {@code OPENBLAS_CORETYPE} and {@code OPENBLAS_L2_SIZE} when
 * they are set (unless asked to keep them): they force an OpenBLAS kernel, which may be one for
 * an older CPU than the one the run is on, and so an unfair peer.
 *
 * <pre>{@code
 * try (Peers peers = Peers.start(2, budget, null, null, null, false)) {
 *     if (!peers.prepare(Workloads.matmul(512)).isEmpty()) {
 *         Timing.Block b = peers.contestant("torch").block(0.2);
 *     }
 * }
 * }</pre>
 */
public final class Peers implements AutoCloseable {
    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;
    private final Map<String, Object> info;
    private final String blasEnv;
    private String message;
    private boolean closed;
    private List<?> lastErrors = List.of();   // the script's errors for the last prepared case

    /** Environment variables that force OpenBLAS's kernel choice or cache size, removed from the peers' environment. */
    static final List<String> BLAS_ENV = List.of("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE");

    /**
     * glibc malloc settings for the peers, unless the environment sets them: no mmap per large
     * block, no trimming. Without them every freed block of a few MiB goes back to the OS and the
     * next one is page-faulted in fresh, which made PyTorch's times on a VM bimodal (a first-layer
     * convolution 0.4 ms in one process, 24–50 ms in another; docs/design-notes.md). jgrad keeps
     * its freed arrays in a pool for the same reason, so the peers keep theirs too.
     */
    static final Map<String, String> MALLOC_ENV = new LinkedHashMap<>(Map.of(
            "MALLOC_MMAP_THRESHOLD_", "2000000000", "MALLOC_TRIM_THRESHOLD_", "4000000000", "MALLOC_TOP_PAD_", "100000000"));

    /**
     * Sets {@link #MALLOC_ENV} in a child process's environment where it is not set already.
     *
     * @param env the environment to change
     * @return "NAME=value" of each variable set here
     */
    static List<String> steadyMalloc(Map<String, String> env) {
        List<String> set = new ArrayList<>();
        for (var e : MALLOC_ENV.entrySet()) {
            if (env.containsKey(e.getKey())) continue;
            env.put(e.getKey(), e.getValue());
            set.add(e.getKey() + "=" + e.getValue());
        }
        return set;
    }

    private Peers(Process process, BufferedWriter in, BufferedReader out, Map<String, Object> info, String message, String blasEnv) {
        this.process = process;
        this.in = in;
        this.out = out;
        this.info = info;
        this.message = message;
        this.blasEnv = blasEnv;
    }

    /**
     * One peer's figures for one case.
     *
     * @param time       its per-call time over all its samples (median, p10, p90, …)
     * @param cpuPerWall its process CPU / wall time while timing (NaN when unknown)
     * @param ratio      its time / jgrad's time, one value per interleaved round
     * @param settled    whether its warm-up met the stopping rule
     * @param note       what the table should say ("1 cold call", an error), or ""
     */
    public record PeerTime(Spread time, double cpuPerWall, Spread ratio, boolean settled, String note) {
        /** A peer that did not run the case. */
        public static final PeerTime NONE = new PeerTime(Spread.NONE, Double.NaN, Spread.NONE, true, "");
    }

    /**
     * The peers' figures for one case ({@link PeerTime#NONE} where a peer did not run it).
     *
     * @param numpy numpy's (OpenBLAS's, for matmuls)
     * @param torch PyTorch's
     * @param raw   what the script said about the case (warm-up, errors, rounds), or null
     */
    public record Times(PeerTime numpy, PeerTime torch, Map<String, Object> raw) {
        /** No peer ran the case. */
        public static final Times NONE = new Times(PeerTime.NONE, PeerTime.NONE, null);

        /** {@return numpy's median seconds, NaN when absent} */
        public double numpySeconds() {
            return numpy.time().median();
        }

        /** {@return PyTorch's median seconds, NaN when absent} */
        public double torchSeconds() {
            return torch.time().median();
        }

        /** {@return numpy's process CPU / wall time while timing} */
        public double numpyCpu() {
            return numpy.cpuPerWall();
        }

        /** {@return PyTorch's process CPU / wall time while timing} */
        public double torchCpu() {
            return torch.cpuPerWall();
        }
    }

    /**
     * Removes {@link #BLAS_ENV} from a child process's environment, unless {@code keep}, and says
     * which were set.
     *
     * <pre>{@code
     * List<String> set = Peers.scrubBlasEnv(pb.environment(), false);   // ["OPENBLAS_CORETYPE=Haswell"]
     * }</pre>
     *
     * @param env  the environment to change (a ProcessBuilder's)
     * @param keep true to leave the variables in place (only report them)
     * @return "NAME=value" of each variable that was set, in {@link #BLAS_ENV} order
     */
    static List<String> scrubBlasEnv(Map<String, String> env, boolean keep) {
        List<String> set = new ArrayList<>();
        for (String v : BLAS_ENV) {
            String value = env.get(v);
            if (value == null) continue;
            set.add(v + "=" + value);
            if (!keep) env.remove(v);
        }
        return set;
    }

    /**
     * The report's line about {@link #scrubBlasEnv}'s result.
     *
     * @param set  what it returned
     * @param keep whether the variables were kept
     * @return e.g. "OPENBLAS_CORETYPE=Haswell set in the environment and removed for the peers (--keep-blas-env keeps it)"
     */
    static String describeBlasEnv(List<String> set, boolean keep) {
        if (set.isEmpty()) return "none of " + String.join(", ", BLAS_ENV) + " set: OpenBLAS picks its kernel for this CPU";
        String vars = String.join(", ", set), it = set.size() == 1 ? "it" : "them";
        return keep ? vars + " set in the environment and kept for the peers (--keep-blas-env): OpenBLAS uses the forced kernel"
                : vars + " set in the environment and removed for the peers, so that OpenBLAS picks its kernel for this CPU "
                        + "(--keep-blas-env keeps " + it + ")";
    }

    /**
     * Starts the peer script.
     *
     * @param python  the interpreter, or null to find one ({@code /usr/bin/python3}, then
     *                {@code python3} on the PATH, preferring one with torch)
     * @param script  the script, or null for {@code bench/python/cpu_peers.py} under the working
     *                directory or else the copy inside this jar
     * @param blasDir a directory holding an OpenBLAS {@code libblas.so.3} to put first on the
     *                peer process's {@code LD_LIBRARY_PATH}, or null
     * @param keepBlasEnv true to pass {@code OPENBLAS_CORETYPE} / {@code OPENBLAS_L2_SIZE} on to
     *                the peers when they are set (by default they are removed)
     * @param threads the peers' thread count
     * @param budget  the warm-up bounds the script applies
     * @return a session; when no peer can run, {@link #available()} is false and
     *         {@link #message()} says why
     */
    public static Peers start(int threads, Timing.Budget budget, String python, Path script, Path blasDir, boolean keepBlasEnv) {
        String py = python != null ? python : findPython();
        if (py == null) {
            return none("peers skipped: no Python with numpy or torch found (tried /usr/bin/python3 and python3; "
                    + "on Debian/Ubuntu: apt-get install python3-torch python3-numpy libopenblas0-pthread)");
        }
        Process p = null;
        String blasEnv = null;
        try {
            Path file = script != null ? script : locateScript();
            ProcessBuilder pb = new ProcessBuilder(py, file.toString());
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            Map<String, String> env = pb.environment();
            for (String v : new String[] {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"}) env.put(v, Integer.toString(threads));
            blasEnv = describeBlasEnv(scrubBlasEnv(env, keepBlasEnv), keepBlasEnv);
            List<String> malloc = steadyMalloc(env);
            if (!malloc.isEmpty()) {
                blasEnv += "; " + String.join(" ", malloc) + " (glibc keeps freed blocks for reuse, as jgrad's pool does)";
            }
            if (blasDir != null) {
                String old = env.get("LD_LIBRARY_PATH");
                env.put("LD_LIBRARY_PATH", blasDir.toAbsolutePath() + (old == null || old.isEmpty() ? "" : ":" + old));
            }
            p = pb.start();
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("threads", (long) threads);
            config.put("budget", Map.of("warmup_s", budget.warmupSeconds(), "min_warmup_s", Timing.MIN_WARMUP_SECONDS,
                    "settle_window", (long) Timing.SETTLE_WINDOW, "settle_tolerance", Timing.SETTLE_TOLERANCE,
                    "max_call_s", budget.maxCallSeconds()));
            w.write(Json.write(config));
            w.newLine();
            w.flush();
            Map<String, Object> info = readReply(r);
            if (info == null) {
                p.destroy();
                return none("peers skipped: " + py + " " + file + " stopped before answering");
            }
            return new Peers(p, w, r, info, "peers: " + py + " " + file, blasEnv);
        } catch (IOException | RuntimeException e) {
            if (p != null) p.destroy();
            return none("peers skipped: " + e);
        }
    }

    /** A session in which no peer runs, for the reason given. */
    public static Peers none(String message) {
        return new Peers(null, null, null, null, message, null);
    }

    /** Whether the peer process is up. */
    public boolean available() {
        return process != null && !closed;
    }

    /** Which Python and script ran, or why no peer ran. */
    public String message() {
        return message;
    }

    /** The script's first reply (versions, BLAS, threads), or null. */
    public Map<String, Object> info() {
        return info;
    }

    /**
     * Builds {@code w} in the peers and warms each up (the script's adaptive warm-up).
     *
     * @param w the case
     * @return per ready peer ("numpy", "torch"), the script's warm-up report
     *         ({@code calls_per_sample}, {@code settled}, {@code single}, {@code cold_s}, …); empty
     *         when no peer runs the case or the peers have stopped (then {@link #message()} says why)
     */
    public Map<String, Map<String, Object>> prepare(Workload w) {
        Map<String, Map<String, Object>> ready = new LinkedHashMap<>();
        if (!available()) return ready;
        Map<String, Object> c = new LinkedHashMap<>(w.peer());
        c.put("cmd", "prepare");
        c.put("id", w.id());
        c.put("openblas", w.openBlas());
        Map<String, Object> reply = exchange(c, w.id());
        if (reply == null) return ready;
        lastErrors = reply.get("errors") instanceof List<?> l ? l : List.of();
        if (reply.get("ready") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (v instanceof Map<?, ?> info) {
                    Map<String, Object> copy = new LinkedHashMap<>();
                    info.forEach((a, b) -> copy.put(a.toString(), b));
                    ready.put(k.toString(), copy);
                }
            });
        }
        return ready;
    }

    /** The errors the script reported for the last prepared case (a peer that failed to build or warm up). */
    public List<?> lastErrors() {
        return lastErrors;
    }

    /**
     * A prepared peer as a contestant: each block asks the script for about that many seconds
     * of samples.
     *
     * @param peer "numpy" or "torch", ready after {@link #prepare}
     * @return the contestant
     */
    public Contest.Contestant contestant(String peer) {
        return new Contest.Contestant() {
            @Override
            public String name() {
                return peer;
            }

            @Override
            public Timing.Block block(double seconds) throws IOException {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("cmd", "block");
                c.put("peer", peer);
                c.put("seconds", seconds);
                Map<String, Object> reply = exchange(c, peer + " block");
                if (reply == null) throw new IOException(message);
                if (reply.get("error") != null) throw new IOException(peer + ": " + reply.get("error"));
                if (!(reply.get("per_call_s") instanceof List<?> l) || l.isEmpty()) throw new IOException(peer + ": no samples in " + reply);
                double[] perCall = l.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
                long cpu = reply.get("cpu_s") instanceof Number n ? (long) (n.doubleValue() * 1e9) : -1;
                long wall = reply.get("wall_s") instanceof Number n ? (long) (n.doubleValue() * 1e9) : 0;
                return new Timing.Block(perCall, cpu, wall);
            }
        };
    }

    /** Lets the script drop the prepared case (its arrays and models). */
    public void release() {
        if (available()) exchange(new LinkedHashMap<>(Map.of("cmd", "release")), "release");
    }

    /** Sends one command and reads its reply; on failure stops the peers, sets {@link #message()} and returns null. */
    private Map<String, Object> exchange(Map<String, Object> command, String what) {
        if (!available()) return null;
        try {
            in.write(Json.write(command));
            in.newLine();
            in.flush();
            Map<String, Object> reply = readReply(out);
            if (reply == null) throw new IOException("the peer script stopped");
            return reply;
        } catch (IOException | RuntimeException e) {
            message = "peers stopped at " + what + ": " + e;
            close();
            return null;
        }
    }

    /** {@return which of OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE were set and whether the peers ran without them; null when no peer started} */
    public String blasEnv() {
        return blasEnv;
    }

    /** Whether numpy's BLAS is OpenBLAS (Debian's numpy falls back to the much slower reference BLAS without it). */
    public boolean numpyHasOpenBlas() {
        return info != null && info.get("numpy") instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("openblas"));
    }

    /** "numpy 1.24.2, BLAS: OpenBLAS 0.3.21 …" or why that peer is absent. */
    public String describe(String peer) {
        if (info == null) return peer + ": not run";
        if (!(info.get(peer) instanceof Map<?, ?> m) || !Boolean.TRUE.equals(m.get("available"))) {
            return peer + ": absent" + (info.get(peer) instanceof Map<?, ?> m2 && m2.get("reason") != null ? " (" + m2.get("reason") + ")" : "");
        }
        StringBuilder sb = new StringBuilder(peer + " " + m.get("version"));
        if (m.get("blas") != null) sb.append(", BLAS: ").append(m.get("blas"));
        if (m.get("blas_corename") != null) sb.append(", OpenBLAS kernel ").append(m.get("blas_corename"));
        if (m.get("build_blas") != null) sb.append(", built with BLAS_INFO=").append(m.get("build_blas"));
        if (m.get("cpu_capability") != null) sb.append(", ATen CPU capability ").append(m.get("cpu_capability"));
        if (m.get("blas_threads") != null) sb.append(" (").append(m.get("blas_threads")).append(" threads)");
        if (m.get("num_threads") != null) sb.append(", ").append(m.get("num_threads")).append(" threads");
        if (m.get("mkldnn") != null) sb.append(", oneDNN ").append(Boolean.TRUE.equals(m.get("mkldnn")) ? "on" : "off");
        return sb.toString();
    }

    /** Ends the peer process (it exits when its input closes). */
    @Override
    public void close() {
        if (process == null || closed) return;
        closed = true;
        try {
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroy();
        } catch (IOException e) {
            process.destroy();
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, Object> readReply(BufferedReader r) throws IOException {
        for (String line; (line = r.readLine()) != null; ) {
            if (line.startsWith("{")) return Json.parseObject(line);   // anything else is stray library output
        }
        return null;
    }

    /** The first of /usr/bin/python3 and python3 (PATH) that has torch, else the first with numpy, else null. */
    static String findPython() {
        String withNumpy = null;
        for (String candidate : new String[] {"/usr/bin/python3", "python3"}) {
            String found = probe(candidate);
            if (found == null) continue;
            if (found.contains("torch=True")) return candidate;
            if (withNumpy == null && found.contains("numpy=True")) withNumpy = candidate;
        }
        return withNumpy;
    }

    private static String probe(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c",
                    "import importlib.util as u; print('torch=%s numpy=%s' % (u.find_spec('torch') is not None, u.find_spec('numpy') is not None))")
                    .redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? s : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Path locateScript() throws IOException {
        Path local = Path.of("bench", "python", "cpu_peers.py");
        if (Files.isRegularFile(local)) return local;
        try (InputStream s = Peers.class.getResourceAsStream("python/cpu_peers.py")) {
            if (s == null) throw new IOException("cpu_peers.py is neither at " + local.toAbsolutePath() + " nor inside the jar");
            Path tmp = Files.createTempFile("jgrad-cpu-peers", ".py");
            tmp.toFile().deleteOnExit();
            Files.write(tmp, s.readAllBytes());
            return tmp;
        }
    }
}
