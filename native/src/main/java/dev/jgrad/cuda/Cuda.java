package dev.jgrad.cuda;

import java.util.List;

/**
 * Entry point to CUDA. Everything loads lazily on first use: the driver library
 * ({@code libcuda.so.1}) when {@link #isAvailable()} is first asked, a device's context when it is
 * first used, cuBLAS on the first matrix product, kernel modules on their first launch.
 *
 * <pre>{@code
 * if (Cuda.isAvailable()) {
 *     CudaDevice gpu = Cuda.device(0);
 *     Cuda.setAllowTf32(true);   // float32 matmuls on tensor cores (TF32), as torch.backends.cuda.matmul.allow_tf32
 * } else {
 *     System.out.println(Cuda.unavailableReason());
 * }
 * }</pre>
 *
 * <p>Set the system property {@code jgrad.cuda.disable=true} to ignore any GPU. cuBLAS is found
 * as {@code libcublas.so.13}, then {@code libcublas.so.12}, then the file named by the property
 * {@code jgrad.cublas.path} or the environment variable {@code JGRAD_CUBLAS_PATH}.
 */
public final class Cuda {
    private Cuda() {}

    static final System.Logger LOG = System.getLogger("dev.jgrad.cuda");
    static final String DISABLE_PROPERTY = "jgrad.cuda.disable";

    private static volatile boolean allowTf32;
    private static volatile boolean allowBf16Attention;
    private static volatile boolean checkIndices = true;

    /** The outcome of loading the driver: a driver and a device count, or why not. */
    record Status(Driver driver, int deviceCount, int driverVersion, String reason) {
        boolean available() {
            return driver != null && deviceCount > 0;
        }
    }

    /** Loads the driver, runs cuInit and counts devices; never throws. */
    static Status probe(LibraryProbe.Loader loader, boolean disabled) {
        if (disabled) return new Status(null, 0, 0, "CUDA is disabled by -D" + DISABLE_PROPERTY + "=true");
        try {
            LibraryProbe.Result r = LibraryProbe.probe(List.of(LibraryProbe.DRIVER), loader);
            if (!r.found()) {
                return new Status(null, 0, 0, LibraryProbe.DRIVER + " not found: " + r.failures().get(0).reason()
                        + " (no NVIDIA driver is installed, or it is not on the loader's path)");
            }
            Driver d = new Driver(r.lookup());
            int rc = d.init();
            if (rc != Driver.CUDA_SUCCESS) {
                return new Status(null, 0, 0, "cuInit failed: " + CudaException.format("cuInit", rc, d.errorName(rc), d.errorString(rc), null)
                        .substring("cuInit failed: ".length()));
            }
            int version = d.driverVersion();
            int count = d.deviceCount();
            if (count == 0) return new Status(null, 0, version, "the CUDA driver reports no devices");
            int dev0 = d.deviceGet(0);
            int major = d.deviceAttribute(Driver.ATTR_COMPUTE_CAPABILITY_MAJOR, dev0);
            int minor = d.deviceAttribute(Driver.ATTR_COMPUTE_CAPABILITY_MINOR, dev0);
            if (KernelModules.imageOrder(major, minor).isEmpty()) {
                return new Status(null, 0, version, "cuda:0 (" + d.deviceName(dev0) + ") has compute capability " + major + "." + minor
                        + "; jgrad's kernels need " + KernelModules.PTX_MAJOR + "." + KernelModules.PTX_MINOR + " or newer");
            }
            return new Status(d, count, version, "");
        } catch (Throwable t) {
            return new Status(null, 0, 0, "loading the CUDA driver failed: " + t);
        }
    }

    private static final class Holder {
        static final Status STATUS = init();

        private static Status init() {
            Status s = probe(LibraryProbe.SYSTEM, Boolean.getBoolean(DISABLE_PROPERTY));
            if (s.available()) {
                LOG.log(System.Logger.Level.DEBUG, "CUDA driver " + s.driverVersion() + " with " + s.deviceCount() + " device(s)");
            } else {
                LOG.log(System.Logger.Level.INFO, "CUDA unavailable, using the CPU: " + s.reason());
            }
            return s;
        }
    }

    private static Status status() {
        return Holder.STATUS;
    }

    /** Whether a CUDA device can be used. Never throws; the first call loads the driver and logs once why not. */
    public static boolean isAvailable() {
        try {
            return status().available();
        } catch (Throwable t) {
            return false;
        }
    }

    /** Why {@link #isAvailable()} is false (e.g. "libcuda.so.1 not found: …"); empty when it is true. */
    public static String unavailableReason() {
        try {
            return status().reason();
        } catch (Throwable t) {
            return "CUDA initialisation failed: " + t;
        }
    }

