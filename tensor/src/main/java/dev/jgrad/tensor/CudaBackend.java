package dev.jgrad.tensor;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.ScalarType;
import dev.jgrad.cuda.launch.Blas;
import dev.jgrad.cuda.launch.CudaKernels;
import dev.jgrad.cuda.launch.GemmDispatch;
import dev.jgrad.cuda.launch.GemmKernels;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.DeviceBuffer;
import dev.jgrad.cuda.runtime.Devices;
import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.UnaryFn;
import java.lang.ref.Reference;
import java.util.Arrays;

/**
 * The CUDA backend: each method maps its tensors to device addresses and strides and launches
 * jgrad's kernels ({@link CudaKernels}) or cuBLAS on the device's stream. Every dtype the CPU
 * backend takes is taken here; operands of a type a kernel does not exist for are first cast
 * (broadcast dimensions stay broadcast, so a cast never materialises an expansion) and results
 * computed in a wider type are cast back. Integers compute in their own type, wrapping on
 * overflow, with the same results as the CPU backend's long arithmetic; float32 computes in
 * float32 and float64 in double (as PyTorch does); float16 and bfloat16 are stored as such and
 * their kernels compute in float32, rounding each result once (matrix products: cuBLAS on the
 * tensor cores with float32 accumulation).
 */
final class CudaBackend implements Backend {
    private static final CudaBackend[] INSTANCES = new CudaBackend[64];
    private static volatile boolean warnedNoBlas;

    final Device device;
    final CudaDevice gpu;
    final CudaKernels k;

    private CudaBackend(int index) {
        this.device = Device.cuda(index);
        this.gpu = Devices.get(index);
        this.k = CudaKernels.of(gpu);
    }

    /** The backend of the device {@code s} lives on. */
    static CudaBackend of(CudaStorage s) {
        return of(s.device().index());
    }

    static CudaBackend of(int index) {
        synchronized (INSTANCES) {
            if (INSTANCES[index] == null) INSTANCES[index] = new CudaBackend(index);
            return INSTANCES[index];
        }
    }

    static ScalarType st(DType d) {
        return switch (d) {
            case FLOAT32 -> ScalarType.F32;
            case FLOAT64 -> ScalarType.F64;
            case INT32 -> ScalarType.I32;
            case INT64 -> ScalarType.I64;
            case BOOL -> ScalarType.BOOL;
            case FLOAT16 -> ScalarType.F16;
            case BFLOAT16 -> ScalarType.BF16;
        };
    }

    static DType dtype(ScalarType s) {
        return switch (s) {
            case F32 -> DType.FLOAT32;
            case F64 -> DType.FLOAT64;
            case I32 -> DType.INT32;
            case I64 -> DType.INT64;
            case BOOL -> DType.BOOL;
            case F16 -> DType.FLOAT16;
            case BF16 -> DType.BFLOAT16;
        };
    }

    /** Device address of element (0, …, 0) of {@code t}. */
    static long ptr(Tensor t) {
        return ((CudaStorage) t.storage).address(t.layout.offset);
    }

    /** Keeps the tensors (and so their device memory) reachable until the launches using them are queued. */
    static void keep(Object... tensors) {
        Reference.reachabilityFence(tensors);
    }

    @Override
    public Storage allocate(DType dtype, int numel) {
        CudaStorage s = uninitialized(dtype, numel);
        s.buffer().fillBytes(0);
        return s;
    }

    /** Storage whose contents are undefined: for outputs every element of which a kernel writes. */
    CudaStorage uninitialized(DType dtype, int numel) {
        DeviceBuffer b = gpu.allocate((long) numel * dtype.byteSize());
        return new CudaStorage(b, dtype, device, numel);
    }

    /** A contiguous tensor whose elements are undefined until a kernel writes them all. */
    Tensor scratch(int[] shape, DType dtype) {
        return new Tensor(uninitialized(dtype, Shapes.numel(shape)), Layout.contiguous(shape.clone()));
    }

    /**
     * {@code x} in {@code dtype}: itself when it already is, else a cast copy that keeps stride-0
     * (broadcast) dimensions of size 1 and is seen through the same broadcast shape.
     */
    Tensor as(Tensor x, DType dtype) {
        if (x.dtype() == dtype) return x;
        int[] shape = x.layout.shape.clone(), xs = x.layout.strides;
        for (int d = 0; d < shape.length; d++) if (xs[d] == 0) shape[d] = 1;
        Tensor src = x.borrowView(new Layout(shape, xs.clone(), x.layout.offset));
        Tensor tmp = scratch(shape, dtype);
        copy(src, tmp);
        return tmp.withLayout(tmp.layout.expand(x.layout.shape));
    }

