package dev.jgrad.cuda.bindings;

import static dev.jgrad.cuda.bindings.Ffm.INT;
import static dev.jgrad.cuda.bindings.Ffm.LONG;
import static dev.jgrad.cuda.bindings.Ffm.PTR;
import static dev.jgrad.cuda.bindings.Ffm.SIZE_T;
import static dev.jgrad.cuda.bindings.Ffm.FLOAT;

import dev.jgrad.cuda.CudaException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Hand-written FFM bindings to the CUDA driver API ({@code libcuda.so.1}). Each handle's
 * comment gives the C signature from {@code cuda.h} (CUDA 13); the {@code _v2} names are the
 * symbols the header's macros resolve to. C types: {@code CUresult} int, {@code CUdevice} int,
 * {@code CUdeviceptr} unsigned 64-bit (a Java long), {@code size_t} 64-bit, handles
 * ({@code CUcontext}, {@code CUstream}, {@code CUevent}, {@code CUmodule}, {@code CUfunction})
 * are pointers, passed as raw addresses (long) so that no segment is created per call.
 *
 * <p>Every wrapper checks the CUresult and throws a {@link CudaException} naming the call and
 * the driver's error name and description. Instances exist only once the library loaded.
 */
public final class Driver {
    public static final int CUDA_SUCCESS = 0;
    public static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    static final int CUDA_ERROR_NOT_READY = 600;

    static final int ATTR_MAX_THREADS_PER_BLOCK = 1;
    public static final int ATTR_MULTIPROCESSOR_COUNT = 16;
    public static final int ATTR_CLOCK_RATE = 13;
    public static final int ATTR_MEMORY_CLOCK_RATE = 36;
    public static final int ATTR_GLOBAL_MEMORY_BUS_WIDTH = 37;
    public static final int ATTR_L2_CACHE_SIZE = 38;
    public static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int ATTR_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

    public static final int FUNC_ATTR_MAX_THREADS_PER_BLOCK = 0;
    public static final int FUNC_ATTR_SHARED_SIZE_BYTES = 1;
    public static final int FUNC_ATTR_LOCAL_SIZE_BYTES = 3;
    public static final int FUNC_ATTR_NUM_REGS = 4;
    public static final int FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

    public static final int CU_STREAM_NON_BLOCKING = 1;
    public static final int CU_EVENT_DEFAULT = 0;
    public static final int CU_EVENT_DISABLE_TIMING = 2;
    static final int CU_MEMHOSTALLOC_PORTABLE = 1;
    static final int CU_JIT_INFO_LOG_BUFFER = 3;
    static final int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
    static final int CU_JIT_ERROR_LOG_BUFFER = 5;
    static final int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

    private static final String LIB = LibraryProbe.DRIVER;

