package dev.jgrad.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MPI communicator across real processes: {@code mpirun -np 2} (Open MPI, installed by
 * {@code ./jgrad test} where it can; skipped where mpirun is absent).
 */
class MpiCommunicatorTest {
    @BeforeAll
    static void needsMpirun() {
        assumeTrue(MpiRun.mpirun() != null, "mpirun is not installed (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev)");
    }

    @Test
    void collectivesAreCorrectForEverySize() throws Exception {
        MpiRun.Result r = MpiRun.run(2, 240, List.of(), MpiChild.class.getName(), "collectives");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("rank 0 ok collectives") && r.output().contains("rank 1 ok collectives"), r.output());
    }

    @Test
    void ranksCallingDifferentCollectivesFailWithBothCalls() throws Exception {
        MpiRun.Result r = MpiRun.run(2, 120, List.of("-Djgrad.dist.timeout=60"), MpiChild.class.getName(), "mismatch");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("the ranks called different collectives")
                && r.output().contains("rank 0 called #1 allReduce(SUM) float32 [4]; rank 1 called #1 broadcast(root 0) float32 [4]"), r.output());
        assertTrue(r.seconds() < 60, "fails without waiting for the timeout: " + r.seconds() + " s");
    }

    @Test
    void differentShapesFailWithBothShapes() throws Exception {
        MpiRun.Result r = MpiRun.run(2, 120, List.of("-Djgrad.dist.timeout=60"), MpiChild.class.getName(), "shape-mismatch");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("rank 0 called #1 allReduce(SUM) float32 [4]; rank 1 called #1 allReduce(SUM) float32 [5]"), r.output());
    }

    @Test
    void smallAllReducesCarryTheirDataWithTheHeaderAndMatchMpiAllreduce() throws Exception {
        MpiRun.Result r = MpiRun.run(2, 240, List.of(), MpiChild.class.getName(), "small-path");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("rank 0 ok small-path") && r.output().contains("rank 1 ok small-path"), r.output());
    }

    @Test
    void smallAllReducesAgreeOnEveryRankWithThreeRanks() throws Exception {
        MpiRun.Result r = MpiRun.run(3, 240, List.of(), MpiChild.class.getName(), "small-path");
        assertEquals(0, r.exitCode(), r.output());
        for (int k = 0; k < 3; k++) assertTrue(r.output().contains("rank " + k + " ok small-path"), r.output());
    }

    @Test
    void differentShapesFailOnTheLargePathToo() throws Exception {
        MpiRun.Result r = MpiRun.run(2, 120, List.of("-Djgrad.dist.timeout=60"), MpiChild.class.getName(), "large-shape-mismatch");
        assertNotEquals(0, r.exitCode(), r.output());
        int large = MpiChild.LARGE;
        assertTrue(r.output().contains("rank 0 called #1 allReduce(SUM) float32 [" + large + "]; rank 1 called #1 allReduce(SUM) float32 ["
                + (large + 1) + "]"), r.output());
        assertTrue(r.seconds() < 60, "fails without waiting for the timeout: " + r.seconds() + " s");
    }

    @Test
    void aSmallAndALargeAllReduceFailWithBothShapes() throws Exception {
        MpiRun.Result r = MpiRun.run(2, 120, List.of("-Djgrad.dist.timeout=60"), MpiChild.class.getName(), "small-large-mismatch");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("rank 0 called #1 allReduce(SUM) float32 [4]; rank 1 called #1 allReduce(SUM) float32 ["
                + MpiChild.LARGE + "]"), r.output());
        assertTrue(r.seconds() < 60, "fails without waiting for the timeout: " + r.seconds() + " s");
    }

    @Test
    void aRankThatNeverArrivesTimesOutTheOthers() throws Exception {
        MpiRun.Result r = MpiRun.run(2, 120, List.of("-Djgrad.dist.timeout=4"), MpiChild.class.getName(), "skip");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("rank 0: not every rank reached collective #1 allReduce(SUM) float32 [4] within 4 s"), r.output());
    }

    @Test
    void aRankThatDiesEndsTheJobInBoundedTime() throws Exception {
        MpiRun.Result r = MpiRun.run(2, 120, List.of("-Djgrad.dist.timeout=30"), MpiChild.class.getName(), "die");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.seconds() < 100, r.seconds() + " s:\n" + r.output());
        // mpirun names the rank that died and its exit code; the survivor never prints success
        assertTrue(r.output().contains("Exit code:    7") || r.output().contains("not every rank reached"), r.output());
        assertTrue(!r.output().contains("rank 0 ok die"), r.output());
    }
}
