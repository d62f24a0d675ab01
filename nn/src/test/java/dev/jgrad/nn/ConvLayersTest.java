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
 * Conv1d and ConvTranspose2d beyond the PyTorch fixtures of LayerOracleTest: float64 gradient
 * checks of the whole layer, PyTorch's initialisation bounds, picking the output size, and bad input.
 */
class ConvLayersTest {
    @BeforeEach
    void seed() {
        Tensor.manualSeed(7);
    }

    private static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape);
    }

    @Test
    void conv1dGradchecks() {
        LayerGradCheck.check("Conv1d", new Conv1d(3, 4, 3, 2, 1), randn(1, 2, 3, 7));
        LayerGradCheck.check("Conv1d dilated, grouped, no bias", new Conv1d(4, 2, 2, 1, 1, 2, 2, false), randn(2, 1, 4, 6));
        LayerGradCheck.check("Conv1d unbatched", new Conv1d(2, 3, 3), randn(3, 2, 5));
    }

    @Test
    void convTranspose2dGradchecks() {
        LayerGradCheck.check("ConvTranspose2d", new ConvTranspose2d(3, 2, 3, 2, 1), randn(4, 2, 3, 3, 3));
        LayerGradCheck.check("ConvTranspose2d grouped with output padding and dilation", new ConvTranspose2d(4, 2, new int[] {2, 3},
                new int[] {2, 1}, new int[] {0, 1}, new int[] {1, 0}, 2, true, new int[] {1, 2}), randn(5, 1, 4, 2, 3));
        LayerGradCheck.check("ConvTranspose2d unbatched", new ConvTranspose2d(2, 2, 2, 1, 0), randn(6, 2, 2, 2));
    }

    @Test
    void initialisationHasPyTorchsBoundsAndShapes() {
        Conv1d c = new Conv1d(4, 6, 5, 1, 0, 1, 2, true);
        assertArrayEquals(new int[] {6, 2, 5}, c.weight.shape());
        double wBound = Math.sqrt(1.0 / (2 * 5));   // kaiming_uniform(a = √5): gain √(1/3) · √(3 / fanIn) = 1/√fanIn
        assertTrue(c.weight.abs().max().item() <= wBound && c.weight.abs().max().item() > wBound * 0.8);
        assertTrue(c.bias.abs().max().item() <= 1 / Math.sqrt(10));
        ConvTranspose2d t = new ConvTranspose2d(4, 6, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, 2, true, new int[] {1});
        assertArrayEquals(new int[] {4, 3, 3, 3}, t.weight.shape());   // [in, out/groups, kh, kw]
        assertTrue(t.weight.abs().max().item() <= 1 / Math.sqrt(3 * 9));   // fanIn = size(1)·kh·kw, as PyTorch computes it
        assertArrayEquals(new int[] {6}, t.bias.shape());
        assertEquals(List.of("weight", "bias"), List.copyOf(t.stateDict().keySet()));
        assertEquals(List.of("weight"), List.copyOf(new Conv1d(1, 1, 1, 1, 0, 1, 1, false).stateDict().keySet()));
    }

    @Test
    void convTranspose2dPicksTheOutputPaddingForARequestedSize() {
        ConvTranspose2d up = new ConvTranspose2d(3, 2, 4, 2, 1);
        Tensor x = randn(7, 1, 3, 5, 5);
        assertArrayEquals(new int[] {1, 2, 10, 10}, up.call(x).shape());
        Tensor y = up.forward(x, new int[] {11, 10});
        assertArrayEquals(new int[] {1, 2, 11, 10}, y.shape());
        assertTrue(y.narrow(2, 0, 10).allClose(up.call(x), 1e-6, 1e-6), "the extra row is appended; the rest is unchanged");
        fails(() -> up.forward(x, new int[] {12, 10}), "ConvTranspose2d.forward", "height 12", "allowed: 10 to 11");
        fails(() -> up.forward(x, new int[] {9}), "ConvTranspose2d.forward", "outputSize must end in (height, width)");
    }

    @Test
    void badInputNamesTheLayerTheArgumentAndWhatIsAllowed() {
        Conv1d c = new Conv1d(3, 4, 3);
        fails(() -> c.call(randn(1, 2, 4, 7)), "Conv1d", "expected input [N, 3, L] or unbatched [3, L]", "[2, 4, 7]");
        fails(() -> c.call(randn(1, 2, 3, 4, 7)), "Conv1d", "[2, 3, 4, 7]");
        fails(() -> c.call(randn(1, 2, 3, 2)), "Conv1d", "input length 2", "kernel (3)");
        fails(() -> new Conv1d(3, 4, 0), "Conv1d", "kernel must be >= 1", "0");
        fails(() -> new Conv1d(3, 4, 3, 0, 0), "Conv1d", "stride must be >= 1");
        fails(() -> new Conv1d(3, 4, 3, 1, -1), "Conv1d", "padding must be >= 0");
        fails(() -> new Conv1d(3, 4, 3, 1, 0, 1, 2, true), "Conv1d", "divisible by groups=2");
        ConvTranspose2d t = new ConvTranspose2d(3, 2, 3, 1, 0);
        fails(() -> t.call(randn(1, 2, 2, 4, 4)), "ConvTranspose2d", "expected input [N, 3, H, W] or unbatched [3, H, W]", "[2, 2, 4, 4]");
        fails(() -> new ConvTranspose2d(3, 2, 3, 1, 2).call(randn(1, 1, 3, 1, 1)), "ConvTranspose2d", "output height of -1", "padding");
        fails(() -> new ConvTranspose2d(3, 2, new int[] {3}, new int[] {2}, new int[] {0}, new int[] {2}, 1, true, new int[] {1}),
                "ConvTranspose2d", "outputPadding must be smaller than either the stride or the dilation", "[2, 2]");
        fails(() -> new ConvTranspose2d(3, 2, new int[] {3, 3, 3}, new int[] {1}, new int[] {0}, new int[] {0}, 1, true, new int[] {1}),
                "ConvTranspose2d", "kernel must have 1 or 2 values");
        fails(() -> new ConvTranspose2d(3, 2, new int[] {3}, new int[] {1}, new int[] {0}, new int[] {0}, 1, true, new int[] {0}),
                "ConvTranspose2d", "dilation must be >= 1");
    }
}