    // CUresult cuInit(unsigned int Flags)
    private final MethodHandle cuInit;
    // CUresult cuDriverGetVersion(int *driverVersion)
    private final MethodHandle cuDriverGetVersion;
    // CUresult cuDeviceGetCount(int *count)
    private final MethodHandle cuDeviceGetCount;
    // CUresult cuDeviceGet(CUdevice *device, int ordinal)
    private final MethodHandle cuDeviceGet;
    // CUresult cuDeviceGetName(char *name, int len, CUdevice dev)
    private final MethodHandle cuDeviceGetName;
    // CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev)
    private final MethodHandle cuDeviceGetAttribute;
    // CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev)
    private final MethodHandle cuDeviceTotalMem;
    // CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev)
    private final MethodHandle cuDevicePrimaryCtxRetain;
    // CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev)
    private final MethodHandle cuDevicePrimaryCtxRelease;
    // CUresult cuCtxSetCurrent(CUcontext ctx)
    private final MethodHandle cuCtxSetCurrent;
    // CUresult cuCtxSynchronize(void)
    private final MethodHandle cuCtxSynchronize;
    // CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)
    private final MethodHandle cuMemAlloc;
    // CUresult cuMemFree_v2(CUdeviceptr dptr)
    private final MethodHandle cuMemFree;
    // CUresult cuMemGetInfo_v2(size_t *free, size_t *total)
    private final MethodHandle cuMemGetInfo;
    // CUresult cuMemcpyHtoD_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount)
    private final MethodHandle cuMemcpyHtoD;
    // CUresult cuMemcpyDtoH_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount)
    private final MethodHandle cuMemcpyDtoH;
    // CUresult cuMemcpyDtoD_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount)
    private final MethodHandle cuMemcpyDtoD;
    // CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream)
    private final MethodHandle cuMemcpyHtoDAsync;
    // CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream)
    private final MethodHandle cuMemcpyDtoHAsync;
    // CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream)
    private final MethodHandle cuMemcpyDtoDAsync;
    // CUresult cuMemcpyPeerAsync(CUdeviceptr dstDevice, CUcontext dstContext, CUdeviceptr srcDevice, CUcontext srcContext,
    //                            size_t ByteCount, CUstream hStream)
    private final MethodHandle cuMemcpyPeerAsync;
    /** cuMemcpyPeerAsync's descriptor: CUresult (int) ← CUdeviceptr, CUcontext, CUdeviceptr, CUcontext, size_t, CUstream. */
    public static final FunctionDescriptor MEMCPY_PEER_ASYNC = FunctionDescriptor.of(INT, LONG, LONG, LONG, LONG, SIZE_T, LONG);
    // CUresult cuMemsetD8Async(CUdeviceptr dstDevice, unsigned char uc, size_t N, CUstream hStream)
    private final MethodHandle cuMemsetD8Async;
    // CUresult cuMemsetD32Async(CUdeviceptr dstDevice, unsigned int ui, size_t N, CUstream hStream)
    private final MethodHandle cuMemsetD32Async;
    // CUresult cuMemHostAlloc(void **pp, size_t bytesize, unsigned int Flags)
    private final MethodHandle cuMemHostAlloc;
    // CUresult cuMemFreeHost(void *p)
    private final MethodHandle cuMemFreeHost;
    // CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags)
    private final MethodHandle cuStreamCreate;
    // CUresult cuStreamDestroy_v2(CUstream hStream)
    private final MethodHandle cuStreamDestroy;
    // CUresult cuStreamSynchronize(CUstream hStream)
    private final MethodHandle cuStreamSynchronize;
    // CUresult cuStreamWaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags)
    private final MethodHandle cuStreamWaitEvent;
    /** cuStreamWaitEvent's descriptor: CUresult (int) ← CUstream, CUevent, unsigned int. */
    public static final FunctionDescriptor STREAM_WAIT_EVENT = FunctionDescriptor.of(INT, LONG, LONG, INT);
    // CUresult cuEventCreate(CUevent *phEvent, unsigned int Flags)
    private final MethodHandle cuEventCreate;
    // CUresult cuEventDestroy_v2(CUevent hEvent)
    private final MethodHandle cuEventDestroy;
    // CUresult cuEventRecord(CUevent hEvent, CUstream hStream)
    private final MethodHandle cuEventRecord;
    // CUresult cuEventSynchronize(CUevent hEvent)
    private final MethodHandle cuEventSynchronize;
    // CUresult cuEventQuery(CUevent hEvent)
    private final MethodHandle cuEventQuery;
    // CUresult cuEventElapsedTime_v2(float *pMilliseconds, CUevent hStart, CUevent hEnd)  (cuEventElapsedTime before 12.8)
    private final MethodHandle cuEventElapsedTime;
    // CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int numOptions,
    //                             CUjit_option *options, void **optionValues)
    private final MethodHandle cuModuleLoadDataEx;
    // CUresult cuModuleUnload(CUmodule hmod)
    private final MethodHandle cuModuleUnload;
    // CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name)
    private final MethodHandle cuModuleGetFunction;
    // CUresult cuFuncGetAttribute(int *pi, CUfunction_attribute attrib, CUfunction hfunc)
    private final MethodHandle cuFuncGetAttribute;
    // CUresult cuFuncSetAttribute(CUfunction hfunc, CUfunction_attribute attrib, int value)
    private final MethodHandle cuFuncSetAttribute;
    // CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
    //                         unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
    //                         unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra)
    private final MethodHandle cuLaunchKernel;
    // CUresult cuGetErrorName(CUresult error, const char **pStr)
    private final MethodHandle cuGetErrorName;
    // CUresult cuGetErrorString(CUresult error, const char **pStr)
    private final MethodHandle cuGetErrorString;

