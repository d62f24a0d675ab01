package dev.jgrad.tensor;

/** Forward passes of gather, scatter-add and the ops built on them. */
final class IndexingOps {
    private IndexingOps() {}

    static void checkIndex(String op, Tensor index) {
        Checks.notNull(op, "index", index);
        index.checkUsable(op);
        if (!index.dtype().isInteger()) {
            throw new IllegalArgumentException(op + ": index must be int64 or int32, got " + index.dtype());
        }
    }

    static Tensor gather(Tensor x, int dim, Tensor index) {
        x.checkUsable("gather");
        checkIndex("gather", index);
        Tensor.checkSameDevice("gather", x, index);
        int d = Shapes.dim("gather", dim, x.dim());
        checkIndexShape("gather", x, d, index, "input");
        checkRange("gather", index, d, x.dim() == 0 ? 1 : x.layout.shape[d]);
        if (x.dim() == 0) return gather(asVector(x), 0, asVector(index)).withLayout(Layout.contiguous(new int[0]));
        Tensor out = Tensor.empty(index.layout.shape, x.dtype(), x.device());
        if (out.numel() > 0) {
            try (var _ = Profiler.time("gather", x)) {
                x.backend().gather(d, x, index, out);
            }
        }
        return out;
    }

    static Tensor scatterAdd(Tensor x, int dim, Tensor index, Tensor src) {
        x.checkUsable("scatter_add");
        checkIndex("scatter_add", index);
        Checks.notNull("scatter_add", "src", src);
        src.checkUsable("scatter_add");
        Tensor.checkSameDevice("scatter_add", x, index);
        Tensor.checkSameDevice("scatter_add", x, src);
        int d = Shapes.dim("scatter_add", dim, x.dim());
        checkIndexShape("scatter_add", x, d, index, "self");
        checkRange("scatter_add", index, d, x.dim() == 0 ? 1 : x.layout.shape[d]);
        if (src.dim() != index.dim()) {
            throw new IllegalArgumentException("scatter_add: index " + Shapes.str(index.layout.shape) + " and src "
                    + Shapes.str(src.layout.shape) + " must have the same number of dimensions");
        }
        for (int k = 0; k < index.dim(); k++) {
            if (index.layout.shape[k] > src.layout.shape[k]) {
                throw new IllegalArgumentException("scatter_add: index " + Shapes.str(index.layout.shape)
                        + " must not be larger than src " + Shapes.str(src.layout.shape) + " in dimension " + k);
            }
        }
        if (x.dim() == 0) return scatterAdd(asVector(x), 0, asVector(index), asVector(src)).withLayout(Layout.contiguous(new int[0]));
        Tensor out = ElementwiseOps.copy(x, DType.promote(x.dtype(), src.dtype()));
        if (index.numel() > 0) {
            try (var _ = Profiler.time("scatter_add", x)) {
                x.backend().scatterAdd(d, index, src, out);
            }
        }
        return out;
    }

    /** A 0-d tensor as a one-element vector operand: PyTorch gathers and scatters 0-d tensors along their "dimension 0". */
    private static Tensor asVector(Tensor t) {
        return t.borrowView(t.layout.view(new int[] {1}));
    }

    /**
     * Every index in [0, size), checked before any kernel runs so that the error names the op,
     * whatever the device. A negative index is out of bounds too: PyTorch's gather, scatter_add,
     * index_select and embedding raise for it (it does not count from the end there, unlike a
     * position given to {@code select} or {@code narrow}).
     */
    static void checkRange(String op, Tensor index, int dim, int size) {
        if (index.numel() == 0) return;
        if (Tape.capturing()) {   // a captured step checks each replay's indices, in a kernel of its own
            Tensor c = ElementwiseOps.contiguous(index, DType.INT64);
            Tape.kernel(() -> checkRangeOnCpu(op, c, dim, size));
            return;
        }
        int[] all = Shapes.dims(op, null, index.dim());
        long lo = ReductionOps.reduce(op, dev.jgrad.kernels.ReduceFn.MIN, index, all, false, index.dtype()).itemLong();
        long hi = ReductionOps.reduce(op, dev.jgrad.kernels.ReduceFn.MAX, index, all, false, index.dtype()).itemLong();
        if (lo < 0 || hi >= size) {
            throw new IndexOutOfBoundsException(op + ": index " + (lo < 0 ? lo : hi) + " is out of bounds for dimension " + dim
                    + " with size " + size + " (indices range from " + lo + " to " + hi + ")");
        }
    }

    /** {@link #checkRange}'s check by a loop over a contiguous int64 CPU tensor (which a replay may reach after its scope closed it). */
    private static void checkRangeOnCpu(String op, Tensor index, int dim, int size) {
        long[] v = CpuBackend.longs(index);
        long lo = Long.MAX_VALUE, hi = Long.MIN_VALUE;
        for (int i = index.layout.offset, end = i + index.numel(); i < end; i++) {
            lo = Math.min(lo, v[i]);
            hi = Math.max(hi, v[i]);
        }
        if (lo < 0 || hi >= size) {
            throw new IndexOutOfBoundsException(op + ": index " + (lo < 0 ? lo : hi) + " is out of bounds for dimension " + dim
                    + " with size " + size + " (indices range from " + lo + " to " + hi + ")");
        }
    }

    /** index must have x's rank and be no larger than x in every dimension but {@code dim}. */
    private static void checkIndexShape(String op, Tensor x, int dim, Tensor index, String what) {
        if (index.dim() != x.dim()) {
            throw new IllegalArgumentException(op + ": index " + Shapes.str(index.layout.shape) + " and " + what + " "
                    + Shapes.str(x.layout.shape) + " must have the same number of dimensions");
        }
        for (int k = 0; k < x.dim(); k++) {
            if (k != dim && index.layout.shape[k] > x.layout.shape[k]) {
                throw new IllegalArgumentException(op + ": index " + Shapes.str(index.layout.shape) + " is larger than " + what
                        + " " + Shapes.str(x.layout.shape) + " in dimension " + k);
            }
        }
    }

    /** The index of {@code index_select}, shaped [1, …, len, …, 1] and broadcast over x's other dimensions. */
    static Tensor selectionIndex(Tensor x, int dim, Tensor index) {
        x.checkUsable("index_select");
        checkIndex("index_select", index);
        if (x.dim() == 0 || index.dim() > 1) {
            throw new IllegalArgumentException("index_select: expected an input of at least 1 dimension and a 0-d or 1-d index, got input "
                    + Shapes.str(x.layout.shape) + " and index " + Shapes.str(index.layout.shape));
        }
        int d = Shapes.dim("index_select", dim, x.dim());
        checkRange("index_select", index, d, x.layout.shape[d]);
        int[] single = new int[x.dim()];
        java.util.Arrays.fill(single, 1);
        single[d] = index.numel();
        int[] target = x.layout.shape.clone();
        target[d] = index.numel();
        return index.viewOf(index.layout.view(single).expand(target));
    }
}
