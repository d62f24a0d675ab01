package dev.jgrad.dist;

import static dev.jgrad.dist.NcclCommunicatorTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.dist.nccl.Nccl;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.optim.SGD;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** NCCL at one rank on a real GPU: skipped without a usable CUDA device or libnccl.so.2. */
class NcclGpuTest {

    @BeforeEach
    void needsAGpuAndNccl() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        assumeTrue(Nccl.load().isPresent(), Nccl.lastProblem());
    }

    @Test
    void oneRankCollectivesOnTheGpuLeaveTheTensorsAsTheyAre() {
        try (Communicator cpu = Communicator.single(); Communicator gpu = Communicator.cuda(cpu)) {
            Device d = gpu.device();
            assertEquals(Device.cuda(0), d);
            assertTrue(gpu.engine().startsWith("NCCL 2."), gpu.engine());
            for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                for (int n : new int[] {0, 1, 7, 1 << 20}) {
                    Tensor host = Tensor.randn(n).to(dtype), t = host.to(d);
                    for (ReduceOp op : ReduceOp.values()) {
                        gpu.allReduce(t, op);
                        assertArrayEquals(host.toDoubleArray(), t.to(Device.CPU).toDoubleArray(), dtype + " " + n + " " + op);
                    }
                    gpu.allReduceAsync(t, ReduceOp.SUM).await();
                    gpu.broadcast(t, 0);
                    assertArrayEquals(host.toDoubleArray(), t.to(Device.CPU).toDoubleArray());
                    Tensor g = gpu.allGather(t);
                    assertEquals(d, g.device());
                    assertArrayEquals(host.toDoubleArray(), g.to(Device.CPU).toDoubleArray());
                }
            }
            Tensor ints = Tensor.of(new long[] {1, -2, 3}, 3).to(d);
            gpu.allReduce(ints, ReduceOp.SUM);
            assertArrayEquals(new long[] {1, -2, 3}, ints.to(Device.CPU).toLongArray());
            assertArrayEquals(new int[] {1}, gpu.allGather(Tensor.scalar(4).to(d)).shape());
            gpu.barrier();
            assertMessage(IllegalArgumentException.class, () -> gpu.allReduce(Tensor.zeros(3)), "expects a CUDA tensor on cuda:0");
            gpu.close();
            assertMessage(IllegalStateException.class, () -> gpu.allReduce(Tensor.zeros(3).to(d)), "the communicator is closed");
            cpu.barrier();   // the CPU communicator stays open
        }
    }

    @Test
    void oneRankDdpStepOnTheGpuMatchesPlainTraining() {
        try (Communicator cpu = Communicator.single(); Communicator gpu = Communicator.cuda(cpu)) {
            Device d = gpu.device();
            Tensor.manualSeed(3);
            Sequential plain = new Sequential(new Linear(4, 3), new Linear(3, 2));
            Tensor.manualSeed(3);
            Sequential wrapped = new Sequential(new Linear(4, 3), new Linear(3, 2));
            plain.to(d);
            wrapped.to(d);
            DistributedDataParallel ddp = new DistributedDataParallel(wrapped, gpu, 16);   // several buckets
            assertTrue(ddp.buckets().size() > 1);
            SGD a = new SGD(plain.parameters(), 0.1), b = new SGD(ddp.parameters(), 0.1);
            Tensor x = Tensor.randn(5, 4).to(d), y = Tensor.of(new long[] {0, 1, 1, 0, 1}, 5).to(d);
            for (int step = 0; step < 2; step++) {
                a.zeroGrad();
                b.zeroGrad();
                Losses.crossEntropy(plain.call(x), y).backward();
                Losses.crossEntropy(ddp.call(x), y).backward();
                for (int i = 0; i < plain.parameters().size(); i++) {
                    assertEquals(d, wrapped.parameters().get(i).grad().device());
                    assertArrayEquals(plain.parameters().get(i).grad().to(Device.CPU).toFloatArray(),
                            wrapped.parameters().get(i).grad().to(Device.CPU).toFloatArray(), 1e-6f);
                }
                a.step();
                b.step();
            }
            for (int i = 0; i < plain.parameters().size(); i++) {
                assertArrayEquals(plain.parameters().get(i).to(Device.CPU).toFloatArray(), wrapped.parameters().get(i).to(Device.CPU).toFloatArray(),
                        1e-6f);
            }
        }
    }
}
