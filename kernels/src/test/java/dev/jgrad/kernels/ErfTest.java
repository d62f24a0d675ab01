package dev.jgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Erf against values computed to 40 digits with mpmath (at the exact double arguments). */
class ErfTest {

    @ParameterizedTest(name = "erf({0}) = {1}")
    @CsvSource({
        "0.5,     0.52049987781304653768",
        "1.0,     0.84270079294971486934",
        "2.0,     0.99532226501895273416",
        "3.0,     0.99997790950300141456",
        "-1.5,   -0.96610514647531072707",
        "-0.7,   -0.67780119383741844228",
        "0.1,     0.1124629160182848984",
        "2.5,     0.99959304798255504106",
        "2.9999,  0.99997789557351783909",  // last point of the series branch
        "3.0001,  0.9999779234241298067",   // first point of the continued-fraction branch
        "4.0,     0.99999998458274209972",
        "5.0,     0.99999999999846254021",
        "1e-10,   1.128379167095512615e-10",
    })
    void matchesHighPrecisionValues(double x, double expected) {
        double got = Erf.erf(x);
        assertEquals(expected, got, 1e-15 * Math.abs(expected), () -> "erf(" + x + ") = " + got);
    }

    @Test
    void isOdd() {
        for (double x : new double[] {0.25, 1.0, 2.75, 3.5, 8.0}) assertEquals(-Erf.erf(x), Erf.erf(-x), 0.0);
    }

    @Test
    void saturatesAtOne() {
        assertEquals(1.0, Erf.erf(6.0), 0.0);
        assertEquals(1.0, Erf.erf(30.0), 0.0);
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY), 0.0);
        assertEquals(1.0, Erf.erf(Double.POSITIVE_INFINITY), 0.0);
    }

    @Test
    void zeroAndNaN() {
        assertEquals(0.0, Erf.erf(0.0), 0.0);
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)));
    }
}
