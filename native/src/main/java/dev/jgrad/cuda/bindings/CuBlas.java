package dev.jgrad.cuda.bindings;

import static dev.jgrad.cuda.bindings.Ffm.INT;
import static dev.jgrad.cuda.bindings.Ffm.LONG;
import static dev.jgrad.cuda.bindings.Ffm.PTR;

import dev.jgrad.cuda.CudaException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Hand-written FFM bindings to cuBLAS ({@code libcublas.so.13} or {@code .12}; the symbols used
 * have the same C signatures in both). C types: {@code cublasStatus_t}, {@code cublasOperation_t},
 * {@code cudaDataType}, {@code cublasComputeType_t}, {@code cublasGemmAlgo_t} and
 * {@code cublasMath_t} are C enums (int); {@code cublasHandle_t} and {@code cudaStream_t} are
 * pointers (raw addresses here); device matrices are addresses (long); {@code long long int}
 * strides are 64-bit; alpha/beta are host pointers (the default pointer mode).
 */
public final class CuBlas {
    static final int STATUS_SUCCESS = 0;
    public static final int OP_N = 0;
    public static final int OP_T = 1;
    static final int DEFAULT_MATH = 0;
    static final int TF32_TENSOR_OP_MATH = 3;
    // cudaDataType (library_types.h)
    public static final int CUDA_R_32F = 0;
    public static final int CUDA_R_64F = 1;
    public static final int CUDA_R_16F = 2;
    public static final int CUDA_R_16BF = 14;
    // cublasComputeType_t
    public static final int COMPUTE_32F = 68;
    public static final int COMPUTE_32F_FAST_TF32 = 77;
    public static final int COMPUTE_32F_FAST_16BF = 75;
    public static final int COMPUTE_64F = 70;
    // cublasGemmAlgo_t
    static final int GEMM_DEFAULT = -1;

    /** The library file that loaded ("libcublas.so.13", or a path). */
    public final String library;

    // cublasStatus_t cublasCreate_v2(cublasHandle_t *handle)
    private final MethodHandle create;
    // cublasStatus_t cublasDestroy_v2(cublasHandle_t handle)
    private final MethodHandle destroy;
    // cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version)
    private final MethodHandle getVersion;
    // cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId)
    private final MethodHandle setStream;
    // cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode)
    private final MethodHandle setMathMode;
    // cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t handle, void *workspace, size_t workspaceSizeInBytes)   (cuBLAS 11+; optional)
    private final MethodHandle setWorkspace;
    // cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
    //     int m, int n, int k, const float *alpha, const float *A, int lda, const float *B, int ldb,
    //     const float *beta, float *C, int ldc)
    private final MethodHandle sgemm;
    // cublasStatus_t cublasDgemm_v2(... same with double ...)
    private final MethodHandle dgemm;
    // cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
    //     int m, int n, int k, const float *alpha, const float *A, int lda, long long int strideA,
    //     const float *B, int ldb, long long int strideB, const float *beta, float *C, int ldc,
    //     long long int strideC, int batchCount)
    private final MethodHandle sgemmStridedBatched;
    // cublasStatus_t cublasDgemmStridedBatched(... same with double ...)
    private final MethodHandle dgemmStridedBatched;
    // cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
    //     int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda,
    //     const void *B, cudaDataType Btype, int ldb, const void *beta, void *C, cudaDataType Ctype, int ldc,
    //     cublasComputeType_t computeType, cublasGemmAlgo_t algo)
    private final MethodHandle gemmEx;
    // cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
    //     int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, long long int strideA,
    //     const void *B, cudaDataType Btype, int ldb, long long int strideB, const void *beta,
    //     void *C, cudaDataType Ctype, int ldc, long long int strideC, int batchCount,
    //     cublasComputeType_t computeType, cublasGemmAlgo_t algo)
    private final MethodHandle gemmStridedBatchedEx;
    // const char *cublasGetStatusName(cublasStatus_t status)    (cuBLAS >= 11.4; optional)
    private final MethodHandle getStatusName;
    // const char *cublasGetStatusString(cublasStatus_t status)  (cuBLAS >= 11.4; optional)
    private final MethodHandle getStatusString;

