package dev.jgrad.cuda.bindings;

import static dev.jgrad.cuda.bindings.Ffm.INT;
import static dev.jgrad.cuda.bindings.Ffm.LONG;
import static dev.jgrad.cuda.bindings.Ffm.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Driver entry points beyond {@link Driver}'s, each bound as optional (absent from older drivers):
 * encoding TMA tensor maps ({@code cuTensorMapEncodeTiled}, for GEMM version 6) and CUDA graphs
 * made by stream capture ({@code cuStreamBeginCapture_v2} … {@code cuGraphLaunch}, for captured
 * training steps). Kept apart from Driver so that the two grow without touching each other; bound
 * lazily from the same {@code libcuda.so.1} (already loaded by then).
 */
public final class DriverExtras {
    static final int TENSOR_MAP_DATA_TYPE_BFLOAT16 = 9;
    static final int TENSOR_MAP_INTERLEAVE_NONE = 0;
    static final int TENSOR_MAP_SWIZZLE_128B = 3;
    static final int TENSOR_MAP_L2_PROMOTION_256B = 3;
    static final int TENSOR_MAP_FLOAT_OOB_FILL_NONE = 0;
    /** sizeof(CUtensorMap): 16 quad words, 64-byte aligned. */
    public static final int TENSOR_MAP_BYTES = 128;

    /** CUstreamCaptureMode: unsafe calls from any thread are refused while a capture of this mode runs. */
    public static final int CU_STREAM_CAPTURE_MODE_GLOBAL = 0;
    /** CUstreamCaptureMode: unsafe calls are refused on the capturing thread only. */
    public static final int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;
    /** CUstreamCaptureMode: no call is refused as merely unsafe (calls that necessarily conflict with the capture still fail). */
    public static final int CU_STREAM_CAPTURE_MODE_RELAXED = 2;
    /** CUstreamCaptureStatus: the stream is not capturing. */
    public static final int CU_STREAM_CAPTURE_STATUS_NONE = 0;
    /** CUstreamCaptureStatus: the stream is capturing. */
    public static final int CU_STREAM_CAPTURE_STATUS_ACTIVE = 1;
    /** CUstreamCaptureStatus: an error invalidated the capture; it must still be ended with cuStreamEndCapture. */
    public static final int CU_STREAM_CAPTURE_STATUS_INVALIDATED = 2;
    /** CUresult: the operation is not permitted while the stream is capturing (a host synchronisation, say). */
    public static final int CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED = 900;
    /** CUresult: an earlier error invalidated the capture sequence. */
    public static final int CUDA_ERROR_STREAM_CAPTURE_INVALIDATED = 901;
    /** CUresult: the operation is not permitted on an event last recorded in a capturing stream. */
    public static final int CUDA_ERROR_CAPTURED_EVENT = 907;
    /** CUresult: a non-relaxed capture was ended on another thread than the one that began it. */
    public static final int CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD = 908;

    /**
     * {@return whether {@code code} is one of the stream-capture errors (900 to 908 in {@code cuda.h}:
     * unsupported, invalidated, merge, unmatched, unjoined, isolation, implicit, captured event,
     * wrong thread)}
     *
     * @param code a CUresult
     */
    public static boolean isCaptureError(int code) {
        return code >= CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED && code <= CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD;
    }

    // CUresult cuTensorMapEncodeTiled(CUtensorMap *tensorMap, CUtensorMapDataType tensorDataType, cuuint32_t tensorRank,
    //     void *globalAddress, const cuuint64_t *globalDim, const cuuint64_t *globalStrides, const cuuint32_t *boxDim,
    //     const cuuint32_t *elementStrides, CUtensorMapInterleave interleave, CUtensorMapSwizzle swizzle,
    //     CUtensorMapL2promotion l2Promotion, CUtensorMapFloatOOBfill oobFill)      (CUDA 12.0+, may be absent)
    private final MethodHandle cuTensorMapEncodeTiled;
    // CUresult cuStreamBeginCapture_v2(CUstream hStream, CUstreamCaptureMode mode)   (CUDA 10.1+; the plain
    //     cuStreamBeginCapture symbol is CUDA 10.0's, without the mode, so it is not a fallback)
    private final MethodHandle cuStreamBeginCapture;
    // CUresult cuStreamEndCapture(CUstream hStream, CUgraph *phGraph)
    private final MethodHandle cuStreamEndCapture;
    // CUresult cuStreamIsCapturing(CUstream hStream, CUstreamCaptureStatus *captureStatus)
    private final MethodHandle cuStreamIsCapturing;
    // CUresult cuGraphInstantiateWithFlags(CUgraphExec *phGraphExec, CUgraph hGraph, unsigned long long flags)   (CUDA 11.4+; what
    //     cuda.h's cuGraphInstantiate macro names since CUDA 12 — the exported symbol cuGraphInstantiate is the old five-argument
    //     form with an error node and a log buffer, so it is not a fallback)
    private final MethodHandle cuGraphInstantiateWithFlags;
    // CUresult cuGraphLaunch(CUgraphExec hGraphExec, CUstream hStream)
    private final MethodHandle cuGraphLaunch;
    // CUresult cuGraphExecDestroy(CUgraphExec hGraphExec)
    private final MethodHandle cuGraphExecDestroy;
    // CUresult cuGraphDestroy(CUgraph hGraph)
    private final MethodHandle cuGraphDestroy;
    private final Driver driver;

