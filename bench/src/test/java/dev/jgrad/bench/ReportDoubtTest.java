package dev.jgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The table's ratio cells and its WIDE / COLD? flags, on made-up figures. */
class ReportDoubtTest {
    private static final Timing.Warm SETTLED = new Timing.Warm(10, 1e-3, 2e-3, 0.3, 40, true, false);

    private static Report.Row row(Spread jgrad, Timing.Warm warm, Peers.PeerTime torch) {
        Timing.Result r = new Timing.Result(jgrad, 10, 1.0, warm, "");
        return new Report.Row(Workloads.matmul(64), r, "", new Peers.Times(Peers.PeerTime.NONE, torch, null), true, "0.5");
    }

    @Test
    void ratioCellShowsMedianAndRange() {
        assertEquals("0.77× [0.72–0.80]", Report.ratioCell(Spread.of(0.72, 0.77, 0.80)));
        assertEquals("1.50×", Report.ratioCell(Spread.of(1.5)));
        assertEquals("", Report.ratioCell(Spread.NONE));
    }

    @Test
    void tightFiguresRaiseNoDoubt() {
        Peers.PeerTime torch = new Peers.PeerTime(Spread.of(1.0, 1.01, 1.02), 1.0, Spread.of(1.9, 2.0, 2.1), true, "");
        Report.Row r = row(Spread.of(0.5, 0.505, 0.51), SETTLED, torch);
        assertEquals("", r.doubt());
        assertEquals(2.0, r.vsTorch(), 1e-12);
    }

    @Test
    void wideSamplesWideRatiosAndUnsettledWarmUpAreFlagged() {
        Peers.PeerTime tight = new Peers.PeerTime(Spread.of(1.0, 1.01, 1.02), 1.0, Spread.of(2.0, 2.0), true, "");
        assertEquals("WIDE (jgrad)", row(Spread.of(0.5, 0.7, 0.9), SETTLED, tight).doubt());
        Peers.PeerTime wideRatio = new Peers.PeerTime(Spread.of(1.0, 1.01), 1.0, Spread.of(1.5, 2.0, 2.5), true, "");
        assertEquals("WIDE (torch)", row(Spread.of(0.5, 0.5), SETTLED, wideRatio).doubt());
        Timing.Warm cold = new Timing.Warm(10, 1e-3, 2e-3, 2.0, 300, false, false);
        assertEquals("COLD?", row(Spread.of(0.5, 0.5), cold, tight).doubt());
        Peers.PeerTime coldPeer = new Peers.PeerTime(Spread.of(1.0), 1.0, Spread.of(2.0), false, "");
        assertTrue(row(Spread.of(0.5, 0.9), SETTLED, coldPeer).doubt().equals("WIDE (jgrad); COLD?"));
    }
}