    CuBlas(SymbolLookup lib, String library) {
        this.library = library;
        String L = library;
        create = Ffm.bind(lib, L, FunctionDescriptor.of(INT, PTR), "cublasCreate_v2");
        destroy = Ffm.bind(lib, L, FunctionDescriptor.of(INT, LONG), "cublasDestroy_v2");
        getVersion = Ffm.bind(lib, L, FunctionDescriptor.of(INT, LONG, PTR), "cublasGetVersion_v2");
        setStream = Ffm.bind(lib, L, FunctionDescriptor.of(INT, LONG, LONG), "cublasSetStream_v2");
        setMathMode = Ffm.bind(lib, L, FunctionDescriptor.of(INT, LONG, INT), "cublasSetMathMode");
        setWorkspace = Ffm.bindOptional(lib, FunctionDescriptor.of(INT, LONG, LONG, LONG), "cublasSetWorkspace_v2");
        FunctionDescriptor gemm = FunctionDescriptor.of(INT, LONG, INT, INT, INT, INT, INT, PTR, LONG, INT, LONG, INT, PTR, LONG, INT);
        sgemm = Ffm.bind(lib, L, gemm, "cublasSgemm_v2");
        dgemm = Ffm.bind(lib, L, gemm, "cublasDgemm_v2");
        FunctionDescriptor batched = FunctionDescriptor.of(INT, LONG, INT, INT, INT, INT, INT, PTR, LONG, INT, LONG, LONG, INT, LONG,
                PTR, LONG, INT, LONG, INT);
        sgemmStridedBatched = Ffm.bind(lib, L, batched, "cublasSgemmStridedBatched");
        dgemmStridedBatched = Ffm.bind(lib, L, batched, "cublasDgemmStridedBatched");
        gemmEx = Ffm.bind(lib, L, FunctionDescriptor.of(INT, LONG, INT, INT, INT, INT, INT, PTR, LONG, INT, INT, LONG, INT, INT,
                PTR, LONG, INT, INT, INT, INT), "cublasGemmEx");
        gemmStridedBatchedEx = Ffm.bind(lib, L, FunctionDescriptor.of(INT, LONG, INT, INT, INT, INT, INT, PTR, LONG, INT, INT, LONG,
                LONG, INT, INT, LONG, PTR, LONG, INT, INT, LONG, INT, INT, INT), "cublasGemmStridedBatchedEx");
        getStatusName = Ffm.bindOptional(lib, FunctionDescriptor.of(PTR, INT), "cublasGetStatusName");
        getStatusString = Ffm.bindOptional(lib, FunctionDescriptor.of(PTR, INT), "cublasGetStatusString");
    }

    // ---- the system's cuBLAS, loaded once per JVM on first use ------------------------------------------------