    private static volatile DriverExtras instance;

    private DriverExtras(SymbolLookup lib, Driver driver) {
        this.driver = driver;
        cuTensorMapEncodeTiled = Ffm.bindOptional(lib, FunctionDescriptor.of(INT, PTR, INT, INT, LONG, PTR, PTR, PTR, PTR, INT, INT, INT, INT),
                "cuTensorMapEncodeTiled");
        cuStreamBeginCapture = Ffm.bindOptional(lib, FunctionDescriptor.of(INT, LONG, INT), "cuStreamBeginCapture_v2");
        cuStreamEndCapture = Ffm.bindOptional(lib, FunctionDescriptor.of(INT, LONG, PTR), "cuStreamEndCapture");
        cuStreamIsCapturing = Ffm.bindOptional(lib, FunctionDescriptor.of(INT, LONG, PTR), "cuStreamIsCapturing");
        cuGraphInstantiateWithFlags = Ffm.bindOptional(lib, FunctionDescriptor.of(INT, PTR, LONG, LONG), "cuGraphInstantiateWithFlags");
        cuGraphLaunch = Ffm.bindOptional(lib, FunctionDescriptor.of(INT, LONG, LONG), "cuGraphLaunch");
        cuGraphExecDestroy = Ffm.bindOptional(lib, FunctionDescriptor.of(INT, LONG), "cuGraphExecDestroy");
        cuGraphDestroy = Ffm.bindOptional(lib, FunctionDescriptor.of(INT, LONG), "cuGraphDestroy");
    }

    public static DriverExtras of(Driver driver) {
        DriverExtras d = instance;
        if (d == null) {
            synchronized (DriverExtras.class) {
                if (instance == null) {
                    try {
                        instance = new DriverExtras(LibraryProbe.SYSTEM.load(LibraryProbe.DRIVER), driver);
                    } catch (Exception e) {
                        throw new IllegalStateException("binding " + LibraryProbe.DRIVER + " again failed", e);
                    }
                }
                d = instance;
            }
        }
        return d;
    }

    public boolean hasTensorMaps() {
        return cuTensorMapEncodeTiled != null;
    }