    /** {@code t} contiguous (itself, or a contiguous device copy). */
    Tensor dense(Tensor t) {
        if (t.layout.isContiguous()) return t;
        Tensor c = scratch(t.layout.shape, t.dtype());
        copy(t, c);
        return c;
    }

    // =============================================================================================
    // Elementwise
    // =============================================================================================

    /** The kernel of {@code fn} for element type t ({@code unary_exp_f32}); elementwise.cu compiles each function for some types only. */
    private static String kernel(UnaryFn fn, DType t) {
        return "unary_" + fn.cudaName() + "_" + st(t).suffix();
    }

    private static String kernel(BinaryFn fn, DType t) {
        return "binary_" + fn.cudaName() + "_" + st(t).suffix();
    }

    /**
     * Computes in out's type (a predicate: in x's type, writing bool); where elementwise.cu has no
     * kernel for that type, in int64 when the function has an integer kernel, else in float64,
     * casting the result back.
     */
    @Override
    public void unary(UnaryFn fn, Tensor x, Tensor out) {
        int[] shape = out.layout.shape;
        DType o = out.dtype();
        DType c = fn.isPredicate() ? x.dtype() : o;
        if (!CudaKernels.hasKernel(kernel(fn, c))) c = CudaKernels.hasKernel(kernel(fn, DType.INT64)) ? DType.INT64 : DType.FLOAT64;
        DType produced = fn.isPredicate() ? DType.BOOL : c;
        Tensor xi = as(x, c);
        Tensor dst = produced == o ? out : scratch(shape, produced);
        k.unary(fn.cudaName(), st(c), st(produced), shape, ptr(dst), dst.layout.strides, ptr(xi), xi.layout.strides);
        if (dst != out) copy(dst, out);
        keep(x, xi, out, dst);
    }

    /** As {@link #unary}: integer true division computes in float64, as on the CPU. */
    @Override
    public void binary(BinaryFn fn, Tensor a, Tensor b, Tensor out) {
        DType o = out.dtype(), p = DType.promote(a.dtype(), b.dtype());
        DType c = fn.isPredicate() ? p : o;
        if (fn == BinaryFn.DIV && !p.isFloating()) c = DType.FLOAT64;
        if (!CudaKernels.hasKernel(kernel(fn, c))) c = CudaKernels.hasKernel(kernel(fn, DType.INT64)) ? DType.INT64 : DType.FLOAT64;
        Tensor ai = as(a, c), bi = as(b, c);
        DType produced = fn.isPredicate() ? DType.BOOL : c;
        int[] shape = out.layout.shape;
        Tensor dst = produced == o ? out : scratch(shape, produced);
        k.binary(fn.cudaName(), st(c), st(produced), shape, ptr(dst), dst.layout.strides, ptr(ai), ai.layout.strides, ptr(bi),
                bi.layout.strides);
        if (dst != out) copy(dst, out);
        keep(a, b, ai, bi, out, dst);
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        DType o = out.dtype();
        Tensor ci = as(cond, DType.BOOL), ai = as(a, o), bi = as(b, o);
        k.where(st(o), out.layout.shape, ptr(out), out.layout.strides, ptr(ci), ci.layout.strides, ptr(ai), ai.layout.strides, ptr(bi),
                bi.layout.strides);
        keep(cond, a, b, ci, ai, bi, out);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        if (!(src.storage instanceof CudaStorage) || !(dst.storage instanceof CudaStorage)) {
            throw new IllegalArgumentException("copy: expected both tensors on " + device + ", got " + src.device() + " and " + dst.device());
        }
        k.copy(st(src.dtype()), st(dst.dtype()), dst.layout.shape, ptr(dst), dst.layout.strides, ptr(src), src.layout.strides);
        keep(src, dst);
    }

    @Override
    public void fill(Tensor dst, double value) {
        k.fill(st(dst.dtype()), dst.layout.shape, ptr(dst), dst.layout.strides, value);
        keep(dst);
    }

    // =============================================================================================
    // Reductions and softmax
    // =============================================================================================

