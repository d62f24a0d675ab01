package dev.jgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Contest}: the interleaving order and the per-round ratio statistics (fake contestants, no timing). */
class ContestTest {
    /** A contestant whose block r returns the given per-call times and records when it ran. */
    private record Fake(String name, double[][] perRound, List<String> log, int[] calls, int failAt) implements Contest.Contestant {
        Fake(String name, List<String> log, int failAt, double[]... perRound) {
            this(name, perRound, log, new int[1], failAt);
        }

        @Override
        public Timing.Block block(double seconds) {
            int r = calls[0]++;
            log.add(name + r);
            if (r == failAt) throw new IllegalStateException("peer died");
            return new Timing.Block(perRound[r], 2_000_000L, 1_000_000L);
        }
    }

    @Test
    void roundsInterleaveEveryContestantInOrder() {
        List<String> log = new ArrayList<>();
        double[] t = {1, 1, 1};
        Contest.run(List.of(new Fake("jgrad", log, -1, t, t, t), new Fake("numpy", log, -1, t, t, t), new Fake("torch", log, -1, t, t, t)), 3, 0.1);
        assertEquals(List.of("jgrad0", "numpy0", "torch0", "jgrad1", "numpy1", "torch1", "jgrad2", "numpy2", "torch2"), log);
    }

    @Test
    void ratiosArePerRoundMediansThenTheirMedian() {
        List<String> log = new ArrayList<>();
        // jgrad gets slower in round 2 (background load), and so does the peer: the round ratio stays 2.
        Fake jgrad = new Fake("jgrad", log, -1, new double[] {1, 1, 5}, new double[] {3, 3, 3}, new double[] {1, 1.2, 1.1});
        Fake peer = new Fake("torch", log, -1, new double[] {2, 2, 2}, new double[] {6, 6, 7}, new double[] {2.5, 2.5, 2.5});
        Contest.Outcome o = Contest.run(List.of(jgrad, peer), 3, 0.1);
        assertEquals(1, o.roundMedians().get(0)[0]);
        assertEquals(3, o.roundMedians().get(0)[1]);
        assertEquals(6, o.roundMedians().get(1)[1]);
        Spread ratio = o.ratio(1);
        assertEquals(3, ratio.count());
        assertEquals(2, ratio.median(), 1e-12);            // rounds: 2/1, 6/3, 2.5/1.1
        assertEquals(2, ratio.min(), 1e-12);
        assertEquals(2.5 / 1.1, ratio.max(), 1e-12);
        assertEquals(1, o.ratio(0).median(), 1e-12);
        assertEquals(9, o.time(0).count());                  // every sample pooled
        assertEquals(2.0, o.cpuPerWall().get(1), 1e-12);
        // A ratio of the pooled medians would mix the rounds: jgrad 1.2 (pooled) against torch 2.5.
        assertEquals(1.2, o.time(0).median(), 1e-12);
    }

    @Test
    void aFailingContestantIsLeftOutOfLaterRounds() {
        List<String> log = new ArrayList<>();
        double[] t = {1};
        Contest.Outcome o = Contest.run(List.of(new Fake("jgrad", log, -1, t, t, t), new Fake("numpy", log, 1, new double[] {3}, t, t)), 3, 0.1);
        assertEquals(List.of("jgrad0", "numpy0", "jgrad1", "numpy1", "jgrad2"), log);
        assertTrue(o.errors().get(1).startsWith("numpy stopped in round 2"), o.errors().get(1));
        assertEquals(1, o.ratio(1).count());
        assertEquals(3, o.ratio(1).median());
        assertEquals("", o.errors().get(0));
    }

    @Test
    void ratiosSkipRoundsWithoutBothSides() {
        Spread s = Contest.ratios(new double[] {1, Double.NaN, 2}, new double[] {2, 3, Double.NaN});
        assertEquals(1, s.count());
        assertEquals(2, s.median());
        assertThrows(IllegalArgumentException.class, () -> Contest.ratios(new double[1], new double[2]));
        assertThrows(IllegalArgumentException.class, () -> Contest.run(List.of(), 1, 0.1));
    }
}
