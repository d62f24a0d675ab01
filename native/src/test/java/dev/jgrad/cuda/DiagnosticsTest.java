package dev.jgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.cuda.launch.KernelCatalog;
import org.junit.jupiter.api.Test;

/** What the diagnostics API says about kernel images and devices; no GPU needed. */
class DiagnosticsTest {

    @Test
    void theCarriedImagesAreCountedPerKind() {
        int n = KernelCatalog.modules().size();
        assertEquals(n + " of " + n + " modules: ptx " + n + ", sm_80.cubin " + n + ", sm_90.cubin " + n + ", sm_90a.cubin 1",
                Cuda.kernelImages());
    }

    @Test
    void theChosenImageFollowsTheComputeCapability() {
        int n = KernelCatalog.modules().size();
        assertEquals("sm_90.cubin (" + (n - 1) + " modules), sm_90a.cubin (1 module)",
                Cuda.kernelImageFor(new DeviceInfo(0, "H100", 9, 0, 80L << 30)));
        assertEquals("sm_80.cubin (" + n + " modules)", Cuda.kernelImageFor(new DeviceInfo(0, "A10", 8, 6, 24L << 30)));
        assertEquals("ptx compute_80, compiled by the driver at first use (" + n + " modules)",
                Cuda.kernelImageFor(new DeviceInfo(0, "B200", 10, 0, 180L << 30)));
        assertEquals("none: compute capability 7.5 is older than the kernels' compute_80",
                Cuda.kernelImageFor(new DeviceInfo(0, "T4", 7, 5, 16L << 30)));
    }

    @Test
    void devicesAreDescribedOrEmpty() {
        assertEquals(Cuda.deviceCount(), Cuda.devices().size());
        if (!Cuda.isAvailable()) {
            assertEquals("", Cuda.cublasLibrary());
            assertTrue(!Cuda.unavailableReason().isEmpty());
        }
        assertEquals("cuda:1 NVIDIA H100 80GB HBM3, compute capability 9.0, 79.2 GiB",
                new DeviceInfo(1, "NVIDIA H100 80GB HBM3", 9, 0, 85_045_870_592L).toString());
    }
}