    /**
     * A 2-D tiled tensor map of bf16 elements: {@code rows} rows of {@code cols} elements,
     * {@code ld} elements apart (ld·2 must be a multiple of 16 and the address 16-byte aligned),
     * boxes of boxRows × boxCols, 128-byte swizzle, zero fill outside. Returns the 128 bytes as 32
     * ints (for {@code KernelArgs.ints} of the launchers).
     */
    public int[] tensorMapBf16(long address, long rows, long cols, long ld, int boxRows, int boxCols) {
        if (cuTensorMapEncodeTiled == null) throw new UnsupportedOperationException("this driver has no cuTensorMapEncodeTiled");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment map = a.allocate(TENSOR_MAP_BYTES, 64);
            MemorySegment dims = a.allocate(ValueLayout.JAVA_LONG, 2), strides = a.allocate(ValueLayout.JAVA_LONG, 1);
            MemorySegment box = a.allocate(ValueLayout.JAVA_INT, 2), estr = a.allocate(ValueLayout.JAVA_INT, 2);
            dims.setAtIndex(ValueLayout.JAVA_LONG, 0, cols);       // innermost first
            dims.setAtIndex(ValueLayout.JAVA_LONG, 1, rows);
            strides.setAtIndex(ValueLayout.JAVA_LONG, 0, ld * 2);  // bytes between rows
            box.setAtIndex(ValueLayout.JAVA_INT, 0, boxCols);
            box.setAtIndex(ValueLayout.JAVA_INT, 1, boxRows);
            estr.setAtIndex(ValueLayout.JAVA_INT, 0, 1);
            estr.setAtIndex(ValueLayout.JAVA_INT, 1, 1);
            int rc = (int) cuTensorMapEncodeTiled.invokeExact(map, TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, address, dims, strides, box, estr,
                    TENSOR_MAP_INTERLEAVE_NONE, TENSOR_MAP_SWIZZLE_128B, TENSOR_MAP_L2_PROMOTION_256B, TENSOR_MAP_FLOAT_OOB_FILL_NONE);
            if (rc != Driver.CUDA_SUCCESS) {
                throw driver.error("cuTensorMapEncodeTiled", rc, "bf16 [" + rows + ", " + cols + "] ld " + ld + " box " + boxRows + "x" + boxCols
                        + " at 0x" + Long.toHexString(address));
            }
            int[] words = new int[TENSOR_MAP_BYTES / 4];
            MemorySegment.copy(map, ValueLayout.JAVA_INT, 0, words, 0, words.length);
            return words;
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    // ---- CUDA graphs by stream capture ----------------------------------------------------------------

    /** {@return whether this driver exports every entry point CUDA graphs need here (CUDA 11.4 or later)} */
    public boolean hasGraphs() {
        return cuStreamBeginCapture != null && cuStreamEndCapture != null && cuStreamIsCapturing != null
                && cuGraphInstantiateWithFlags != null && cuGraphLaunch != null && cuGraphExecDestroy != null && cuGraphDestroy != null;
    }

    private void requireGraphs() {
        if (!hasGraphs()) {
            throw new UnsupportedOperationException("this CUDA driver lacks the graph entry points (cuStreamBeginCapture_v2, "
                    + "cuGraphInstantiateWithFlags, cuGraphLaunch...: a driver of CUDA 11.4 or later has them)");
        }
    }

    /**
     * Begins capturing {@code stream}: the work queued on it from now on is recorded into a graph,
     * not run, until {@link #streamEndCapture}.
     *
     * @param stream a CUstream (not the legacy NULL stream)
     * @param mode   a {@code CU_STREAM_CAPTURE_MODE_*} constant
     */
    public void streamBeginCapture(long stream, int mode) {
        requireGraphs();
        try {
            driver.check("cuStreamBeginCapture_v2", (int) cuStreamBeginCapture.invokeExact(stream, mode));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /**
     * Ends the capture of {@code stream} and returns its graph (a CUgraph). When the capture was
     * invalidated, the driver returns {@code CUDA_ERROR_STREAM_CAPTURE_INVALIDATED} and no graph:
     * that surfaces as a {@link dev.jgrad.cuda.CudaException}, and the stream is no longer capturing.
     *
     * @param stream the stream whose capture began with {@link #streamBeginCapture}
     * @return the captured graph, to destroy with {@link #graphDestroy}
     */
    public long streamEndCapture(long stream) {
        requireGraphs();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(PTR);
            int rc = (int) cuStreamEndCapture.invokeExact(stream, p);
            if (rc != Driver.CUDA_SUCCESS) {
                throw driver.error("cuStreamEndCapture", rc, rc == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED
                        ? "an earlier call invalidated the capture (one not permitted while a stream captures: a host synchronisation, "
                          + "a copy to or from pageable host memory, an event query...): no graph was made" : null);
            }
            return p.get(PTR, 0).address();
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /**
     * {@return the capture status of {@code stream}: a {@code CU_STREAM_CAPTURE_STATUS_*} constant}
     *
     * @param stream a CUstream
     */
    public int streamCaptureStatus(long stream) {
        requireGraphs();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(INT);
            driver.check("cuStreamIsCapturing", (int) cuStreamIsCapturing.invokeExact(stream, p));
            return p.get(INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /**
     * {@return an executable graph (a CUgraphExec) made from {@code graph}}
     *
     * @param graph a CUgraph
     * @param flags {@code CUgraphInstantiate_flags}, 0 for none
     */
    public long graphInstantiate(long graph, long flags) {
        requireGraphs();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(PTR);
            driver.check("cuGraphInstantiateWithFlags", (int) cuGraphInstantiateWithFlags.invokeExact(p, graph, flags));
            return p.get(PTR, 0).address();
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /**
     * Queues one run of an executable graph on {@code stream}, after the work queued there before.
     *
     * @param graphExec a CUgraphExec
     * @param stream    a CUstream
     */
    public void graphLaunch(long graphExec, long stream) {
        requireGraphs();
        try {
            driver.check("cuGraphLaunch", (int) cuGraphLaunch.invokeExact(graphExec, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /**
     * Destroys an executable graph; one still running is freed by the driver when it completes.
     *
     * @param graphExec a CUgraphExec
     */
    public void graphExecDestroy(long graphExec) {
        requireGraphs();
        try {
            driver.check("cuGraphExecDestroy", (int) cuGraphExecDestroy.invokeExact(graphExec));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /**
     * Destroys a graph (its executable instances live on).
     *
     * @param graph a CUgraph
     */
    public void graphDestroy(long graph) {
        requireGraphs();
        try {
            driver.check("cuGraphDestroy", (int) cuGraphDestroy.invokeExact(graph));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }
}
