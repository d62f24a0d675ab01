package dev.jgrad.tensor;

import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.ref.BiasRef;
import dev.jgrad.kernels.ref.Conv2dRef;
import dev.jgrad.kernels.typed.BiasF32;
import dev.jgrad.kernels.typed.Conv2dF32;

/**
 * 2-D convolution as one op family: the geometry checks, the forward pass (the bias added by the
 * kernel while it writes the output: one node, one output array), the three backward passes of
 * {@link Op.Conv2d}, and for each kernel one {@code switch} over the device's storage: the CPU
 * kernels of {@code dev.jgrad.kernels} or the CUDA ones of {@link ConvCuda}.
 *
 * <pre>{@code
 * Tensor y = x.conv2d(w, b, new int[] {1}, new int[] {1}, new int[] {1}, 1);   // ConvOps.conv2d
 * Tensor[] grads = ((Op.Conv2d) y.op()).backward(g);                           // dx, dw, db
 * }</pre>
 */
final class ConvOps {
    private static final String OP = "conv2d";

    private ConvOps() {}

    /** Checks the arguments, convolves and records the node. */
    static Tensor conv2d(Tensor x, Tensor w, Tensor b, int[] stride, int[] padding, int[] dilation, int groups) {
        x.checkUsable(OP);
        Tensor.checkUsable(OP, w);
        Tensor.checkUsable(OP, b);
        if (HalfCompute.any(x, w, b)) {   // the 16-bit floats: computed in float32, rounded once
            return HalfCompute.viaFloat32(HalfCompute.promoted(x, w, b), f -> conv2d(f[0], f[1], f[2], stride, padding, dilation, groups), x, w, b);
        }
        ConvShape cs = convShape(x, w, stride, padding, dilation, groups);
        if (b != null && (b.dim() != 1 || b.layout.shape[0] != cs.k())) {
            throw new IllegalArgumentException(OP + ": bias must have shape [" + cs.k() + "], got " + Shapes.str(b.layout.shape));
        }
        return forward(cs, x, w, b).record(new Op.Conv2d(x, w, b, cs));
    }

