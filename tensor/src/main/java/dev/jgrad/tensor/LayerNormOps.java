package dev.jgrad.tensor;

import java.util.Arrays;

/**
 * Layer normalisation as one op: y = (x − mean)·rstd·w + b over the trailing dimensions that
 * match {@code normalizedShape}, with rstd = 1/√(var + eps) and the biased variance, as
 * PyTorch's {@code layer_norm}. The forward pass saves each row's mean and rstd in the
 * {@link Op.LayerNorm} node; the backward pass computes dx, dw and db from them in one kernel
 * instead of differentiating the nine elementwise ops the composed formula takes.
 */
final class LayerNormOps {
    private static final String OP = "layer_norm";

    private LayerNormOps() {}

    static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        Checks.notNull(OP, "input", x);
        int[] ns = Checks.notNull(OP, "normalizedShape", normalizedShape).clone();
        check(x, ns, weight, bias, eps);
        Tensor w = weight == null || weight.dtype() == x.dtype() ? weight : weight.to(x.dtype());
        Tensor b = bias == null || bias.dtype() == x.dtype() ? bias : bias.to(x.dtype());
        int n = Shapes.numel(ns), rows = n == 0 ? 0 : x.numel() / n;
        Tensor out = Tensor.empty(x.layout.shape, x.dtype(), x.device());
        Tensor mean = Tensor.empty(new int[] {rows}, x.dtype(), x.device());
        Tensor rstd = Tensor.empty(new int[] {rows}, x.dtype(), x.device());
        if (out.numel() > 0) {
            x.backend().layerNorm(rows, n, eps, dense(x), dense(w), dense(b), out, mean, rstd);
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
        return t == null ? null : ConvOps.dense(t, t.dtype());
    }

    /** dx, dw, db of a layer-norm node, one per {@link Op.LayerNorm#inputs() input}, null where no gradient is wanted. */
    static Tensor[] backward(Op.LayerNorm op, Tensor g) {
        Tensor x = op.x(), w = op.weight(), b = op.bias();
        int n = Shapes.numel(op.normalizedShape()), rows = op.mean().numel();
        Tensor dx = x.requiresGrad() ? Tensor.empty(x.layout.shape, x.dtype(), x.device()) : null;
        Tensor dw = w != null && w.requiresGrad() ? Tensor.empty(w.layout.shape, x.dtype(), x.device()) : null;
        Tensor db = b != null && b.requiresGrad() ? Tensor.empty(b.layout.shape, x.dtype(), x.device()) : null;
        if (x.numel() > 0 && (dx != null || dw != null || db != null)) {
            x.backend().layerNormBackward(rows, n, ConvOps.dense(g, x.dtype()), dense(x), dense(w), op.mean(), op.rstd(), dx, dw, db);
        }
        Tensor[] grads = new Tensor[op.inputs().size()];
        int i = 0;
        grads[i++] = dx;
        if (w != null) grads[i++] = dw;
        if (b != null) grads[i] = db;
        return grads;
    }
}
