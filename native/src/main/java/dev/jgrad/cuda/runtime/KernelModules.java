package dev.jgrad.cuda.runtime;

import dev.jgrad.cuda.CudaException;
import dev.jgrad.cuda.kernels.CompiledKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads the compiled kernel files of the {@code dev.jgrad.cuda.kernels} module (artifact
 * {@code jgrad-cuda-kernels}), once per device and module, on first use: the cubin built for the device's compute capability when there is one,
 * otherwise the compute_80 PTX, which the driver compiles (JIT) for any GPU of compute
 * capability 8.0 or newer. A cubin the driver refuses falls back to the PTX.
 */
public final class KernelModules {
    /** Where the images are, for messages: the module, and the artifact that carries it. */
    public static final String SOURCE = "module dev.jgrad.cuda.kernels (artifact dev.jgrad:jgrad-cuda-kernels)";
    /** The machine-code targets build-kernels.sh produces, as {major, minor}. */
    static final int[][] CUBIN_TARGETS = {{8, 0}, {9, 0}};
    /**
     * Cubins with architecture-specific instructions ({@code sm_90a}: wgmma, setmaxnreg), built only
     * for some files (gemm.cu) and tried first on exactly that compute capability; a module without
     * one goes on to the next image.
     */
    static final int[][] ARCH_SPECIFIC_TARGETS = {{9, 0}};
    /** The PTX virtual architecture. */
    static final int PTX_MAJOR = 8, PTX_MINOR = 0;

    private static final System.Logger LOG = System.getLogger("dev.jgrad.cuda");

    private final CudaDevice device;
    private final int major, minor;
    private final Map<String, Long> modules = new HashMap<>();
    private final Map<String, Long> functions = new HashMap<>();
    private final Map<String, String> loadedFrom = new HashMap<>();

    KernelModules(CudaDevice device, int major, int minor) {
        this.device = device;
        this.major = major;
        this.minor = minor;
    }

    /**
     * The image files to try, best first, for a device of compute capability major.minor: a cubin
     * runs on the same major version with an equal or higher minor (sm_80 code runs on 8.6 and
     * 8.9, sm_90 only on 9.x), an {@code sm_90a} cubin only on 9.0 (tried first; most modules have
     * none); the PTX JIT-compiles on any device at or above its virtual architecture. Empty when
     * the device is too old.
     */
    public static List<String> imageOrder(int major, int minor) {
        List<String> order = new ArrayList<>();
        for (int[] t : ARCH_SPECIFIC_TARGETS) if (t[0] == major && t[1] == minor) order.add("sm_" + t[0] + t[1] + "a.cubin");
        int[] best = null;
        for (int[] t : CUBIN_TARGETS) {
            if (t[0] == major && t[1] <= minor && (best == null || t[1] > best[1])) best = t;
        }
        if (best != null) order.add("sm_" + best[0] + best[1] + ".cubin");
        if (major > PTX_MAJOR || (major == PTX_MAJOR && minor >= PTX_MINOR)) order.add("ptx");
        return order;
    }

    /** Every image kind build-kernels.sh produces, as file suffixes: "ptx", "sm_80.cubin", …, "sm_90a.cubin". */
    public static List<String> imageKinds() {
        List<String> kinds = new ArrayList<>(List.of("ptx"));
        for (int[] t : CUBIN_TARGETS) kinds.add("sm_" + t[0] + t[1] + ".cubin");
        for (int[] t : ARCH_SPECIFIC_TARGETS) kinds.add("sm_" + t[0] + t[1] + "a.cubin");
        return kinds;
    }

    /** The PTX's virtual architecture, "compute_80". */
    public static String ptxArchitecture() {
        return "compute_" + PTX_MAJOR + PTX_MINOR;
    }

    /** The CUfunction {@code name} of module {@code module} (e.g. "elementwise"), loading the module on first use. */
    public synchronized long function(String module, String name) {
        String key = module + "/" + name;
        Long f = functions.get(key);
        if (f != null) return f;
        long m = module(module);
        device.makeCurrent();
        long fn = device.driver().moduleGetFunction(m, name);
        functions.put(key, fn);
        return fn;
    }

    /** Where a loaded module came from ("elementwise.sm_90.cubin"), for diagnostics. */
    public synchronized String source(String module) {
        return loadedFrom.get(module);
    }

    private long module(String module) {
        Long m = modules.get(module);
        if (m != null) return m;
        List<String> order = imageOrder(major, minor);
        if (order.isEmpty()) {
            throw new UnsupportedOperationException("jgrad's CUDA kernels need compute capability " + PTX_MAJOR + "." + PTX_MINOR
                    + " or newer; " + device.name() + " has " + major + "." + minor);
        }
        device.makeCurrent();
        CudaException last = null;
        for (String ext : order) {
            String file = module + "." + ext;
            byte[] bytes = read(file);
            if (bytes == null) continue;
            try (Arena a = Arena.ofConfined()) {
                boolean ptx = ext.equals("ptx");
                MemorySegment image = a.allocate(bytes.length + (ptx ? 1 : 0), 16);
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, image, 0, bytes.length);
                if (ptx) image.set(java.lang.foreign.ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
                long handle = device.driver().moduleLoadData(image, file + " on " + device.name());
                modules.put(module, handle);
                loadedFrom.put(module, file);
                return handle;
            } catch (CudaException e) {
                LOG.log(System.Logger.Level.WARNING, "could not load " + file + ", trying the next image: " + e.getMessage());
                last = e;
            }
        }
        if (last != null) throw last;
        throw new IllegalStateException("kernel module '" + module + "' is missing (looked for " + order + " in " + SOURCE + ")");
    }

    /**
     * The bytes of compiled image {@code file} ("elementwise.ptx"), or null when the kernels module
     * has no such file.
     *
     * @throws IllegalStateException when the kernels module itself is missing from the class or
     *     module path (a build that excluded {@code jgrad-cuda-kernels})
     */
    public static byte[] read(String file) {
        try {
            return CompiledKernels.read(file);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("jgrad's compiled CUDA kernels, " + SOURCE
                    + ", are not on the class or module path; jgrad-cuda depends on them: was the artifact excluded?", e);
        }
    }

    /**
     * Whether the kernel file {@code file} (e.g. "gemm.sm_90a.cubin") is on the path, without
     * reading it; false when the kernels module itself is missing.
     */
    public static boolean carried(String file) {
        try {
            return CompiledKernels.contains(file);
        } catch (NoClassDefFoundError e) {
            return false;
        }
    }

    /**
     * The image a device of compute capability major.minor loads for {@code module}: the first
     * carried file of {@link #imageOrder} (e.g. "sm_90.cubin" or "ptx"), or null when none is
     * carried or the device is too old.
     */
    public static String chosenImage(String module, int major, int minor) {
        for (String ext : imageOrder(major, minor)) if (carried(module + "." + ext)) return ext;
        return null;
    }
}
