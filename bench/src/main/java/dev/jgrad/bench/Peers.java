package dev.jgrad.bench;

import dev.jgrad.tensor.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code bench/python/cpu_peers.py} with a Python that has numpy and/or PyTorch, passing
 * the suite as JSON on stdin and reading the peers' timings back as JSON.
 *
 * <pre>{@code
 * Peers.Outcome o = Peers.run(suite, 2, budget, null, null, null);
 * if (o.available()) System.out.println(o.json().get("torch"));
 * }</pre>
 */
public final class Peers {
    private Peers() {}

    /** A peer run: the parsed JSON (null when no peer ran) and a line saying what happened. */
    public record Outcome(Map<String, Object> json, String message) {
        public boolean available() {
            return json != null;
        }

        /** Whether numpy's BLAS is OpenBLAS (Debian's numpy falls back to the much slower reference BLAS without it). */
        @SuppressWarnings("unchecked")
        public boolean numpyHasOpenBlas() {
            return json != null && json.get("numpy") instanceof Map<?, ?> m && Boolean.TRUE.equals(((Map<String, Object>) m).get("openblas"));
        }

        /** The median seconds of {@code peer} ("numpy" or "torch") on case {@code id}, or NaN. */
        public double median(String id, String peer) {
            Map<String, Object> m = timing(id, peer);
            return m == null ? Double.NaN : ((Number) m.get("median_s")).doubleValue();
        }

        /** The peer's raw timing record for a case, or null. */
        @SuppressWarnings("unchecked")
        public Map<String, Object> timing(String id, String peer) {
            if (json == null) return null;
            Object results = json.get("results");
            if (!(results instanceof Map<?, ?> r) || !(r.get(id) instanceof Map<?, ?> c)) return null;
            return c.get(peer) instanceof Map<?, ?> t ? (Map<String, Object>) t : null;
        }

        /** "numpy 1.24.2 (openblas …)" or why it is absent. */
        @SuppressWarnings("unchecked")
        public String describe(String peer) {
            if (json == null) return peer + ": not run";
            Map<String, Object> m = (Map<String, Object>) json.get(peer);
            if (m == null || !Boolean.TRUE.equals(m.get("available"))) {
                return peer + ": absent" + (m != null && m.get("reason") != null ? " (" + m.get("reason") + ")" : "");
            }
            StringBuilder sb = new StringBuilder(peer + " " + m.get("version"));
            if (m.get("blas") != null) sb.append(", BLAS: ").append(m.get("blas"));
            if (m.get("blas_threads") != null) sb.append(" (").append(m.get("blas_threads")).append(" threads)");
            if (m.get("num_threads") != null) sb.append(", ").append(m.get("num_threads")).append(" threads");
            if (m.get("mkldnn") != null) sb.append(", oneDNN ").append(Boolean.TRUE.equals(m.get("mkldnn")) ? "on" : "off");
            return sb.toString();
        }
    }

    /**
     * Runs the peer script on {@code cases}.
     *
     * @param python the interpreter to use, or null to find one ({@code /usr/bin/python3}, then
     *               {@code python3} on the PATH, preferring one with torch)
     * @param script the script, or null for {@code bench/python/cpu_peers.py} under the working
     *               directory or else the copy inside this jar
     * @param blasDir a directory holding an OpenBLAS {@code libblas.so.3} to put first on the
     *               peer process's {@code LD_LIBRARY_PATH}, or null
     */
    public static Outcome run(List<Workload> cases, int threads, Timing.Budget budget, String python, Path script, Path blasDir) {
        String py = python != null ? python : findPython();
        if (py == null) {
            return new Outcome(null, "peers skipped: no Python with numpy or torch found (tried /usr/bin/python3 and python3; "
                    + "on Debian/Ubuntu: apt-get install python3-torch python3-numpy)");
        }
        try {
            Path file = script != null ? script : locateScript();
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("threads", (long) threads);
            spec.put("budget", Map.of("warmup_s", budget.warmupSeconds(), "measure_s", budget.measureSeconds(),
                    "max_call_s", budget.maxCallSeconds()));
            List<Object> list = new ArrayList<>();
            for (Workload w : cases) {
                Map<String, Object> c = new LinkedHashMap<>(w.peer());
                c.put("id", w.id());
                c.put("openblas", w.openBlas());
                list.add(c);
            }
            spec.put("cases", list);

            ProcessBuilder pb = new ProcessBuilder(py, file.toString());
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            Map<String, String> env = pb.environment();
            for (String v : new String[] {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"}) env.put(v, Integer.toString(threads));
            if (blasDir != null) {
                String old = env.get("LD_LIBRARY_PATH");
                env.put("LD_LIBRARY_PATH", blasDir.toAbsolutePath() + (old == null || old.isEmpty() ? "" : ":" + old));
            }
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(Json.write(spec).getBytes(StandardCharsets.UTF_8));
            }
            String out;
            try (InputStream s = p.getInputStream()) {
                out = new String(s.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (!p.waitFor(60, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Outcome(null, "peers skipped: " + py + " " + file + " did not finish");
            }
            if (p.exitValue() != 0 || out.isEmpty()) {
                return new Outcome(null, "peers skipped: " + py + " " + file + " exited with status " + p.exitValue());
            }
            Map<String, Object> json = Json.parseObject(out.substring(out.lastIndexOf("\n{") + 1));
            return new Outcome(json, "peers: " + py);
        } catch (IOException | RuntimeException e) {
            return new Outcome(null, "peers skipped: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(null, "peers skipped: interrupted");
        }
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
        try (InputStream in = Peers.class.getResourceAsStream("python/cpu_peers.py")) {
            if (in == null) throw new IOException("cpu_peers.py is neither at " + local.toAbsolutePath() + " nor inside the jar");
            Path tmp = Files.createTempFile("jgrad-cpu-peers", ".py");
            tmp.toFile().deleteOnExit();
            Files.write(tmp, in.readAllBytes());
            return tmp;
        }
    }
}
