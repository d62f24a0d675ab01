package dev.jgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.bench.AttentionBench.Version;
import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.launch.GemmKernels.Precision;
import dev.jgrad.cuda.runtime.Devices;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link AttentionBench} without a GPU — its options, shapes, FLOP counts, the peer keys it
 * shares with bench/python/gpu_attention_peers.py, the one-line exit — and, where a CUDA device
 * exists, a tiny run whose errors against the float64 reference must be small.
 */
class AttentionBenchTest {
    @Test
    void defaultShapesFillTheGpuAtConstantTokens() {
        AttentionOptions o = AttentionOptions.parse();
        List<String> keys = o.shapes().stream().map(AttentionShape::key).toList();
        assertEquals(12, keys.size(), keys.toString());
        assertEquals("16x16x4096x128 full", keys.get(0));
        assertEquals("16x16x4096x128 causal", keys.get(1));
        assertTrue(keys.contains("64x16x1024x128 causal") && keys.contains("16x32x4096x64 full") && keys.contains("64x32x1024x64 causal"), keys.toString());
        for (AttentionShape s : o.shapes()) assertEquals(65536L * 2048, s.elements(), s.key());
        assertEquals(20, o.reps());
        assertEquals(1024, o.checkSeq());
    }

    @Test
    void flopsFollowFlashAttentionsConvention() {
        AttentionShape full = new AttentionShape(16, 16, 4096, 128, false), causal = new AttentionShape(16, 16, 4096, 128, true);
        assertEquals(4.0 * 16 * 16 * 4096 * 4096 * 128, full.forwardFlops(), 1);
        assertEquals(2.199023255552e12, full.forwardFlops(), 1);
        assertEquals(full.forwardFlops() / 2, causal.forwardFlops(), 1);
        assertEquals(2.5 * full.forwardFlops(), full.backwardFlops(), 1);
        assertEquals(2.5 * causal.forwardFlops(), causal.backwardFlops(), 1);
        // 2.2 TFLOP in 5.5 ms: 400 TFLOP/s
        assertEquals(400, KernelTable.tflops(2.2e12, 5.5), 1e-9);
        assertEquals("attn bwd bf16 16x16x4096x128 causal", AttentionShape.peerKey("bwd", "bf16", causal));
    }

    @Test
    void optionsSelectShapesVersionsAndPasses() {
        AttentionOptions o = AttentionOptions.parse("--seq", "2048", "--head-dim", "64", "--batch", "2", "--heads", "3", "--reps", "7", "--only",
                "bf16,fwd,causal", "--check-seq", "0", "--peers", "p.txt");
        assertEquals(List.of("2x3x2048x64 causal"), o.shapes().stream().map(AttentionShape::key).toList());
        assertEquals(7, o.reps());
        assertEquals(0, o.checkSeq());
        assertEquals(Path.of("p.txt"), o.peers());
        AttentionShape s = o.shapes().get(0);
        assertTrue(o.wants(Version.BF16, "fwd", s));
        assertTrue(o.wants(Version.BF16, null, s));
        assertFalse(o.wants(Version.BF16, "bwd", s));
        assertFalse(o.wants(Version.FP32, "fwd", s));
        AttentionOptions both = AttentionOptions.parse("--only", "fp32,bf16", "--seq", "1024,512", "--tokens", "4096", "--width", "256");
        assertEquals(List.of("4x2x1024x128 full", "4x2x1024x128 causal", "8x2x512x128 full", "8x2x512x128 causal", "4x4x1024x64 full",
                "4x4x1024x64 causal", "8x4x512x64 full", "8x4x512x64 causal"), both.shapes().stream().map(AttentionShape::key).toList());
        assertTrue(both.wants(Version.FP32, "bwd", both.shapes().get(0)) && both.wants(Version.BF16, "fwd", both.shapes().get(1)));
        assertEquals(Precision.BF16, Version.BF16.precision);
    }

