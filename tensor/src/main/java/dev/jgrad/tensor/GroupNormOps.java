package dev.jgrad.tensor;

import dev.jgrad.kernels.ref.GroupNormRef;
import dev.jgrad.kernels.typed.GroupNormF32;

/**
 * Group normalisation as one op: x [N, C, *] split into {@code groups} groups of C/groups
 * channels, each group of each sample normalised over its channels and positions with the biased
 * variance, then each channel scaled and shifted: y = (x − mean)·rstd·w[c] + b[c], rstd =
 * 1/√(var + eps), as PyTorch's {@code group_norm}. The forward pass saves each (sample, group)'s
 * mean and rstd in the {@link Op.GroupNorm} node; the backward pass computes dx, dw and db from
 * them. Kernels: on the CPU float32 (SIMD, {@link GroupNormF32}) and float64 (reference,
 * {@link GroupNormRef}); on CUDA the same formulas composed of the device's reductions and
 * elementwise kernels ({@link #composedForward}, {@link #composedBackward}, also checked on the CPU).
 *
 * <pre>{@code
 * Tensor y = x.groupNorm(8, w, b, 1e-5);                         // GroupNormOps.groupNorm
 * Tensor[] grads = ((Op.GroupNorm) y.op()).backward(g);           // dx, dw, db from the saved mean and rstd
 * }</pre>
 */
final class GroupNormOps {
    private static final String OP = "group_norm";

    private GroupNormOps() {}