    /** Number of devices (0 when unavailable). */
    public static int deviceCount() {
        return isAvailable() ? status().deviceCount() : 0;
    }

    /** The driver's CUDA version as 1000·major + 10·minor (e.g. 13000), 0 when unavailable. */
    public static int driverVersion() {
        return isAvailable() ? status().driverVersion() : 0;
    }

    private static final CudaDevice[] DEVICES = new CudaDevice[64];

    /** Device {@code ordinal}; throws IllegalStateException naming the reason when CUDA is unavailable. */
    public static CudaDevice device(int ordinal) {
        if (!isAvailable()) throw new IllegalStateException("CUDA is not available: " + unavailableReason());
        int count = status().deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new IllegalArgumentException("cuda:" + ordinal + " does not exist: " + count + " CUDA device(s) present");
        }
        synchronized (DEVICES) {
            if (DEVICES[ordinal] == null) DEVICES[ordinal] = new CudaDevice(status().driver(), ordinal);
            return DEVICES[ordinal];
        }
    }

    /** Returns every opened device's cached memory to the driver. */
    public static void emptyCache() {
        if (!isAvailable()) return;
        synchronized (DEVICES) {
            for (CudaDevice d : DEVICES) if (d != null) d.emptyCache();
        }
    }

    /** Lets float32 matrix products (matmul, conv2d) use TF32 tensor cores: ~10 mantissa bits, much faster. Off by default. */
    public static void setAllowTf32(boolean allow) {
        allowTf32 = allow;
    }

    public static boolean allowTf32() {
        return allowTf32;
    }

    /**
     * Lets fused float32 attention with head size 64 or 128 run on BF16 tensor cores: q, k, v and
     * the output gradient are rounded to bfloat16 (8 mantissa bits), products accumulate in float32,
     * softmax statistics stay float32. Much faster; relative errors near 1e-2 instead of 1e-6; the
     * backward pass accumulates dq with atomics (not bitwise reproducible). Off by default (the
     * float32 kernels run), like {@link #setAllowTf32}.
     */
    public static void setAllowBf16Attention(boolean allow) {
        allowBf16Attention = allow;
    }

    public static boolean allowBf16Attention() {
        return allowBf16Attention;
    }

    /**
     * Whether gather/scatter/embedding/cross-entropy read back a device flag after each launch to
     * raise IndexOutOfBoundsException for a bad index (default true; costs one small synchronous
     * copy per call). When off, bad indices are skipped silently.
     */
    public static void setCheckIndices(boolean check) {
        checkIndices = check;
    }

    public static boolean checkIndices() {
        return checkIndices;
    }

    // ---- cuBLAS -------------------------------------------------------------------------------------------

    private static final class BlasHolder {
        static final Object LOADED = load();

        private static Object load() {
            try {
                List<String> candidates = LibraryProbe.cublasCandidates(System.getProperty(LibraryProbe.CUBLAS_PROPERTY),
                        System.getenv(LibraryProbe.CUBLAS_ENV));
                LibraryProbe.Result r = LibraryProbe.probe(candidates, LibraryProbe.SYSTEM);
                if (!r.found()) {
                    String msg = "cuBLAS not found; tried " + r.triedText() + ". Install CUDA's cuBLAS, or point -D"
                            + LibraryProbe.CUBLAS_PROPERTY + " or " + LibraryProbe.CUBLAS_ENV + " at a libcublas.so.13 (for example the one "
                            + "in PyTorch's site-packages/nvidia/cublas/lib)";
                    LOG.log(System.Logger.Level.INFO, msg);
                    return msg;
                }
                return new CuBlas(r.lookup(), r.loaded());
            } catch (Throwable t) {
                return "loading cuBLAS failed: " + t;
            }
        }
    }

    /** The cuBLAS bindings, or a CudaException saying what was tried. */
    static CuBlas cublas() {
        Object o = BlasHolder.LOADED;
        if (o instanceof CuBlas b) return b;
        throw new CudaException("dlopen", -1, "CUBLAS_NOT_FOUND", null, (String) o);
    }

    /** Whether cuBLAS loaded (matmul and conv2d fall back to jgrad's own slower kernel when it did not). */
    public static boolean cublasAvailable() {
        return isAvailable() && BlasHolder.LOADED instanceof CuBlas;
    }

    /** Why cuBLAS is not available; empty when it is. */
    public static String cublasUnavailableReason() {
        if (!isAvailable()) return unavailableReason();
        return BlasHolder.LOADED instanceof String s ? s : "";
    }

    /** For tests: the probe over a custom loader, so that a missing driver can be simulated. */
    static Status probeWith(LibraryProbe.Loader loader) {
        return probe(loader, false);
    }

}