    @Test
    void badOptionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> AttentionOptions.parse("--only", "fp16"));
        assertThrows(IllegalArgumentException.class, () -> AttentionOptions.parse("--seq", "0"));
        assertThrows(IllegalArgumentException.class, () -> AttentionOptions.parse("--reps"));
        assertThrows(IllegalArgumentException.class, () -> AttentionOptions.parse("--size", "4"));
    }

    @Test
    void peerLinesParse() {
        var m = KernelTable.parsePeers(List.of("# PyTorch", "PEER\tattn fwd bf16 16x16x4096x128 causal\t3.250000",
                "PEER\tattn fwd bf16 16x16x4096x128 causal flash\t3.250000", "SDPA flash fwd BF16   16x16x4096x128 causal  3.25"));
        assertEquals(2, m.size());
        assertEquals(3.25, m.get("attn fwd bf16 16x16x4096x128 causal"), 0);
    }

    @Test
    void maxRelativeErrorIsTheWorstElementAgainstTheScale() {
        assertEquals(0.25, KernelTable.maxRelErr(new float[] {1, 2, 4.5f}, new double[] {1, 2, 4}) * 2, 1e-12);
        assertTrue(Double.isNaN(KernelTable.maxRelErr(new float[] {Float.NaN}, new double[] {1})));
    }

    /** The Python peer script lists the same shapes in the same order (it runs without torch for --list-shapes). */
    @Test
    void pythonPeersNameTheSameShapes() throws Exception {
        Path script = Path.of("python/gpu_attention_peers.py");
        assumeTrue(Files.exists(script), "run from the bench module");
        List<String> args = List.of("--seq", "4096,1024", "--head-dim", "128,64", "--only", "causal,bf16");
        Process p;
        try {
            var cmd = new java.util.ArrayList<>(List.of("python3", script.toString(), "--list-shapes"));
            cmd.addAll(args);
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "no python3: " + e.getMessage());
            return;
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        List<String> python = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, p.exitValue(), python.toString());
        List<String> java = AttentionOptions.parse(args.toArray(String[]::new)).shapes().stream().map(AttentionShape::key).toList();
        assertEquals(java, python);
        List<String> defaults = AttentionOptions.parse().shapes().stream().map(AttentionShape::key).toList();
        Process d = new ProcessBuilder("python3", script.toString(), "--list-shapes").redirectErrorStream(true).start();
        assertTrue(d.waitFor(60, TimeUnit.SECONDS));
        assertEquals(defaults, new String(d.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void withoutAGpuItSaysSoInOneLine() throws Exception {
        assumeFalse(Cuda.isAvailable(), "a CUDA device is present");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            AttentionBench.main(new String[] {"--reps", "3"});
        } finally {
            System.setOut(old);
        }
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("AttentionBench: no CUDA device"), lines.get(0));
    }

    /** On a GPU: small shapes (a ragged length among them), every version and pass, errors against float64 within each precision's bounds. */
    @Test
    void tinyRunMatchesTheReferenceOnTheGpu() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        AttentionOptions o = AttentionOptions.parse("--seq", "200,256", "--head-dim", "128,64", "--batch", "2", "--heads", "3", "--reps", "3");
        KernelTable t = new KernelTable(Devices.get(0), o.reps());
        t.header("vs SDPA", "max rel.err");
        List<AttentionBench.Result> r = AttentionBench.run(o, t);
        String table = String.join("\n", t.rows());
        assertTrue(r.size() >= 16, table);   // 8 shapes × FP32 fwd, bwd; BF16 where the device has it
        for (AttentionBench.Result x : r) {
            double bound = x.version() == Version.FP32 ? 1e-4 : 5e-2;
            assertTrue(x.err() < bound, x + "\n" + table);
            assertTrue(x.finite() && x.ms() > 0, x + "\n" + table);
        }
        assertFalse(Cuda.allowBf16Attention(), "the BF16 switch is restored");
    }
}
