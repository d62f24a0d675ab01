package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.cuda.Cuda;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The diagnostics report: its key lines in this JVM (started with the build's flags), and, in a
 * child JVM without {@code --add-modules jdk.incubator.vector}, the SIMD problem and its fix in
 * the verdict, {@code --strict} failing on it, and no kernel warning from the report itself.
 */
class DoctorTest {

    @Test
    void theReportHasItsKeyLinesAndAVerdict() {
        Doctor.Report r = Doctor.diagnose();
        String text = r.text();
        for (String key : List.of("jgrad version: ", "java: ", "java home: ", "mode: class path", "jvm flags: ", "vector api: ",
                "simd: on, ", "cpu: ", "available processors: ", "threads: ", "heap: max ", "cuda module: present", "native access: enabled",
                "cuda driver: ", "cublas: ", "kernel images: ")) {
            assertTrue(text.lines().anyMatch(l -> l.startsWith(key)), "no line '" + key + "' in\n" + text);
        }
        assertTrue(text.contains("jgrad version: development build\n"), text);
        assertTrue(text.lines().allMatch(l -> l.matches("[a-z:0-9 ]+: .*")), "every line is 'name: value':\n" + text);
        String last = text.lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.startsWith("verdict: "), text);
        if (!Cuda.isAvailable()) {
            assertTrue(text.contains("\ngpu kernel image: no GPU\n"), text);
            assertTrue(text.contains("cublas: not checked (no usable CUDA driver)"), text);
            assertEquals(List.of(), r.problems(), text);   // no GPU is not a problem
            assertEquals("verdict: OK, no problems found", last);
        }
    }

    private record Run(int code, String out, String err) {}

    private static Run child(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Doctor.class.getName()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile("jgrad-doctor", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
            return new Run(p.exitValue(), out, Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    @Test
    void withoutTheVectorFlagTheVerdictNamesTheFix() throws Exception {
        Run r = child();
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("\nsimd: off: module jdk.incubator.vector is not available"), r.out);
        assertTrue(r.out.contains("\nverdict: 1 problem: SIMD off: add --add-modules jdk.incubator.vector to the java command"), r.out);
        assertFalse(r.err.contains("WARNING: jgrad"), "the report runs no kernel:\n" + r.err);

        Run strict = child("--strict");
        assertEquals(1, strict.code, strict.out + strict.err);
        assertTrue(strict.out.contains("verdict: 1 problem: SIMD off"), strict.out);

        Run bad = child("--sloppy");
        assertEquals(2, bad.code, bad.err);
        assertEquals("jgrad doctor: unknown option '--sloppy' (options: --strict, --help)\n", bad.err);
        assertEquals("", bad.out);
    }
}
