package dev.jgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./jgrad bench}: user errors are one line and exit code 2 before any measuring; help exits 0. */
class BenchCliTest {
    @TempDir
    Path dir;

    @Test
    void userErrorsAreOneLineAndExitCode2() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        String[][] cases = {
            {"--threads", "--threads", "0"}, {"--threads", "--threads", "abc"}, {"--threads", "--threads"},
            {"--only", "--only", "["}, {"--only", "--only", "no-such-case"},
            {"--budget", "--budget", "0"}, {"--warmup", "--warmup", "-1"}, {"--max-call", "--max-call", "nan"},
            {"--blas-dir", "--blas-dir", dir.resolve("missing").toString()}, {"--out", "--out", file.toString()},
            {"--foo", "--foo"}, {"cpux", "cpux"}, {"--no-peers", "--no-peers=1"},
            {"--size", "--size", "512"}, {"--size", "ladder", "--size", "8"}, {"--size", "ladder", "--size", "9000"},
            {"--only", "ladder", "--only", "matmul"},
        };
        for (String[] c : cases) {
            String[] argv = java.util.Arrays.copyOfRange(c, 1, c.length);
            Run r = run(() -> Main.run(argv));
            String what = String.join(" ", argv) + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
            assertEquals(2, r.code, what);
            assertEquals(1, r.err.lines().count(), "one line: " + what);
            assertTrue(r.err.startsWith("jgrad bench: ") && r.err.contains(c[0]), what);
            assertFalse(r.err.contains("Exception") || r.err.contains("at dev.jgrad"), what);
            assertEquals("", r.out, "nothing measured: " + what);
        }
    }

    @Test
    void helpExitsZeroAndListStillWorks() {
        for (String help : new String[] {"--help", "-h", "help"}) {
            Run r = run(() -> Main.run("--threads", "0", help));
            assertEquals(0, r.code, r.err);
            assertTrue(r.out.startsWith("usage: jgrad bench"), r.out);
            assertTrue(r.out.contains("--no-peers"), r.out);
        }
        Run list = run(() -> Main.run("list", "--only", "^matmul/"));
        assertEquals(0, list.code, list.err);
        assertEquals(Workloads.SGEMM_SIZES.length, list.out.lines().count(), list.out);
        assertTrue(list.out.startsWith("matmul/64"), list.out);
    }

    private record Run(int code, String out, String err) {}

    private static synchronized Run run(Supplier<Integer> main) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(main.get(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
