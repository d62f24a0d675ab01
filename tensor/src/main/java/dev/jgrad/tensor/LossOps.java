package dev.jgrad.tensor;

import dev.jgrad.kernels.ref.CrossEntropyRef;
import dev.jgrad.kernels.typed.CrossEntropyF32;

/**
 * Softmax cross-entropy as one op: per sample, loss = ln Σ_j e^(x_j) − x_target, computed from
 * the logits without storing the probabilities; each row's log-sum-exp is saved, and the backward
 * pass writes (softmax − one-hot)·g in one pass over the logits. Samples whose target is
 * {@code ignoreIndex} get loss 0 and gradient 0. The composed form (log-softmax, gather, negate)
 * took five passes over the logits forward and backward.
 *
 * <pre>{@code
 * Tensor perSample = logits.crossEntropy(targets, -100);   // LossOps.crossEntropy: [N]
 * Tensor[] grads = ((Op.CrossEntropy) perSample.op()).backward(g);   // dlogits, null
 * }</pre>
 */
final class LossOps {
    private static final String OP = "cross_entropy";

    private LossOps() {}

    /** Per-sample losses [N] of logits [N, C] against int64 or int32 class indices [N]. */
    static Tensor crossEntropy(Tensor logits, Tensor target, long ignoreIndex) {
        Checks.notNull(OP, "target", target);
        logits.checkUsable(OP);
        target.checkUsable(OP);
        if (logits.dim() != 2 || !logits.dtype().isFloating()) {
            throw new IllegalArgumentException(OP + ": expected floating logits [N, C], got " + logits.dtype() + " " + Shapes.str(logits.layout.shape));
        }
        if (!target.dtype().isInteger()) {
            throw new IllegalArgumentException(OP + ": target must hold class indices (int64/int32), got " + target.dtype());
        }
        int n = logits.layout.shape[0], c = logits.layout.shape[1];
        if (target.dim() != 1 || target.layout.shape[0] != n) {
            throw new IllegalArgumentException(OP + ": expected target of shape [" + n + "] for logits of shape " + Shapes.str(logits.layout.shape)
                    + ", got " + Shapes.str(target.layout.shape));
        }
        Tensor.checkSameDevice(OP, logits, target);
        if (HalfCompute.any(logits)) return HalfCompute.viaFloat32(logits.dtype(), f -> crossEntropy(f[0], target, ignoreIndex), logits);
        Tensor t = ElementwiseOps.contiguous(target, DType.INT64);
        checkTargets(t, c, ignoreIndex);
        Tensor x = ElementwiseOps.contiguous(logits, logits.dtype());
        Tensor loss = Tensor.empty(new int[] {n}, logits.dtype(), logits.device());
        Tensor lse = Tensor.empty(new int[] {n}, logits.dtype(), logits.device());
        if (n > 0 && c > 0) forwardKernel(x, t, ignoreIndex, loss, lse);
        return loss.record(new Op.CrossEntropy(logits, target, ignoreIndex, lse));
    }

    /**
     * Every target in [0, C) or equal to ignoreIndex, checked before a kernel runs so that the
     * error names the op and the range of values on every device (one min/max read-back).
     */
    private static void checkTargets(Tensor t, int classes, long ignoreIndex) {
        if (t.numel() == 0) return;
        if (Tape.capturing()) {   // a captured step checks each replay's targets, in a kernel of its own
            Tape.kernel(() -> checkTargetsOnCpu(t, classes, ignoreIndex));
            return;
        }
        Tensor valid = t.ne(ignoreIndex);
        Tensor safe = Tensor.where(valid, t, Tensor.zerosLike(t));
        long lo = safe.min().itemLong(), hi = safe.max().itemLong();
        checkedRange(lo, hi, classes, ignoreIndex);
    }

