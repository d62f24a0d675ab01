package dev.jgrad.tensor;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.DeviceInfo;
import java.util.List;

/**
 * The CUDA part of {@link Doctor}'s report. The only class of the report that names
 * {@code dev.jgrad.cuda} types, so it is loaded only once the CUDA module is known to be present.
 */
final class CudaDoctor {
    private CudaDoctor() {}

    static void describe(Doctor d) {
        Module cuda = Cuda.class.getModule();
        String who = cuda.isNamed() ? cuda.getName() : "ALL-UNNAMED";
        d.line("cuda module", cuda.isNamed() ? "present (" + cuda.getName() + ")" : "present (on the class path)");
        if (cuda.isNativeAccessEnabled()) {
            d.line("native access", "enabled for " + who);
        } else {
            d.line("native access", "not enabled for " + who + " (the JDK warns at the first CUDA call, and a later JDK refuses it)");
            d.problem("native access off for " + who, "add --enable-native-access=" + who);
        }

        boolean available = Cuda.isAvailable();
        if (available) {
            int v = Cuda.driverVersion();
            d.line("cuda driver", "found, CUDA " + v / 1000 + "." + v % 1000 / 10 + ", " + Cuda.deviceCount() + " device(s)");
        } else if (Cuda.driverFound()) {
            d.line("cuda driver", "found but unusable: " + Cuda.unavailableReason());
            d.problem("CUDA driver unusable", Cuda.unavailableReason() + "; check the GPU and driver with nvidia-smi");
        } else {
            d.line("cuda driver", "not available: " + Cuda.unavailableReason());
        }

        if (Cuda.cublasAvailable()) {
            d.line("cublas", Cuda.cublasLibrary());
        } else if (available) {
            d.line("cublas", "not found: " + Cuda.cublasUnavailableReason());
            d.problem("cuBLAS not found", "install CUDA's cuBLAS or point -Djgrad.cublas.path at a libcublas.so.13 "
                    + "(matmul and conv2d run jgrad's own slower kernels meanwhile)");
        } else {
            d.line("cublas", "not checked (no usable CUDA driver)");
        }

        d.line("kernel images", Cuda.kernelImages());
        List<DeviceInfo> devices = available ? Cuda.devices() : List.of();
        if (devices.isEmpty()) d.line("gpu kernel image", "no GPU");
        for (DeviceInfo g : devices) {
            String image = Cuda.kernelImageFor(g);
            d.line("cuda:" + g.ordinal(), g.name() + ", compute capability " + g.computeCapability() + ", " + Doctor.mib(g.totalMemoryBytes())
                    + "; loads " + image);
            if (image.startsWith("none") || image.contains("none for")) {
                d.problem("no kernel image for cuda:" + g.ordinal(), image.startsWith("none: compute") ? "use a GPU of compute capability 8.0 or newer"
                        : "put the jar with jgrad's compiled CUDA kernels (jgrad-cuda-kernels) on the path");
            }
        }
    }
}
