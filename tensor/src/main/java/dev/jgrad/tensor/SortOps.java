package dev.jgrad.tensor;

import dev.jgrad.kernels.ref.SortRef;
import dev.jgrad.kernels.typed.SortF32;

/**
 * Sort, argsort and top-k along one dimension. The dimension is brought last and made
 * contiguous (a copy only when it is not already), each row is sorted or searched by one kernel
 * per device, and the results are seen back in the input's dimension order. The values are
 * recorded as a gather of the input at the indices, so their gradient is the gather's:
 * g scattered back to where each value came from (PyTorch's rule).
 *
 * <p>The order is PyTorch's: NaN larger than every number, −0.0 equal to 0.0, and equal
 * elements in their original order, ascending and descending alike ({@code stable=True}).
 */
final class SortOps {
    private SortOps() {}

    /** {@code op} ("sort" or "argsort") names the caller in errors. */
    static ValuesAndIndices sort(String op, Tensor x, int dim, boolean descending) {
        Checks.notNull(op, "the tensor", x);
        int d = Shapes.dim(op, dim, x.dim());
        return select(op, x, d, x.dim() == 0 ? 1 : x.layout.shape[d], descending);
    }

    static ValuesAndIndices topk(Tensor x, int k, int dim, boolean largest) {
        Checks.notNull("topk", "the tensor", x);
        int d = Shapes.dim("topk", dim, x.dim());
        int size = x.dim() == 0 ? 1 : x.layout.shape[d];
        if (k < 0 || k > size) {
            throw new IllegalArgumentException("topk: k = " + k + " is out of range for dimension " + dim + " of size " + size
                    + " (shape " + Shapes.str(x.layout.shape) + "); expected 0 ≤ k ≤ " + size);
        }
        return select("topk", x, d, k, largest);
    }

    /** The first k of every row along d in sort order (descending when asked), values recorded as a gather. */
    private static ValuesAndIndices select(String op, Tensor x, int d, int k, boolean descending) {
        Tensor src = x.dim() == 0 ? x.viewOf(Layout.contiguous(new int[] {1})) : x;
        int rank = src.dim();
        int[] toLast = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) if (i != d) toLast[j++] = i;
        toLast[rank - 1] = d;
        Tensor moved = src.viewOf(src.layout.permute(toLast));
        int[] shape = moved.layout.shape.clone();
        int n = shape[rank - 1];
        shape[rank - 1] = k;
        Tensor values = Tensor.empty(shape, x.dtype(), x.device()), indices = Tensor.empty(shape, DType.INT64, x.device());
        int rows = n == 0 ? 0 : moved.numel() / n;
        if (rows > 0 && k > 0) {
            try (var _ = Profiler.time(op, x)) {
                kernel(moved, rows, n, k, descending, values, indices);
            }
        }
        int[] back = ViewOps.inversePermutation(toLast);
        Tensor v = values.viewOf(values.layout.permute(back)), i = indices.viewOf(indices.layout.permute(back));
        if (x.dim() == 0) {
            v = v.viewOf(Layout.contiguous(new int[0]));
            i = i.viewOf(Layout.contiguous(new int[0]));
        }
        return new ValuesAndIndices(v.record(new Op.Gather(x, d, i)), i);
    }

    /** values, indices [rows, k] contiguous = the first k of each row of moved (rows of n along its last dimension). */
    private static void kernel(Tensor moved, int rows, int n, int k, boolean descending, Tensor values, Tensor indices) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> kernel(moved, rows, n, k, descending, values, indices));
            return;
        }
        switch (values.storage) {
            case CpuStorage _ -> {
                Tensor xc = ElementwiseOps.contiguous(moved, moved.dtype());
                if (CpuBackend.f32(xc)) {
                    SortF32.topk(rows, n, k, CpuBackend.floats(xc), 0, CpuBackend.floats(values), 0, CpuBackend.longs(indices), 0, descending);
                } else {
                    SortRef.topk(rows, n, k, CpuBackend.buf(xc), 0, CpuBackend.buf(values), 0, CpuBackend.longs(indices), 0, descending);
                }
            }
            case CudaStorage s -> {
                // every row is sorted whole on the GPU; top-k keeps the first k (sorting types: f32, f64, i64)
                CudaBackend b = CudaBackend.of(s);
                DType t = moved.dtype();
                DType ct = t == DType.FLOAT32 || t == DType.FLOAT64 || t == DType.INT64 ? t : t.isFloating() ? DType.FLOAT32 : DType.INT64;
                Tensor xc = ElementwiseOps.contiguous(moved, ct);
                boolean whole = k == n && ct == t;
                Tensor sv = whole ? values : b.scratch(new int[] {rows, n}, ct), si = k == n ? indices : b.scratch(new int[] {rows, n}, DType.INT64);
                b.k.sortRows(CudaBackend.st(ct), CudaBackend.ptr(sv), CudaBackend.ptr(si), CudaBackend.ptr(xc), rows, n, descending);
                if (sv != values) ElementwiseOps.copyInto(sv.viewOf(sv.layout.slice(1, 0, k, 1)), values.viewOf(Layout.contiguous(new int[] {rows, k})));
                if (si != indices) ElementwiseOps.copyInto(si.viewOf(si.layout.slice(1, 0, k, 1)), indices.viewOf(Layout.contiguous(new int[] {rows, k})));
                CudaBackend.keep(xc, sv, si, values, indices);
            }
        }
    }
}
