package dev.jgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Values of {@link UnaryFn} and {@link BinaryFn} at points where they are easy to get wrong. */
class ElementFunctionsTest {

    @Test
    void sigmoidIsFiniteAtBothExtremes() {
        assertEquals(0.5, UnaryFn.SIGMOID.apply(0), 0);
        assertEquals(1.0, UnaryFn.SIGMOID.apply(1000), 0);
        assertEquals(0.0, UnaryFn.SIGMOID.apply(-1000), 0);
        assertEquals(1 / (1 + Math.exp(-2)), UnaryFn.SIGMOID.apply(2), 1e-16);
        assertEquals(Math.exp(-2) / (1 + Math.exp(-2)), UnaryFn.SIGMOID.apply(-2), 1e-16);
    }

    @Test
    void geluExactAndTanh() {
        // 40-digit references (mpmath)
        assertEquals(0.8413447460685429, UnaryFn.GELU.apply(1), 1e-15);
        assertEquals(-0.15865525393145705, UnaryFn.GELU.apply(-1), 1e-15);
        assertEquals(0.34573123063700656, UnaryFn.GELU.apply(0.5), 1e-15);
        assertEquals(0.8411919906082767, UnaryFn.GELU_TANH.apply(1), 1e-15);
        assertEquals(-0.1588080093917233, UnaryFn.GELU_TANH.apply(-1), 1e-15);
    }

    @Test
    void reluSignAndNaN() {
        assertEquals(0, UnaryFn.RELU.apply(-3), 0);
        assertEquals(2.5, UnaryFn.RELU.apply(2.5), 0);
        assertTrue(Double.isNaN(UnaryFn.RELU.apply(Double.NaN)));
        assertEquals(-1, UnaryFn.SIGN.apply(-0.1), 0);
        assertEquals(0, UnaryFn.SIGN.apply(0), 0);
        assertTrue(Double.isNaN(UnaryFn.SIGN.apply(Double.NaN)));
    }

    @Test
    void notAndNonFinite() {
        assertEquals(1, UnaryFn.NOT.apply(0), 0);
        assertEquals(0, UnaryFn.NOT.apply(-2), 0);
        assertEquals(1, UnaryFn.IS_NONFINITE.apply(Double.NaN), 0);
        assertEquals(1, UnaryFn.IS_NONFINITE.apply(Double.NEGATIVE_INFINITY), 0);
        assertEquals(0, UnaryFn.IS_NONFINITE.apply(Double.MAX_VALUE), 0);
    }

    @Test
    void binaryValues() {
        assertEquals(1024, BinaryFn.POW.apply(2, 10), 0);
        assertTrue(Double.isNaN(BinaryFn.MAXIMUM.apply(Double.NaN, 1)));
        assertTrue(Double.isNaN(BinaryFn.MINIMUM.apply(1, Double.NaN)));
        assertEquals(0, BinaryFn.EQ.apply(Double.NaN, Double.NaN), 0);
        assertEquals(1, BinaryFn.NE.apply(Double.NaN, Double.NaN), 0);
        assertEquals(1, BinaryFn.AND.apply(2, -1), 0);
        assertEquals(0, BinaryFn.OR.apply(0, 0), 0);
    }

    @Test
    void predicatesAreExactlyTheComparisonsAndLogic() {
        for (BinaryFn f : BinaryFn.values()) {
            boolean expected = switch (f) {
                case EQ, NE, LT, LE, GT, GE, AND, OR -> true;
                default -> false;
            };
            assertEquals(expected, f.isPredicate(), f.name());
        }
        assertFalse(BinaryFn.MINIMUM.isPredicate());
    }
}
