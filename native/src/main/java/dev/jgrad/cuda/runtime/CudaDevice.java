package dev.jgrad.cuda.runtime;

import dev.jgrad.cuda.CudaException;
import dev.jgrad.cuda.CudaOutOfMemoryError;
import dev.jgrad.cuda.MemoryStats;
import dev.jgrad.cuda.bindings.Driver;
import dev.jgrad.cuda.bindings.DriverExtras;
import java.lang.foreign.MemorySegment;

/**
 * One GPU: its primary context, the stream every jgrad op runs on, a caching allocator,
 * pinned staging buffers for host copies and the loaded kernel modules (the launchers of
 * {@code dev.jgrad.cuda.launch} and cuBLAS attach to it with {@code CudaKernels.of(gpu)},
 * {@code Blas.of(gpu)}). Obtained from {@link Devices#get(int)}; lives as long as the JVM.
 *
 * <pre>{@code
 * CudaDevice gpu = Devices.get(0);
 * System.out.println(gpu.name() + " cc " + gpu.computeCapability() + ", " + gpu.memoryStats());
 * }</pre>
 */
public final class CudaDevice {
    /** Bytes per pinned staging buffer; host copies move in chunks of this size, two in flight. */
    static final long STAGING_BYTES = 8L << 20;

    private static final ThreadLocal<CudaDevice> CURRENT = new ThreadLocal<>();

    private final Driver driver;
    private final int ordinal;
    private final long context;
    private final String name;
    private final int ccMajor, ccMinor, smCount, l2Bytes, maxSharedOptin, memClockKhz, busWidth;
    private final long totalMemory;
    private final Stream stream;
    private final CachingAllocator allocator;
    private final Object stagingLock = new Object();
    private PinnedBuffer[] staging;
    private Event[] stagingEvents;
    private final boolean[] stagingBusy = new boolean[2];
    private volatile Event orderEvent;
    /** The stream a CUDA graph is being captured on now ({@link CudaGraph#capture}), or null. */
    private volatile Stream capturing;
    private volatile KernelModules modules;

    CudaDevice(Driver driver, int ordinal) {
        this.driver = driver;
        this.ordinal = ordinal;
        int dev = driver.deviceGet(ordinal);
        this.name = driver.deviceName(dev);
        this.ccMajor = driver.deviceAttribute(Driver.ATTR_COMPUTE_CAPABILITY_MAJOR, dev);
        this.ccMinor = driver.deviceAttribute(Driver.ATTR_COMPUTE_CAPABILITY_MINOR, dev);
        this.smCount = driver.deviceAttribute(Driver.ATTR_MULTIPROCESSOR_COUNT, dev);
        this.l2Bytes = driver.deviceAttribute(Driver.ATTR_L2_CACHE_SIZE, dev);
        this.maxSharedOptin = driver.deviceAttribute(Driver.ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev);
        this.memClockKhz = driver.deviceAttribute(Driver.ATTR_MEMORY_CLOCK_RATE, dev);
        this.busWidth = driver.deviceAttribute(Driver.ATTR_GLOBAL_MEMORY_BUS_WIDTH, dev);
        this.totalMemory = driver.deviceTotalMem(dev);
        this.context = driver.primaryCtxRetain(dev);
        driver.ctxSetCurrent(context);
        CURRENT.set(this);
        this.stream = new Stream(this, driver.streamCreate(Driver.CU_STREAM_NON_BLOCKING), false);
        this.allocator = new CachingAllocator(new DriverMemory(), this);
    }

    /** Makes this device's context current on the calling thread (cached per thread). */
    public void makeCurrent() {
        if (CURRENT.get() != this) {
            driver.ctxSetCurrent(context);
            CURRENT.set(this);
        }
    }

    public Driver driver() {
        return driver;
    }

    /** The primary context (a CUcontext). */
    long context() {
        return context;
    }

    CachingAllocator allocator() {
        return allocator;
    }

    /** The device ordinal (the N of cuda:N). */
    public int ordinal() {
        return ordinal;
    }

    public String name() {
        return name;
    }

    /** e.g. 90 for an H100 (9.0), 80 for an A100. */
    public int computeCapability() {
        return ccMajor * 10 + ccMinor;
    }

    public int multiprocessorCount() {
        return smCount;
    }

    public long totalMemory() {
        return totalMemory;
    }

    public int l2CacheBytes() {
        return l2Bytes;
    }

    public int maxSharedMemoryPerBlockOptin() {
        return maxSharedOptin;
    }

    /** Theoretical DRAM bandwidth from the memory clock and bus width (bytes/s), a datasheet-style figure. */
    public double theoreticalBandwidth() {
        return 2.0 * memClockKhz * 1e3 * busWidth / 8;
    }

