package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

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

    private static void fails(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "\"" + e.getMessage() + "\" lacks \"" + f + "\"");
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
}
