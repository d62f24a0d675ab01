package dev.jgrad.tensor;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.ConvShape;

/**
 * 2-D transposed convolution ("deconvolution") as one op family. A transposed convolution is the
 * input gradient of a convolution, so it runs on {@link ConvOps}' kernels on every device: its
 * forward pass is the convolution's backward-data kernel applied to the input, and its backward
 * pass the convolution's forward kernel (for the input's gradient) and backward-weight kernel
 * (for the weight's), with the bias gradient from the per-channel reduction of the convolution's
 * bias. The {@link ConvShape} it records describes that convolution: its input is this op's
 * output [N, C_out, H_out, W_out], its output channels are this op's input channels.
 *
 * <p>With {@code outputPadding ≥ stride} (allowed while it is below the dilation, as in PyTorch)
 * that convolution's output is taller or wider than this op's input; the input is then seen
 * padded with zeros at the bottom and right, and the input gradient cropped back.
 *
 * <pre>{@code
 * Tensor y = x.convTranspose2d(w, b, new int[] {2}, new int[] {1}, new int[] {1}, new int[] {1}, 1);   // ConvTransposeOps
 * Tensor[] grads = ((Op.ConvTranspose2d) y.op()).backward(g);                                          // dx, dw, db
 * }</pre>
 */
final class ConvTransposeOps {
    private static final String OP = "conv_transpose2d";

    private ConvTransposeOps() {}

    /** Checks the arguments, runs the transposed convolution and records the node. */
    static Tensor convTranspose2d(Tensor x, Tensor w, Tensor b, int[] stride, int[] padding, int[] outputPadding, int[] dilation, int groups) {
        ConvShape cs = convShape(x, w, stride, padding, outputPadding, dilation, groups);
        if (b != null && (b.dim() != 1 || b.layout.shape[0] != cs.c())) {
            throw new IllegalArgumentException(OP + ": bias must have shape [" + cs.c() + "] (the output channels), got " + Shapes.str(b.layout.shape));
        }
        if (HalfCompute.any(x, w, b)) {   // the 16-bit floats: computed in float32, rounded once
            return HalfCompute.viaFloat32(HalfCompute.promoted(x, w, b),
                    f -> convTranspose2d(f[0], f[1], f[2], stride, padding, outputPadding, dilation, groups), x, w, b);
        }
        return forward(cs, x, w, b).record(new Op.ConvTranspose2d(x, w, b, cs));
    }

    /**
     * The convolution this op is the input gradient of: x [N, C_in, H, W], w [C_in, C_out/groups,
     * kH, kW], output [N, C_out, H_out, W_out] with H_out = (H − 1)·stride − 2·padding +
     * dilation·(kH − 1) + outputPadding + 1 (and the same for W).
     */
    static ConvShape convShape(Tensor x, Tensor w, int[] stride, int[] padding, int[] outputPadding, int[] dilation, int groups) {
        Checks.notNull(OP, "input", x);
        Checks.notNull(OP, "weight", w);
        if (x.dim() != 4 || w.dim() != 4) {
            throw new IllegalArgumentException(OP + ": expected 4-D input [N, C_in, H, W] and 4-D weight [C_in, C_out/groups, kH, kW], got input "
                    + Shapes.str(x.layout.shape) + " and weight " + Shapes.str(w.layout.shape));
        }
        int[] xs = x.layout.shape, ws = w.layout.shape;
        if (xs[1] != ws[0]) {
            throw new IllegalArgumentException(OP + ": input " + Shapes.str(xs) + " has " + xs[1] + " channels but weight " + Shapes.str(ws)
                    + " expects " + ws[0] + " (a transposed convolution's weight is [C_in, C_out/groups, kH, kW])");
        }
        if (groups < 1 || ws[0] % groups != 0) {
            throw new IllegalArgumentException(OP + ": groups must be >= 1 and divide the input channels " + ws[0] + ", got " + groups);
        }
        int[] s = WindowGeometry.pair(OP, "stride", stride), p = WindowGeometry.pair(OP, "padding", padding);
        int[] op = WindowGeometry.pair(OP, "outputPadding", outputPadding), d = WindowGeometry.pair(OP, "dilation", dilation);
        int[] out = new int[2];
        for (int axis = 0; axis < 2; axis++) {
            String name = axis == 0 ? "height" : "width";
            if (s[axis] < 1 || d[axis] < 1 || p[axis] < 0 || op[axis] < 0) {
                throw new IllegalArgumentException(OP + ": stride and dilation must be >= 1, padding and outputPadding >= 0, got stride "
                        + Shapes.str(s) + ", padding " + Shapes.str(p) + ", outputPadding " + Shapes.str(op) + ", dilation " + Shapes.str(d));
            }
            if (op[axis] >= s[axis] && op[axis] >= d[axis]) {
                throw new IllegalArgumentException(OP + ": outputPadding must be smaller than either the stride or the dilation, got "
                        + name + " outputPadding " + op[axis] + ", stride " + s[axis] + ", dilation " + d[axis]);
            }
            long size = (long) (xs[2 + axis] - 1) * s[axis] - 2L * p[axis] + (long) d[axis] * (ws[2 + axis] - 1) + op[axis] + 1;
            if (size > Integer.MAX_VALUE / 4) {
                throw new IllegalArgumentException(OP + ": output " + name + " " + size + " is too large (input " + Shapes.str(xs) + ", stride "
                        + s[axis] + ", kernel " + ws[2 + axis] + ", dilation " + d[axis] + ")");
            }
            if (xs[2 + axis] > 0 && size < 1) {
                throw new IllegalArgumentException(OP + ": input " + Shapes.str(xs) + " gives an output " + name + " of " + size
                        + " = (" + xs[2 + axis] + " − 1)·" + s[axis] + " − 2·" + p[axis] + " + " + d[axis] + "·(" + ws[2 + axis] + " − 1) + "
                        + op[axis] + " + 1; reduce the padding");
            }
            out[axis] = (int) Math.max(size, 0);
        }
        int[] ys = {xs[0], ws[1] * groups, out[0], out[1]};
        Shapes.checked(OP, ys);
        WindowGeometry.check(OP, ys, new int[] {ws[2], ws[3]}, s, p, d, false);
        return new ConvShape(xs[0], ys[1], out[0], out[1], ws[0], ws[2], ws[3], s[0], s[1], p[0], p[1], d[0], d[1], groups);
    }

