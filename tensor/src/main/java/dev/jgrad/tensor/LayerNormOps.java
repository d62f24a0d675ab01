package dev.jgrad.tensor;

import dev.jgrad.cuda.ScalarType;
import dev.jgrad.kernels.ref.LayerNormRef;
import dev.jgrad.kernels.typed.LayerNormF32;
import java.util.Arrays;

/**
 * Layer normalisation as one op: y = (x − mean)·rstd·w + b over the trailing dimensions that
 * match {@code normalizedShape}, with rstd = 1/√(var + eps) and the biased variance, as
 * PyTorch's {@code layer_norm}. The forward pass saves each row's mean and rstd in the
 * {@link Op.LayerNorm} node; the backward pass computes dx, dw and db from them in one kernel
 * instead of differentiating the nine elementwise ops the composed formula takes. Kernels: on the
 * CPU float32 (SIMD) and float64 (reference), on CUDA both (layernorm.cu).
 *
 * <pre>{@code
 * Tensor y = x.layerNorm(new int[] {768}, w, b, 1e-5);          // LayerNormOps.layerNorm
 * Tensor[] grads = ((Op.LayerNorm) y.op()).backward(g);          // dx, dw, db from the saved mean and rstd
 * }</pre>
 */
final class LayerNormOps {
    private static final String OP = "layer_norm";

    private LayerNormOps() {}

