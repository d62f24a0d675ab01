package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs only in the build's "cpu-only" test execution, whose class path lacks jgrad-cuda and
 * jgrad-cuda-kernels as a CPU-only application's does: the CPU works, and asking for CUDA says
 * which artifact is missing instead of failing with NoClassDefFoundError.
 */
@EnabledIfSystemProperty(named = "jgrad.cpuOnly", matches = "true")
class CpuOnlyTest {

    @Test
    void theCudaModuleIsReallyAbsent() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.jgrad.cuda.Cuda"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.jgrad.cuda.kernels.CompiledKernels"));
    }

    @Test
    void bestIsTheCpuAndTrainingWorks() {
        assertEquals(Device.CPU, Device.best());
        Tensor w = Tensor.of(new float[] {1, -2, 3, 0.5f, 2, -1}, 3, 2).requiresGrad(true);
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        x.matmul(w).relu().sum().backward();
        assertEquals("[1.0, 0.0, 2.0, 0.0, 3.0, 0.0]", java.util.Arrays.toString(w.grad().toFloatArray()));
    }

    @Test
    void askingForCudaNamesTheMissingArtifact() {
        IllegalStateException e = assertThrows(IllegalStateException.class, Device::cuda);
        assertTrue(e.getMessage().contains("dev.jgrad:jgrad-cuda"), e.getMessage());
        IllegalStateException parse = assertThrows(IllegalStateException.class, () -> Device.parse("cuda:1"));
        assertTrue(parse.getMessage().startsWith("Device.cuda(1): "), parse.getMessage());
        Tensor x = Tensor.of(new float[] {1, 2}, 2);
        IllegalStateException to = assertThrows(IllegalStateException.class, () -> x.to(new Device(Device.Type.CUDA, 0)));
        assertTrue(to.getMessage().contains("dev.jgrad:jgrad-cuda"), to.getMessage());
    }
}