    /** y = the transposed convolution of x with w (+ b per output channel), outside the graph. */
    static Tensor forward(ConvShape cs, Tensor x, Tensor w, Tensor b) {
        DType dtype = ConvOps.operandDType(OP, x, w, b);
        Tensor y = Tensor.empty(new int[] {cs.n(), cs.c(), cs.h(), cs.w()}, dtype, x.device());   // zero-filled
        if (y.numel() == 0) return y;
        if (x.numel() > 0) {
            ConvOps.backwardInputKernel(OP, cs, asConvOutput(cs, ElementwiseOps.contiguous(x, dtype)), ElementwiseOps.contiguous(w, dtype), y);
        }
        if (b != null) {
            Tensor bias = ElementwiseOps.contiguous(b, dtype);
            Tensor perChannel = new Tensor(bias.storage, new Layout(y.layout.shape.clone(), new int[] {0, 1, 0, 0}, 0));
            try (var _ = Profiler.time(OP + " bias", y)) {
                Backends.of(y.device()).binary(BinaryFn.ADD, y, perChannel, y);
            }
        }
        return y;
    }

    /**
     * x (contiguous [N, C_in, H, W]) as the convolution's output [N, C_in, outH, outW]: itself, or
     * zero-padded at the bottom and right when outputPadding ≥ stride makes that output larger.
     */
    private static Tensor asConvOutput(ConvShape cs, Tensor x) {
        int h = x.layout.shape[2], w = x.layout.shape[3];
        if (cs.outH() == h && cs.outW() == w) return x;
        Tensor padded = Tensor.empty(new int[] {cs.n(), cs.k(), cs.outH(), cs.outW()}, x.dtype(), x.device());
        ElementwiseOps.copyInto(x, padded.viewOf(padded.layout.slice(2, 0, h, 1).slice(3, 0, w, 1)));
        return padded;
    }

    /**
     * ∂L/∂x (the convolution of g with w), ∂L/∂w (g correlated with x) and ∂L/∂b (g summed per
     * output channel), each only for an input that requires grad.
     */
    static Tensor[] backward(Op.ConvTranspose2d c, Tensor g) {
        ConvShape cs = c.shape();
        Tensor x = c.x(), w = c.w(), b = c.b();
        DType t = g.dtype();
        Tensor gy = ElementwiseOps.contiguous(g, t);
        Tensor dx = null, dw = null, db = null;
        if (x.requiresGrad()) {
            dx = Tensor.empty(new int[] {cs.n(), cs.k(), cs.outH(), cs.outW()}, t, g.device());
            if (dx.numel() > 0 && gy.numel() > 0) {
                ConvOps.forwardKernel(OP + " backward input", cs, gy, ElementwiseOps.contiguous(w, t), null, dx);
            }
            int h = x.layout.shape[2], wd = x.layout.shape[3];
            if (cs.outH() != h || cs.outW() != wd) dx = ElementwiseOps.contiguous(dx.viewOf(dx.layout.slice(2, 0, h, 1).slice(3, 0, wd, 1)), t);
        }
        if (w.requiresGrad()) {
            dw = Tensor.empty(w.layout.shape.clone(), t, g.device());
            if (gy.numel() > 0 && x.numel() > 0) {
                ConvOps.backwardWeightKernel(OP + " backward weight", cs, gy, asConvOutput(cs, ElementwiseOps.contiguous(x, t)),
                        dw);
            }
        }
        if (b != null && b.requiresGrad()) {
            db = Tensor.empty(new int[] {cs.c()}, t, g.device());
            // the per-channel sum over [N, C_out, H_out, W_out] that the convolution's bias gradient is: a 1x1 convolution's
            ConvShape planes = new ConvShape(cs.n(), cs.c(), cs.h(), cs.w(), cs.c(), 1, 1, 1, 1, 0, 0, 1, 1, 1);
            if (gy.numel() > 0) ConvOps.backwardBiasKernel(OP + " backward bias", planes, gy, db);
        }
        return b == null ? new Tensor[] {dx, dw} : new Tensor[] {dx, dw, db};
    }
}