    static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        Checks.notNull(OP, "input", x);
        x.checkUsable(OP);
        Tensor.checkUsable(OP, weight);
        Tensor.checkUsable(OP, bias);
        int[] ns = Checks.notNull(OP, "normalizedShape", normalizedShape).clone();
        check(x, ns, weight, bias, eps);
        if (HalfCompute.any(x)) return HalfCompute.viaFloat32(x.dtype(), f -> layerNorm(f[0], ns, f[1], f[2], eps), x, weight, bias);
        Tensor w = weight == null || weight.dtype() == x.dtype() ? weight : weight.to(x.dtype());
        Tensor b = bias == null || bias.dtype() == x.dtype() ? bias : bias.to(x.dtype());
        int n = Shapes.numel(ns), rows = n == 0 ? 0 : x.numel() / n;
        Tensor out = Tensor.uninitialized(x.layout.shape, x.dtype(), x.device());   // the kernels write every element
        Tensor mean = Tensor.uninitialized(new int[] {rows}, x.dtype(), x.device());
        Tensor rstd = Tensor.uninitialized(new int[] {rows}, x.dtype(), x.device());
        if (out.numel() > 0) {
            forwardKernel(rows, n, eps, dense(x), dense(w), dense(b), out, mean, rstd);
        }
        return out.record(new Op.LayerNorm(x, w, b, ns, eps, mean, rstd));
    }

    /**
     * x floating with trailing dimensions equal to {@code ns} (at least one), weight and bias
     * (either may be null) floating and shaped {@code ns}, all on one device, eps finite and ≥ 0.
     */
    private static void check(Tensor x, int[] ns, Tensor weight, Tensor bias, double eps) {
        if (!x.dtype().isFloating()) throw new IllegalArgumentException(OP + ": expected a floating input, got " + x.dtype());
        if (ns.length == 0) throw new IllegalArgumentException(OP + ": normalizedShape must have at least one dimension, got []");
        int[] shape = x.layout.shape;
        boolean ok = shape.length >= ns.length;
        for (int i = 0; ok && i < ns.length; i++) ok = shape[shape.length - ns.length + i] == ns[i];
        if (!ok) {
            throw new IllegalArgumentException(OP + ": expected input of shape [*, " + Shapes.str(ns).substring(1) + " (normalizedShape "
                    + Shapes.str(ns) + "), got " + Shapes.str(shape));
        }
        param(x, "weight", weight, ns);
        param(x, "bias", bias, ns);
        if (!(eps >= 0) || Double.isInfinite(eps)) throw new IllegalArgumentException(OP + ": eps must be finite and >= 0, got " + eps);
    }

    private static void param(Tensor x, String what, Tensor p, int[] ns) {
        if (p == null) return;
        if (!Arrays.equals(p.layout.shape, ns)) {
            throw new IllegalArgumentException(OP + ": " + what + " of shape " + Shapes.str(p.layout.shape) + " does not match normalizedShape "
                    + Shapes.str(ns) + " (input " + Shapes.str(x.layout.shape) + ")");
        }
        if (!p.dtype().isFloating()) throw new IllegalArgumentException(OP + ": " + what + " must be floating, got " + p.dtype());
        Tensor.checkSameDevice(OP, x, p);
    }

    /** t contiguous from offset 0 (the kernels index rows from element 0), or null. */
    private static Tensor dense(Tensor t) {
        return t == null ? null : ElementwiseOps.contiguous(t, t.dtype());
    }

    /** dx, dw, db of a layer-norm node, one per {@link Op.LayerNorm#inputs() input}, null where no gradient is wanted. */
    static Tensor[] backward(Op.LayerNorm op, Tensor g) {
        Tensor x = op.x(), w = op.weight(), b = op.bias();
        int n = Shapes.numel(op.normalizedShape()), rows = op.mean().numel();
        Tensor dx = x.requiresGrad() ? Tensor.uninitialized(x.layout.shape, x.dtype(), x.device()) : null;   // always written
        Tensor dw = w != null && w.requiresGrad() ? Tensor.empty(w.layout.shape, x.dtype(), x.device()) : null;
        Tensor db = b != null && b.requiresGrad() ? Tensor.empty(b.layout.shape, x.dtype(), x.device()) : null;
        if (x.numel() > 0 && (dx != null || dw != null || db != null)) {
            backwardKernel(rows, n, ElementwiseOps.contiguous(g, x.dtype()), dense(x), dense(w), op.mean(), op.rstd(), dx, dw, db);
        }
        Tensor[] grads = new Tensor[op.inputs().size()];
        int i = 0;
        grads[i++] = dx;
        if (w != null) grads[i++] = dw;
        if (b != null) grads[i] = db;
        return grads;
    }

    /**
     * out = (x − mean)·rstd·w + b over {@code rows} contiguous rows of {@code n}, writing each row's mean and rstd;
     * w, b may be null (1 and 0); all contiguous from offset 0 and of one floating dtype.
     */
    private static void forwardKernel(int rows, int n, double eps, Tensor x, Tensor w, Tensor b, Tensor out, Tensor mean, Tensor rstd) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> forwardKernel(rows, n, eps, x, w, b, out, mean, rstd));
            return;
        }
        try (var _ = Profiler.time(() -> OP + " " + Profiler.shape(x) + " n=" + n, x)) {
            switch (out.storage) {
                case CpuStorage _ -> {
                    if (x.dtype() == DType.FLOAT32) {
                        LayerNormF32.forward(rows, n, (float) eps, CpuBackend.floats(x), 0, floatsOrNull(w), floatsOrNull(b), CpuBackend.floats(out),
                                0, CpuBackend.floats(mean), CpuBackend.floats(rstd));
                    } else {
                        LayerNormRef.forward(rows, n, eps, CpuBackend.buf(x), bufOrNull(w), bufOrNull(b), CpuBackend.buf(out), CpuBackend.buf(mean),
                                CpuBackend.buf(rstd));
                    }
                }
                case CudaStorage s -> {
                    CudaBackend.of(s).k.layerNormForward(CudaBackend.st(x.dtype()), CudaBackend.ptr(out), CudaBackend.ptr(mean), CudaBackend.ptr(rstd),
                            CudaBackend.ptr(x), ptrOrZero(w), ptrOrZero(b), rows, n, eps);
                    CudaBackend.keep(x, w, b, out, mean, rstd);
                }
            }
        }
    }

    /** dx (always written; may be null on entry only on the CPU, where a scratch is used) and, when not null, dw = Σ dy·x̂ and db = Σ dy, zero-filled on entry. */
    private static void backwardKernel(int rows, int n, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor dx, Tensor dw, Tensor db) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> backwardKernel(rows, n, dy, x, w, mean, rstd, dx, dw, db));
            return;
        }
        try (var _ = Profiler.time(() -> OP + " backward " + Profiler.shape(x) + " n=" + n, x)) {
            switch (x.storage) {
                case CpuStorage _ -> {
                    Tensor dxOut = dx != null ? dx : Tensor.uninitialized(x.layout.shape, x.dtype(), Device.CPU);   // the CPU kernels always write dx
                    if (x.dtype() == DType.FLOAT32) {
                        LayerNormF32.backward(rows, n, CpuBackend.floats(dy), 0, CpuBackend.floats(x), 0, floatsOrNull(w), CpuBackend.floats(mean),
                                CpuBackend.floats(rstd), CpuBackend.floats(dxOut), 0, floatsOrNull(dw), floatsOrNull(db));
                    } else {
                        LayerNormRef.backward(rows, n, CpuBackend.buf(dy), CpuBackend.buf(x), bufOrNull(w), CpuBackend.buf(mean), CpuBackend.buf(rstd),
                                CpuBackend.buf(dxOut), bufOrNull(dw), bufOrNull(db));
                    }
                }
                case CudaStorage s -> {
                    CudaBackend cuda = CudaBackend.of(s);
                    ScalarType t = CudaBackend.st(x.dtype());
                    if (dx != null) {
                        cuda.k.layerNormBackwardInput(t, CudaBackend.ptr(dx), CudaBackend.ptr(dy), CudaBackend.ptr(x), CudaBackend.ptr(mean),
                                CudaBackend.ptr(rstd), ptrOrZero(w), rows, n);
                    }
                    if (dw != null || db != null) {   // accumulates into dw and db, which arrive zero-filled
                        cuda.k.layerNormBackwardParams(t, ptrOrZero(dw), ptrOrZero(db), CudaBackend.ptr(dy), CudaBackend.ptr(x), CudaBackend.ptr(mean),
                                CudaBackend.ptr(rstd), rows, n);
                    }
                    CudaBackend.keep(dy, x, w, mean, rstd, dx, dw, db);
                }
            }
        }
    }

    private static float[] floatsOrNull(Tensor t) {
        return t == null ? null : CpuBackend.floats(t);
    }

    private static dev.jgrad.kernels.Buf bufOrNull(Tensor t) {
        return t == null ? null : CpuBackend.buf(t);
    }

    private static long ptrOrZero(Tensor t) {
        return t == null ? 0 : CudaBackend.ptr(t);
    }
}
