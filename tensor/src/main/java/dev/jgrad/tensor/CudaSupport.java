package dev.jgrad.tensor;

import java.util.Optional;

/**
 * Whether jgrad's CUDA module ({@code dev.jgrad.cuda}, artifact {@code jgrad-cuda}) is present.
 * This module only {@code requires static} it, so a CPU-only application carries none of it: every
 * path into CUDA asks here first, and no CUDA class is touched unless the answer is yes.
 */
final class CudaSupport {
    static final String MODULE = "dev.jgrad.cuda";
    static final String ARTIFACT = "dev.jgrad:jgrad-cuda";

    private static final boolean PRESENT = detect();

    private CudaSupport() {}

    /** True when the CUDA module's classes can be used from here (not whether a GPU exists). */
    static boolean present() {
        return PRESENT;
    }

    /** True when the CUDA module is present and reports a usable GPU. */
    static boolean gpuAvailable() {
        return PRESENT && Probe.available();
    }

    /** Throws a message naming the missing artifact unless the CUDA module is present. */
    static void require(String what) {
        if (!PRESENT) throw new IllegalStateException(missing(what));
    }

    /** The message for {@code what} (e.g. "Device.cuda()") when the CUDA module is missing. */
    static String missing(String what) {
        return what + ": jgrad's CUDA support is not on the " + (CudaSupport.class.getModule().isNamed() ? "module" : "class")
                + " path. Add the dependency " + ARTIFACT + " (it brings jgrad-cuda-kernels)"
                + (CudaSupport.class.getModule().isNamed() ? " and resolve the module: `requires " + MODULE + ";` in your module-info"
                        + " or --add-modules " + MODULE : "")
                + "; without it tensors stay on the CPU (Device.best() picks the CPU)";
    }

    private static boolean detect() {
        Module self = CudaSupport.class.getModule();
        if (self.isNamed()) {
            ModuleLayer layer = self.getLayer() != null ? self.getLayer() : ModuleLayer.boot();
            Optional<Module> cuda = layer.findModule(MODULE);
            return cuda.isPresent() && self.canRead(cuda.get());
        }
        try {
            Class.forName("dev.jgrad.cuda.Cuda", false, CudaSupport.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Loaded only after {@link #PRESENT} said yes: the one place here that names a CUDA class. */
    private static final class Probe {
        static boolean available() {
            return dev.jgrad.cuda.Cuda.isAvailable();
        }
    }
}