    public Driver(SymbolLookup lib) {
        FunctionDescriptor i_i = FunctionDescriptor.of(INT, INT);
        FunctionDescriptor i_p = FunctionDescriptor.of(INT, PTR);
        FunctionDescriptor i_l = FunctionDescriptor.of(INT, LONG);
        cuInit = Ffm.bind(lib, LIB, i_i, "cuInit");
        cuDriverGetVersion = Ffm.bind(lib, LIB, i_p, "cuDriverGetVersion");
        cuDeviceGetCount = Ffm.bind(lib, LIB, i_p, "cuDeviceGetCount");
        cuDeviceGet = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, INT), "cuDeviceGet");
        cuDeviceGetName = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, INT, INT), "cuDeviceGetName");
        cuDeviceGetAttribute = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, INT, INT), "cuDeviceGetAttribute");
        cuDeviceTotalMem = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, INT), "cuDeviceTotalMem_v2");
        cuDevicePrimaryCtxRetain = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, INT), "cuDevicePrimaryCtxRetain");
        cuDevicePrimaryCtxRelease = Ffm.bind(lib, LIB, i_i, "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
        cuCtxSetCurrent = Ffm.bind(lib, LIB, i_l, "cuCtxSetCurrent");
        cuCtxSynchronize = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT), "cuCtxSynchronize");
        cuMemAlloc = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, SIZE_T), "cuMemAlloc_v2");
        cuMemFree = Ffm.bind(lib, LIB, i_l, "cuMemFree_v2");
        cuMemGetInfo = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, PTR), "cuMemGetInfo_v2");
        cuMemcpyHtoD = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, LONG, PTR, SIZE_T), "cuMemcpyHtoD_v2");
        cuMemcpyDtoH = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, LONG, SIZE_T), "cuMemcpyDtoH_v2");
        cuMemcpyDtoD = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, LONG, LONG, SIZE_T), "cuMemcpyDtoD_v2");
        cuMemcpyHtoDAsync = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, LONG, PTR, SIZE_T, LONG), "cuMemcpyHtoDAsync_v2");
        cuMemcpyDtoHAsync = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, LONG, SIZE_T, LONG), "cuMemcpyDtoHAsync_v2");
        cuMemcpyDtoDAsync = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, LONG, LONG, SIZE_T, LONG), "cuMemcpyDtoDAsync_v2");
        cuMemcpyPeerAsync = Ffm.bind(lib, LIB, MEMCPY_PEER_ASYNC, "cuMemcpyPeerAsync");
        cuMemsetD8Async = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, LONG, java.lang.foreign.ValueLayout.JAVA_BYTE, SIZE_T, LONG), "cuMemsetD8Async");
        cuMemsetD32Async = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, LONG, INT, SIZE_T, LONG), "cuMemsetD32Async");
        cuMemHostAlloc = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, SIZE_T, INT), "cuMemHostAlloc");
        cuMemFreeHost = Ffm.bind(lib, LIB, i_l, "cuMemFreeHost");
        cuStreamCreate = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, INT), "cuStreamCreate");
        cuStreamDestroy = Ffm.bind(lib, LIB, i_l, "cuStreamDestroy_v2", "cuStreamDestroy");
        cuStreamSynchronize = Ffm.bind(lib, LIB, i_l, "cuStreamSynchronize");
        cuStreamWaitEvent = Ffm.bind(lib, LIB, STREAM_WAIT_EVENT, "cuStreamWaitEvent");
        cuEventCreate = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, INT), "cuEventCreate");
        cuEventDestroy = Ffm.bind(lib, LIB, i_l, "cuEventDestroy_v2", "cuEventDestroy");
        cuEventRecord = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, LONG, LONG), "cuEventRecord");
        cuEventSynchronize = Ffm.bind(lib, LIB, i_l, "cuEventSynchronize");
        cuEventQuery = Ffm.bind(lib, LIB, i_l, "cuEventQuery");
        cuEventElapsedTime = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, LONG, LONG), "cuEventElapsedTime_v2", "cuEventElapsedTime");
        cuModuleLoadDataEx = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, PTR, INT, PTR, PTR), "cuModuleLoadDataEx");
        cuModuleUnload = Ffm.bind(lib, LIB, i_l, "cuModuleUnload");
        cuModuleGetFunction = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, LONG, PTR), "cuModuleGetFunction");
        cuFuncGetAttribute = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, PTR, INT, LONG), "cuFuncGetAttribute");
        cuFuncSetAttribute = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, LONG, INT, INT), "cuFuncSetAttribute");
        cuLaunchKernel = Ffm.bind(lib, LIB,
                FunctionDescriptor.of(INT, LONG, INT, INT, INT, INT, INT, INT, INT, LONG, PTR, PTR), "cuLaunchKernel");
        cuGetErrorName = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, INT, PTR), "cuGetErrorName");
        cuGetErrorString = Ffm.bind(lib, LIB, FunctionDescriptor.of(INT, INT, PTR), "cuGetErrorString");
    }

    // ---- error handling -----------------------------------------------------------------------

    /** Throws a {@link CudaException} for a non-zero CUresult. */
    void check(String call, int rc) {
        if (rc != CUDA_SUCCESS) throw error(call, rc, null);
    }

    CudaException error(String call, int rc, String detail) {
        return new CudaException(call, rc, errorName(rc), errorString(rc), detail);
    }

    public String errorName(int rc) {
        return errorText(cuGetErrorName, rc);
    }

    public String errorString(int rc) {
        return errorText(cuGetErrorString, rc);
    }

    private static String errorText(MethodHandle h, int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(PTR);
            int r = (int) h.invokeExact(rc, p);
            if (r != CUDA_SUCCESS) return null;
            return Ffm.cString(p.get(PTR, 0));
        } catch (Throwable t) {
            return null;
        }
    }

    // ---- initialisation and devices -------------------------------------------------------------

    /** cuInit(0); the CUresult, not checked, so that the caller can explain a failure. */
    public int init() {
        try {
            return (int) cuInit.invokeExact(0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public int driverVersion() {
        return intOut("cuDriverGetVersion", cuDriverGetVersion);
    }

    public int deviceCount() {
        return intOut("cuDeviceGetCount", cuDeviceGetCount);
    }

    private int intOut(String call, MethodHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(INT);
            check(call, (int) h.invokeExact(p));
            return p.get(INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public int deviceGet(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(INT);
            check("cuDeviceGet", (int) cuDeviceGet.invokeExact(p, ordinal));
            return p.get(INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public String deviceName(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(256);
            check("cuDeviceGetName", (int) cuDeviceGetName.invokeExact(p, 256, dev));
            return p.getString(0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public int deviceAttribute(int attribute, int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(INT);
            check("cuDeviceGetAttribute", (int) cuDeviceGetAttribute.invokeExact(p, attribute, dev));
            return p.get(INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public long deviceTotalMem(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(SIZE_T);
            check("cuDeviceTotalMem_v2", (int) cuDeviceTotalMem.invokeExact(p, dev));
            return p.get(SIZE_T, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public long primaryCtxRetain(int dev) {
        return pointerOut("cuDevicePrimaryCtxRetain", p -> (int) cuDevicePrimaryCtxRetain.invokeExact(p, dev));
    }

    void primaryCtxRelease(int dev) {
        try {
            check("cuDevicePrimaryCtxRelease_v2", (int) cuDevicePrimaryCtxRelease.invokeExact(dev));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void ctxSetCurrent(long ctx) {
        try {
            check("cuCtxSetCurrent", (int) cuCtxSetCurrent.invokeExact(ctx));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void ctxSynchronize() {
        try {
            check("cuCtxSynchronize", (int) cuCtxSynchronize.invokeExact());
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    // ---- memory -----------------------------------------------------------------------------------

    /** cuMemAlloc_v2; the error (CUDA_ERROR_OUT_OF_MEMORY included) surfaces as a CudaException. */
    public long memAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(LONG);
            check("cuMemAlloc_v2", (int) cuMemAlloc.invokeExact(p, bytes));
            return p.get(LONG, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void memFree(long dptr) {
        try {
            check("cuMemFree_v2", (int) cuMemFree.invokeExact(dptr));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** {free, total} bytes of the current context's device. */
    public long[] memGetInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(SIZE_T), t = a.allocate(SIZE_T);
            check("cuMemGetInfo_v2", (int) cuMemGetInfo.invokeExact(f, t));
            return new long[] {f.get(SIZE_T, 0), t.get(SIZE_T, 0)};
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    void memcpyHtoD(long dst, MemorySegment src, long bytes) {
        try {
            check("cuMemcpyHtoD_v2", (int) cuMemcpyHtoD.invokeExact(dst, src, bytes));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    void memcpyDtoH(MemorySegment dst, long src, long bytes) {
        try {
            check("cuMemcpyDtoH_v2", (int) cuMemcpyDtoH.invokeExact(dst, src, bytes));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    void memcpyDtoD(long dst, long src, long bytes) {
        try {
            check("cuMemcpyDtoD_v2", (int) cuMemcpyDtoD.invokeExact(dst, src, bytes));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, long stream) {
        try {
            check("cuMemcpyHtoDAsync_v2", (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, long stream) {
        try {
            check("cuMemcpyDtoHAsync_v2", (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void memcpyDtoDAsync(long dst, long src, long bytes, long stream) {
        try {
            check("cuMemcpyDtoDAsync_v2", (int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /**
     * Copies {@code bytes} from {@code src} in context {@code srcCtx} to {@code dst} in context
     * {@code dstCtx}, queued on {@code stream} (the driver stages the copy through the host when the
     * two devices cannot reach each other directly).
     */
    public void memcpyPeerAsync(long dst, long dstCtx, long src, long srcCtx, long bytes, long stream) {
        try {
            check("cuMemcpyPeerAsync", (int) cuMemcpyPeerAsync.invokeExact(dst, dstCtx, src, srcCtx, bytes, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void memsetD8Async(long dst, int value, long count, long stream) {
        try {
            check("cuMemsetD8Async", (int) cuMemsetD8Async.invokeExact(dst, (byte) value, count, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    void memsetD32Async(long dst, int value, long count, long stream) {
        try {
            check("cuMemsetD32Async", (int) cuMemsetD32Async.invokeExact(dst, value, count, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** Page-locked host memory (portable across contexts), as a segment of {@code bytes}. */
    public MemorySegment memHostAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(PTR);
            check("cuMemHostAlloc", (int) cuMemHostAlloc.invokeExact(p, bytes, CU_MEMHOSTALLOC_PORTABLE));
            return p.get(PTR, 0).reinterpret(bytes);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void memFreeHost(long address) {
        try {
            check("cuMemFreeHost", (int) cuMemFreeHost.invokeExact(address));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    // ---- streams and events ----------------------------------------------------------------------------

    public long streamCreate(int flags) {
        return pointerOut("cuStreamCreate", p -> (int) cuStreamCreate.invokeExact(p, flags));
    }

    public void streamDestroy(long stream) {
        try {
            check("cuStreamDestroy_v2", (int) cuStreamDestroy.invokeExact(stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void streamSynchronize(long stream) {
        try {
            check("cuStreamSynchronize", (int) cuStreamSynchronize.invokeExact(stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void streamWaitEvent(long stream, long event) {
        try {
            check("cuStreamWaitEvent", (int) cuStreamWaitEvent.invokeExact(stream, event, 0));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public long eventCreate(int flags) {
        return pointerOut("cuEventCreate", p -> (int) cuEventCreate.invokeExact(p, flags));
    }

    public void eventDestroy(long event) {
        try {
            check("cuEventDestroy_v2", (int) cuEventDestroy.invokeExact(event));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void eventRecord(long event, long stream) {
        try {
            check("cuEventRecord", (int) cuEventRecord.invokeExact(event, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void eventSynchronize(long event) {
        try {
            check("cuEventSynchronize", (int) cuEventSynchronize.invokeExact(event));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** True when the event's work has completed; false while it is pending. */
    public boolean eventQuery(long event) {
        try {
            int rc = (int) cuEventQuery.invokeExact(event);
            if (rc == CUDA_ERROR_NOT_READY) return false;
            check("cuEventQuery", rc);
            return true;
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public float eventElapsedTime(long start, long end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(FLOAT);
            check("cuEventElapsedTime_v2", (int) cuEventElapsedTime.invokeExact(p, start, end));
            return p.get(FLOAT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    // ---- modules and launches ---------------------------------------------------------------------------

    /**
     * Loads a PTX (NUL-terminated) or cubin image; a JIT failure's log is appended to the
     * exception's message.
     */
    public long moduleLoadData(MemorySegment image, String what) {
        try (Arena a = Arena.ofConfined()) {
            int logSize = 16384;
            MemorySegment errLog = a.allocate(logSize), infoLog = a.allocate(logSize);
            MemorySegment options = a.allocate(INT, 4);
            MemorySegment values = a.allocate(PTR, 4);
            options.setAtIndex(INT, 0, CU_JIT_ERROR_LOG_BUFFER);
            options.setAtIndex(INT, 1, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            options.setAtIndex(INT, 2, CU_JIT_INFO_LOG_BUFFER);
            options.setAtIndex(INT, 3, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES);
            values.setAtIndex(PTR, 0, errLog);
            values.setAtIndex(PTR, 1, MemorySegment.ofAddress(logSize));
            values.setAtIndex(PTR, 2, infoLog);
            values.setAtIndex(PTR, 3, MemorySegment.ofAddress(logSize));
            MemorySegment p = a.allocate(PTR);
            int rc = (int) cuModuleLoadDataEx.invokeExact(p, image, 4, options, values);
            if (rc != CUDA_SUCCESS) {
                String log = errLog.getString(0).trim();
                throw error("cuModuleLoadDataEx", rc, what + (log.isEmpty() ? "" : "; JIT log: " + log));
            }
            return p.get(PTR, 0).address();
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    void moduleUnload(long module) {
        try {
            check("cuModuleUnload", (int) cuModuleUnload.invokeExact(module));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public long moduleGetFunction(long module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(PTR);
            int rc = (int) cuModuleGetFunction.invokeExact(p, module, a.allocateFrom(name));
            if (rc != CUDA_SUCCESS) throw error("cuModuleGetFunction", rc, "kernel '" + name + "'");
            return p.get(PTR, 0).address();
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public int funcAttribute(int attribute, long function) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(INT);
            check("cuFuncGetAttribute", (int) cuFuncGetAttribute.invokeExact(p, attribute, function));
            return p.get(INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** Sets a kernel attribute (e.g. {@link #FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES} before launching with more than 48 KiB). */
    public void funcSetAttribute(long function, int attribute, int value) {
        try {
            check("cuFuncSetAttribute", (int) cuFuncSetAttribute.invokeExact(function, attribute, value));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** cuLaunchKernel with {@code params} = the void** array of pointers to each argument. */
    public void launchKernel(long function, int gx, int gy, int gz, int bx, int by, int bz, int sharedMem, long stream,
                      MemorySegment params, String name) {
        try {
            int rc = (int) cuLaunchKernel.invokeExact(function, gx, gy, gz, bx, by, bz, sharedMem, stream, params,
                    MemorySegment.NULL);
            if (rc != CUDA_SUCCESS) {
                throw error("cuLaunchKernel", rc, "kernel '" + name + "' grid (" + gx + ", " + gy + ", " + gz + ") block ("
                        + bx + ", " + by + ", " + bz + ") shared " + sharedMem + " B");
            }
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface PointerCall {
        int call(MemorySegment out) throws Throwable;
    }

    private long pointerOut(String name, PointerCall c) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(PTR);
            check(name, c.call(p));
            return p.get(PTR, 0).address();
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }
}
