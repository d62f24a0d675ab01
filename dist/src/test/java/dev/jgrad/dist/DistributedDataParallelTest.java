package dev.jgrad.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Sequential;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DDP in one process (its buckets, hooks and checks) and across two ranks with mpirun (the MNIST CNN). */
class DistributedDataParallelTest {

    @Test
    void bucketsFollowReverseRegistrationOrderAndTheSize() {
        Tensor.manualSeed(1);
        Sequential m = new Sequential(new Linear(100, 50), new Linear(50, 10));   // 5000+50 and 500+10 floats
        DistributedDataParallel ddp = new DistributedDataParallel(m, Communicator.single(), 4 * 600);
        assertEquals(List.of(List.of("1.bias", "1.weight", "0.bias"), List.of("0.weight")), ddp.buckets());   // 2240 bytes, then 20000
        DistributedDataParallel one = new DistributedDataParallel(new Sequential(new Linear(100, 50), new Linear(50, 10)), Communicator.single());
        assertEquals(1, one.buckets().size());
    }

    @Test
    void oneRankLeavesGradientsAsTheyAreWithAndWithoutNoSync() {
        Tensor.manualSeed(2);
        Sequential m = new Sequential(new Linear(4, 3), new Linear(3, 2));
        DistributedDataParallel ddp = new DistributedDataParallel(m, Communicator.single(), 16);
        Tensor x = Tensor.randn(5, 4), y = Tensor.of(new long[] {0, 1, 1, 0, 1}, 5);
        Losses.crossEntropy(ddp.call(x), y).backward();
        float[] g1 = m.parameters().get(0).grad().toFloatArray();
        m.zeroGrad();
        Losses.crossEntropy(m.call(x), y).backward();
        assertArrayEquals(m.parameters().get(0).grad().toFloatArray(), g1);
        try (var s = ddp.noSync()) {
            Losses.crossEntropy(ddp.call(x), y).backward();   // accumulates
            IllegalStateException e = assertThrows(IllegalStateException.class, ddp::noSync);
            assertTrue(e.getMessage().contains("already inside a noSync scope"), e.getMessage());
        }
        float[] twice = m.parameters().get(0).grad().toFloatArray();
        for (int i = 0; i < g1.length; i++) assertEquals(2 * g1[i], twice[i], 1e-6f);
    }

    @Test
    void badArgumentsAreClearErrors() {
        Linear l = new Linear(2, 2);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistributedDataParallel(null, Communicator.single())).getMessage()
                .contains("the module is null"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistributedDataParallel(l, null)).getMessage()
                .contains("the communicator is null"));
        Communicator closed = Communicator.single();
        closed.close();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistributedDataParallel(l, closed)).getMessage()
                .contains("the communicator is closed"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistributedDataParallel(l, Communicator.single(), 0)).getMessage()
                .contains("bucket size must be > 0"));
    }

    @Test
    void twoRanksTrainTheMnistCnnAsOneProcessOnTheWholeBatches() throws Exception {
        assumeTrue(MpiRun.mpirun() != null, "mpirun is not installed");
        for (String mode : new String[] {"plain", "accumulate"}) {
            MpiRun.Result r = MpiRun.run(2, 240, List.of(), DdpChild.class.getName(), mode);
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(r.output().contains("rank 0 identical across ranks") && r.output().contains("rank 1 identical across ranks"), r.output());
            assertTrue(r.output().contains("rank 0 ok ddp") && r.output().contains("rank 1 ok ddp"), r.output());
        }
    }
}