    static ConvShape convShape(Tensor x, Tensor w, int[] stride, int[] padding, int[] dilation, int groups) {
        Checks.notNull(OP, "weight", w);
        if (x.dim() != 4 || w.dim() != 4) {
            throw new IllegalArgumentException(OP + ": expected 4-D input [N, C, H, W] and 4-D weight [K, C/groups, R, S], got input "
                    + Shapes.str(x.layout.shape) + " and weight " + Shapes.str(w.layout.shape));
        }
        int[] xs = x.layout.shape, ws = w.layout.shape;
        if (groups < 1 || xs[1] != ws[1] * groups) {
            throw new IllegalArgumentException(OP + ": input " + Shapes.str(xs) + " has " + xs[1] + " channels but weight "
                    + Shapes.str(ws) + " expects " + ws[1] + " × groups (" + groups + ") = " + ws[1] * groups);
        }
        int[] s = WindowGeometry.pair(OP, "stride", stride), p = WindowGeometry.pair(OP, "padding", padding);
        int[] d = WindowGeometry.pair(OP, "dilation", dilation);
        WindowGeometry.check(OP, xs, new int[] {ws[2], ws[3]}, s, p, d, false);
        ConvShape cs = new ConvShape(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], s[0], s[1], p[0], p[1], d[0], d[1], groups);
        if (cs.outH() < 1 || cs.outW() < 1) {
            throw new IllegalArgumentException(OP + ": input " + Shapes.str(xs) + " padded by " + Shapes.str(p)
                    + " is smaller than the dilated kernel " + (d[0] * (ws[2] - 1) + 1) + "x" + (d[1] * (ws[3] - 1) + 1));
        }
        return cs;
    }

    /**
     * Checks that a convolution's input, weights and bias (null when none) are floating and on one
     * device, and gives the dtype its output has: the three promoted. Shared by the transposed
     * convolution, which names itself as {@code op}.
     */
    static DType operandDType(String op, Tensor x, Tensor w, Tensor b) {
        Tensor.checkSameDevice(op, x, w);
        WindowGeometry.checkFloating(op, x, w);
        DType dtype = DType.promote(x.dtype(), w.dtype());
        if (b != null) {
            Tensor.checkSameDevice(op, x, b);
            WindowGeometry.checkFloating(op, b);
            dtype = DType.promote(dtype, b.dtype());
        }
        return dtype;
    }

    /** y = x ⋆ w (+ bias per output channel when {@code b} is not null), outside the graph. */
    static Tensor forward(ConvShape cs, Tensor x, Tensor w, Tensor b) {
        DType dtype = operandDType(OP, x, w, b);
        // every kernel writes every output element, so a pooled array need not be zeroed first
        Tensor y = Tensor.uninitialized(new int[] {cs.n(), cs.k(), cs.outH(), cs.outW()}, dtype, x.device());
        if (y.numel() == 0) return y;
        forwardKernel(cs, ElementwiseOps.contiguous(x, dtype), ElementwiseOps.contiguous(w, dtype),
                b == null ? null : ElementwiseOps.contiguous(b, dtype), y);
        return y;
    }

    /** y = x ⋆ w (+ b) with every operand contiguous from offset 0 and of y's dtype; b may be null. */
    static void forwardKernel(ConvShape cs, Tensor x, Tensor w, Tensor b, Tensor y) {
        forwardKernel(OP, cs, x, w, b, y);
    }

    /** {@link #forwardKernel(ConvShape, Tensor, Tensor, Tensor, Tensor)} profiled as {@code label} (the transposed convolution's backward pass runs it too). */
    static void forwardKernel(String label, ConvShape cs, Tensor x, Tensor w, Tensor b, Tensor y) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> forwardKernel(label, cs, x, w, b, y));
            return;
        }
        try (var _ = Profiler.time(label, x)) {
            switch (y.storage) {
                case CpuStorage _ -> {
                    if (CpuBackend.f32(x, w, y) && (b == null || CpuBackend.f32(b))) {
                        Conv2dF32.forward(cs, CpuBackend.floats(x), CpuBackend.floats(w), b == null ? null : CpuBackend.floats(b), CpuBackend.floats(y));
                    } else {
                        Conv2dRef.forward(cs, CpuBackend.buf(x), CpuBackend.buf(w), b == null ? null : CpuBackend.buf(b), CpuBackend.buf(y));
                    }
                }
                case CudaStorage s -> ConvCuda.forward(CudaBackend.of(s), cs, x, w, b, y);
            }
        }
    }

    /**
     * ∂L/∂x (the transposed convolution of g with w), ∂L/∂w (x correlated with g) and ∂L/∂b (g
     * summed per output channel), each only for an input that requires grad: the first layer's
     * input usually does not, and its transposed convolution is that layer's largest backward cost.
     */
    static Tensor[] backward(Op.Conv2d c, Tensor g) {
        ConvShape cs = c.shape();
        Tensor x = c.x(), w = c.w(), b = c.b();
        Tensor dy = ElementwiseOps.contiguous(g, g.dtype());
        Tensor dx = x.requiresGrad() ? backwardInput(cs, dy, w) : null;
        Tensor dw = w.requiresGrad() ? backwardWeight(cs, x, dy) : null;
        if (b == null) return new Tensor[] {dx, dw};
        return new Tensor[] {dx, dw, b.requiresGrad() ? backwardBias(cs, dy) : null};
    }

    private static Tensor backwardInput(ConvShape cs, Tensor dy, Tensor w) {
        Tensor dx = Tensor.uninitialized(new int[] {cs.n(), cs.c(), cs.h(), cs.w()}, dy.dtype(), dy.device());   // every element written
        if (dy.numel() > 0) backwardInputKernel(cs, dy, ElementwiseOps.contiguous(w, dy.dtype()), dx);
        return dx;
    }

    /** dx = the transposed convolution of dy with w (all contiguous, one dtype). */
    static void backwardInputKernel(ConvShape cs, Tensor dy, Tensor w, Tensor dx) {
        backwardInputKernel("conv2d backward input", cs, dy, w, dx);
    }

    /** {@link #backwardInputKernel(ConvShape, Tensor, Tensor, Tensor)} profiled as {@code label} (it is the transposed convolution's forward pass). */
    static void backwardInputKernel(String label, ConvShape cs, Tensor dy, Tensor w, Tensor dx) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> backwardInputKernel(label, cs, dy, w, dx));
            return;
        }
        try (var _ = Profiler.time(label, dy)) {
            switch (dx.storage) {
                case CpuStorage _ -> {
                    if (CpuBackend.f32(dy, w, dx)) Conv2dF32.backwardInput(cs, CpuBackend.floats(dy), CpuBackend.floats(w), CpuBackend.floats(dx));
                    else Conv2dRef.backwardInput(cs, CpuBackend.buf(dy), CpuBackend.buf(w), CpuBackend.buf(dx));
                }
                case CudaStorage s -> ConvCuda.backwardInput(CudaBackend.of(s), cs, dy, w, dx);
            }
        }
    }

    private static Tensor backwardWeight(ConvShape cs, Tensor x, Tensor dy) {
        Tensor dw = Tensor.empty(new int[] {cs.k(), cs.cPerGroup(), cs.r(), cs.s()}, dy.dtype(), dy.device());
        if (dy.numel() > 0) backwardWeightKernel(cs, ElementwiseOps.contiguous(x, dy.dtype()), dy, dw);
        return dw;
    }

    /** dw = x correlated with dy (all contiguous, one dtype). */
    static void backwardWeightKernel(ConvShape cs, Tensor x, Tensor dy, Tensor dw) {
        backwardWeightKernel("conv2d backward weight", cs, x, dy, dw);
    }

    /** {@link #backwardWeightKernel(ConvShape, Tensor, Tensor, Tensor)} profiled as {@code label}. */
    static void backwardWeightKernel(String label, ConvShape cs, Tensor x, Tensor dy, Tensor dw) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> backwardWeightKernel(label, cs, x, dy, dw));
            return;
        }
        try (var _ = Profiler.time(label, dy)) {
            switch (dw.storage) {
                case CpuStorage _ -> {
                    if (CpuBackend.f32(x, dy, dw)) Conv2dF32.backwardWeight(cs, CpuBackend.floats(x), CpuBackend.floats(dy), CpuBackend.floats(dw));
                    else Conv2dRef.backwardWeight(cs, CpuBackend.buf(x), CpuBackend.buf(dy), CpuBackend.buf(dw));
                }
                case CudaStorage s -> ConvCuda.backwardWeight(CudaBackend.of(s), cs, x, dy, dw);
            }
        }
    }

    /** db [K] = Σ of dy over images and output positions. */
    private static Tensor backwardBias(ConvShape cs, Tensor dy) {
        Tensor db = Tensor.empty(new int[] {cs.k()}, dy.dtype(), dy.device());
        if (dy.numel() > 0) backwardBiasKernel(cs, dy, db);
        return db;
    }

    /** db [K] = Σ of dy (contiguous [N, K, P, Q]) over n, p, q. */
    static void backwardBiasKernel(ConvShape cs, Tensor dy, Tensor db) {
        backwardBiasKernel("conv2d backward bias", cs, dy, db);
    }

    /** {@link #backwardBiasKernel(ConvShape, Tensor, Tensor)} profiled as {@code label}. */
    static void backwardBiasKernel(String label, ConvShape cs, Tensor dy, Tensor db) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> backwardBiasKernel(label, cs, dy, db));
            return;
        }
        int pq = cs.outH() * cs.outW();
        try (var _ = Profiler.time(label, dy)) {
            switch (db.storage) {
                case CpuStorage _ -> {
                    if (CpuBackend.f32(dy, db)) BiasF32.sumPlanes(CpuBackend.floats(dy), cs.n(), cs.k(), pq, CpuBackend.floats(db));
                    else BiasRef.sumPlanes(CpuBackend.buf(dy), cs.n(), cs.k(), pq, CpuBackend.buf(db));
                }
                case CudaStorage s -> ConvCuda.backwardBias(CudaBackend.of(s), cs, dy, db);
            }
        }
    }
}