    private static final class SystemHolder {
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
                    System.getLogger("dev.jgrad.cuda").log(System.Logger.Level.INFO, msg);
                    return msg;
                }
                return new CuBlas(r.lookup(), r.loaded());
            } catch (Throwable t) {
                return "loading cuBLAS failed: " + t;
            }
        }
    }

    /** The system's cuBLAS bindings (probed as {@link LibraryProbe#cublasCandidates} says), or a CudaException saying what was tried. */
    public static CuBlas system() {
        Object o = SystemHolder.LOADED;
        if (o instanceof CuBlas b) return b;
        throw new CudaException("dlopen", -1, "CUBLAS_NOT_FOUND", null, (String) o);
    }

    /** Whether {@link #system()} loaded. */
    public static boolean systemLoaded() {
        return SystemHolder.LOADED instanceof CuBlas;
    }

    /** Why {@link #system()} did not load; empty when it did. */
    public static String systemFailure() {
        return SystemHolder.LOADED instanceof String s ? s : "";
    }

    /** Names of cublasStatus_t values, for messages when cublasGetStatusName is missing. */
    public static String statusName(int status) {
        return switch (status) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "CUBLAS_STATUS_" + status;
        };
    }

    void check(String call, int status, String detail) {
        if (status == STATUS_SUCCESS) return;
        String name = text(getStatusName, status);
        String description = text(getStatusString, status);
        throw new CudaException(call, status, name != null ? name : statusName(status), description, detail);
    }

    private static String text(MethodHandle h, int status) {
        if (h == null) return null;
        try {
            return Ffm.cString((MemorySegment) h.invokeExact(status));
        } catch (Throwable t) {
            return null;
        }
    }

    public long create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(PTR);
            check("cublasCreate_v2", (int) create.invokeExact(p), library);
            return p.get(PTR, 0).address();
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    void destroy(long handle) {
        try {
            check("cublasDestroy_v2", (int) destroy.invokeExact(handle), null);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public int version(long handle) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(INT);
            check("cublasGetVersion_v2", (int) getVersion.invokeExact(handle, p), null);
            return p.get(INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void setStream(long handle, long stream) {
        try {
            check("cublasSetStream_v2", (int) setStream.invokeExact(handle, stream), null);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** {@return whether this cuBLAS exports cublasSetWorkspace_v2} */
    public boolean hasSetWorkspace() {
        return setWorkspace != null;
    }

    /**
     * Makes {@code handle} use {@code bytes} of device memory at {@code workspace} as its workspace
     * instead of the pool cuBLAS manages itself; {@link #setStream} resets it to that pool, so call
     * this after it.
     *
     * @param handle    a cublasHandle_t
     * @param workspace a device address, 256-byte aligned (cuBLAS asks for it)
     * @param bytes     the workspace's size
     */
    public void setWorkspace(long handle, long workspace, long bytes) {
        if (setWorkspace == null) throw new UnsupportedOperationException(library + " has no cublasSetWorkspace_v2");
        try {
            check("cublasSetWorkspace_v2", (int) setWorkspace.invokeExact(handle, workspace, bytes), bytes + " bytes");
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    void setMathMode(long handle, int mode) {
        try {
            check("cublasSetMathMode", (int) setMathMode.invokeExact(handle, mode), null);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** Column-major C = alpha·op(A)·op(B) + beta·C; alpha/beta point at a float or double in host memory. */
    public void gemm(boolean f64, long handle, int transa, int transb, int m, int n, int k, MemorySegment alpha, long a, int lda,
              long b, int ldb, MemorySegment beta, long c, int ldc) {
        try {
            int st = f64
                    ? (int) dgemm.invokeExact(handle, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
                    : (int) sgemm.invokeExact(handle, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            check(f64 ? "cublasDgemm_v2" : "cublasSgemm_v2", st, shape(transa, transb, m, n, k, lda, ldb, ldc));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void gemmStridedBatched(boolean f64, long handle, int transa, int transb, int m, int n, int k, MemorySegment alpha,
                            long a, int lda, long strideA, long b, int ldb, long strideB, MemorySegment beta,
                            long c, int ldc, long strideC, int batch) {
        try {
            int st = f64
                    ? (int) dgemmStridedBatched.invokeExact(handle, transa, transb, m, n, k, alpha, a, lda, strideA, b, ldb, strideB,
                            beta, c, ldc, strideC, batch)
                    : (int) sgemmStridedBatched.invokeExact(handle, transa, transb, m, n, k, alpha, a, lda, strideA, b, ldb, strideB,
                            beta, c, ldc, strideC, batch);
            check(f64 ? "cublasDgemmStridedBatched" : "cublasSgemmStridedBatched", st,
                    shape(transa, transb, m, n, k, lda, ldb, ldc) + " batch " + batch);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void gemmEx(long handle, int transa, int transb, int m, int n, int k, MemorySegment alpha, long a, int aType, int lda,
                long b, int bType, int ldb, MemorySegment beta, long c, int cType, int ldc, int computeType) {
        try {
            int st = (int) gemmEx.invokeExact(handle, transa, transb, m, n, k, alpha, a, aType, lda, b, bType, ldb, beta, c, cType,
                    ldc, computeType, GEMM_DEFAULT);
            check("cublasGemmEx", st, shape(transa, transb, m, n, k, lda, ldb, ldc) + " types " + aType + "/" + bType + "/"
                    + cType + " compute " + computeType);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    public void gemmStridedBatchedEx(long handle, int transa, int transb, int m, int n, int k, MemorySegment alpha, long a, int aType,
                              int lda, long strideA, long b, int bType, int ldb, long strideB, MemorySegment beta, long c,
                              int cType, int ldc, long strideC, int batch, int computeType) {
        try {
            int st = (int) gemmStridedBatchedEx.invokeExact(handle, transa, transb, m, n, k, alpha, a, aType, lda, strideA, b,
                    bType, ldb, strideB, beta, c, cType, ldc, strideC, batch, computeType, GEMM_DEFAULT);
            check("cublasGemmStridedBatchedEx", st, shape(transa, transb, m, n, k, lda, ldb, ldc) + " batch " + batch
                    + " types " + aType + "/" + bType + "/" + cType + " compute " + computeType);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    private static String shape(int ta, int tb, int m, int n, int k, int lda, int ldb, int ldc) {
        return "op " + (ta == OP_N ? "N" : "T") + (tb == OP_N ? "N" : "T") + " m=" + m + " n=" + n + " k=" + k + " lda=" + lda
                + " ldb=" + ldb + " ldc=" + ldc;
    }
}
