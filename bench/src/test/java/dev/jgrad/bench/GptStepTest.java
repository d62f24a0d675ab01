package dev.jgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.tensor.Device;
import org.junit.jupiter.api.Test;

/**
 * The GPT training step of {@link GptBench} at a tiny size (2 layers, 64 wide, 4 heads, sequence
 * 32): on the CPU in CI — the loss falls over a few AdamW steps on one fixed batch, the profile
 * shows the fused attention op forward and backward — and the same on a GPU where there is one.
 */
class GptStepTest {
    static GptBench.Options tiny(String device, boolean untied) {
        return GptBench.Options.parse("--device", device, "--layers", "2", "--width", "64", "--heads", "4", "--seq", "32", "--vocab", "97",
                "--batch", "4", "--warmup", "2", "--steps", "6", "--lr", "3e-3", "--profile", untied ? "--untied" : "--tf32");
    }

    static void check(GptBench.Result r) {
        double[] l = r.losses();
        assertEquals(8, l.length);
        assertTrue(Math.abs(l[0] - Math.log(97)) < 0.5, "the first loss is near log(vocab) = 4.57: " + l[0]);
        for (double x : l) assertTrue(Double.isFinite(x), java.util.Arrays.toString(l));
        assertTrue(l[l.length - 1] < l[0] - 0.3, "the loss falls over 8 steps on one batch: " + java.util.Arrays.toString(l));
        assertTrue(r.tokensPerSecond() > 0);
        assertTrue(r.profile().contains("attention [16x32x16] causal") && r.profile().contains("attention backward [16x32x16] causal"),
                "causal self-attention runs as the fused op with the causal flag:\n" + r.profile());
        assertTrue(r.profile().contains("matmul"), r.profile());
    }

    @Test
    void tinyGptTrainsOnTheCpu() {
        check(GptBench.run(tiny("cpu", false)));
        check(GptBench.run(tiny("cpu", true)));
    }

    @Test
    void tinyGptTrainsOnTheGpu() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        GptBench.Result r = GptBench.run(tiny("cuda", false));
        check(r);
        assertTrue(r.peakAllocated() > 0);
        assertEquals(Device.Type.CUDA, tiny("cuda", false).device().type());
    }
}