    /** The stream every jgrad op on this device runs on. */
    public Stream stream() {
        return stream;
    }

    /** A new non-blocking stream; close it when done. */
    public Stream newStream() {
        makeCurrent();
        return new Stream(this, driver.streamCreate(Driver.CU_STREAM_NON_BLOCKING), true);
    }

    /** A new event; {@code timing} enables {@link Event#elapsedMillis}. */
    public Event newEvent(boolean timing) {
        makeCurrent();
        return new Event(this, driver.eventCreate(timing ? Driver.CU_EVENT_DEFAULT : Driver.CU_EVENT_DISABLE_TIMING));
    }

    /** Waits for all work on the device. */
    public void synchronize() {
        if (capturing != null) throw captureRefusal("cuCtxSynchronize", "waiting for the whole device");
        makeCurrent();
        driver.ctxSynchronize();
    }

    // ---- memory ------------------------------------------------------------------------------------------

    /** Device memory for the default stream (contents undefined). */
    public DeviceBuffer allocate(long bytes) {
        makeCurrent();
        return allocator.allocate(bytes, stream.handle());
    }

    /** Device memory whose pool is {@code s}'s. */
    public DeviceBuffer allocate(long bytes, Stream s) {
        makeCurrent();
        return allocator.allocate(bytes, s.handle());
    }

    /** Page-locked host memory. */
    public PinnedBuffer allocatePinned(long bytes) {
        makeCurrent();
        return new PinnedBuffer(this, driver.memHostAlloc(bytes));
    }

    public MemoryStats memoryStats() {
        return allocator.stats();
    }

    public void resetPeakMemoryStats() {
        allocator.resetPeakStats();
    }

    /** Returns the allocator's cached blocks to the driver. */
    public void emptyCache() {
        makeCurrent();
        allocator.emptyCache();
    }

    /** {free, total} bytes as the driver sees them (other processes included). */
    public long[] memoryInfo() {
        makeCurrent();
        return driver.memGetInfo();
    }

    public void memset(long address, int value, long bytes) {
        makeCurrent();
        driver.memsetD8Async(address, value & 0xff, bytes, stream.handle());
    }

    public void copyDeviceToDevice(long src, long dst, long bytes) {
        if (bytes == 0) return;
        makeCurrent();
        driver.memcpyDtoDAsync(dst, src, bytes, stream.handle());
    }

    /**
     * Copies {@code bytes} from {@code src} on device {@code from} (this one included) to
     * {@code dst} on this device, queued on this device's stream after the work already queued
     * on {@code from}'s stream; {@code from}'s stream then waits for the copy before its later
     * work, so the source may be freed or overwritten in its stream's order. The host never
     * waits: each side records an event on its own stream and the other stream waits for it.
     */
    void copyFromPeer(CudaDevice from, long src, long dst, long bytes) {
        if (bytes == 0) return;
        if (capturing != null || from.capturing != null) {   // the events that order the two streams would join another stream to the capture
            throw (capturing != null ? this : from).captureRefusal("cuMemcpyPeerAsync", "a copy between two GPUs");
        }
        if (from == this) {
            copyDeviceToDevice(src, dst, bytes);
            return;
        }
        from.orderAfter(this);
        makeCurrent();
        driver.memcpyPeerAsync(dst, context, src, from.context, bytes, stream.handle());
        orderAfter(from);
    }

    /** Makes {@code later}'s stream wait for the work queued on this device's stream so far. */
    private void orderAfter(CudaDevice later) {
        Event e = orderEvent();
        // one event per device: cuStreamWaitEvent captures the recorded state, so re-recording it afterwards is safe
        synchronized (e) {
            e.record(stream);
            later.stream.waitFor(e);
        }
    }

    private Event orderEvent() {
        Event e = orderEvent;
        if (e == null) {
            synchronized (this) {
                if (orderEvent == null) orderEvent = newEvent(false);
                e = orderEvent;
            }
        }
        return e;
    }

    /**
     * Host → device through two pinned staging buffers: chunk i is copied into buffer i % 2 while
     * the DMA of chunk i-1 runs. Returns once the source has been read (the device copy may still
     * be in flight, in stream order).
     */
    void copyHostToDevice(MemorySegment src, long srcOffset, long dst, long bytes) {
        if (bytes == 0) return;
        // the graph would copy from the staging buffer again at each launch, long after it holds other bytes; and the staging
        // events it waits for would be captured, not recorded
        refuseWhileCapturing("cuMemcpyHtoDAsync_v2", "a copy from host memory");
        makeCurrent();
        synchronized (stagingLock) {
            ensureStaging();
            long done = 0;
            for (int i = 0; done < bytes; i++) {
                int k = i & 1;
                long n = Math.min(STAGING_BYTES, bytes - done);
                if (stagingBusy[k]) stagingEvents[k].synchronize();
                MemorySegment buf = staging[k].segment();
                MemorySegment.copy(src, srcOffset + done, buf, 0, n);
                driver.memcpyHtoDAsync(dst + done, buf, n, stream.handle());
                stagingEvents[k].record(stream);
                stagingBusy[k] = true;
                done += n;
            }
        }
    }

