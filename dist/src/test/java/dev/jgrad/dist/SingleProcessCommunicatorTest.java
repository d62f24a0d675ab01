package dev.jgrad.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Without mpirun: one rank, the same checks as with MPI. */
class SingleProcessCommunicatorTest {
    @Test
    void worldWithoutMpirunIsOneRank() {
        Communicator c = Communicator.world();
        assertFalse(Communicator.launchedByMpi());
        assertEquals(0, c.rank());
        assertEquals(1, c.size());
        assertSame(c, Communicator.world());
        assertTrue(c.engine().contains("one process"));
    }

    @Test
    void collectivesOfOneRankAreTheIdentity() {
        try (Communicator c = Communicator.single()) {
            Tensor t = Tensor.of(new float[] {1, 2, 3}, 3);
            c.allReduce(t, ReduceOp.AVG);
            assertArrayEquals(new float[] {1, 2, 3}, t.toFloatArray());
            c.allReduceAsync(t, ReduceOp.SUM).await();
            c.broadcast(t, 0);
            assertArrayEquals(new float[] {1, 2, 3}, t.toFloatArray());
            Tensor g = c.allGather(Tensor.scalar(5));
            assertArrayEquals(new int[] {1}, g.shape());
            assertArrayEquals(new int[] {2, 3}, c.allGather(Tensor.zeros(2, 3)).shape());
            c.barrier();
        }
    }

    @Test
    void badInputIsAClearErrorBeforeAnyCommunication() {
        try (Communicator c = Communicator.single()) {
            assertMessage(IllegalArgumentException.class, () -> c.allReduce(null), "allReduce: the tensor is null");
            assertMessage(IllegalArgumentException.class, () -> c.allReduce(Tensor.zeros(DType.BOOL, 3)), "cannot reduce a bool tensor");
            assertMessage(IllegalArgumentException.class, () -> c.allReduce(Tensor.zeros(DType.INT64, 3), ReduceOp.AVG), "AVG needs a floating-point");
            assertMessage(IllegalArgumentException.class, () -> c.allReduce(Tensor.zeros(3, 4).t()), "expects a contiguous tensor");
            assertMessage(IllegalArgumentException.class, () -> c.broadcast(Tensor.zeros(3), 1), "root must be a rank from 0 to 0, got 1");
        }
    }

    @Test
    void aClosedCommunicatorRefusesCollectives() {
        Communicator c = Communicator.single();
        c.close();
        c.close();   // idempotent
        assertTrue(c.isClosed());
        assertMessage(IllegalStateException.class, () -> c.allReduce(Tensor.zeros(3)), "allReduce: the communicator is closed");
        assertMessage(IllegalStateException.class, c::barrier, "barrier: the communicator is closed");
    }

    @Test
    void aTensorThatRequiresGradNeedsNoGradOnMpi() {
        // the single communicator changes nothing; the MPI one refuses through Tensor's in-place check (MpiChild covers it)
        Tensor w = Tensor.zeros(3).requiresGrad(true);
        try (var g = GradMode.noGrad(); Communicator c = Communicator.single()) {
            c.allReduce(w);
        }
    }

    private static <T extends Throwable> void assertMessage(Class<T> type, org.junit.jupiter.api.function.Executable body, String part) {
        T e = assertThrows(type, body);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
