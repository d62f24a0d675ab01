package dev.jgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pooling output sizes against PyTorch's {@code pooling_output_shape}. */
class PoolShapeTest {

    /** PyTorch: ⌊(in + 2p − d(k−1) − 1 + (ceil ? s−1 : 0)) / s⌋ + 1, minus one in ceil mode if the last window starts past in + p. */
    private static int pytorch(int in, int k, int s, int p, int d, boolean ceil) {
        int out = Math.floorDiv(in + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0), s) + 1;
        if (ceil && (out - 1) * s >= in + p) out--;
        return out;
    }

    @ParameterizedTest(name = "in={0} k={1} s={2} p={3} d={4} ceil={5} → {6}")
    @CsvSource({
        "28, 2, 2, 0, 1, false, 14",
        "5,  2, 2, 0, 1, false, 2",
        "5,  2, 2, 0, 1, true,  3",
        "6,  3, 2, 0, 1, false, 2",
        "6,  3, 2, 0, 1, true,  3",
        "5,  2, 2, 1, 1, false, 3",
        "5,  2, 2, 1, 1, true,  3",   // ceil would give 4, but that window would start in the right padding
        "4,  2, 2, 1, 1, true,  3",
        "7,  3, 1, 1, 2, false, 5",
        "1,  1, 1, 0, 1, true,  1",
        "2,  3, 1, 1, 1, false, 2",
        "2,  3, 2, 0, 1, false, 0",
        "2,  3, 2, 0, 1, true,  1",
    })
    void matchesPyTorch(int in, int k, int s, int p, int d, boolean ceil, int expected) {
        PoolShape ps = new PoolShape(2, 3, in, in + 1, k, k, s, s, p, p, d, d, ceil);
        assertEquals(expected, pytorch(in, k, s, p, d, ceil), "the test's own formula");
        assertEquals(expected, ps.outH());
        assertEquals(pytorch(in + 1, k, s, p, d, ceil), ps.outW());
    }

    @Test
    void tooSmallInputGivesNoWindow() {
        assertEquals(0, new PoolShape(1, 1, 2, 2, 3, 3, 1, 1, 0, 0, 1, 1, false).outH());
        assertEquals(0, new PoolShape(1, 1, 2, 2, 3, 3, 2, 2, 0, 0, 1, 1, false).outH());
        // ceil mode keeps a window that starts inside the input and hangs past its end, as PyTorch does
        assertEquals(1, new PoolShape(1, 1, 2, 2, 3, 3, 2, 2, 0, 0, 1, 1, true).outH());
    }

    @Test
    void rejectsPaddingAboveHalfTheKernel() {
        var e = assertThrows(IllegalArgumentException.class, () -> new PoolShape(1, 1, 8, 8, 3, 3, 1, 1, 2, 0, 1, 1, false));
        assertTrue(e.getMessage().contains("pool2d") && e.getMessage().contains("padding (2, 0)") && e.getMessage().contains("kernel (3, 3)"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PoolShape(1, 1, 8, 8, 3, 3, 1, 1, -1, 0, 1, 1, false));
    }

    @Test
    void rejectsZeroKernelStrideOrDilation() {
        var e = assertThrows(IllegalArgumentException.class, () -> new PoolShape(1, 1, 8, 8, 2, 2, 0, 1, 0, 0, 1, 1, false));
        assertTrue(e.getMessage().contains("stride (0, 1)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PoolShape(1, 1, 8, 8, 0, 2, 1, 1, 0, 0, 1, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new PoolShape(1, 1, 8, 8, 2, 2, 1, 1, 0, 0, 1, 0, false));
    }
}