    /** Device → host through the pinned staging buffers; returns when {@code dst} holds the data. */
    public void copyDeviceToHost(long src, MemorySegment dst, long dstOffset, long bytes) {
        if (bytes == 0) return;
        refuseWhileCapturing("cuMemcpyDtoHAsync_v2", "a read of device memory on the host (item(), toFloatArray()...)");
        makeCurrent();
        synchronized (stagingLock) {
            ensureStaging();
            int chunks = (int) Math.ceilDiv(bytes, STAGING_BYTES);
            for (int i = 0; i <= chunks; i++) {
                if (i < chunks) {
                    int k = i & 1;
                    if (stagingBusy[k]) stagingEvents[k].synchronize();
                    long n = Math.min(STAGING_BYTES, bytes - i * STAGING_BYTES);
                    driver.memcpyDtoHAsync(staging[k].segment(), src + i * STAGING_BYTES, n, stream.handle());
                    stagingEvents[k].record(stream);
                    stagingBusy[k] = true;
                }
                if (i > 0) {
                    int j = i - 1, k = j & 1;
                    stagingEvents[k].synchronize();
                    stagingBusy[k] = false;
                    long n = Math.min(STAGING_BYTES, bytes - j * STAGING_BYTES);
                    MemorySegment.copy(staging[k].segment(), 0, dst, dstOffset + j * STAGING_BYTES, n);
                }
            }
        }
    }

    private void ensureStaging() {
        if (staging != null) return;
        staging = new PinnedBuffer[] {allocatePinned(STAGING_BYTES), allocatePinned(STAGING_BYTES)};
        stagingEvents = new Event[] {newEvent(false), newEvent(false)};
    }

    // ---- CUDA graph capture -------------------------------------------------------------------------------

    /** Marks {@code s} as capturing a graph (one capture per device at a time). */
    synchronized void beginCapture(Stream s) {
        if (capturing != null) throw new IllegalStateException("a CUDA graph is already being captured on " + this + " (captures do not nest)");
        capturing = s;
    }

    /** The capture on this device ended (made a graph or failed). */
    synchronized void endCapture() {
        capturing = null;
    }

    /** {@return the stream a CUDA graph is being captured on now, or null} */
    public Stream capturingStream() {
        return capturing;
    }

    /**
     * Throws when a graph is being captured on this device's stream: {@code what} would make the
     * host wait for work that a capture records without running (a synchronisation, a copy through
     * host memory), which the driver refuses (and which invalidates the capture).
     */
    void refuseWhileCapturing(String call, String what) {
        if (capturing == stream) throw captureRefusal(call, what);
    }

    /** The error for {@code call} refused during a capture; its code is CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, as the driver's would be. */
    CudaException captureRefusal(String call, String what) {
        return new CudaException(call, DriverExtras.CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
                "operation not permitted when stream is capturing", what + " while a CUDA graph is being captured on cuda:" + ordinal
                        + " (jgrad refused it before the driver did): the host cannot wait for, read or feed work that a capture records "
                        + "without running");
    }

    // ---- kernel modules ------------------------------------------------------------------------------

    public KernelModules modules() {
        KernelModules m = modules;
        if (m == null) {
            synchronized (this) {
                if (modules == null) modules = new KernelModules(this, ccMajor, ccMinor);
                m = modules;
            }
        }
        return m;
    }

    @Override
    public String toString() {
        return "cuda:" + ordinal + " (" + name + ", cc " + ccMajor + "." + ccMinor + ", " + smCount + " SMs, "
                + CudaOutOfMemoryError.bytes(totalMemory) + ")";
    }

    /** The allocator's view of this device. */
    private final class DriverMemory implements RawMemory {
        @Override
        public long malloc(long bytes) {
            makeCurrent();
            return driver.memAlloc(bytes);
        }

        @Override
        public void free(long address) {
            makeCurrent();
            // the block may still be used by queued work of its stream: wait for it first
            driver.streamSynchronize(stream.handle());
            driver.memFree(address);
        }

        @Override
        public long[] memInfo() {
            makeCurrent();
            return driver.memGetInfo();
        }

        @Override
        public String deviceName() {
            return "cuda:" + ordinal;
        }
    }
}
