package dev.jgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Timing}'s warm-up stopping rule and calls-per-sample, on given numbers (no timing). */
class TimingRuleTest {
    private static List<Double> of(double... v) {
        List<Double> l = new ArrayList<>();
        for (double d : v) l.add(d);
        return l;
    }

    @Test
    void tooFewBatchesNeverSettle() {
        assertFalse(Timing.settled(of(1, 1, 1, 1, 1, 1, 1, 1, 1)));   // 2 windows of 5 needed
        assertTrue(Timing.settled(of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
    }

    @Test
    void stillImprovingDoesNotSettle() {
        // The cold 64³ matmul: interpreted, then C1, then C2 code, each window faster than the last.
        assertFalse(Timing.settled(of(750, 700, 400, 300, 200, 150, 100, 60, 20, 6)));
        assertFalse(Timing.settled(of(20, 20, 19, 20, 20, 6, 6, 6, 5.9, 6)));
        assertTrue(Timing.settled(of(20, 20, 19, 20, 20, 6, 6, 6, 5.9, 6, 6, 6.1, 5.8, 6, 6)));
    }

    @Test
    void spikesFromOtherWorkDoNotKeepItGoing() {
        assertTrue(Timing.settled(of(120, 125, 390, 122, 121, 124, 510, 119, 121, 123)));
        // but a jump to a slower level (a deoptimisation, a GC-heavy phase) does
        assertFalse(Timing.settled(of(6, 6, 6, 6, 6, 9, 9, 9, 9, 9)));
    }

    @Test
    void jitMustBeQuietOverTheWindow() {
        List<Long> compiling = List.of(10L, 20L, 30L, 40L, 50L, 60L);
        List<Long> quiet = List.of(10L, 20L, 60L, 60L, 60L, 60L, 60L, 60L);
        assertFalse(Timing.jitQuiet(compiling));
        assertTrue(Timing.jitQuiet(quiet));
        assertFalse(Timing.jitQuiet(List.of(60L, 60L)));
        assertTrue(Timing.jitQuiet(List.of(-1L, -1L, -1L, -1L, -1L, -1L)));   // the JVM cannot tell
    }

    @Test
    void jitIdleReadsTheCompilerQueue() {
        String idle = "Current compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n\n";
        String compiling = "Current compiles: \n C2 CompilerThread0   1234 %   4   dev.jgrad.kernels.simd.SgemmVec::kernel @ 57 (1830 bytes)\n\n"
                + "C1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n";
        String queued = "Current compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\n  1301       4       java.util.Arrays::fill (21 bytes)\n";
        assertTrue(Timing.jitIdle(idle));
        assertFalse(Timing.jitIdle(compiling));
        assertFalse(Timing.jitIdle(queued));
        assertTrue(Timing.jitIdle(null));   // the JVM cannot tell
    }

    @Test
    void callsPerSampleLastAtLeastTheSampleTime() {
        assertEquals(1000, Timing.callsPerSample(5e-6));
        assertEquals(1, Timing.callsPerSample(0.1));
        assertEquals(1_000_000, Timing.callsPerSample(0));
    }

    @Test
    void budgetNeedsARound() {
        assertEquals(1, new Timing.Budget(1, 2, 8).rounds());
        assertThrows(IllegalArgumentException.class, () -> new Timing.Budget(1, 2, 8, 0));
    }

    @Test
    void measureRunsTheBodyAndReportsTheWarmUp() {
        int[] calls = {0};
        Timing.Result r = Timing.measure(() -> calls[0]++, new Timing.Budget(0.05, 0.01, 8));
        assertTrue(calls[0] > 2);
        assertTrue(r.samples() >= 1);
        assertFalse(r.warm().single());
        Timing.Result cold = Timing.measure(() -> calls[0]++, new Timing.Budget(0.05, 0.01, 0));
        assertTrue(cold.warm().single());
        assertEquals(1, cold.samples());
    }
}
