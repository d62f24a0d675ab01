package dev.jgrad.tensor;

import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.PoolShape;

/** Forward passes of convolution and pooling, and the backward kernels their rules call. */
final class ConvOps {
    private ConvOps() {}

    static int[] pair(String op, String what, int[] v) {
        Checks.notNull(op, what, v);
        if (v.length == 1) return new int[] {v[0], v[0]};
        if (v.length == 2) return v.clone();
        throw new IllegalArgumentException(op + ": " + what + " must have 1 or 2 values, got " + Shapes.str(v));
    }

    static ConvShape convShape(Tensor x, Tensor w, int[] stride, int[] padding, int[] dilation, int groups) {
        Checks.notNull("conv2d", "weight", w);
        if (x.dim() != 4 || w.dim() != 4) {
            throw new IllegalArgumentException("conv2d: expected 4-D input [N, C, H, W] and 4-D weight [K, C/groups, R, S], got input "
                    + Shapes.str(x.layout.shape) + " and weight " + Shapes.str(w.layout.shape));
        }
        int[] xs = x.layout.shape, ws = w.layout.shape;
        if (groups < 1 || xs[1] != ws[1] * groups) {
            throw new IllegalArgumentException("conv2d: input " + Shapes.str(xs) + " has " + xs[1] + " channels but weight "
                    + Shapes.str(ws) + " expects " + ws[1] + " × groups (" + groups + ") = " + ws[1] * groups);
        }
        int[] s = pair("conv2d", "stride", stride), p = pair("conv2d", "padding", padding), d = pair("conv2d", "dilation", dilation);
        checkGeometry("conv2d", xs, new int[] {ws[2], ws[3]}, s, p, d, false);
        ConvShape cs = new ConvShape(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], s[0], s[1], p[0], p[1], d[0], d[1], groups);
        if (cs.outH() < 1 || cs.outW() < 1) {
            throw new IllegalArgumentException("conv2d: input " + Shapes.str(xs) + " padded by " + Shapes.str(p)
                    + " is smaller than the dilated kernel " + (d[0] * (ws[2] - 1) + 1) + "x" + (d[1] * (ws[3] - 1) + 1));
        }
        return cs;
    }

    /**
     * Refuses geometry whose index arithmetic would overflow an int inside the kernels (huge
     * padding, dilation or stride), and, for pooling, windows larger than the padded input, whose
     * cost would grow with the window rather than the input. Sizes are computed in long here; the
     * kernels compute in int.
     */
    private static void checkGeometry(String op, int[] xs, int[] k, int[] s, int[] p, int[] d, boolean pool) {
        final long limit = Integer.MAX_VALUE / 4;
        for (int axis = 0; axis < 2; axis++) {
            String name = axis == 0 ? "height" : "width";
            long in = xs[2 + axis], kernel = k[axis], stride = s[axis], pad = p[axis], dil = d[axis];
            if (kernel < 1 || stride < 1 || dil < 1 || pad < 0) continue;   // the shape records report these
            long padded = in + 2 * pad, extent = dil * (kernel - 1) + 1;
            if (padded > limit || extent > limit || stride > limit) {
                throw new IllegalArgumentException(op + ": " + name + " geometry is too large (input " + in + ", padding " + pad
                        + ", kernel " + kernel + ", dilation " + dil + ", stride " + stride + "); sizes must stay below " + limit);
            }
            if (pool && extent > padded) {
                throw new IllegalArgumentException(op + ": input " + Shapes.str(xs) + " is too small for the window: its " + name
                        + " (" + extent + " with dilation " + dil + ") is larger than the padded input (" + in + " + 2 x " + pad + " = "
                        + padded + "); jgrad, unlike PyTorch's ceil mode, does not pool with a window overhanging the whole padded input");
            }
        }
    }

    static void checkFloating(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (!t.dtype().isFloating()) throw new IllegalArgumentException(op + ": expected floating-point tensors, got " + t.dtype());
        }
    }

    /** y = x ⋆ w (+ bias per output channel when {@code b} is not null). */
    static Tensor conv2d(ConvShape cs, Tensor x, Tensor w, Tensor b) {
        Tensor.checkSameDevice("conv2d", x, w);
        checkFloating("conv2d", x, w);
        DType dtype = DType.promote(x.dtype(), w.dtype());
        if (b != null) {
            Tensor.checkSameDevice("conv2d", x, b);
            checkFloating("conv2d", b);
            dtype = DType.promote(dtype, b.dtype());
        }
        Tensor y = Tensor.empty(new int[] {cs.n(), cs.k(), cs.outH(), cs.outW()}, dtype, x.device());
        if (y.numel() > 0) x.backend().conv2d(cs, dense(x, dtype), dense(w, dtype), b == null ? null : dense(b, dtype), y);
        return y;
    }

    /** db [K] = Σ of dy over images and output positions. */
    static Tensor conv2dBackwardBias(ConvShape cs, Tensor dy) {
        Tensor db = Tensor.empty(new int[] {cs.k()}, dy.dtype(), dy.device());
        if (dy.numel() > 0) dy.backend().conv2dBackwardBias(cs, dense(dy, dy.dtype()), db);
        return db;
    }

    static Tensor conv2dBackwardInput(ConvShape cs, Tensor dy, Tensor w) {
        Tensor dx = Tensor.empty(new int[] {cs.n(), cs.c(), cs.h(), cs.w()}, dy.dtype(), dy.device());
        if (dy.numel() > 0) dy.backend().conv2dBackwardInput(cs, dense(dy, dy.dtype()), dense(w, dy.dtype()), dx);
        return dx;
    }

    static Tensor conv2dBackwardWeight(ConvShape cs, Tensor x, Tensor dy) {
        Tensor dw = Tensor.empty(new int[] {cs.k(), cs.cPerGroup(), cs.r(), cs.s()}, dy.dtype(), dy.device());
        if (dy.numel() > 0) dy.backend().conv2dBackwardWeight(cs, dense(x, dy.dtype()), dense(dy, dy.dtype()), dw);
        return dw;
    }

    static PoolShape poolShape(String op, Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + ": expected 4-D input [N, C, H, W], got " + Shapes.str(x.layout.shape));
        }
        int[] k = pair(op, "kernel size", kernel);
        int[] s = stride == null || stride.length == 0 ? k : pair(op, "stride", stride);
        int[] p = pair(op, "padding", padding), d = pair(op, "dilation", dilation);
        int[] xs = x.layout.shape;
        checkGeometry(op, xs, k, s, p, d, false);
        PoolShape ps = new PoolShape(xs[0], xs[1], xs[2], xs[3], k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], ceilMode);
        if (ps.outH() < 1 || ps.outW() < 1) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(xs) + " is too small for kernel " + Shapes.str(k)
                    + " with padding " + Shapes.str(p) + " and dilation " + Shapes.str(d));
        }
        checkGeometry(op, xs, k, s, p, d, true);
        return ps;
    }

    /** Returns {y, indices}. */
    static Tensor[] maxPool2d(PoolShape ps, Tensor x) {
        checkFloating("max_pool2d", x);
        int[] outShape = {ps.n(), ps.c(), ps.outH(), ps.outW()};
        Tensor y = Tensor.empty(outShape, x.dtype(), x.device());
        Tensor indices = Tensor.empty(outShape, DType.INT64, x.device());
        if (y.numel() > 0) x.backend().maxPool2d(ps, dense(x, x.dtype()), y, indices);
        return new Tensor[] {y, indices};
    }

    static Tensor maxPool2dBackward(PoolShape ps, Tensor dy, Tensor indices) {
        Tensor dx = Tensor.empty(new int[] {ps.n(), ps.c(), ps.h(), ps.w()}, dy.dtype(), dy.device());
        if (dy.numel() > 0) dy.backend().maxPool2dBackward(ps, dense(dy, dy.dtype()), indices, dx);
        return dx;
    }

    static Tensor avgPool2d(PoolShape ps, boolean countIncludePad, Tensor x) {
        checkFloating("avg_pool2d", x);
        Tensor y = Tensor.empty(new int[] {ps.n(), ps.c(), ps.outH(), ps.outW()}, x.dtype(), x.device());
        if (y.numel() > 0) x.backend().avgPool2d(ps, countIncludePad, dense(x, x.dtype()), y);
        return y;
    }

    static Tensor avgPool2dBackward(PoolShape ps, boolean countIncludePad, Tensor dy) {
        Tensor dx = Tensor.empty(new int[] {ps.n(), ps.c(), ps.h(), ps.w()}, dy.dtype(), dy.device());
        if (dy.numel() > 0) dy.backend().avgPool2dBackward(ps, countIncludePad, dense(dy, dy.dtype()), dx);
        return dx;
    }

    /** x contiguous and of {@code dtype}, copying only when it is not already. */
    static Tensor dense(Tensor x, DType dtype) {
        if (x.dtype() == dtype && x.layout.isContiguous() && x.layout.offset == 0) return x;
        return ElementwiseOps.copy(x, dtype);
    }
}
