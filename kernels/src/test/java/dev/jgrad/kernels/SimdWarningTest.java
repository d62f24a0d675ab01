package dev.jgrad.kernels;

import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.kernels.typed.ElementwiseF32;
import dev.jgrad.kernels.typed.SgemmF32;
import dev.jgrad.kernels.typed.SoftmaxF32;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JVM without {@code --add-modules jdk.incubator.vector} says so loudly: one WARNING naming the
 * flag at the first float32 kernel (not when {@link Simd} loads), however many kernels run;
 * {@code -Djgrad.requireSimd=true} turns it into an IllegalStateException; {@code -Djgrad.simd=false}
 * keeps the quiet INFO; with the flag nothing is said. Each case is a child JVM on this class path.
 */
class SimdWarningTest {
    private static final String MARK = "child: kernels start";

    /** What the child JVM runs: asks Simd about itself, marks stderr, then runs several float32 ops. */
    public static final class Child {
        public static void main(String[] args) {
            System.err.println("child: available=" + Simd.available() + " problem=" + Simd.problem().isPresent());
            System.err.println(MARK);
            int n = 40;
            float[] a = new float[n * n], b = new float[n * n], c = new float[n * n], o = new float[n * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = i % 7 - 3;
                b[i] = i % 5 - 2;
            }
            int[] shape = {a.length}, unit = {1};
            for (int round = 0; round < 3; round++) {
                SgemmF32.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
                ElementwiseF32.binary(BinaryFn.ADD, shape, o, 0, unit, a, 0, unit, b, 0, unit);
                ElementwiseF32.unary(UnaryFn.TANH, shape, o, 0, unit, a, 0, unit);
                SoftmaxF32.forward(false, n, n, a, 0, n, o, 0, n);
            }
            System.out.println("child: done");
        }
    }

    private record Run(int code, String out, String err) {
        List<String> lines(String containing) {
            return err.lines().filter(l -> l.contains(containing)).toList();
        }
    }

    private static Run child(String... jvmArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Path err = Files.createTempFile("jgrad-simd", ".err");
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
    void withoutTheFlagTheFirstKernelWarnsOnce() throws Exception {
        Run r = child();
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("child: done"), r.out);
        List<String> warnings = r.lines("WARNING");
        assertEquals(1, warnings.size(), "exactly one warning:\n" + r.err);
        String w = warnings.get(0);
        assertTrue(w.startsWith("WARNING: jgrad: "), w);
        assertTrue(w.contains("start the JVM with --add-modules jdk.incubator.vector"), w);
        assertTrue(w.contains("on the class path and on the module path alike"), w);
        assertTrue(w.contains("30-50x slower for matmul"), w);
        assertTrue(w.contains("-Djgrad.simd=false"), w);
        assertTrue(r.err.indexOf(MARK) < r.err.indexOf(w), "logged at the first kernel, not when Simd loads:\n" + r.err);
        assertTrue(r.lines("INFO").isEmpty(), r.err);
    }

    @Test
    void requireSimdMakesTheFirstKernelFail() throws Exception {
        Run r = child("-Djgrad.requireSimd=true");
        assertNotEquals(0, r.code, r.err);
        assertFalse(r.out.contains("child: done"), r.out);
        assertTrue(r.err.contains("java.lang.IllegalStateException: jgrad: -Djgrad.requireSimd=true, but module jdk.incubator.vector"
                + " is not available"), r.err);
        assertTrue(r.err.contains("start the JVM with --add-modules jdk.incubator.vector"), r.err);
        assertTrue(r.lines("WARNING").isEmpty(), "an error instead of the warning:\n" + r.err);
    }

    @Test
    void switchedOffOnPurposeIsOneInfoLine() throws Exception {
        Run r = child("-Djgrad.simd=false");
        assertEquals(0, r.code, r.err);
        assertTrue(r.lines("WARNING").isEmpty(), r.err);
        assertEquals(1, r.lines("INFO: jgrad: SIMD switched off by -Djgrad.simd=false").size(), r.err);
    }

    @Test
    void withTheFlagNothingIsSaid() throws Exception {
        Run r = child("--add-modules", "jdk.incubator.vector", "-Djgrad.requireSimd=true");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("child: done"), r.out);
        assertTrue(r.err.contains("child: available=true problem=false"), r.err);
        assertTrue(r.lines("jgrad").stream().allMatch(l -> l.startsWith("child:")), r.err);
        // the JDK's own "WARNING: Using incubator modules" is the only warning
        assertTrue(r.lines("WARNING").stream().allMatch(l -> l.contains("Using incubator modules")), r.err);
    }

    @Test
    void requirePassesAndReportsTheSpeciesWithTheVectorApi() {
        assertTrue(Simd.available(), "the build runs tests with " + Simd.FLAG);
        Simd.require();
        assertTrue(Simd.problem().isEmpty());
        assertTrue(Simd.preferredBits() >= 128, "bits " + Simd.preferredBits());
        assertEquals(Simd.preferredBits() / 32, Simd.floatLanes());
    }
}