    /** The input's dimensions split into kept ones then reduced ones, as the CPU backend's Split. */
    private record Split(int[] keptShape, int[] outStrides, int[] xKept, int[] reducedShape, int[] xReduced) {
        static Split of(Tensor x, int[] dims, Tensor out) {
            int[] shape = x.layout.shape, xs = x.layout.strides, os = out.layout.strides;
            boolean[] reduced = new boolean[shape.length];
            for (int d : dims) reduced[d] = true;
            int kept = shape.length - dims.length;
            int[] keptShape = new int[kept], outStrides = new int[kept], xKept = new int[kept];
            int[] reducedShape = new int[dims.length], xReduced = new int[dims.length];
            for (int d = 0, kk = 0, r = 0; d < shape.length; d++) {
                if (reduced[d]) {
                    reducedShape[r] = shape[d];
                    xReduced[r++] = xs[d];
                } else {
                    keptShape[kk] = shape[d];
                    outStrides[kk] = os[d];
                    xKept[kk++] = xs[d];
                }
            }
            return new Split(keptShape, outStrides, xKept, reducedShape, xReduced);
        }
    }

    /** x with its kept dimensions first and reduced ones last, contiguous: every reduction fits the kernels then. */
    private Tensor keptThenReduced(Tensor x, int[] dims) {
        Tensor p = ReductionOps.keptThenReduced(x, dims);
        Tensor c = scratch(p.layout.shape, x.dtype());
        copy(p, c);
        return c;
    }

    @Override
    public void reduce(ReduceFn fn, Tensor x, int[] dims, Tensor out) {
        String op = fn.cudaName();
        DType produced = fn == ReduceFn.SUM || fn == ReduceFn.PROD ? ReductionOps.sumType(x.dtype()) : x.dtype();
        Tensor dst = produced == out.dtype() ? out : scratch(out.layout.shape, produced);
        Split s = Split.of(x, dims, dst);
        boolean done = k.reduce(op, st(x.dtype()), st(produced), s.keptShape, ptr(dst), s.outStrides, s.xKept, s.reducedShape, s.xReduced, ptr(x));
        if (!done) {
            Tensor c = keptThenReduced(x, dims);
            int kept = s.keptShape.length;
            int[] cs = c.layout.strides;
            k.reduce(op, st(x.dtype()), st(produced), s.keptShape, ptr(dst), s.outStrides, Arrays.copyOfRange(cs, 0, kept), s.reducedShape,
                    Arrays.copyOfRange(cs, kept, cs.length), ptr(c));
            keep(c);
        }
        if (dst != out) copy(dst, out);
        keep(x, out, dst);
    }

    @Override
    public void argReduce(boolean max, Tensor x, int dim, Tensor out) {
        int[] dims = dim < 0 ? Shapes.dims("argmax", null, x.dim()) : new int[] {dim};
        Split s = Split.of(x, dims, out);
        boolean done = k.argReduce(max, st(x.dtype()), s.keptShape, ptr(out), s.outStrides, s.xKept, s.reducedShape, s.xReduced, ptr(x));
        if (!done) {
            Tensor c = keptThenReduced(x, dims);
            int kept = s.keptShape.length;
            int[] cs = c.layout.strides;
            k.argReduce(max, st(x.dtype()), s.keptShape, ptr(out), s.outStrides, Arrays.copyOfRange(cs, 0, kept), s.reducedShape,
                    Arrays.copyOfRange(cs, kept, cs.length), ptr(c));
            keep(c);
        }
        keep(x, out);
    }

    @Override
    public void softmax(boolean log, Tensor x, int dim, Tensor out) {
        DType o = out.dtype();
        Tensor xi = as(x, o);
        if (!k.softmax(log, st(o), xi.layout.shape, dim, ptr(out), out.layout.strides, ptr(xi), xi.layout.strides)) {
            Tensor c = scratch(xi.layout.shape, o);
            copy(xi, c);
            k.softmax(log, st(o), c.layout.shape, dim, ptr(out), out.layout.strides, ptr(c), c.layout.strides);
            keep(c);
        }
        keep(x, xi, out);
    }

    // =============================================================================================
    // Matrix products
    // =============================================================================================

