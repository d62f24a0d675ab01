package dev.jgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.cuda.bindings.CuBlas;
import dev.jgrad.cuda.runtime.Devices;
import org.junit.jupiter.api.Test;

/** Error texts and the never-throwing availability check; no GPU needed. */
class ErrorsAndAvailabilityTest {

    @Test
    void errorMessagesNameTheCallAndTheCudaError() {
        CudaException e = new CudaException("cuLaunchKernel", 1, "CUDA_ERROR_INVALID_VALUE", "invalid argument",
                "kernel 'unary_exp_f32' grid (0, 1, 1)");
        assertEquals("cuLaunchKernel failed: CUDA_ERROR_INVALID_VALUE (invalid argument): kernel 'unary_exp_f32' grid (0, 1, 1)",
                e.getMessage());
        assertEquals("cuLaunchKernel", e.call());
        assertEquals(1, e.code());
        assertEquals("cuInit failed: error 999", CudaException.format("cuInit", 999, null, null, null));
        assertEquals("cublasSgemm_v2 failed: CUBLAS_STATUS_INVALID_VALUE",
                CudaException.format("cublasSgemm_v2", 7, CuBlas.statusName(7), null, null));
        assertEquals("CUBLAS_STATUS_EXECUTION_FAILED", CuBlas.statusName(13));
    }

    @Test
    void byteCountsReadAsBinaryUnitsAndExactBytes() {
        assertEquals("512 B", CudaOutOfMemoryError.bytes(512));
        assertEquals("1.50 KiB (1536 bytes)", CudaOutOfMemoryError.bytes(1536));
        assertEquals("3.00 GiB (3221225472 bytes)", CudaOutOfMemoryError.bytes(3L << 30));
    }

    @Test
    void availabilityNeverThrowsAndExplainsItself() {
        boolean available = Cuda.isAvailable();
        assertEquals(available, Cuda.unavailableReason().isEmpty(), Cuda.unavailableReason());
        assertEquals(available, Cuda.isAvailable());   // asked twice: same answer, probed once
        if (!available) {
            assertEquals(0, Cuda.deviceCount());
            assertFalse(Cuda.cublasAvailable());
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> Devices.get(0));
            assertTrue(e.getMessage().startsWith("CUDA is not available: "), e.getMessage());
        }
    }

    @Test
    void tf32IsOffUntilAskedFor() {
        assertFalse(Cuda.allowTf32());
        Cuda.setAllowTf32(true);
        assertTrue(Cuda.allowTf32());
        Cuda.setAllowTf32(false);
    }
}
