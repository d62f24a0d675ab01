package dev.jgrad.tensor;

import dev.jgrad.cuda.ScalarType;
import dev.jgrad.kernels.typed.OptimF32;
import dev.jgrad.kernels.typed.OptimF64;
import java.util.Arrays;

/**
 * Fused in-place optimizer updates for {@code dev.jgrad.nn.optim} (through
 * {@link dev.jgrad.tensor.internal.TensorInternals}): one pass over a parameter, its gradient and
 * its state instead of a dozen elementwise ops that each allocate a full-size tensor, on the
 * parameter's device. Each returns false, touching nothing, when the fused path does not apply (a
 * dtype other than float32/float64, mixed devices, dtypes or shapes, a non-contiguous operand);
 * the caller then runs its composed update. On the CPU the results equal the composed update's
 * bit for bit (see {@link OptimF32}); on CUDA optim.cu computes the same formula in the same order.
 * Each update counts as an in-place write of the tensors it changes ({@link Tensor#version()}), so
 * a backward pass through a graph that read the old parameter fails instead of using the new one.
 *
 * <pre>{@code
 * if (!OptimOps.adam(p, g, m, v, lr, 0.9, 0.999, 1e-8, 0, false, bc1, bc2)) { ...composed update... }
 * }</pre>
 */
final class OptimOps {
    private OptimOps() {}

    /** One Adam/AdamW step in place (see {@link OptimF32#adam}); bc1 = 1 − β1^t, bc2 = 1 − β2^t. */
    static boolean adam(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2, double eps,
                        double weightDecay, boolean decoupled, double bc1, double bc2) {
        usable(decoupled ? "adamw" : "adam", param, grad, expAvg, expAvgSq);
        if (!fusable(param, grad, expAvg, expAvgSq)) return false;
        written(param, expAvg, expAvgSq);
        int n = param.numel();
        try (var _ = Profiler.time(decoupled ? "adamw" : "adam", param)) {
            switch (param.storage) {
                case CpuStorage _ -> {
                    int po = param.storageOffset(), go = grad.storageOffset(), mo = expAvg.storageOffset(), vo = expAvgSq.storageOffset();
                    if (param.dtype() == DType.FLOAT32) {
                        OptimF32.adam(CpuBackend.floats(param), po, CpuBackend.floats(grad), go, CpuBackend.floats(expAvg), mo,
                                CpuBackend.floats(expAvgSq), vo, n, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, bc2);
                    } else {
                        OptimF64.adam(CpuBackend.doubles(param), po, CpuBackend.doubles(grad), go, CpuBackend.doubles(expAvg), mo,
                                CpuBackend.doubles(expAvgSq), vo, n, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, bc2);
                    }
                }
                case CudaStorage s -> {
                    ScalarType t = CudaBackend.st(param.dtype());
                    CudaBackend.of(s).k.adam(t, CudaBackend.ptr(param), CudaBackend.ptr(grad), CudaBackend.ptr(expAvg), CudaBackend.ptr(expAvgSq),
                            n, lr, beta1, beta2, eps, weightDecay, bc1, bc2, decoupled);
                    CudaBackend.keep(param, grad, expAvg, expAvgSq);
                }
            }
        }
        return true;
    }

    /**
     * One SGD step in place: PyTorch's momentum (the buffer starts at the gradient: {@code first}),
     * dampening, Nesterov momentum and L2 weight decay; {@code buffer} is null when momentum is 0.
     */
    static boolean sgd(Tensor param, Tensor grad, Tensor buffer, double lr, double momentum, double dampening, double weightDecay,
                       boolean nesterov, boolean first) {
        usable("sgd", param, grad, buffer);
        if (momentum != 0 ? !fusable(param, grad, buffer) : buffer != null || !fusable(param, grad)) return false;
        written(param, buffer);
        int n = param.numel();
        try (var _ = Profiler.time("sgd", param)) {
            switch (param.storage) {
                case CpuStorage _ -> {
                    int po = param.storageOffset(), go = grad.storageOffset(), bo = buffer == null ? 0 : buffer.storageOffset();
                    if (param.dtype() == DType.FLOAT32) {
                        OptimF32.sgd(CpuBackend.floats(param), po, CpuBackend.floats(grad), go, buffer == null ? null : CpuBackend.floats(buffer), bo,
                                n, lr, momentum, dampening, weightDecay, nesterov, first);
                    } else {
                        OptimF64.sgd(CpuBackend.doubles(param), po, CpuBackend.doubles(grad), go, buffer == null ? null : CpuBackend.doubles(buffer), bo,
                                n, lr, momentum, dampening, weightDecay, nesterov, first);
                    }
                }
                case CudaStorage s -> {
                    ScalarType t = CudaBackend.st(param.dtype());
                    CudaBackend.of(s).k.sgd(t, CudaBackend.ptr(param), CudaBackend.ptr(grad), buffer == null ? 0 : CudaBackend.ptr(buffer), n, lr,
                            momentum, dampening, weightDecay, nesterov, first);
                    CudaBackend.keep(param, grad, buffer);
                }
            }
        }
        return true;
    }

    /** Counts the update as an in-place write of each tensor it changes (null: none), as {@code copyFrom} would. */
    private static void written(Tensor... changed) {
        for (Tensor t : changed) if (t != null) t.storage.bumpVersion();
    }

    /** One device, one floating dtype (float32 or float64), one shape, every operand contiguous, and no gradient being recorded. */
    /** A closed parameter, gradient or state tensor fails here, naming the update, rather than when a kernel reads it. */
    private static void usable(String op, Tensor... ts) {
        for (Tensor t : ts) Tensor.checkUsable(op, t);
    }

    private static boolean fusable(Tensor first, Tensor... rest) {
        DType dtype = first.dtype();
        if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) return false;
        if (!first.isContiguous()) return false;
        if (first.requiresGrad() && GradMode.isEnabled()) return false;
        for (Tensor t : rest) {
            if (t.dtype() != dtype || !t.device().equals(first.device()) || !t.isContiguous() || !Arrays.equals(t.shape(), first.shape())) {
                return false;
            }
        }
        return true;
    }
}