    /**
     * c[i] (+)= a[i]·b[i] for i < batch with three strides per operand (batch, row, column); c's
     * rows contiguous. cuBLAS for F32/F64/F16/BF16 when it loaded (operands with other strides are
     * copied dense first), else jgrad's tiled kernel (F32, F64 and the integers).
     */
    void gemm(DType t, int batch, int m, int n, int kk, long c, int[] cs, long a, int[] as, long b, int[] bs, double beta) {
        if (t == DType.FLOAT32 && beta == 0 && ownGemm(batch, m, n, kk, c, cs, a, as, b, bs)) return;
        if (blasType(t) && Cuda.cublasAvailable()) {
            Blas blas = Blas.of(gpu);
            if (blas.matmul(st(t), batch, m, n, kk, c, cs, a, as, b, bs, beta)) return;
            throw new IllegalStateException("gemm: operands must be BLAS-compatible here");
        }
        if ((t == DType.FLOAT32 || t == DType.FLOAT64) && !warnedNoBlas) {
            warnedNoBlas = true;
            System.getLogger("dev.jgrad.tensor").log(System.Logger.Level.WARNING,
                    "matmul on CUDA without cuBLAS runs jgrad's slow tiled kernel: " + Cuda.cublasUnavailableReason());
        }
        if (beta == 0) {
            k.matmulTiled(st(t), batch, m, n, kk, c, cs, a, as, b, bs);
        } else {
            Tensor tmp = scratch(new int[] {batch, m, n}, t);
            k.matmulTiled(st(t), batch, m, n, kk, ptr(tmp), tmp.layout.strides, a, as, b, bs);
            int[] shape = {batch, m, n};
            k.binary(BinaryFn.ADD.cudaName(), st(t), st(t), shape, c, cs, c, cs, ptr(tmp), tmp.layout.strides);
            keep(tmp);
        }
    }

    /**
     * Runs a float32 product on one of jgrad's GEMM versions when {@link GemmDispatch} chooses one
     * for its shape class (default: none, so cuBLAS) and the operands suit it: A and B row-major
     * (unit column stride), C's rows contiguous. Returns false to leave it to cuBLAS.
     */
    private boolean ownGemm(int batch, int m, int n, int kk, long c, int[] cs, long a, int[] as, long b, int[] bs) {
        GemmDispatch.Choice choice = GemmDispatch.choose(matmulPrecision(), batch, m, n, kk);
        if (choice == GemmDispatch.Choice.CUBLAS) return false;
        if (as[2] != 1 || bs[2] != 1 || cs[2] != 1) return false;   // column-major views stay with cuBLAS
        int lda = as[1], ldb = bs[1], ldc = cs[1];
        if ((m > 1 && lda < kk) || (kk > 1 && ldb < n) || (m > 1 && ldc < n) || lda < 1 || ldb < 1 || ldc < 1) return false;
        GemmKernels g = GemmKernels.of(gpu);
        if (choice.version.precision == GemmKernels.Precision.BF16) return bf16Gemm(g, choice.version, batch, m, n, kk, c, ldc, a, lda, b, ldb);
        if (g.unsupported(choice.version, batch, m, n, kk, a, lda, b, ldb) != null) return false;
        g.gemm(choice.version, batch, m, n, kk, c, ldc, cs[0], a, lda, as[0], b, ldb, bs[0]);
        return true;
    }

    /** The lowest input precision float32 products may use: BF16 or TF32 where allowed, else F32. */
    private static GemmKernels.Precision matmulPrecision() {
        return Cuda.allowBf16() ? GemmKernels.Precision.BF16 : Cuda.allowTf32() ? GemmKernels.Precision.TF32 : GemmKernels.Precision.F32;
    }

    /**
     * A float32 product on a BF16 version of gemm.cu: the operands rounded to bfloat16 into scratch
     * buffers first (cvt_f32_bf16; B transposed to [n, k] for version 6, whose TMA loads want K
     * contiguous), leading dimensions padded to 8 elements for the 16-byte loads. One matrix only;
     * a batch, or operands a version cannot take, stay with cuBLAS (returns false).
     */
    private boolean bf16Gemm(GemmKernels g, GemmKernels.Version v, int batch, int m, int n, int kk, long c, int ldc, long a, int lda, long b,
                             int ldb) {
        if (batch != 1) return false;
        boolean transposeB = v == GemmKernels.Version.V6_BF16;
        int ldA16 = roundUp8(kk), ldB16 = transposeB ? roundUp8(kk) : roundUp8(n);
        DeviceBuffer a16 = gpu.allocate(2L * m * ldA16), b16 = gpu.allocate(2L * (transposeB ? n : kk) * ldB16);
        try {
            if (g.unsupported(v, 1, m, n, kk, a16.address(), ldA16, b16.address(), ldB16) != null) return false;
            g.toBf16(a16.address(), a, m, kk, lda, ldA16, false);
            g.toBf16(b16.address(), b, kk, n, ldb, ldB16, transposeB);
            g.gemm(v, 1, m, n, kk, c, ldc, 0, a16.address(), ldA16, 0, b16.address(), ldB16, 0);
            return true;
        } finally {   // back to the stream's pool: the launches queued on the same stream run first
            a16.close();
            b16.close();
        }
    }

    private static int roundUp8(int v) {
        return Math.max(8, (v + 7) / 8 * 8);
    }

