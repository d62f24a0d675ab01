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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The peers, numpy (OpenBLAS) and PyTorch CPU, timed by {@code bench/python/cpu_peers.py} in a
 * Python process that stays up for the whole run: the CLI sends one case at a time as a JSON
 * line right after timing it in jgrad, so that on a shared machine both see the same
 * conditions, and reads the peer timings back as a JSON line.
 *
 * <pre>{@code
 * try (Peers peers = Peers.start(2, budget, null, null, null)) {
 *     if (peers.available()) System.out.println(peers.measure(Workloads.matmul(512)).torchSeconds());
 * }
 * }</pre>
 */
public final class Peers implements AutoCloseable {
    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;
    private final Map<String, Object> info;
    private String message;

    private Peers(Process process, BufferedWriter in, BufferedReader out, Map<String, Object> info, String message) {
        this.process = process;
        this.in = in;
        this.out = out;
        this.info = info;
        this.message = message;
    }

    /**
     * The peers' times for one case (NaN where a peer did not run it).
     *
     * @param numpySeconds median seconds of numpy, NaN when absent
     * @param numpyCpu     its process CPU / wall time while timing
     * @param torchSeconds median seconds of PyTorch, NaN when absent
     * @param torchCpu     its process CPU / wall time while timing
     * @param raw          the script's reply for this case, or null
     */
    public record Times(double numpySeconds, double numpyCpu, double torchSeconds, double torchCpu, Map<String, Object> raw) {
        public static final Times NONE = new Times(Double.NaN, Double.NaN, Double.NaN, Double.NaN, null);
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
     * @return a session; when no peer can run, {@link #available()} is false and
     *         {@link #message()} says why
     */
    public static Peers start(int threads, Timing.Budget budget, String python, Path script, Path blasDir) {
        String py = python != null ? python : findPython();
        if (py == null) {
            return none("peers skipped: no Python with numpy or torch found (tried /usr/bin/python3 and python3; "
                    + "on Debian/Ubuntu: apt-get install python3-torch python3-numpy libopenblas0-pthread)");
        }
        Process p = null;
        try {
            Path file = script != null ? script : locateScript();
            ProcessBuilder pb = new ProcessBuilder(py, file.toString());
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            Map<String, String> env = pb.environment();
            for (String v : new String[] {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"}) env.put(v, Integer.toString(threads));
            if (blasDir != null) {
                String old = env.get("LD_LIBRARY_PATH");
                env.put("LD_LIBRARY_PATH", blasDir.toAbsolutePath() + (old == null || old.isEmpty() ? "" : ":" + old));
            }
            p = pb.start();
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("threads", (long) threads);
            config.put("budget", Map.of("warmup_s", budget.warmupSeconds(), "measure_s", budget.measureSeconds(),
                    "max_call_s", budget.maxCallSeconds()));
            w.write(Json.write(config));
            w.newLine();
            w.flush();
            Map<String, Object> info = readReply(r);
            if (info == null) {
                p.destroy();
                return none("peers skipped: " + py + " " + file + " stopped before answering");
            }
            return new Peers(p, w, r, info, "peers: " + py + " " + file);
        } catch (IOException | RuntimeException e) {
            if (p != null) p.destroy();
            return none("peers skipped: " + e);
        }
    }

    /** A session in which no peer runs, for the reason given. */
    public static Peers none(String message) {
        return new Peers(null, null, null, null, message);
    }

    /** Whether the peer process is up. */
    public boolean available() {
        return process != null;
    }

    /** Which Python and script ran, or why no peer ran. */
    public String message() {
        return message;
    }

    /** The script's first reply (versions, BLAS, threads), or null. */
    public Map<String, Object> info() {
        return info;
    }

    /** Times {@code w} in the peers; {@link Times#NONE} when they are not running. */
    public Times measure(Workload w) {
        if (process == null) return Times.NONE;
        try {
            Map<String, Object> c = new LinkedHashMap<>(w.peer());
            c.put("id", w.id());
            c.put("openblas", w.openBlas());
            in.write(Json.write(c));
            in.newLine();
            in.flush();
            Map<String, Object> reply = readReply(out);
            if (reply == null) throw new IOException("the peer script stopped");
            return new Times(num(reply, "numpy", "median_s"), num(reply, "numpy", "cpu_per_wall"), num(reply, "torch", "median_s"),
                    num(reply, "torch", "cpu_per_wall"), reply);
        } catch (IOException | RuntimeException e) {
            message = "peers stopped at " + w.id() + ": " + e;
            close();
            return Times.NONE;
        }
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
        if (m.get("blas_threads") != null) sb.append(" (").append(m.get("blas_threads")).append(" threads)");
        if (m.get("num_threads") != null) sb.append(", ").append(m.get("num_threads")).append(" threads");
        if (m.get("mkldnn") != null) sb.append(", oneDNN ").append(Boolean.TRUE.equals(m.get("mkldnn")) ? "on" : "off");
        return sb.toString();
    }

    /** Ends the peer process (it exits when its input closes). */
    @Override
    public void close() {
        if (process == null) return;
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

    private static double num(Map<String, Object> reply, String peer, String key) {
        if (reply.get("results") instanceof Map<?, ?> res && res.get(peer) instanceof Map<?, ?> t && t.get(key) instanceof Number n) {
            double v = n.doubleValue();
            return v < 0 ? Double.NaN : v;
        }
        return Double.NaN;
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