    static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        Checks.notNull(OP, "input", x);
        check(x, groups, weight, bias, eps);
        Tensor w = weight == null || weight.dtype() == x.dtype() ? weight : weight.to(x.dtype());
        Tensor b = bias == null || bias.dtype() == x.dtype() ? bias : bias.to(x.dtype());
        int[] g = geometry(x);
        Tensor out = Tensor.empty(x.layout.shape, x.dtype(), x.device());
        Tensor mean = Tensor.empty(new int[] {g[0] * groups}, x.dtype(), x.device());
        Tensor rstd = Tensor.empty(new int[] {g[0] * groups}, x.dtype(), x.device());
        if (out.numel() > 0) forwardKernel(g[0], g[1], g[2], groups, eps, dense(x), dense(w), dense(b), out, mean, rstd);
        return out.record(new Op.GroupNorm(x, w, b, groups, eps, mean, rstd));
    }

    /** x floating of rank ≥ 2 with C divisible by groups, weight and bias (each may be null) floating [C], one device, eps finite and ≥ 0. */
    private static void check(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        if (!x.dtype().isFloating()) throw new IllegalArgumentException(OP + ": expected a floating input, got " + x.dtype());
        if (x.dim() < 2) throw new IllegalArgumentException(OP + ": expected input [N, C, *], got " + Shapes.str(x.layout.shape));
        int c = x.layout.shape[1];
        if (groups < 1 || c % groups != 0) {
            throw new IllegalArgumentException(OP + ": the channels (" + c + ") of input " + Shapes.str(x.layout.shape)
                    + " must be divisible by groups (" + groups + ")");
        }
        param(x, "weight", weight, c);
        param(x, "bias", bias, c);
        if (!(eps >= 0) || Double.isInfinite(eps)) throw new IllegalArgumentException(OP + ": eps must be finite and >= 0, got " + eps);
    }

    private static void param(Tensor x, String what, Tensor p, int c) {
        if (p == null) return;
        if (p.dim() != 1 || p.layout.shape[0] != c) {
            throw new IllegalArgumentException(OP + ": " + what + " must have shape [" + c + "] (the channels of input "
                    + Shapes.str(x.layout.shape) + "), got " + Shapes.str(p.layout.shape));
        }
        if (!p.dtype().isFloating()) throw new IllegalArgumentException(OP + ": " + what + " must be floating, got " + p.dtype());
        Tensor.checkSameDevice(OP, x, p);
    }

    /** (N, C, S): samples, channels, and positions per channel (1 when x is [N, C]). */
    private static int[] geometry(Tensor x) {
        int[] sh = x.layout.shape;
        long s = 1;
        for (int d = 2; d < sh.length; d++) s *= sh[d];
        return new int[] {sh[0], sh[1], (int) s};   // N·C·S is x's element count, or one of N, C is 0 and S ≤ an int
    }

    /** t contiguous from offset 0, or null. */
    private static Tensor dense(Tensor t) {
        return t == null ? null : ElementwiseOps.contiguous(t, t.dtype());
    }

    /** dx, dw, db of a group-norm node, one per {@link Op.GroupNorm#inputs() input}, null where no gradient is wanted. */
    static Tensor[] backward(Op.GroupNorm op, Tensor g) {
        Tensor x = op.x(), w = op.weight(), b = op.bias();
        int[] geo = geometry(x);
        Tensor dx = x.requiresGrad() ? Tensor.empty(x.layout.shape, x.dtype(), x.device()) : null;
        Tensor dw = w != null && w.requiresGrad() ? Tensor.empty(w.layout.shape, x.dtype(), x.device()) : null;
        Tensor db = b != null && b.requiresGrad() ? Tensor.empty(b.layout.shape, x.dtype(), x.device()) : null;
        if (x.numel() > 0 && (dx != null || dw != null || db != null)) {
            backwardKernel(geo[0], geo[1], geo[2], op.groups(), ElementwiseOps.contiguous(g, x.dtype()), dense(x), dense(w), op.mean(), op.rstd(),
                    dx, dw, db);
        }
        Tensor[] grads = new Tensor[op.inputs().size()];
        int i = 0;
        grads[i++] = dx;
        if (w != null) grads[i++] = dw;
        if (b != null) grads[i] = db;
        return grads;
    }

    private static void forwardKernel(int n, int c, int s, int groups, double eps, Tensor x, Tensor w, Tensor b, Tensor out, Tensor mean,
                                      Tensor rstd) {
        try (var _ = Profiler.time(() -> OP + " " + Profiler.shape(x) + " groups=" + groups, x)) {
            switch (out.storage) {
                case CpuStorage _ -> {
                    if (x.dtype() == DType.FLOAT32) {
                        GroupNormF32.forward(n, c, s, groups, (float) eps, CpuBackend.floats(x), floatsOrNull(w), floatsOrNull(b),
                                CpuBackend.floats(out), CpuBackend.floats(mean), CpuBackend.floats(rstd));
                    } else {
                        GroupNormRef.forward(n, c, s, groups, eps, CpuBackend.buf(x), bufOrNull(w), bufOrNull(b), CpuBackend.buf(out),
                                CpuBackend.buf(mean), CpuBackend.buf(rstd));
                    }
                }
                case CudaStorage _ -> composedForward(n, c, s, groups, eps, x, w, b, out, mean, rstd);
            }
        }
    }

    /** dx, dw, db (each may be null: not wanted) from dy and the saved statistics; all contiguous, of x's dtype. */
    private static void backwardKernel(int n, int c, int s, int groups, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor dx,
                                       Tensor dw, Tensor db) {
        try (var _ = Profiler.time(() -> OP + " backward " + Profiler.shape(x) + " groups=" + groups, x)) {
            switch (x.storage) {
                case CpuStorage _ -> {
                    if (x.dtype() == DType.FLOAT32) {
                        GroupNormF32.backward(n, c, s, groups, CpuBackend.floats(dy), CpuBackend.floats(x), floatsOrNull(w), CpuBackend.floats(mean),
                                CpuBackend.floats(rstd), floatsOrNull(dx), floatsOrNull(dw), floatsOrNull(db));
                    } else {
                        GroupNormRef.backward(n, c, s, groups, CpuBackend.buf(dy), CpuBackend.buf(x), bufOrNull(w), CpuBackend.buf(mean),
                                CpuBackend.buf(rstd), bufOrNull(dx), bufOrNull(dw), bufOrNull(db));
                    }
                }
                case CudaStorage _ -> composedBackward(n, c, s, groups, dy, x, w, mean, rstd, dx, dw, db);
            }
        }
    }

    /**
     * The forward pass composed of the device's own reductions and elementwise ops (the CUDA
     * path): each (sample, group) row's mean and biased variance, then (x − mean)·rstd, then the
     * per-channel affine map, written into {@code out}, {@code mean} and {@code rstd}.
     */
    static void composedForward(int n, int c, int s, int groups, double eps, Tensor x, Tensor w, Tensor b, Tensor out, Tensor mean,
                                Tensor rstd) {
        try (var _ = GradMode.noGrad()) {
            Tensor rows = x.reshape(n, groups, c / groups * s);
            Tensor m = rows.mean(new int[] {2}, true);
            Tensor rs = rows.var(new int[] {2}, true, 0).add(eps).sqrt().pow(-1);
            Tensor y = rows.sub(m).mul(rs).reshape(n, c, s);
            if (w != null) y = y.mul(w.reshape(c, 1));
            if (b != null) y = y.add(b.reshape(c, 1));
            ElementwiseOps.copyInto(y.reshape(out.layout.shape), out);
            ElementwiseOps.copyInto(m.reshape(n * groups), mean);
            ElementwiseOps.copyInto(rs.reshape(n * groups), rstd);
        }
    }

    /**
     * The backward pass composed of the device's own reductions and elementwise ops (the CUDA
     * path): x̂ and ĝ = dy·w per group, dx = rstd·(ĝ − mean ĝ − x̂·mean(ĝ·x̂)), dw = Σ dy·x̂ and
     * db = Σ dy over samples and positions, written into those of dx, dw, db that are not null.
     */
    static void composedBackward(int n, int c, int s, int groups, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor dx,
                                 Tensor dw, Tensor db) {
        try (var _ = GradMode.noGrad()) {
            int len = c / groups * s;
            Tensor m = mean.reshape(n, groups, 1), rs = rstd.reshape(n, groups, 1);
            Tensor xhat = x.reshape(n, groups, len).sub(m).mul(rs);
            Tensor dy3 = dy.reshape(n, c, s);
            if (dx != null) {
                Tensor ghat = (w == null ? dy3 : dy3.mul(w.reshape(c, 1))).reshape(n, groups, len);
                Tensor sumG = ghat.sum(new int[] {2}, true), sumGx = ghat.mul(xhat).sum(new int[] {2}, true);
                Tensor d = ghat.sub(sumG.div(len)).sub(xhat.mul(sumGx.div(len))).mul(rs);
                ElementwiseOps.copyInto(d.reshape(dx.layout.shape), dx);
            }
            if (dw != null) ElementwiseOps.copyInto(dy3.mul(xhat.reshape(n, c, s)).sum(new int[] {0, 2}, false), dw);
            if (db != null) ElementwiseOps.copyInto(dy3.sum(new int[] {0, 2}, false), db);
        }
    }

    private static float[] floatsOrNull(Tensor t) {
        return t == null ? null : CpuBackend.floats(t);
    }

    private static dev.jgrad.kernels.Buf bufOrNull(Tensor t) {
        return t == null ? null : CpuBackend.buf(t);
    }
}
