package dev.jgrad.dist;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts {@code mpirun -np N java ... MAIN ARGS} with the test class path, for the MPI tests. */
final class MpiRun {
    private MpiRun() {}

    /** What the job printed (stdout and stderr together), its exit code and how long it took. */
    record Result(int exitCode, String output, double seconds) {}

    /** {@return the mpirun on PATH, or null} */
    static String mpirun() {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d, "mpirun");
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    static Result run(int ranks, double timeoutSeconds, List<String> jvmArgs, String main, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(mpirun(), "-np", Integer.toString(ranks), "--oversubscribe", "--bind-to", "none",
                // containers forbid the cross-memory attach Open MPI uses between ranks by default
                "--mca", "btl_vader_single_copy_mechanism", "none"));
        if ("root".equals(System.getProperty("user.name"))) cmd.add("--allow-run-as-root");
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m", "-Djgrad.gemm.tune=false",
                "-XX:+UseSerialGC"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        long t0 = System.nanoTime();
        Process p = pb.start();
        byte[][] out = new byte[1][];
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = ("(could not read the job's output: " + e + ")").getBytes(StandardCharsets.UTF_8);
            }
        });
        if (!p.waitFor((long) timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
        }
        reader.join();
        String text = new String(out[0], StandardCharsets.UTF_8).lines().filter(l -> !l.contains("Using incubator modules"))
                .reduce("", (a, b) -> a + b + "\n");
        return new Result(p.exitValue(), text, (System.nanoTime() - t0) / 1e9);
    }
}
