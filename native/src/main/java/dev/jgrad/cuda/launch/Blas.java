package dev.jgrad.cuda.launch;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.ScalarType;
import dev.jgrad.cuda.bindings.CuBlas;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.DeviceBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * cuBLAS matrix products on one device's stream, for row-major operands with arbitrary
 * (BLAS-compatible) strides. cuBLAS is column-major; a row-major C = A·B is computed as the
 * column-major Cᵀ = Bᵀ·Aᵀ, which is the same memory, so no operand is copied.
 *
 * <pre>{@code
 * Blas blas = Blas.of(Devices.get(0));
 * // c [m, n] = a [m, k] · b [k, n], all contiguous float32
 * blas.matmul(ScalarType.F32, 1, m, n, k, c, a, new int[] {0, k, 1}, b, new int[] {0, n, 1});
 * }</pre>
 *
 * <p>float32 uses TF32 tensor cores when {@link Cuda#setAllowTf32(boolean)} is on (through
 * {@code cublasGemmStridedBatchedEx} with {@code CUBLAS_COMPUTE_32F_FAST_TF32}; BF16 tensor cores with
 * {@code CUBLAS_COMPUTE_32F_FAST_16BF} when {@link Cuda#setAllowBf16(boolean)} is on), else full FP32
 * ({@code cublasSgemmStridedBatched}); float64 uses {@code cublasDgemmStridedBatched}. float16 and
 * bfloat16 operands run on the tensor cores through {@code cublasGemmEx} /
 * {@code cublasGemmStridedBatchedEx} with {@code CUBLAS_COMPUTE_32F}: products accumulated in
 * float32, C rounded once to the operands' type.
 */
public final class Blas {
    /** Element types cublasGemmEx takes (cudaDataType). */
    public enum DataType {
        F32(CuBlas.CUDA_R_32F), F64(CuBlas.CUDA_R_64F), F16(CuBlas.CUDA_R_16F), BF16(CuBlas.CUDA_R_16BF);

        final int code;

        DataType(int code) {
            this.code = code;
        }
    }

    /** Compute types (cublasComputeType_t): FP32, FP32 on TF32 tensor cores, FP64. */
    public enum Compute {
        F32(CuBlas.COMPUTE_32F), F32_FAST_TF32(CuBlas.COMPUTE_32F_FAST_TF32), F64(CuBlas.COMPUTE_64F);

        final int code;

        Compute(int code) {
            this.code = code;
        }
    }

    private final CudaDevice device;
    private final CuBlas cublas;
    private final long handle;
    /** The workspace {@link #useFixedWorkspace} set (never closed: graphs captured over it hold its address), or null. */
    private DeviceBuffer workspace;
    private static final ThreadLocal<MemorySegment> SCALARS = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(32, 16));

    private static final java.util.Map<CudaDevice, Blas> INSTANCES = new java.util.concurrent.ConcurrentHashMap<>();

    /** cuBLAS on {@code device}'s stream (throws a CudaException naming what was tried when no cuBLAS loads). */
    public static Blas of(CudaDevice device) {
        return INSTANCES.computeIfAbsent(device, d -> new Blas(d, CuBlas.system()));
    }

    private Blas(CudaDevice device, CuBlas cublas) {
        this.device = device;
        this.cublas = cublas;
        device.makeCurrent();
        this.handle = cublas.create();
        cublas.setStream(handle, device.stream().handle());
    }

    /**
     * {@return the bytes of the workspace {@link #useFixedWorkspace} gives cuBLAS: the size NVIDIA
     * documents as cuBLAS's own default, 32 MiB from Hopper (compute capability 9.0) on, 4 MiB before}
     *
     * @param computeCapability e.g. 90 for 9.0
     */
    static long workspaceBytes(int computeCapability) {
        return computeCapability >= 90 ? 32L << 20 : 4L << 20;
    }

    /**
     * Gives this handle a workspace of its own, allocated here once, so that a CUDA graph can be
     * captured around its GEMMs; later calls do nothing. Returns false when this cuBLAS has no
     * {@code cublasSetWorkspace_v2} (the capture then relies on cuBLAS's own pool).
     *
     * <p>Why: a GEMM may need scratch memory, which cuBLAS takes from its workspace. Without one set
     * explicitly, cuBLAS before 12.2 allocates a fresh workspace for each graph captured through the
     * handle (memory that grows with every capture, and a device allocation inside the capture), and
     * later versions add stream-ordered allocation nodes to the graph. With a fixed workspace the
     * captured GEMMs read and write this one buffer: nothing is allocated while capturing, and eager
     * and replayed GEMMs run with the same workspace size (cuBLAS picks its algorithm by it, so the
     * two compute the same bits). The buffer lives as long as the handle: graphs hold its address.
     * {@code cublasSetStream_v2} resets the workspace, which is why only the constructor sets the stream.
     *
     * <pre>{@code
     * Blas.of(gpu).useFixedWorkspace();   // before cuStreamBeginCapture
     * }</pre>
     *
     * @return whether the workspace is set
     */
    public synchronized boolean useFixedWorkspace() {
        if (workspace != null) return true;
        if (!cublas.hasSetWorkspace()) return false;
        device.makeCurrent();
        DeviceBuffer w = device.allocate(workspaceBytes(device.computeCapability()));
        cublas.setWorkspace(handle, w.address(), w.byteSize());
        workspace = w;
        return true;
    }

    /** The library file that was loaded, e.g. libcublas.so.13. */
    public String library() {
        return cublas.library;
    }

    /** cuBLAS's version number (e.g. 130000). */
    public int version() {
        device.makeCurrent();
        return cublas.version(handle);
    }

    /**
     * How a row-major view [rows, cols] with strides (rs, cs) looks to BLAS: {0, ld} when each row
     * is contiguous (row-major with leading dimension ld), {1, ld} when each column is
     * (column-major), or null when neither (the caller copies it first).
     */
    static int[] layout(int rows, int cols, int rs, int cs) {
        if (cs == 1 || cols == 1) {
            int ld = rows == 1 ? Math.max(1, cols) : rs;
            if (ld >= Math.max(1, cols)) return new int[] {0, ld};
        }
        if (rs == 1 || rows == 1) {
            int ld = cols == 1 ? Math.max(1, rows) : cs;
            if (ld >= Math.max(1, rows)) return new int[] {1, ld};
        }
        return null;
    }

    /** Whether {@link #matmul} can take operands with these strides as they are. */
    public static boolean supports(int m, int n, int k, int[] aStrides, int[] bStrides) {
        return layout(m, k, aStrides[1], aStrides[2]) != null && layout(k, n, bStrides[1], bStrides[2]) != null;
    }

    /**
     * c[i] = a[i]·b[i] for i < batch: a [batch, m, k] and b [batch, k, n] with strides (batch, row,
     * column) — a batch stride of 0 broadcasts — into contiguous c [batch, m, n]. Returns false,
     * doing nothing, when an operand's strides are not BLAS-compatible ({@link #supports}).
     */
    public boolean matmul(ScalarType t, int batch, int m, int n, int k, long c, long a, int[] aStrides, long b, int[] bStrides) {
        return matmul(t, batch, m, n, k, c, new int[] {m * n, n, 1}, a, aStrides, b, bStrides, 0);
    }

    /**
     * c[i] = a[i]·b[i] + beta·c[i] with c's rows contiguous (cStrides = {batch, ldc, 1}, ldc ≥ n).
     * Returns false, doing nothing, when a's or b's strides are not BLAS-compatible.
     */
    public boolean matmul(ScalarType t, int batch, int m, int n, int k, long c, int[] cStrides, long a, int[] aStrides, long b,
                          int[] bStrides, double beta) {
        if (t == ScalarType.I32 || t == ScalarType.I64 || t == ScalarType.BOOL) {
            throw new IllegalArgumentException("cuBLAS matmul takes F32, F64, F16 or BF16, got " + t);
        }
        int[] la = layout(m, k, aStrides[1], aStrides[2]), lb = layout(k, n, bStrides[1], bStrides[2]);
        int[] lc = layout(m, n, cStrides[1], cStrides[2]);
        if (la == null || lb == null) return false;
        if (lc == null || lc[0] != 0) throw new IllegalArgumentException("matmul: the output's rows must be contiguous, got strides "
                + java.util.Arrays.toString(cStrides) + " for [" + m + ", " + n + "]");
        if (batch == 0 || m == 0 || n == 0) return true;
        // column-major: C^T (n x m, ldc) = op(B^T) (n x k) * op(A^T) (k x m)
        int opB = lb[0] == 0 ? CuBlas.OP_N : CuBlas.OP_T;
        int opA = la[0] == 0 ? CuBlas.OP_N : CuBlas.OP_T;
        boolean f64 = t == ScalarType.F64;
        MemorySegment s = SCALARS.get();
        MemorySegment alpha = s.asSlice(0, 8), betaSeg = s.asSlice(8, 8);
        if (f64) {
            alpha.set(ValueLayout.JAVA_DOUBLE, 0, 1.0);
            betaSeg.set(ValueLayout.JAVA_DOUBLE, 0, beta);
        } else {
            alpha.set(ValueLayout.JAVA_FLOAT, 0, 1f);
            betaSeg.set(ValueLayout.JAVA_FLOAT, 0, (float) beta);
        }
        device.makeCurrent();
        int ldc = lc[1];
        long strideC = cStrides[0];
        if (t == ScalarType.F16 || t == ScalarType.BF16) {
            int dt = t == ScalarType.F16 ? CuBlas.CUDA_R_16F : CuBlas.CUDA_R_16BF;   // alpha, beta: float, as COMPUTE_32F takes
            if (batch == 1) {
                cublas.gemmEx(handle, opB, opA, n, m, k, alpha, b, dt, lb[1], a, dt, la[1], betaSeg, c, dt, ldc, CuBlas.COMPUTE_32F);
            } else {
                cublas.gemmStridedBatchedEx(handle, opB, opA, n, m, k, alpha, b, dt, lb[1], bStrides[0], a, dt, la[1], aStrides[0], betaSeg,
                        c, dt, ldc, strideC, batch, CuBlas.COMPUTE_32F);
            }
        } else if (!f64 && (Cuda.allowBf16() || Cuda.allowTf32())) {
            int compute = Cuda.allowBf16() ? CuBlas.COMPUTE_32F_FAST_16BF : CuBlas.COMPUTE_32F_FAST_TF32;
            cublas.gemmStridedBatchedEx(handle, opB, opA, n, m, k, alpha, b, CuBlas.CUDA_R_32F, lb[1], bStrides[0], a, CuBlas.CUDA_R_32F,
                    la[1], aStrides[0], betaSeg, c, CuBlas.CUDA_R_32F, ldc, strideC, batch, compute);
        } else if (batch == 1) {
            cublas.gemm(f64, handle, opB, opA, n, m, k, alpha, b, lb[1], a, la[1], betaSeg, c, ldc);
        } else {
            cublas.gemmStridedBatched(f64, handle, opB, opA, n, m, k, alpha, b, lb[1], bStrides[0], a, la[1], aStrides[0], betaSeg, c,
                    ldc, strideC, batch);
        }
        return true;
    }

    /**
     * Column-major cublasGemmStridedBatchedEx with alpha = 1, beta = {@code beta} (host scalars of
     * the compute type's precision: double for F64, else float), for benchmarks and BF16/FP16.
     */
    public void gemmEx(boolean transA, boolean transB, int m, int n, int k, long a, DataType aType, int lda, long strideA, long b,
                       DataType bType, int ldb, long strideB, double beta, long c, DataType cType, int ldc, long strideC, int batch,
                       Compute compute) {
        MemorySegment s = SCALARS.get();
        MemorySegment alpha = s.asSlice(0, 8), betaSeg = s.asSlice(8, 8);
        if (compute == Compute.F64) {
            alpha.set(ValueLayout.JAVA_DOUBLE, 0, 1.0);
            betaSeg.set(ValueLayout.JAVA_DOUBLE, 0, beta);
        } else {
            alpha.set(ValueLayout.JAVA_FLOAT, 0, 1f);
            betaSeg.set(ValueLayout.JAVA_FLOAT, 0, (float) beta);
        }
        device.makeCurrent();
        int ta = transA ? CuBlas.OP_T : CuBlas.OP_N, tb = transB ? CuBlas.OP_T : CuBlas.OP_N;
        if (batch == 1) {
            cublas.gemmEx(handle, ta, tb, m, n, k, alpha, a, aType.code, lda, b, bType.code, ldb, betaSeg, c, cType.code, ldc, compute.code);
        } else {
            cublas.gemmStridedBatchedEx(handle, ta, tb, m, n, k, alpha, a, aType.code, lda, strideA, b, bType.code, ldb, strideB, betaSeg,
                    c, cType.code, ldc, strideC, batch, compute.code);
        }
    }
}
