package dev.jgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Convolution output sizes against PyTorch's ⌊(in + 2p − d(k−1) − 1) / s⌋ + 1. */
class ConvShapeTest {

    @ParameterizedTest(name = "in={0} k={1} s={2} p={3} d={4} → {5}")
    @CsvSource({
        "28, 3, 1, 1, 1, 28",
        "28, 3, 2, 1, 1, 14",
        "28, 5, 1, 0, 1, 24",
        "28, 3, 1, 0, 2, 24",
        "7,  3, 3, 0, 1, 2",
        "3,  3, 1, 0, 1, 1",
        "1,  1, 5, 0, 1, 1",
        "224, 7, 2, 3, 1, 112",
    })
    void matchesPyTorch(int in, int k, int s, int p, int d, int expected) {
        ConvShape cs = new ConvShape(4, 6, in, in, 8, k, k, s, s, p, p, d, d, 2);
        assertEquals(expected, cs.outH());
        assertEquals(expected, cs.outW());
        assertEquals(3, cs.cPerGroup());
        assertEquals(4, cs.kPerGroup());
    }

    @Test
    void kernelLargerThanInputGivesNoWindowForAnyStride() {
        // a 3-wide kernel does not fit a 2-wide input: no output position, whatever the stride
        assertTrue(new ConvShape(1, 1, 2, 2, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1).outH() < 1);
        assertTrue(new ConvShape(1, 1, 2, 2, 1, 3, 3, 2, 2, 0, 0, 1, 1, 1).outH() < 1);
        assertTrue(new ConvShape(1, 1, 2, 2, 1, 3, 3, 3, 3, 0, 0, 1, 1, 1).outW() < 1);
        // dilation 2 makes a 2-tap kernel 3 wide
        assertTrue(new ConvShape(1, 1, 2, 2, 1, 2, 2, 2, 2, 0, 0, 2, 2, 1).outH() < 1);
    }

    @Test
    void rejectsGroupsThatDoNotDivideTheChannels() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 6, 8, 8, 4, 3, 3, 1, 1, 0, 0, 1, 1, 4));
        assertEquals("conv2d: groups=4 must divide input channels 6 and output channels 4", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 6, 8, 8, 4, 3, 3, 1, 1, 0, 0, 1, 1, 0));
    }

    @Test
    void rejectsBadStridePaddingDilation() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 1, 8, 8, 1, 3, 3, 0, 1, 0, 0, 1, 1, 1));
        assertTrue(e.getMessage().contains("stride (0, 1)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 1, 8, 8, 1, 3, 3, 1, 1, -1, 0, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 1, 8, 8, 1, 3, 3, 1, 1, 0, 0, 1, 0, 1));
    }
}
