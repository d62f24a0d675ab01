package dev.jgrad.tensor;

import dev.jgrad.kernels.PoolShape;
import dev.jgrad.kernels.ref.Pool2dRef;
import dev.jgrad.kernels.typed.Pool2dF32;

/**
 * 2-D max and average pooling as one op family: window checks, forward passes, the backward
 * passes of {@link Op.MaxPool2d} and {@link Op.AvgPool2d}, each kernel dispatched by one
 * {@code switch} over the device's storage.
 *
 * <pre>{@code
 * Tensor y = x.maxPool2d(2);                                   // PoolOps.maxPool2d
 * Tensor dx = ((Op.MaxPool2d) y.op()).backward(g);             // g routed to each window's maximum
 * }</pre>
 */
final class PoolOps {
    private PoolOps() {}

    static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        if (HalfCompute.any(x)) return HalfCompute.viaFloat32(x.dtype(), f -> maxPool2d(f[0], kernel, stride, padding, dilation, ceilMode), x);
        String op = "max_pool2d";
        x.checkUsable(op);
        PoolShape ps = poolShape(op, x, kernel, stride, padding, dilation, ceilMode);
        WindowGeometry.checkFloating(op, x);
        int[] outShape = {ps.n(), ps.c(), ps.outH(), ps.outW()};
        Tensor y = Tensor.empty(outShape, x.dtype(), x.device());
        Tensor indices = Tensor.empty(outShape, DType.INT64, x.device());
        if (y.numel() > 0) maxForwardKernel(ps, ElementwiseOps.contiguous(x, x.dtype()), y, indices);
        return y.record(new Op.MaxPool2d(x, ps, indices));
    }

    /** y = each window's maximum, indices (int64) = its position in its plane; x contiguous. */
    static void maxForwardKernel(PoolShape ps, Tensor x, Tensor y, Tensor indices) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> maxForwardKernel(ps, x, y, indices));
            return;
        }
        try (var _ = Profiler.time("max_pool2d", x)) {
            switch (y.storage) {
                case CpuStorage _ -> {
                    if (CpuBackend.f32(x, y)) Pool2dF32.maxForward(ps, CpuBackend.floats(x), CpuBackend.floats(y), CpuBackend.longs(indices));
                    else Pool2dRef.maxForward(ps, CpuBackend.buf(x), CpuBackend.buf(y), CpuBackend.buf(indices));
                }
                case CudaStorage s -> {
                    CudaBackend.of(s).k.maxPoolForward(CudaBackend.st(y.dtype()), CudaBackend.ptr(y), CudaBackend.ptr(indices), CudaBackend.ptr(x),
                            geom(ps, false));
                    CudaBackend.keep(x, y, indices);
                }
            }
        }
    }

    static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        if (HalfCompute.any(x)) return HalfCompute.viaFloat32(x.dtype(), f -> avgPool2d(f[0], kernel, stride, padding, ceilMode, countIncludePad), x);
        String op = "avg_pool2d";
        x.checkUsable(op);
        PoolShape ps = poolShape(op, x, kernel, stride, padding, new int[] {1}, ceilMode);
        WindowGeometry.checkFloating(op, x);
        Tensor y = Tensor.empty(new int[] {ps.n(), ps.c(), ps.outH(), ps.outW()}, x.dtype(), x.device());
        if (y.numel() > 0) avgForwardKernel(ps, countIncludePad, ElementwiseOps.contiguous(x, x.dtype()), y);
        return y.record(new Op.AvgPool2d(x, ps, countIncludePad));
    }

    /** y = each window's mean; x contiguous. */
    static void avgForwardKernel(PoolShape ps, boolean countIncludePad, Tensor x, Tensor y) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> avgForwardKernel(ps, countIncludePad, x, y));
            return;
        }
        try (var _ = Profiler.time("avg_pool2d", x)) {
            switch (y.storage) {
                case CpuStorage _ -> {
                    if (CpuBackend.f32(x, y)) Pool2dF32.avgForward(ps, countIncludePad, CpuBackend.floats(x), CpuBackend.floats(y));
                    else Pool2dRef.avgForward(ps, countIncludePad, CpuBackend.buf(x), CpuBackend.buf(y));
                }
                case CudaStorage s -> {
                    CudaBackend.of(s).k.avgPoolForward(CudaBackend.st(y.dtype()), CudaBackend.ptr(y), CudaBackend.ptr(x), geom(ps, countIncludePad));
                    CudaBackend.keep(x, y);
                }
            }
        }
    }

    static PoolShape poolShape(String op, Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + ": expected 4-D input [N, C, H, W], got " + Shapes.str(x.layout.shape));
        }
        int[] k = WindowGeometry.pair(op, "kernel size", kernel);
        int[] s = stride == null || stride.length == 0 ? k : WindowGeometry.pair(op, "stride", stride);
        int[] p = WindowGeometry.pair(op, "padding", padding), d = WindowGeometry.pair(op, "dilation", dilation);
        int[] xs = x.layout.shape;
        WindowGeometry.check(op, xs, k, s, p, d, false);
        PoolShape ps = new PoolShape(xs[0], xs[1], xs[2], xs[3], k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], ceilMode);
        if (ps.outH() < 1 || ps.outW() < 1) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(xs) + " is too small for kernel " + Shapes.str(k)
                    + " with padding " + Shapes.str(p) + " and dilation " + Shapes.str(d));
        }
        WindowGeometry.check(op, xs, k, s, p, d, true);
        return ps;
    }

    /** ∂L/∂x of max pooling: g routed to the recorded maxima. */
    static Tensor maxPool2dBackward(Op.MaxPool2d op, Tensor g) {
        PoolShape ps = op.shape();
        Tensor dx = Tensor.empty(new int[] {ps.n(), ps.c(), ps.h(), ps.w()}, g.dtype(), g.device());
        if (g.numel() > 0) maxBackwardKernel(ps, ElementwiseOps.contiguous(g, g.dtype()), op.indices(), dx);
        return dx;
    }

    /** dx = dy routed to the positions in {@code indices}; dy contiguous, dx zero-filled on entry. */
    static void maxBackwardKernel(PoolShape ps, Tensor dy, Tensor indices, Tensor dx) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> maxBackwardKernel(ps, dy, indices, dx));
            return;
        }
        try (var _ = Profiler.time("max_pool2d backward", dy)) {
            switch (dx.storage) {
                case CpuStorage _ -> {
                    if (CpuBackend.f32(dy, dx) && indices.dtype() == DType.INT64 && CpuBackend.dense(indices)) {
                        Pool2dF32.maxBackward(ps, CpuBackend.floats(dy), CpuBackend.longs(indices), CpuBackend.floats(dx));
                    } else {
                        Pool2dRef.maxBackward(ps, CpuBackend.buf(dy), CpuBackend.buf(indices), CpuBackend.buf(dx));
                    }
                }
                case CudaStorage s -> {
                    CudaBackend cuda = CudaBackend.of(s);
                    Tensor idx = cuda.dense(cuda.as(indices, DType.INT64));
                    cuda.k.maxPoolBackward(CudaBackend.st(dx.dtype()), CudaBackend.ptr(dx), CudaBackend.ptr(dy), CudaBackend.ptr(idx), geom(ps, false));
                    CudaBackend.keep(dy, indices, idx, dx);
                }
            }
        }
    }

    /** ∂L/∂x of average pooling: g spread evenly over each window. */
    static Tensor avgPool2dBackward(Op.AvgPool2d op, Tensor g) {
        PoolShape ps = op.shape();
        boolean countIncludePad = op.countIncludePad();
        Tensor dx = Tensor.empty(new int[] {ps.n(), ps.c(), ps.h(), ps.w()}, g.dtype(), g.device());
        if (g.numel() > 0) avgBackwardKernel(ps, countIncludePad, ElementwiseOps.contiguous(g, g.dtype()), dx);
        return dx;
    }

    /** dx = dy spread evenly over each window; dy contiguous. */
    static void avgBackwardKernel(PoolShape ps, boolean countIncludePad, Tensor dy, Tensor dx) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> avgBackwardKernel(ps, countIncludePad, dy, dx));
            return;
        }
        try (var _ = Profiler.time("avg_pool2d backward", dy)) {
            switch (dx.storage) {
                case CpuStorage _ -> {
                    if (CpuBackend.f32(dy, dx)) Pool2dF32.avgBackward(ps, countIncludePad, CpuBackend.floats(dy), CpuBackend.floats(dx));
                    else Pool2dRef.avgBackward(ps, countIncludePad, CpuBackend.buf(dy), CpuBackend.buf(dx));
                }
                case CudaStorage s -> {
                    CudaBackend.of(s).k.avgPoolBackward(CudaBackend.st(dx.dtype()), CudaBackend.ptr(dx), CudaBackend.ptr(dy), geom(ps, countIncludePad));
                    CudaBackend.keep(dy, dx);
                }
            }
        }
    }

    /** geom = {nc, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad}, as conv.cu's pooling kernels take it. */
    private static int[] geom(PoolShape ps, boolean countIncludePad) {
        return new int[] {ps.n() * ps.c(), ps.h(), ps.w(), ps.outH(), ps.outW(), ps.kh(), ps.kw(), ps.strideH(), ps.strideW(), ps.padH(),
            ps.padW(), ps.dilH(), ps.dilW(), countIncludePad ? 1 : 0};
    }
}
