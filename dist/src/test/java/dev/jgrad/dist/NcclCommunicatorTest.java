package dev.jgrad.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.dist.nccl.Nccl;
import dev.jgrad.nn.Linear;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.internal.TensorInternals;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The CUDA communicator's parts that need no GPU: type mapping, GPU choice, and the checks made before NCCL is reached. */
class NcclCommunicatorTest {

    @Test
    void dtypesAndReduceOpsAreNcclsEnumValues() {
        assertEquals(7, NcclTypes.dataType(DType.FLOAT32));
        assertEquals(8, NcclTypes.dataType(DType.FLOAT64));
        assertEquals(6, NcclTypes.dataType(DType.FLOAT16));
        assertEquals(9, NcclTypes.dataType(DType.BFLOAT16));
        assertEquals(2, NcclTypes.dataType(DType.INT32));
        assertEquals(4, NcclTypes.dataType(DType.INT64));
        assertEquals(1, NcclTypes.dataType(DType.BOOL));
        int v = 22105;   // NCCL 2.21.5
        assertEquals(0, NcclTypes.reduceOp(ReduceOp.SUM, v));
        assertEquals(4, NcclTypes.reduceOp(ReduceOp.AVG, v));
        assertEquals(2, NcclTypes.reduceOp(ReduceOp.MAX, v));
        assertEquals(3, NcclTypes.reduceOp(ReduceOp.MIN, v));
        assertTrue(NcclTypes.nativeAvg(21000));
        assertFalse(NcclTypes.nativeAvg(2804));
        assertEquals(0, NcclTypes.reduceOp(ReduceOp.AVG, 2804), "before 2.10: a sum, divided afterwards");
        NcclTypes.checkReducible("allReduce", DType.BFLOAT16, v);
        assertMessage(IllegalArgumentException.class, () -> NcclTypes.checkReducible("allReduce", DType.BFLOAT16, 2804),
                "allReduce: NCCL 2.8.4 cannot reduce bfloat16");
    }

    @Test
    void eachRankTakesTheGpuOfItsLocalRank() {
        assertEquals(1, NcclTypes.localRank(Map.of("OMPI_COMM_WORLD_LOCAL_RANK", "1", "SLURM_LOCALID", "3"), 5));
        assertEquals(3, NcclTypes.localRank(Map.of("OMPI_COMM_WORLD_LOCAL_RANK", "x", "SLURM_LOCALID", " 3 "), 5));
        assertEquals(2, NcclTypes.localRank(Map.of("MPI_LOCALRANKID", "2"), 5));
        assertEquals(5, NcclTypes.localRank(Map.of(), 5), "no launcher variable: the rank itself");
        assertEquals(1, NcclTypes.deviceFor(1, 8));
        assertEquals(1, NcclTypes.deviceFor(9, 8));
        assertEquals(0, NcclTypes.deviceFor(3, 1));
        assertMessage(IllegalArgumentException.class, () -> NcclTypes.deviceFor(0, 0), "no CUDA device");
    }

    @Test
    void theFactoryRejectsWhatCannotCarryNcclsId() {
        assertMessage(IllegalArgumentException.class, () -> Communicator.cuda(null), "Communicator.cuda: the CPU communicator is null");
        Communicator closed = Communicator.single();
        closed.close();
        assertMessage(IllegalArgumentException.class, () -> Communicator.cuda(closed), "Communicator.cuda: the CPU communicator is closed");
        assertMessage(IllegalArgumentException.class, () -> Communicator.cuda(Communicator.single(), Device.CPU),
                "Communicator.cuda: expects a CUDA device, got cpu");
        try (Communicator gpuShaped = new OnCuda()) {
            assertMessage(IllegalArgumentException.class, () -> Communicator.cuda(gpuShaped), "expects a CPU communicator");
        }
    }

    @Test
    void withoutNcclOrAGpuTheFactorySaysWhichIsMissing() {
        boolean hasNccl = Nccl.load().isPresent();
        assumeTrue(!hasNccl || TensorInternals.cudaDeviceCount() == 0, "NCCL and a GPU are present: NcclGpuTest runs instead");
        try (Communicator cpu = Communicator.single()) {
            DistributedException e = assertThrows(DistributedException.class, () -> Communicator.cuda(cpu));
            String want = hasNccl ? "Communicator.cuda: rank 0: no usable CUDA device" : "Communicator.cuda: rank 0: NCCL's library (libnccl.so.2) "
                    + "was not found: tried libnccl.so.2 (";
            assertTrue(e.getMessage().startsWith(want), e.getMessage());
            cpu.allReduce(Tensor.zeros(2));   // the failure left the CPU communicator usable and in step
        }
    }

    @Test
    void aCpuTensorPassedToAGpuCommunicatorIsAClearError() {
        try (Communicator c = new OnCuda()) {
            Tensor cpu = Tensor.zeros(3);
            String want = "expects a CUDA tensor on cuda:0 (this communicator's device), got one on cpu (move it with .to(comm.device())";
            assertMessage(IllegalArgumentException.class, () -> c.allReduce(cpu), "allReduce: " + want);
            assertMessage(IllegalArgumentException.class, () -> c.broadcast(cpu, 0), "broadcast: " + want);
            assertMessage(IllegalArgumentException.class, () -> c.allGather(cpu), "allGather: " + want);
            assertMessage(IllegalArgumentException.class, () -> new DistributedDataParallel(new Linear(2, 2), c),
                    "DistributedDataParallel: parameter weight is on cpu, but the communicator reduces tensors on cuda:0 (move the module");
        }
    }

    /** A communicator whose device is cuda:0, running only the checks every communicator runs first. */
    private static final class OnCuda extends SingleProcessCommunicator {
        @Override
        public Device device() {
            return new Device(Device.Type.CUDA, 0);
        }
    }

    static void assertMessage(Class<? extends Throwable> type, Executable body, String part) {
        Throwable e = assertThrows(type, body);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
