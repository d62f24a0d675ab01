package dev.jgrad.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.CudaException;
import dev.jgrad.cuda.bindings.DriverExtras;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CUDA graphs by stream capture on a real GPU: a capture runs nothing, each launch repeats the
 * recorded work, the capture's memory is the graph's, and a host read inside the capture is
 * refused with the stream left usable. Every test is skipped (assumeTrue) where no GPU is usable.
 */
class CudaGraphTest {
    static final int BYTES = 4096;
    CudaDevice gpu;

    @BeforeEach
    void needGpu() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        gpu = Devices.get(0);
        assumeTrue(CudaGraph.supported(gpu), "the driver has no CUDA graph entry points");
    }

    byte[] read(DeviceBuffer b) {
        byte[] out = new byte[(int) b.byteSize()];
        b.copyToHost(0, MemorySegment.ofArray(out), 0, out.length);
        return out;
    }

    static void assertAll(byte[] bytes, int value) {
        for (int i = 0; i < bytes.length; i++) assertEquals((byte) value, bytes[i], "byte " + i);
    }

    @Test
    void aCaptureRunsNothingAndEachLaunchRepeatsTheRecordedWork() {
        try (DeviceBuffer src = gpu.allocate(BYTES); DeviceBuffer dst = gpu.allocate(BYTES)) {
            src.fillBytes(1);
            dst.fillBytes(0);
            try (CudaGraph g = CudaGraph.capture(gpu.stream(), () -> dst.copyFrom(src, 0, 0, BYTES))) {
                assertAll(read(dst), 0);
                g.launch();
                assertAll(read(dst), 1);
                src.fillBytes(2);   // the graph copies whatever src holds when it runs
                g.launch();
                assertAll(read(dst), 2);
                assertEquals(2, g.launches());
            }
        }
    }

    @Test
    void memoryAllocatedWhileCapturingIsTheGraphsUntilItCloses() {
        long[] address = new long[1];
        CudaGraph g = CudaGraph.capture(gpu.stream(), () -> {
            DeviceBuffer t = gpu.allocate(1 << 20);
            address[0] = t.address();
            t.fillBytes(5);
            t.close();   // freed inside the capture: back to the graph's pool, not to eager code
        });
        try {
            assertEquals(1 << 20, g.poolBytes());
            try (DeviceBuffer eager = gpu.allocate(1 << 20)) {
                assertNotEquals(address[0], eager.address());
            }
            g.launch();
            gpu.stream().synchronize();
        } finally {
            g.close();
        }
        assertTrue(g.isClosed());
        assertThrows(IllegalStateException.class, g::launch);
    }

    @Test
    void aHostReadInsideTheCaptureIsRefusedAndTheStreamStaysUsable() {
        try (DeviceBuffer b = gpu.allocate(BYTES)) {
            CudaException e = assertThrows(CudaException.class, () -> CudaGraph.capture(gpu.stream(), () -> {
                b.fillBytes(3);
                read(b);   // item(), toFloatArray(): the host would wait for work that is only being recorded
            }));
            assertEquals(DriverExtras.CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, e.code());
            assertTrue(e.getMessage().contains("cuMemcpyDtoHAsync_v2"), e.getMessage());
            assertNull(gpu.capturingStream());
            b.fillBytes(4);   // the capture was ended: the stream runs work again
            assertAll(read(b), 4);
        }
    }

    @Test
    void aSynchronisationTheDriverRefusesEndsTheCaptureWithItsError() {
        CudaException e = assertThrows(CudaException.class, () -> CudaGraph.capture(gpu.stream(),
                () -> gpu.driver().streamSynchronize(gpu.stream().handle())));   // past jgrad's own check, straight to the driver
        assertTrue(DriverExtras.isCaptureError(e.code()), e.getMessage());
        assertNull(gpu.capturingStream());
        gpu.stream().synchronize();
    }

    @Test
    void capturesDoNotNest() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> CudaGraph.capture(gpu.stream(), () -> CudaGraph.capture(gpu.stream(), () -> {})));
        assertTrue(e.getMessage().contains("already being captured"), e.getMessage());
        assertNull(gpu.capturingStream());
    }
}
