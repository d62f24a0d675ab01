package dev.jgrad.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.cuda.bindings.Driver;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Device-to-device copies across GPUs, the parts that need none: the bindings' descriptors
 * against the CUDA 13 prototypes, the symbols bound, and the argument checks. The copies
 * themselves are tested on a GPU by CudaRuntimeTest.
 */
class PeerCopyTest {

    @Test
    void theDescriptorsMatchTheCuda13Prototypes() {
        // CUresult cuMemcpyPeerAsync(CUdeviceptr dstDevice, CUcontext dstContext, CUdeviceptr srcDevice, CUcontext srcContext,
        //                            size_t ByteCount, CUstream hStream): CUresult is an int, the rest 64-bit values
        ValueLayout i = ValueLayout.JAVA_INT, l = ValueLayout.JAVA_LONG;
        assertEquals(FunctionDescriptor.of(i, l, l, l, l, l, l), Driver.MEMCPY_PEER_ASYNC);
        // CUresult cuStreamWaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags)
        assertEquals(FunctionDescriptor.of(i, l, l, i), Driver.STREAM_WAIT_EVENT);
    }

    @Test
    void theDriverBindsThePeerCopyAndStreamWaitByTheirCuda13Names() {
        List<String> asked = new ArrayList<>();
        SymbolLookup everything = name -> {
            asked.add(name);
            return Optional.of(MemorySegment.ofAddress(0x1000));   // never called: only bound
        };
        new Driver(everything);
        assertTrue(asked.contains("cuMemcpyPeerAsync"), asked.toString());
        assertTrue(asked.contains("cuStreamWaitEvent"), asked.toString());
    }

    @Test
    void aPeerCopyChecksItsRangesAndThatBothBuffersAreDeviceMemory() {
        CachingAllocator fake = new CachingAllocator(new FakeMemory(1 << 20), null);
        try (DeviceBuffer src = fake.allocate(64, 0); DeviceBuffer dst = fake.allocate(32, 0)) {
            IndexOutOfBoundsException outside = assertThrows(IndexOutOfBoundsException.class, () -> dst.copyFromPeer(src, 0, 0, 64));
            assertEquals("range [0, 64) outside a device buffer of 32 bytes", outside.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> dst.copyFromPeer(src, 40, 0, 32));
            assertThrows(IndexOutOfBoundsException.class, () -> dst.copyFromPeer(src, 0, -1, 8));
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> dst.copyFromPeer(null, 0, 0, 8));
            assertEquals("copyFromPeer: the source buffer is null", none.getMessage());
            IllegalArgumentException fakeMemory = assertThrows(IllegalArgumentException.class, () -> dst.copyFromPeer(src, 0, 0, 8));
            assertTrue(fakeMemory.getMessage().startsWith("copyFromPeer: expected two buffers of CUDA devices, got DeviceBuffer[64 B at 0x"),
                    fakeMemory.getMessage());
            DeviceBuffer closed = fake.allocate(16, 0);
            closed.close();
            assertThrows(IllegalStateException.class, () -> dst.copyFromPeer(closed, 0, 0, 8));
        }
    }
}
