package dev.jgrad.tensor;

import dev.jgrad.kernels.ref.ScanRef;
import dev.jgrad.kernels.typed.ScanF32;

/**
 * Cumulative sums and products along one dimension. The input is made contiguous in the result
 * dtype (a copy only when it is not already) and seen as [outer, n, inner] around the scanned
 * dimension; one kernel per device walks it. Integer and bool inputs give int64, as in PyTorch;
 * float32 accumulates in double on the CPU, as PyTorch's CPU kernels do.
 */
final class ScanOps {
    private ScanOps() {}

    static Tensor cumsum(Tensor x, int dim) {
        Checks.notNull("cumsum", "the tensor", x);
        int d = Shapes.dim("cumsum", dim, x.dim());
        return scan("cumsum", false, x, d).record(new Op.CumSum(x, d));
    }

    static Tensor cumprod(Tensor x, int dim) {
        Checks.notNull("cumprod", "the tensor", x);
        int d = Shapes.dim("cumprod", dim, x.dim());
        return scan("cumprod", true, x, d).record(new Op.CumProd(x, d));
    }

    private static Tensor scan(String op, boolean prod, Tensor x, int d) {
        DType outType = x.dtype().isFloating() ? x.dtype() : DType.INT64;
        int[] shape = x.layout.shape;
        int outer = 1, inner = 1, n = shape.length == 0 ? 1 : shape[d];
        for (int i = 0; i < shape.length; i++) {
            if (i < d) outer *= shape[i];
            else if (i > d) inner *= shape[i];
        }
        Tensor out = Tensor.empty(shape, outType, x.device());
        if (out.numel() == 0) return out;
        try (var _ = Profiler.time(op, x)) {
            switch (out.storage) {
                case CpuStorage _ -> {
                    Tensor xc = ElementwiseOps.contiguous(x, outType);
                    if (CpuBackend.f32(xc)) ScanF32.scan(prod, outer, n, inner, CpuBackend.floats(xc), 0, CpuBackend.floats(out), 0);
                    else ScanRef.scan(prod, outer, n, inner, CpuBackend.buf(xc), 0, CpuBackend.buf(out), 0);
                }
                case CudaStorage s -> {
                    // scan.cu has f32, f64 and i64 kernels; another floating type scans in float32
                    CudaBackend b = CudaBackend.of(s);
                    DType ct = outType == DType.FLOAT64 || outType == DType.INT64 ? outType : DType.FLOAT32;
                    Tensor xc = ElementwiseOps.contiguous(x, ct);
                    Tensor dst = ct == outType ? out : b.scratch(shape, ct);
                    b.k.scan(prod, CudaBackend.st(ct), CudaBackend.ptr(dst), CudaBackend.ptr(xc), outer, n, inner);
                    if (dst != out) ElementwiseOps.copyInto(dst, out);
                    CudaBackend.keep(xc, dst, out);
                }
            }
        }
        return out;
    }
}