    /** x [batch, r, c] with BLAS-compatible matrix strides: itself, or a copy dense in each matrix (a broadcast batch stays broadcast). */
    private Tensor blasOperand(Tensor x) {
        int[] sh = x.layout.shape, s = x.layout.strides;
        if (Blas.supports(sh[1], 1, sh[2], s, new int[] {0, 1, 1})) return x;   // checks x as the left operand [r, c]
        int[] shape = sh.clone();
        if (s[0] == 0) shape[0] = 1;
        Tensor src = x.borrowView(new Layout(shape, s.clone(), x.layout.offset));
        Tensor tmp = scratch(shape, x.dtype());
        copy(src, tmp);
        return tmp.withLayout(tmp.layout.expand(sh));
    }

    /** The types cuBLAS multiplies here: float32 and float64, and the 16-bit floats through cublasGemmEx. */
    private static boolean blasType(DType t) {
        return t == DType.FLOAT32 || t == DType.FLOAT64 || t.isHalf();
    }

    /**
     * In out's type (bool: int64); the 16-bit floats on cuBLAS with float32 accumulation, or, with
     * no cuBLAS, in float32 on the tiled kernel and rounded once.
     */
    @Override
    public void matmul(Tensor a, Tensor b, Tensor out) {
        DType o = out.dtype();
        DType c = o == DType.BOOL ? DType.INT64 : o.isHalf() && !Cuda.cublasAvailable() ? DType.FLOAT32 : o;
        int[] s = out.layout.shape;
        int batch = s[0], m = s[1], n = s[2], kk = a.layout.shape[2];
        Tensor ai = as(a, c), bi = as(b, c);
        if (blasType(c) && Cuda.cublasAvailable()) {
            ai = blasOperand(ai);
            bi = blasOperand(bi);
        }
        Tensor dst = c == o ? out : scratch(s, c);
        gemm(c, batch, m, n, kk, ptr(dst), dst.layout.strides, ptr(ai), ai.layout.strides, ptr(bi), bi.layout.strides, 0);
        if (dst != out) copy(dst, out);
        keep(a, b, ai, bi, out, dst);
    }

    /**
     * Whether a gather (or the scatter-add of its gradient) picks whole rows of a matrix: the
     * pattern of embedding lookups and index_select along dimension 0, an int64 index [n] seen as
     * [n, d] with strides (1, 0), the matrix [num, d] and the other operand [n, d] contiguous.
     * indexing.cu's embedding kernels then move each row with one warp instead of one thread per element.
     */
    private static boolean rowLookup(int dim, Tensor matrix, Tensor index, Tensor rows) {
        int[] is = index.layout.strides;
        return dim == 0 && matrix.dim() == 2 && index.dtype() == DType.INT64 && is[0] == 1 && is[1] == 0
                && index.layout.shape[1] == matrix.layout.shape[1] && Arrays.equals(rows.layout.shape, index.layout.shape)
                && matrix.layout.isContiguous()
                && rows.layout.isContiguous() && rows.dtype() == matrix.dtype() && CudaKernels.hasKernel("embedding_fwd_" + st(matrix.dtype()).suffix());
    }

    // =============================================================================================
    // Gather and scatter
    // =============================================================================================

    @Override
    public void gather(int dim, Tensor x, Tensor index, Tensor out) {
        if (rowLookup(dim, x, index, out)) {   // an embedding / index_select of rows: one warp per row
            k.embeddingForward(st(x.dtype()), ptr(out), ptr(x), ptr(index), index.layout.shape[0], x.layout.shape[1], x.layout.shape[0]);
            keep(x, index, out);
            return;
        }
        k.gather(st(x.dtype()), st(index.dtype()), out.layout.shape, dim, x.layout.shape[dim], ptr(out), out.layout.strides, ptr(x),
                x.layout.strides, ptr(index), index.layout.strides);
        keep(x, index, out);
    }

    @Override
    public void scatterAdd(int dim, Tensor index, Tensor src, Tensor out) {
        Tensor si = as(src, out.dtype());
        if (rowLookup(dim, out, index, si)) {   // the gradient of a row lookup: rows added back, one warp per row
            k.embeddingBackward(st(out.dtype()), ptr(out), ptr(si), ptr(index), index.layout.shape[0], out.layout.shape[1], out.layout.shape[0]);
            keep(index, src, si, out);
            return;
        }
        k.scatterAdd(st(out.dtype()), st(index.dtype()), index.layout.shape, dim, out.layout.shape[dim], ptr(out), out.layout.strides,
                ptr(index), index.layout.strides, ptr(si), si.layout.strides);
        keep(index, src, si, out);
    }

    @Override
    public String toString() {
        return device.toString();
    }
}
