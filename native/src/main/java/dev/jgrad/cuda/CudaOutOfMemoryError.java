package dev.jgrad.cuda;

/**
 * The caching allocator could not get device memory even after returning its cached blocks to
 * the driver (and, unless that is switched off, letting the garbage collector release unreachable
 * buffers). The message states the request, what the driver reported free, what jgrad itself
 * holds, and how to free device memory at once ({@code Tensor.close()}, {@code Tensor.scope()}).
 *
 * <pre>{@code
 * try (DeviceBuffer b = device.allocate(1L << 40)) { ... }
 * catch (CudaOutOfMemoryError e) { System.err.println(e.requestedBytes() + " > " + e.freeBytes()); }
 * }</pre>
 */
public final class CudaOutOfMemoryError extends CudaException {
    private static final long serialVersionUID = 1L;

    /** Bytes the caller asked for. */
    private final long requestedBytes;
    /** Free device memory the driver reported. */
    private final long freeBytes;

    /**
     * The error for a failed allocation, with a message that states every figure.
     *
     * @param device         the device, e.g. {@code cuda:0}
     * @param requestedBytes bytes the caller asked for
     * @param roundedBytes   the request rounded to the allocator's size class
     * @param freeBytes      free device memory the driver reported
     * @param totalBytes     the device's total memory
     * @param allocatedBytes bytes jgrad holds in live buffers
     * @param reservedBytes  bytes jgrad holds in live and cached buffers
     */
    public CudaOutOfMemoryError(String device, long requestedBytes, long roundedBytes, long freeBytes, long totalBytes,
                                long allocatedBytes, long reservedBytes) {
        this(device, requestedBytes, roundedBytes, freeBytes, totalBytes, allocatedBytes, reservedBytes, true);
    }

    /**
     * The error for a failed allocation, saying whether the garbage collector was run before giving up.
     *
     * @param device         the device, e.g. {@code cuda:0}
     * @param requestedBytes bytes the caller asked for
     * @param roundedBytes   the request rounded to the allocator's size class
     * @param freeBytes      free device memory the driver reported
     * @param totalBytes     the device's total memory
     * @param allocatedBytes bytes jgrad holds in live buffers
     * @param reservedBytes  bytes jgrad holds in live and cached buffers
     * @param collected      whether the collector ran (Cuda.setCollectOnOutOfMemory) before this was thrown
     */
    public CudaOutOfMemoryError(String device, long requestedBytes, long roundedBytes, long freeBytes, long totalBytes,
                                long allocatedBytes, long reservedBytes, boolean collected) {
        super(message(device, requestedBytes, roundedBytes, freeBytes, totalBytes, allocatedBytes, reservedBytes, collected),
                "cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY");
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    static String message(String device, long requested, long rounded, long free, long total, long allocated, long reserved,
                          boolean collected) {
        return "CUDA out of memory on " + device + ": tried to allocate " + bytes(requested)
                + (rounded != requested ? " (rounded to " + bytes(rounded) + ")" : "")
                + "; the driver reports " + bytes(free) + " free of " + bytes(total)
                + "; jgrad holds " + bytes(allocated) + " in live buffers and " + bytes(reserved)
                + " reserved (its cache was emptied" + (collected ? " and the garbage collector run" : "") + " before this error)."
                + " Close tensors you are done with (Tensor.close()), run each step in try (var scope = Tensor.scope()) { ... }"
                + " so that its temporaries are freed when it ends, use smaller batches, or call Cuda.emptyCache() after large temporaries";
    }

    /**
     * {@return a byte count as messages show it: "512 B", or "3.00 GiB (3221225472 bytes)" with the exact
     * count}
     *
     * @param n the count
     */
    public static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String head = u == 0 ? n + " B" : String.format(java.util.Locale.ROOT, "%.2f %s", v, units[u]);
        return u == 0 ? head : head + " (" + n + " bytes)";
    }

    /** {@return bytes the caller asked for} */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** {@return free device memory the driver reported when the allocation failed} */
    public long freeBytes() {
        return freeBytes;
    }
}
