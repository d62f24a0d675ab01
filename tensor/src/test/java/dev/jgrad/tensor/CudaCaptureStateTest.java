package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.internal.TensorInternals;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The hooks that stop a CUDA graph capture at what a graph cannot contain (a host random draw, a
 * host transfer), and the argument checks of the capture entry point: all of it runs without a GPU.
 */
class CudaCaptureStateTest {
    @Test
    void aRandomDrawWhileCapturingIsRefusedWithTheReasonAndWhere() {
        Generator g = new Generator(1);
        CudaCaptureState.begin();
        try {
            assertTrue(CudaCaptureState.active());
            var e = assertThrows(CudaCaptureState.Refused.class, g::nextLong);
            assertTrue(e.getMessage().contains("random numbers on the host") && e.getMessage().contains("(at "), e.getMessage());
        } finally {
            CudaCaptureState.end();
        }
        assertFalse(CudaCaptureState.active());
        assertDoesNotThrow(() -> { g.nextLong(); });
    }

    @Test
    void hostTransfersWhileCapturingAreRefusedInBothDirections() {
        CudaCaptureState.begin();
        try {
            var read = assertThrows(CudaCaptureState.Refused.class, () -> CudaCaptureState.hostTransfer(false));
            assertTrue(read.getMessage().contains("item()") && read.getMessage().contains("CUDA graph"), read.getMessage());
            var upload = assertThrows(CudaCaptureState.Refused.class, () -> CudaCaptureState.hostTransfer(true));
            assertTrue(upload.getMessage().contains("copies host data to the GPU"), upload.getMessage());
            assertThrows(IllegalStateException.class, CudaCaptureState::begin, "captures do not nest");
        } finally {
            CudaCaptureState.end();
        }
        assertDoesNotThrow(() -> CudaCaptureState.hostTransfer(false));
    }

    @Test
    void anotherThreadIsNotCapturing() throws InterruptedException {
        CudaCaptureState.begin();
        try {
            AtomicBoolean other = new AtomicBoolean(true);
            Thread t = Thread.ofPlatform().start(() -> other.set(CudaCaptureState.active()));
            t.join();
            assertFalse(other.get());
        } finally {
            CudaCaptureState.end();
        }
    }

    @Test
    void capturingOnADeviceThatDoesNotExistIsAClearError() {
        int count = TensorInternals.cudaDeviceCount();
        var e = assertThrows(IllegalArgumentException.class, () -> TensorInternals.captureCudaGraph(count, null, () -> {}));
        assertTrue(e.getMessage().contains("captureCudaGraph") && e.getMessage().contains("cuda:" + count), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TensorInternals.captureCudaGraph(0, null, null));
    }
}
