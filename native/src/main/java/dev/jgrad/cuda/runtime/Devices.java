package dev.jgrad.cuda.runtime;

import dev.jgrad.cuda.CudaException;
import dev.jgrad.cuda.DeviceInfo;
import dev.jgrad.cuda.bindings.Driver;
import dev.jgrad.cuda.bindings.LibraryProbe;
import java.util.List;

/**
 * The CUDA driver, loaded once per JVM, and the devices it opens: the state behind
 * {@link dev.jgrad.cuda.Cuda}'s availability checks, and where the tensor module's CUDA backend
 * gets its {@link CudaDevice}. Loads lazily: the driver library ({@code libcuda.so.1}) on the
 * first question, a device's context on its first {@link #get}. Nothing here throws when no GPU
 * exists, except {@link #get}, which names the reason.
 *
 * <pre>{@code
 * if (Cuda.isAvailable()) {
 *     CudaDevice gpu = Devices.get(0);
 *     System.out.println(gpu.name() + " cc " + gpu.computeCapability() + ", " + gpu.memoryStats());
 * }
 * }</pre>
 */
public final class Devices {
    private Devices() {}

    static final System.Logger LOG = System.getLogger("dev.jgrad.cuda");
    /** Set this system property to {@code true} to ignore any GPU. */
    public static final String DISABLE_PROPERTY = "jgrad.cuda.disable";

    /**
     * The outcome of loading the driver: a driver and a device count, or why not;
     * {@code libraryFound} tells a machine without the NVIDIA driver from one whose driver failed.
     */
    record Status(Driver driver, int deviceCount, int driverVersion, String reason, boolean libraryFound) {
        boolean available() {
            return driver != null && deviceCount > 0;
        }
    }

    /** Loads the driver, runs cuInit and counts devices; never throws. */
    static Status probe(LibraryProbe.Loader loader, boolean disabled) {
        if (disabled) return new Status(null, 0, 0, "CUDA is disabled by -D" + DISABLE_PROPERTY + "=true", false);
        boolean found = false;
        try {
            LibraryProbe.Result r = LibraryProbe.probe(List.of(LibraryProbe.DRIVER), loader);
            if (!r.found()) {
                return new Status(null, 0, 0, LibraryProbe.DRIVER + " not found: " + r.failures().get(0).reason()
                        + " (no NVIDIA driver is installed, or it is not on the loader's path)", false);
            }
            found = true;
            Driver d = new Driver(r.lookup());
            int rc = d.init();
            if (rc != Driver.CUDA_SUCCESS) {
                return new Status(null, 0, 0, "cuInit failed: " + new CudaException("cuInit", rc, d.errorName(rc), d.errorString(rc)).getMessage()
                        .substring("cuInit failed: ".length()), true);
            }
            int version = d.driverVersion();
            int count = d.deviceCount();
            if (count == 0) return new Status(null, 0, version, "the CUDA driver reports no devices", true);
            int dev0 = d.deviceGet(0);
            int major = d.deviceAttribute(Driver.ATTR_COMPUTE_CAPABILITY_MAJOR, dev0);
            int minor = d.deviceAttribute(Driver.ATTR_COMPUTE_CAPABILITY_MINOR, dev0);
            if (KernelModules.imageOrder(major, minor).isEmpty()) {
                return new Status(null, 0, version, "cuda:0 (" + d.deviceName(dev0) + ") has compute capability " + major + "." + minor
                        + "; jgrad's kernels need " + KernelModules.PTX_MAJOR + "." + KernelModules.PTX_MINOR + " or newer", true);
            }
            return new Status(d, count, version, "", true);
        } catch (Throwable t) {
            return new Status(null, 0, 0, "loading the CUDA driver failed: " + t, found);
        }
    }

    private static final class Holder {
        static final Status STATUS = init();

        private static Status init() {
            Status s = probe(LibraryProbe.SYSTEM, Boolean.getBoolean(DISABLE_PROPERTY));
            if (s.available()) {
                LOG.log(System.Logger.Level.DEBUG, "CUDA driver " + s.driverVersion() + " with " + s.deviceCount() + " device(s)");
            } else {
                // A machine without an NVIDIA driver is the common CPU case, not news; a driver
                // that is there but unusable is.
                boolean noDriver = s.reason().startsWith(LibraryProbe.DRIVER + " not found");
                LOG.log(noDriver ? System.Logger.Level.DEBUG : System.Logger.Level.INFO, "CUDA unavailable, using the CPU: " + s.reason());
            }
            return s;
        }
    }

    private static Status status() {
        return Holder.STATUS;
    }

    /** Whether a CUDA device can be used. Never throws; the first call loads the driver and logs once why not. */
    public static boolean available() {
        try {
            return status().available();
        } catch (Throwable t) {
            return false;
        }
    }

    /** Why {@link #available()} is false (e.g. "libcuda.so.1 not found: …"); empty when it is true. */
    public static String unavailableReason() {
        try {
            return status().reason();
        } catch (Throwable t) {
            return "CUDA initialisation failed: " + t;
        }
    }

    /**
     * Whether {@code libcuda.so.1} was found, even if it then failed (cuInit error, no device, a GPU
     * too old): false on a machine without the NVIDIA driver, or with {@code -Djgrad.cuda.disable=true}.
     */
    public static boolean driverFound() {
        try {
            return status().libraryFound();
        } catch (Throwable t) {
            return false;
        }
    }

    /**
     * What device {@code ordinal} is, read from the driver without opening a context (for
     * diagnostics); throws IllegalStateException naming the reason when CUDA is unavailable.
     */
    public static DeviceInfo describe(int ordinal) {
        if (!available()) throw new IllegalStateException("CUDA is not available: " + unavailableReason());
        int count = status().deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new IllegalArgumentException("cuda:" + ordinal + " does not exist: " + count + " CUDA device(s) present");
        }
        Driver d = status().driver();
        int dev = d.deviceGet(ordinal);
        return new DeviceInfo(ordinal, d.deviceName(dev), d.deviceAttribute(Driver.ATTR_COMPUTE_CAPABILITY_MAJOR, dev),
                d.deviceAttribute(Driver.ATTR_COMPUTE_CAPABILITY_MINOR, dev), d.deviceTotalMem(dev));
    }

    /** Number of devices (0 when unavailable). */
    public static int count() {
        return available() ? status().deviceCount() : 0;
    }

    /** The driver's CUDA version as 1000·major + 10·minor (e.g. 13000), 0 when unavailable. */
    public static int driverVersion() {
        return available() ? status().driverVersion() : 0;
    }

    private static final CudaDevice[] DEVICES = new CudaDevice[64];

    /** Device {@code ordinal}; throws IllegalStateException naming the reason when CUDA is unavailable. */
    public static CudaDevice get(int ordinal) {
        if (!available()) throw new IllegalStateException("CUDA is not available: " + unavailableReason());
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
        if (!available()) return;
        synchronized (DEVICES) {
            for (CudaDevice d : DEVICES) if (d != null) d.emptyCache();
        }
    }

    /** For tests: the probe over a custom loader, so that a missing driver can be simulated. */
    static Status probeWith(LibraryProbe.Loader loader) {
        return probe(loader, false);
    }
}
