package dev.jgrad.tensor;

import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.ref.SoftmaxRef;
import dev.jgrad.kernels.typed.SoftmaxF32;

/** Forward passes of reductions, softmax and the fused log-sum-exp. */
final class ReductionOps {
    private ReductionOps() {}

    private static final String[] REDUCE_KIND = new String[ReduceFn.values().length];

    static {
        for (ReduceFn fn : ReduceFn.values()) REDUCE_KIND[fn.ordinal()] = "reduce " + fn.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The keep-dim result of folding {@code dims} (already wrapped and sorted), then the requested shape. */
    static Tensor reduce(String op, ReduceFn fn, Tensor x, int[] dims, boolean keepDim, DType outType) {
        x.checkUsable(op);
        int[] shape = x.layout.shape;
        if (fn == ReduceFn.MAX || fn == ReduceFn.MIN) {
            for (int d : dims) {
                if (shape[d] == 0) {
                    throw new IllegalArgumentException(op + ": cannot reduce over dimension " + d + " of size 0 (shape "
                            + Shapes.str(shape) + "): the result has no identity");
                }
            }
        }
        Tensor out = Tensor.empty(Shapes.reduced(shape, dims, true), outType, x.device());
        try (var _ = Profiler.time(REDUCE_KIND[fn.ordinal()], x)) {
            x.backend().reduce(fn, x, dims, out);
        }
        return keepDim ? out : out.withLayout(Layout.contiguous(Shapes.reduced(shape, dims, false)));
    }

    /** Sum keeps floating dtypes; integers and bools sum as int64, as in PyTorch. */
    static DType sumType(DType t) {
        return t.isFloating() ? t : DType.INT64;
    }

    /** Position of the max (or min) along {@code dim}, or in the flattened tensor when {@code dim} is null. */
    static Tensor argReduce(String op, boolean max, Tensor x, Integer dim, boolean keepDim) {
        x.checkUsable(op);
        int[] shape = x.layout.shape;
        if (x.numel() == 0) {
            throw new IllegalArgumentException(op + ": cannot take the " + op + " of an empty tensor (shape " + Shapes.str(shape) + ")");
        }
        boolean all = dim == null || shape.length == 0;
        int[] dims = all ? Shapes.dims(op, null, shape.length) : new int[] {Shapes.dim(op, dim, shape.length)};
        Tensor out = Tensor.empty(Shapes.reduced(shape, dims, true), DType.INT64, x.device());
        try (var _ = Profiler.time(max ? "argmax" : "argmin", x)) {
            x.backend().argReduce(max, x, all ? -1 : dims[0], out);
        }
        return keepDim ? out : out.withLayout(Layout.contiguous(Shapes.reduced(shape, dims, false)));
    }

    static Tensor softmax(String op, boolean log, Tensor x, int dim) {
        x.checkUsable(op);
        int d = Shapes.dim(op, dim, x.dim());
        Tensor src = x.dim() == 0 ? x.borrowView(Layout.contiguous(new int[] {1})) : x;
        Tensor out = Tensor.uninitialized(src.layout.shape, x.dtype().toFloating(), x.device());
        try (var _ = Profiler.time(log ? "log_softmax" : "softmax", x)) {
            x.backend().softmax(log, src, d, out);
        }
        return x.dim() == 0 ? out.withLayout(Layout.contiguous(new int[0])) : out;
    }

    /**
     * ∂L/∂x of softmax (or log-softmax) along {@code dim} from its output {@code y} and g = ∂L/∂y:
     * y·(g − Σ g·y), or g − exp(y)·Σ g. Float32 CPU tensors over the last dimension take one fused
     * pass per row ({@link SoftmaxF32#backward}) instead of four whole-tensor ops and their
     * temporaries; everything else (float64 gradient checks, other dimensions, CUDA) composes the
     * formula from ops.
     */
    /** dx from contiguous float32 CPU rows of y and g (all from offset 0). */
    private static void softmaxBackwardKernel(boolean log, int rows, int n, Tensor y, Tensor g, Tensor dx) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> softmaxBackwardKernel(log, rows, n, y, g, dx));
            return;
        }
        try (var _ = Profiler.time(log ? "log_softmax backward" : "softmax backward", y)) {
            SoftmaxF32.backward(log, rows, n, CpuBackend.floats(y), 0, n, CpuBackend.floats(g), 0, n, CpuBackend.floats(dx), 0, n);
        }
    }

    static Tensor softmaxBackward(boolean log, int dim, Tensor y, Tensor g) {
        try (var _ = GradMode.noGrad()) {
            int rank = y.dim();
            if (y.storage instanceof CpuStorage && g.storage instanceof CpuStorage && CpuBackend.f32(y, g) && rank > 0 && dim == rank - 1
                    && y.numel() > 0 && java.util.Arrays.equals(y.layout.shape, g.layout.shape)) {
                int n = y.layout.shape[rank - 1], rows = y.numel() / n;
                Tensor yc = ElementwiseOps.contiguous(y, DType.FLOAT32), gc = ElementwiseOps.contiguous(g, DType.FLOAT32);
                Tensor dx = Tensor.uninitialized(y.layout.shape, DType.FLOAT32, y.device());   // every element written
                softmaxBackwardKernel(log, rows, n, yc, gc, dx);
                if (yc != y) yc.close();
                if (gc != g) gc.close();
                return dx;
            }
            int[] dims = {dim};
            return log ? g.sub(y.exp().mul(g.sum(dims, true))) : y.mul(g.sub(g.mul(y).sum(dims, true)));
        }
    }

    /**
     * log Σ exp(x) over {@code dims} (wrapped and sorted), as one fused op: the reduced dimensions
     * are brought last and contiguous (a copy only when they are not already), then each row is one
     * kernel pass for its maximum and one for the shifted exponentials — neither exp(x) nor x − max
     * is stored. An empty reduction gives −∞.
     */
    static Tensor logSumExp(Tensor x, int[] dims, boolean keepDim) {
        if (HalfCompute.any(x)) return HalfCompute.viaFloat32(x.dtype(), f -> logSumExp(f[0], dims, keepDim), x);
        String op = "logsumexp";
        x.checkUsable(op);
        DType t = x.dtype().toFloating();
        int[] shape = x.layout.shape;
        int n = count(shape, dims);
        Tensor out = Tensor.empty(Shapes.reduced(shape, dims, true), t, x.device());
        if (n == 0) ElementwiseOps.fill(out, Double.NEGATIVE_INFINITY);
        else if (out.numel() > 0) logSumExpKernel(out.numel(), n, ElementwiseOps.contiguous(keptThenReduced(x, dims), t), out);
        Tensor result = keepDim ? out : out.withLayout(Layout.contiguous(Shapes.reduced(shape, dims, false)));
        return result.record(new Op.LogSumExp(x, dims, keepDim));
    }

    /** x with its kept dimensions first and its reduced ones ({@code dims}, sorted) last: an operand view for the current op. */
    static Tensor keptThenReduced(Tensor x, int[] dims) {
        boolean[] reduced = new boolean[x.dim()];
        for (int d : dims) reduced[d] = true;
        int[] perm = new int[x.dim()];
        int j = 0;
        for (int d = 0; d < x.dim(); d++) if (!reduced[d]) perm[j++] = d;
        for (int d : dims) perm[j++] = d;
        return x.borrowView(x.layout.permute(perm));
    }

    /** out[r] = log Σ exp over row r of {@code rows} contiguous rows of n (x and out contiguous, one floating dtype). */
    private static void logSumExpKernel(int rows, int n, Tensor x, Tensor out) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> logSumExpKernel(rows, n, x, out));
            return;
        }
        try (var _ = Profiler.time("logsumexp", x)) {
            switch (out.storage) {
                case CpuStorage _ -> {
                    if (CpuBackend.f32(x, out)) SoftmaxF32.logSumExp(rows, n, CpuBackend.floats(x), 0, n, CpuBackend.floats(out), 0);
                    else SoftmaxRef.logSumExp(rows, n, CpuBackend.buf(x), 0, CpuBackend.buf(out), 0);
                }
                case CudaStorage s -> {
                    CudaBackend.of(s).k.logSumExp(CudaBackend.st(x.dtype()), CudaBackend.ptr(out), CudaBackend.ptr(x), rows, n);
                    CudaBackend.keep(x, out);
                }
            }
        }
    }

    /**
     * max (or min) along {@code dim} with the position of the first extremum (a NaN is the
     * extremum, as in PyTorch). The values are recorded as a gather of x at those positions, so
     * the gradient goes to the chosen element only, not shared among ties as {@code amax}'s is.
     */
    static ValuesAndIndices extremumWithIndex(String op, boolean max, Tensor x, int dim, boolean keepDim) {
        Checks.notNull(op, "the tensor", x);
        int d = Shapes.dim(op, dim, x.dim());
        int[] shape = x.layout.shape;
        if (shape.length > 0 && shape[d] == 0) {
            throw new IllegalArgumentException(op + ": cannot reduce over dimension " + dim + " of size 0 (shape " + Shapes.str(shape)
                    + "): the result has no identity");
        }
        Tensor idx;
        if (x.numel() == 0) {
            idx = Tensor.empty(Shapes.reduced(shape, new int[] {d}, true), DType.INT64, x.device());
        } else {
            idx = argReduce(op, max, x, d, true);
        }
        Tensor values = IndexingOps.gather(x, d, idx).record(new Op.Gather(x, d, idx));
        return keepDim ? new ValuesAndIndices(values, idx) : new ValuesAndIndices(values.squeeze(d), idx.squeeze(d));
    }

    /** Π over {@code dims} (wrapped and sorted); integers and bools multiply as int64, as in PyTorch; an empty product is 1. */
    static Tensor prod(Tensor x, int[] dims, boolean keepDim) {
        return reduce("prod", ReduceFn.PROD, x, dims, keepDim, sumType(x.dtype())).record(new Op.Prod(x, dims, keepDim));
    }

    /**
     * Whether any (or all) of the elements over {@code dims} are non-zero (NaN counts as
     * non-zero), as bool: a max (or min) of the truth values. Over no elements, any is false and
     * all is true.
     */
    static Tensor anyAll(String op, boolean any, Tensor x, int[] dims, boolean keepDim) {
        Tensor truth = x.dtype() == DType.BOOL ? x : ElementwiseOps.compare(op, dev.jgrad.kernels.BinaryFn.NE, x, Tensor.scalarLike(0, x));
        if (count(x.layout.shape, dims) == 0) {
            Tensor out = Tensor.empty(Shapes.reduced(x.layout.shape, dims, keepDim), DType.BOOL, x.device());
            if (!any) ElementwiseOps.fill(out, 1);
            return out;
        }
        return reduce(op, any ? ReduceFn.MAX : ReduceFn.MIN, truth, dims, keepDim, DType.BOOL);
    }

    /** Number of elements folded into each output element. */
    static int count(int[] shape, int[] dims) {
        int n = 1;
        for (int d : dims) n *= shape[d];
        return n;
    }
}
