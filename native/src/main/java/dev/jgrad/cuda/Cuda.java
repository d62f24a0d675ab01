package dev.jgrad.cuda;

import dev.jgrad.cuda.bindings.CuBlas;
import dev.jgrad.cuda.runtime.CachingAllocator;
import dev.jgrad.cuda.runtime.Devices;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point to CUDA. Everything loads lazily on first use: the driver library
 * ({@code libcuda.so.1}) when {@link #isAvailable()} is first asked, a device's context when it is
 * first used, cuBLAS on the first matrix product, kernel modules on their first launch.
 *
 * <pre>{@code
 * if (Cuda.isAvailable()) {
 *     Cuda.setAllowTf32(true);   // float32 matmuls on tensor cores (TF32), as torch.backends.cuda.matmul.allow_tf32
 *     System.out.println(Cuda.memoryStats(0));
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

    private static volatile boolean allowTf32;
    private static volatile boolean allowBf16;
    private static volatile boolean allowBf16Attention;
    private static volatile boolean checkIndices = true;

    /**
     * {@return whether a CUDA device can be used} Never throws; the first call loads the driver and logs once
     * why not.
     */
    public static boolean isAvailable() {
        return Devices.available();
    }

    /** {@return why {@link #isAvailable()} is false (e.g. "libcuda.so.1 not found: …"); empty when it is true} */
    public static String unavailableReason() {
        return Devices.unavailableReason();
    }

    /**
     * Whether the driver library {@code libcuda.so.1} was found, even if CUDA is still unavailable
     * (cuInit failed, no device, a GPU too old): tells "no NVIDIA driver here" from "the driver
     * failed" in diagnostics. False when {@code -Djgrad.cuda.disable=true}.
     *
     * @return whether {@code libcuda.so.1} was found
     */
    public static boolean driverFound() {
        return Devices.driverFound();
    }

    /**
     * Every device as the driver describes it, without opening a context; empty when unavailable.
     *
     * <pre>{@code
     * Cuda.devices().forEach(d -> System.out.println(d + ": loads " + Cuda.kernelImageFor(d)));
     * }</pre>
     *
     * @return the devices, in ordinal order
     */
    public static List<DeviceInfo> devices() {
        List<DeviceInfo> out = new ArrayList<>();
        for (int i = 0; i < deviceCount(); i++) out.add(Devices.describe(i));
        return out;
    }

    /**
     * Which compiled kernel images (PTX, cubins) are on the path, e.g. "13 of 13 modules: ptx 13,
     * sm_80.cubin 13, sm_90.cubin 13, sm_90a.cubin 1", or a line starting "none" when they are missing.
     *
     * @return the carried images, in words
     */
    public static String kernelImages() {
        return KernelImages.carried();
    }

    /**
     * Which kernel image device {@code d} loads, e.g. "sm_90.cubin (12 modules), sm_90a.cubin (1 module)"
     * or "ptx compute_80, compiled by the driver at first use (13 modules)".
     *
     * @param d a device, from {@link #devices()}
     * @return the images it loads, in words
     */
    public static String kernelImageFor(DeviceInfo d) {
        return KernelImages.chosen(d.major(), d.minor());
    }

    /** {@return number of devices (0 when unavailable)} */
    public static int deviceCount() {
        return Devices.count();
    }

    /** {@return the driver's CUDA version as 1000·major + 10·minor (e.g. 13000), 0 when unavailable} */
    public static int driverVersion() {
        return Devices.driverVersion();
    }

    /**
     * A snapshot of device {@code ordinal}'s caching allocator (as {@code torch.cuda.memory_stats});
     * throws IllegalStateException naming the reason when CUDA is unavailable.
     *
     * @param ordinal the device's index, from 0
     * @return the allocator's statistics
     */
    public static MemoryStats memoryStats(int ordinal) {
        return Devices.get(ordinal).memoryStats();
    }

    /**
     * The driver's {free, total} bytes of device {@code ordinal} (as {@code torch.cuda.mem_get_info}):
     * free counts neither jgrad's live buffers nor the blocks its allocator caches.
     *
     * <pre>{@code
     * long[] info = Cuda.memoryInfo(0);   // {free, total}
     * }</pre>
     *
     * @param ordinal the device's index, from 0
     * @return {free, total} in bytes
     */
    public static long[] memoryInfo(int ordinal) {
        return Devices.get(ordinal).memoryInfo();
    }

    /**
     * Starts the peak figures of {@link #memoryStats} of device {@code ordinal} afresh from the current ones.
     *
     * @param ordinal the device's index, from 0
     */
    public static void resetPeakMemoryStats(int ordinal) {
        Devices.get(ordinal).resetPeakMemoryStats();
    }

    /** Returns every opened device's cached memory to the driver. */
    public static void emptyCache() {
        Devices.emptyCache();
    }

    /**
     * Whether an allocation that fails after the allocator emptied its cache may run the garbage
     * collector to find device memory held by tensors never closed (default true, for code that
     * does not close its tensors; {@code -Djgrad.cuda.gcOnOom=false} sets it off from the start).
     * Code that closes its tensors or runs each step in {@code Tensor.scope()} never needs it; off,
     * a tensor left unclosed shows as a {@link CudaOutOfMemoryError} rather than as a collector
     * pause, as in PyTorch, which never collects. See docs/memory.md.
     *
     * <pre>{@code
     * Cuda.setCollectOnOutOfMemory(false);
     * }</pre>
     *
     * @param enabled whether the collector may run as the last resort
     */
    public static void setCollectOnOutOfMemory(boolean enabled) {
        CachingAllocator.setCollectOnOutOfMemory(enabled);
    }

    /** {@return the setting of {@link #setCollectOnOutOfMemory}} */
    public static boolean collectOnOutOfMemory() {
        return CachingAllocator.collectOnOutOfMemory();
    }

    /**
     * Lets float32 matrix products (matmul, conv2d) use TF32 tensor cores: ~10 mantissa bits, much faster.
     * Off by default.
     *
     * @param allow true to allow TF32
     */
    public static void setAllowTf32(boolean allow) {
        allowTf32 = allow;
    }

    /**
     * Whether float32 matrix products may use TF32 tensor cores ({@link #setAllowTf32}).
     *
     * @return true when allowed
     */
    public static boolean allowTf32() {
        return allowTf32;
    }

    /**
     * Lets float32 matrix products (matmul) use BF16 tensor cores: the operands are rounded to
     * bfloat16 (8 mantissa bits), products accumulate in float32, as PyTorch's
     * {@code torch.set_float32_matmul_precision("medium")}. Faster than TF32, less exact (relative
     * errors near 1e-2); convolutions keep TF32 or float32. Off by default.
     *
     * <pre>{@code
     * Cuda.setAllowBf16(true);   // cuBLAS with CUBLAS_COMPUTE_32F_FAST_16BF, or jgrad's BF16 GEMM where GemmDispatch picks it
     * }</pre>
     *
     * @param allow true to allow BF16
     */
    public static void setAllowBf16(boolean allow) {
        allowBf16 = allow;
    }

    /**
     * Whether float32 matrix products may use BF16 tensor cores ({@link #setAllowBf16}).
     *
     * @return true when allowed
     */
    public static boolean allowBf16() {
        return allowBf16;
    }

    /**
     * Lets fused float32 attention with head size 64 or 128 run on BF16 tensor cores: q, k, v and
     * the output gradient are rounded to bfloat16 (8 mantissa bits), products accumulate in float32,
     * softmax statistics stay float32. Much faster; relative errors near 1e-2 instead of 1e-6; the
     * backward pass accumulates dq with atomics (not bitwise reproducible). Off by default (the
     * float32 kernels run), like {@link #setAllowTf32}.
     *
     * @param allow true to allow BF16 attention
     */
    public static void setAllowBf16Attention(boolean allow) {
        allowBf16Attention = allow;
    }

    /**
     * Whether fused float32 attention may use BF16 tensor cores ({@link #setAllowBf16Attention}).
     *
     * @return true when allowed
     */
    public static boolean allowBf16Attention() {
        return allowBf16Attention;
    }

    /**
     * Whether gather/scatter/embedding/cross-entropy read back a device flag after each launch to
     * raise IndexOutOfBoundsException for a bad index (default true; costs one small synchronous
     * copy per call). When off, bad indices are skipped silently.
     *
     * @param check true to check indices on the device
     */
    public static void setCheckIndices(boolean check) {
        checkIndices = check;
    }

    /**
     * Whether index-checking ops read back the device flag ({@link #setCheckIndices}).
     *
     * @return true when they do (the default)
     */
    public static boolean checkIndices() {
        return checkIndices;
    }

    /** {@return whether cuBLAS loaded (matmul and conv2d fall back to jgrad's own slower kernel when it did not)} */
    public static boolean cublasAvailable() {
        return isAvailable() && CuBlas.systemLoaded();
    }

    /** {@return the cuBLAS library that loaded (e.g. "libcublas.so.13"); empty when none did} */
    public static String cublasLibrary() {
        return cublasAvailable() ? CuBlas.system().library : "";
    }

    /** {@return why cuBLAS is not available; empty when it is} */
    public static String cublasUnavailableReason() {
        if (!isAvailable()) return unavailableReason();
        return CuBlas.systemFailure();
    }
}
