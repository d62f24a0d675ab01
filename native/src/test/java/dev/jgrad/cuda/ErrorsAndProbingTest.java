package dev.jgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Error texts, library probing order and the never-throwing availability check; no GPU needed. */
class ErrorsAndProbingTest {

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
    void cublasIsProbedAs13Then12ThenThePropertyThenTheEnvironment() {
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12"), LibraryProbe.cublasCandidates(null, null));
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12", "/opt/p/libcublas.so.13", "/env/libcublas.so.13"),
                LibraryProbe.cublasCandidates(" /opt/p/libcublas.so.13 ", "/env/libcublas.so.13"));
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12", "/same"), LibraryProbe.cublasCandidates("/same", "/same"));
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12"), LibraryProbe.cublasCandidates("  ", ""));
    }

    @Test
    void probingStopsAtTheFirstLibraryThatLoadsAndRemembersEveryFailure() {
        List<String> tried = new ArrayList<>();
        LibraryProbe.Result r = LibraryProbe.probe(List.of("libcublas.so.13", "libcublas.so.12", "/x/libcublas.so.13", "/never"), name -> {
            tried.add(name);
            if (!name.startsWith("/x/")) throw new IllegalArgumentException("Cannot open library: " + name);
            return java.lang.foreign.SymbolLookup.loaderLookup();
        });
        assertTrue(r.found());
        assertEquals("/x/libcublas.so.13", r.loaded());
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12", "/x/libcublas.so.13"), tried);
        assertEquals("libcublas.so.13 (Cannot open library: libcublas.so.13), libcublas.so.12 (Cannot open library: libcublas.so.12)",
                r.triedText());
        LibraryProbe.Result none = LibraryProbe.probe(List.of("a"), n -> {
            throw new UnsatisfiedLinkError();
        });
        assertFalse(none.found());
        assertNull(none.loaded());
        assertEquals("a (UnsatisfiedLinkError)", none.triedText());
    }

    @Test
    void aMissingDriverIsReportedNotThrown() {
        Cuda.Status s = Cuda.probeWith(name -> {
            throw new IllegalArgumentException("Cannot open library: " + name);
        });
        assertFalse(s.available());
        assertEquals("libcuda.so.1 not found: Cannot open library: libcuda.so.1 (no NVIDIA driver is installed, or it is not on the "
                + "loader's path)", s.reason());
        Cuda.Status off = Cuda.probe(LibraryProbe.SYSTEM, true);
        assertFalse(off.available());
        assertEquals("CUDA is disabled by -Djgrad.cuda.disable=true", off.reason());
    }

    @Test
    void aLibraryWithoutTheDriverSymbolsIsReportedNotThrown() {
        Cuda.Status s = Cuda.probeWith(name -> java.lang.foreign.SymbolLookup.loaderLookup());
        assertFalse(s.available());
        assertTrue(s.reason().startsWith("loading the CUDA driver failed: java.lang.UnsatisfiedLinkError: libcuda.so.1 exports none of cuInit"),
                s.reason());
    }

    @Test
    void availabilityNeverThrowsAndExplainsItself() {
        boolean available = Cuda.isAvailable();
        assertEquals(available, Cuda.unavailableReason().isEmpty(), Cuda.unavailableReason());
        assertEquals(available, Cuda.isAvailable());   // asked twice: same answer, probed once
        if (!available) {
            assertEquals(0, Cuda.deviceCount());
            assertFalse(Cuda.cublasAvailable());
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> Cuda.device(0));
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
