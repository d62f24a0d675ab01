package dev.jgrad.nn;

import static dev.jgrad.nn.BadInput.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GroupNorm, Upsample and Embedding's padding index beyond the PyTorch fixtures of
 * LayerOracleTest: float64 gradient checks of the whole layer, PyTorch's initial state, and bad input.
 */
class NormAndResampleLayersTest {
    @BeforeEach
    void seed() {
        Tensor.manualSeed(11);
    }

    private static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape);
    }

    // ---- GroupNorm ------------------------------------------------------------------------------

    @Test
    void groupNormGradchecks() {
        GroupNorm gn = new GroupNorm(2, 4);
        Init.uniform(gn.weight, 0.5, 1.5);
        Init.uniform(gn.bias, -1, 1);
        LayerGradCheck.check("GroupNorm", gn, randn(1, 2, 4, 3, 2));
        LayerGradCheck.check("GroupNorm without affine, 3-D input", new GroupNorm(3, 6, 1e-3, false), randn(2, 2, 6, 3));
    }

    @Test
    void groupNormStartsAsPyTorchsAndNormalisesEachGroup() {
        GroupNorm gn = new GroupNorm(2, 4);
        assertEquals(List.of("weight", "bias"), List.copyOf(gn.stateDict().keySet()));
        assertEquals(4, gn.weight.sum().item());
        assertEquals(0, gn.bias.abs().sum().item());
        assertTrue(new GroupNorm(1, 2, 1e-5, false).stateDict().isEmpty());
        Tensor y = gn.call(randn(3, 2, 4, 5).mul(3).add(2));
        Tensor groups = y.reshape(2, 2, 10);
        assertTrue(groups.mean(new int[] {2}, false).abs().max().item() < 1e-5);
        assertTrue(groups.var(new int[] {2}, false, 0).sub(1).abs().max().item() < 1e-3);
    }

    @Test
    void groupNormBadInputNamesTheLayerAndWhatIsAllowed() {
        fails(() -> new GroupNorm(3, 4), "GroupNorm", "numChannels (4)", "divisible by numGroups (3)");
        fails(() -> new GroupNorm(0, 4), "GroupNorm", "numGroups (0)");
        fails(() -> new GroupNorm(2, 4, -1, true), "GroupNorm", "eps", "-1");
        fails(() -> new GroupNorm(2, 4, Double.NaN, true), "GroupNorm", "eps");
        GroupNorm gn = new GroupNorm(2, 4);
        fails(() -> gn.call(randn(1, 2, 3, 5)), "GroupNorm", "expected input [N, 4, *]", "[2, 3, 5]");
        fails(() -> gn.call(randn(1, 4)), "GroupNorm", "[N, 4, *]", "[4]");
    }

    // ---- Upsample -------------------------------------------------------------------------------

    @Test
    void upsampleGradchecks() {
        LayerGradCheck.check("Upsample nearest x2", new Upsample(2, "nearest"), randn(21, 1, 2, 3, 2));
        LayerGradCheck.check("Upsample nearest to a size", new Upsample(new int[] {5, 2}, "nearest", false), randn(22, 2, 1, 3, 4));
        LayerGradCheck.check("Upsample bilinear", new Upsample(new double[] {1.5, 2}, "bilinear", false), randn(23, 1, 2, 3, 3));
        LayerGradCheck.check("Upsample bilinear align corners", new Upsample(new int[] {4, 5}, "bilinear", true), randn(24, 1, 1, 3, 2));
        LayerGradCheck.check("Upsample linear", new Upsample(new double[] {2.5}, "linear", false), randn(25, 2, 2, 3));
        LayerGradCheck.check("Upsample trilinear", new Upsample(new int[] {3, 2, 3}, "trilinear", true), randn(26, 1, 1, 2, 3, 2));
    }

    @Test
    void nearestAndBilinearGiveTheTextbookValues() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        assertArrayEquals(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, new Upsample(2, "nearest").call(x).toFloatArray());
        Tensor corners = x.interpolate(new int[] {3, 3}, null, "bilinear", true);
        assertArrayEquals(new float[] {1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4}, corners.toFloatArray());
        Tensor areas = x.interpolate(null, new double[] {2}, "bilinear", false);
        assertArrayEquals(new float[] {1, 1.25f, 1.75f, 2}, areas.select(2, 0).reshape(-1).toFloatArray());
        Tensor same = new Upsample(new int[] {2}, "bilinear", false).call(x);
        assertTrue(same.allClose(x, 0, 0) && same != x, "the same size is a copy");
    }

    @Test
    void upsampleBadInputNamesTheLayerTheArgumentAndWhatIsAllowed() {
        fails(() -> new Upsample(2, "bicubic"), "Upsample", "unknown mode \"bicubic\"", "nearest, linear, bilinear, trilinear");
        fails(() -> new Upsample(2, null), "Upsample", "unknown mode");
        fails(() -> new Upsample(0, "nearest"), "Upsample", "scale factors must be finite and > 0", "[0.0]");
        fails(() -> new Upsample(Double.NaN, "nearest"), "Upsample", "scale factors");
        fails(() -> new Upsample(new int[] {0, 3}, "nearest", false), "Upsample", "sizes must be >= 1", "[0, 3]");
        fails(() -> new Upsample(new int[] {2, 2, 2, 2}, "nearest", false), "Upsample", "size must have 1 to 3 values");
        fails(() -> new Upsample(new int[] {4}, "nearest", true), "Upsample", "alignCorners applies only to", "linear, bilinear and trilinear");
        fails(() -> new Upsample(2, "bilinear").call(randn(1, 2, 3, 4)), "Upsample", "mode \"bilinear\" needs 4-D input [N, C, H, W]", "[2, 3, 4]");
        fails(() -> new Upsample(2, "linear").call(randn(1, 2, 3, 4, 4)), "Upsample", "needs 3-D input [N, C, L]");
        fails(() -> new Upsample(2, "nearest").call(randn(1, 2, 3)), "Upsample", "3-D, 4-D or 5-D input");
        fails(() -> new Upsample(new double[] {2, 2}, "nearest", false).call(randn(1, 2, 3, 4, 4, 4)), "Upsample", "scaleFactor [2.0, 2.0]",
                "one per spatial dimension (3)");
        fails(() -> new Upsample(0.1, "nearest").call(randn(1, 1, 1, 4, 4)), "Upsample", "output size of 0", "input size 4");
        fails(() -> new Upsample(2, "nearest").call(Tensor.of(new long[] {1, 2, 3, 4}).reshape(1, 1, 2, 2)), "Upsample", "floating");
        fails(() -> randn(1, 1, 1, 2, 2).interpolate(new int[] {3}, new double[] {2}, "nearest", false), "interpolate",
                "exactly one of size and scaleFactor");
    }

    // ---- Embedding's padding index --------------------------------------------------------------

    @Test
    void thePaddingRowStartsAtZeroAndGetsNoGradient() {
        Embedding emb = new Embedding(5, 3, 1);
        assertEquals(1, emb.paddingIdx());
        assertEquals(0, emb.weight.select(0, 1).abs().sum().item());
        assertTrue(emb.weight.select(0, 0).abs().sum().item() > 0);
        try (var _ = dev.jgrad.tensor.GradMode.noGrad()) {
            emb.weight.select(0, 1).fill(7);   // a loaded checkpoint's padding vector is read as it is
        }
        Tensor idx = Tensor.of(new long[] {1, 2, 1, 4}, 2, 2);
        Tensor out = emb.call(idx);
        assertArrayEquals(new float[] {7, 7, 7}, out.select(0, 0).select(0, 0).toFloatArray());
        out.mul(Tensor.randn(new Generator(3), 2, 2, 3)).sum().backward();
        assertEquals(0, emb.weight.grad().select(0, 1).abs().sum().item(), "no gradient for the padding row");
        assertTrue(emb.weight.grad().select(0, 2).abs().sum().item() > 0);
        assertEquals(4, new Embedding(5, 3, -1).paddingIdx(), "a negative index counts from the end");
        assertEquals(-1, new Embedding(5, 3).paddingIdx());
        assertTrue(new Embedding(5, 3, 0).toString().contains("paddingIdx=0"));
    }

    @Test
    void aPaddingIndexOutsideTheTableIsRefused() {
        fails(() -> new Embedding(5, 3, 5), "Embedding", "paddingIdx must be in [-5, 5)", "5");
        fails(() -> new Embedding(5, 3, -6), "Embedding", "paddingIdx", "-6");
    }
}
