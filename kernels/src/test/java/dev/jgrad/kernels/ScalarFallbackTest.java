package dev.jgrad.kernels;

import static org.junit.jupiter.api.Assertions.*;

import dev.jgrad.kernels.ladder.SgemmLadder;
import dev.jgrad.kernels.typed.Conv2dF32;
import dev.jgrad.kernels.typed.CrossEntropyF32;
import dev.jgrad.kernels.typed.DropoutF32;
import dev.jgrad.kernels.typed.ElementwiseF32;
import dev.jgrad.kernels.typed.HalfF32;
import dev.jgrad.kernels.typed.OptimF32;
import dev.jgrad.kernels.typed.SgemmF32;
import dev.jgrad.kernels.typed.SoftmaxF32;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Without {@code jdk.incubator.vector} the fast kernels still run (scalar float32 loops), say so
 * once through System.Logger, and never load a class of {@code dev.jgrad.kernels.simd} (nor any
 * {@code *Vec} class): checked in a child JVM started without {@code --add-modules}. (That the
 * scalar paths compute the same values as the SIMD ones is checked by every *F32 test, which runs
 * each case with {@link Simd#enabled()} on and off.)
 */
class ScalarFallbackTest {

    /** What the child JVM runs. */
    public static final class Child {
        public static void main(String[] args) {
            int n = 70;
            float[] a = new float[n * n], b = new float[n * n], c = new float[n * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = i % 7 - 3;
                b[i] = i % 5 - 2;
            }
            SgemmF32.sgemm(false, true, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
            double want = 0;
            for (int p = 0; p < n; p++) want += a[p] * b[3 * n + p];
            float[] o = new float[a.length];
            ElementwiseF32.unary(UnaryFn.TANH, new int[] {a.length}, o, 0, new int[] {1}, a, 0, new int[] {1});
            SoftmaxF32.forward(false, n, n, a, 0, n, o, 0, n);
            Conv2dF32.forward(new ConvShape(1, 1, n, n, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1), a, new float[18], new float[2 * n * n]);
            boolean[] mask = new boolean[a.length];
            DropoutF32.forward(a, 0, o, 0, mask, 0, a.length, 0.5f, 2f, 1, 2);
            DropoutF32.backward(a, 0, mask, 0, o, 0, a.length, 2f);
            long[] targets = new long[n];
            float[] loss = new float[n], lse = new float[n];
            CrossEntropyF32.forward(n, n, a, 0, n, targets, 0, -100, loss, 0, lse, 0);
            CrossEntropyF32.backward(n, n, a, 0, n, lse, 0, targets, 0, -100, new float[] {1}, 0, 0, o, 0, n);
            OptimF32.sgd(o, 0, a, 0, new float[a.length], 0, a.length, 0.1, 0.9, 0, 0.01, true, true);
            OptimF32.adam(o, 0, a, 0, new float[a.length], 0, new float[a.length], 0, a.length, 1e-3, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001);
            short[] h = new short[a.length];
            HalfF32.fromFloat(Half.Format.BF16, a.length, a, 0, h, 0);
            HalfF32.toFloat(Half.Format.F16, a.length, h, 0, o, 0);
            // the ladder's scalar rungs run, its Vector API rungs say why not (and their classes stay unloaded)
            StringBuilder ladder = new StringBuilder();
            for (SgemmLadder.Rung r : SgemmLadder.rungs()) {
                if (r.available()) {
                    float[] lc = new float[n * n];
                    r.create().multiply(n, n, n, a, b, lc);
                    ladder.append(r.id()).append(lc[3 * n + 5] == c[5 * n + 3] ? "=ok " : "=wrong ");
                } else {
                    ladder.append(r.id()).append(r.unavailableReason().contains(Simd.FLAG) ? "=skipped " : "=unclear ");
                }
            }
            System.out.println("ladder: " + ladder);
            System.out.println("available=" + Simd.available() + " ok=" + (c[3] == want));
        }
    }

    @Test
    void kernelsRunWithoutTheVectorModule() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xlog:class+load=info", "-cp", System.getProperty("java.class.path"),
                Child.class.getName()));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("available=false ok=true"), out);
        assertTrue(out.contains("ladder: naive=ok ikj=ok vector=skipped register=skipped blocked=skipped packed=skipped threads=skipped "
                + "production=ok"), out);
        assertEquals(1, out.split("jdk.incubator.vector is not available", -1).length - 1, "logged once:\n" + out);
        for (String line : out.split("\n")) {
            assertFalse(line.matches(".*dev\\.jgrad\\.kernels\\.(simd\\.\\w+|[\\w.]*Vec\\b).*"), "SIMD class loaded: " + line);
            assertFalse(line.contains("jdk.incubator.vector.FloatVector"), "Vector API loaded: " + line);
        }
    }
}
