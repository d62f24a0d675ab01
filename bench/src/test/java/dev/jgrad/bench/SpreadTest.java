package dev.jgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Spread}: median, percentiles and the ± figure the table prints. */
class SpreadTest {
    @Test
    void medianAndPercentilesInterpolate() {
        Spread s = Spread.of(5, 1, 4, 2, 3);   // order does not matter
        assertEquals(3, s.median());
        assertEquals(1.4, s.p10(), 1e-12);   // 0.1 · 4 = 0.4 of the way from 1 to 2
        assertEquals(4.6, s.p90(), 1e-12);
        assertEquals(1, s.min());
        assertEquals(5, s.max());
        assertEquals(5, s.count());
        assertEquals(2.5, Spread.of(1, 2, 3, 4).median());
        assertEquals((4.6 - 1.4) / 3, s.relativeWidth(), 1e-12);
        assertEquals(4.0 / 3, s.relativeRange(), 1e-12);
    }

    @Test
    void nanIsLeftOutAndNothingIsNone() {
        assertEquals(2, Spread.of(1, Double.NaN, 3).median());
        assertEquals(Spread.NONE, Spread.of());
        assertEquals(Spread.NONE, Spread.of(Double.NaN));
        assertEquals("", Spread.NONE.plusMinus());
        assertEquals("", Spread.NONE.timeRange());
        Spread one = Spread.of(7);
        assertEquals(7, one.p10());
        assertEquals(7, one.p90());
    }

    @Test
    void plusMinusIsHalfTheMiddleEightyPercent() {
        Spread s = Spread.of(0.98e-6, 1.0e-6, 1.02e-6);
        assertEquals("±1.6%", s.plusMinus());
        assertTrue(s.timeRange().endsWith("µs") && s.timeRange().contains("–"), s.timeRange());
        assertEquals("±40%", Spread.of(1, 2, 3).plusMinus());   // p10 1.2, p90 2.8
    }
}