    /** {@link #checkTargets} by a loop over contiguous int64 CPU targets (which a replay may reach after its scope closed them). */
    private static void checkTargetsOnCpu(Tensor t, int classes, long ignoreIndex) {
        long[] v = CpuBackend.longs(t);
        long lo = 0, hi = 0;   // an ignored target counts as 0, as in the tensor check
        for (int i = t.layout.offset, end = i + t.numel(); i < end; i++) {
            long x = v[i] == ignoreIndex ? 0 : v[i];
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        checkedRange(lo, hi, classes, ignoreIndex);
    }

    private static void checkedRange(long lo, long hi, int classes, long ignoreIndex) {
        if (lo < 0 || hi >= classes) {
            throw new IllegalArgumentException(OP + ": target values must be in [0, " + classes + ") or equal ignoreIndex " + ignoreIndex
                    + ", got values from " + lo + " to " + hi);
        }
    }

    /** ∂L/∂logits = (softmax(x) − one-hot(target))·g per row (0 for ignored rows), and no gradient for the target. */
    static Tensor[] backward(Op.CrossEntropy op, Tensor g) {
        Tensor logits = op.logits();
        Tensor dlogits = Tensor.empty(logits.layout.shape, logits.dtype(), logits.device());
        if (dlogits.numel() > 0) {
            Tensor x = ElementwiseOps.contiguous(logits, logits.dtype()), t = ElementwiseOps.contiguous(op.target(), DType.INT64);
            Tensor dloss = g.dtype() == logits.dtype() ? g : g.to(logits.dtype());   // any stride: a mean's gradient arrives expanded (stride 0)
            backwardKernel(x, op.lse(), t, op.ignoreIndex(), dloss, dlogits);
        }
        return new Tensor[] {dlogits, null};
    }

    private static void forwardKernel(Tensor x, Tensor t, long ignoreIndex, Tensor loss, Tensor lse) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> forwardKernel(x, t, ignoreIndex, loss, lse));
            return;
        }
        int n = x.layout.shape[0], c = x.layout.shape[1];
        try (var _ = Profiler.time(OP, x)) {
            switch (loss.storage) {
                case CpuStorage _ -> {
                    long[] targets = CpuBackend.longs(t);
                    if (x.dtype() == DType.FLOAT32) {
                        CrossEntropyF32.forward(n, c, CpuBackend.floats(x), 0, c, targets, 0, ignoreIndex, CpuBackend.floats(loss), 0,
                                CpuBackend.floats(lse), 0);
                    } else {
                        CrossEntropyRef.forward(n, c, CpuBackend.buf(x), 0, c, targets, 0, ignoreIndex, CpuBackend.buf(loss), 0, CpuBackend.buf(lse), 0);
                    }
                }
                case CudaStorage s -> {
                    CudaBackend.of(s).k.crossEntropyForward(CudaBackend.st(x.dtype()), CudaBackend.ptr(loss), CudaBackend.ptr(lse), CudaBackend.ptr(x),
                            CudaBackend.ptr(t), n, c, ignoreIndex);
                    CudaBackend.keep(x, t, loss, lse);
                }
            }
        }
    }

    private static void backwardKernel(Tensor x, Tensor lse, Tensor t, long ignoreIndex, Tensor dloss, Tensor dlogits) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> backwardKernel(x, lse, t, ignoreIndex, dloss, dlogits));
            return;
        }
        int n = x.layout.shape[0], c = x.layout.shape[1];
        int stride = n == 1 ? 0 : dloss.layout.strides[0];
        try (var _ = Profiler.time(OP + " backward", x)) {
            switch (dlogits.storage) {
                case CpuStorage _ -> {
                    long[] targets = CpuBackend.longs(t);
                    if (x.dtype() == DType.FLOAT32) {
                        CrossEntropyF32.backward(n, c, CpuBackend.floats(x), 0, c, CpuBackend.floats(lse), 0, targets, 0, ignoreIndex,
                                CpuBackend.floats(dloss), dloss.layout.offset, stride, CpuBackend.floats(dlogits), 0, c);
                    } else {
                        CrossEntropyRef.backward(n, c, CpuBackend.buf(x), 0, c, CpuBackend.buf(lse), 0, targets, 0, ignoreIndex, CpuBackend.buf(dloss),
                                dloss.layout.offset, stride, CpuBackend.buf(dlogits), 0, c);
                    }
                }
                case CudaStorage s -> {
                    CudaBackend.of(s).k.crossEntropyBackward(CudaBackend.st(x.dtype()), CudaBackend.ptr(dlogits), CudaBackend.ptr(x),
                            CudaBackend.ptr(lse), CudaBackend.ptr(t), CudaBackend.ptr(dloss), stride, n, c, ignoreIndex);
                    CudaBackend.keep(x, lse, t, dloss, dlogits);
                }
            }
        }
    }
}
