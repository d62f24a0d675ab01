package dev.jgrad.tensor;

import dev.jgrad.kernels.Optim;

/**
 * Fused in-place optimizer updates for the optimizers of {@code dev.jgrad.nn.optim}: one pass over
 * a parameter, its gradient and its state instead of a dozen elementwise ops that each allocate a
 * full-size tensor. Each method returns false, touching nothing, when the fused path does not
 * apply (not on the CPU, a dtype other than float32/float64, mixed dtypes or shapes, a
 * non-contiguous operand); the caller then runs its composed update. The results equal the
 * composed update's bit for bit (see {@link Optim}).
 *
 * <pre>{@code
 * if (!OptimOps.adam(p, g, m, v, lr, 0.9, 0.999, 1e-8, 0, false, bc1, bc2)) { ...composed update... }
 * }</pre>
 */
public final class OptimOps {
    private OptimOps() {}

    /**
     * One Adam/AdamW step in place on {@code param}, {@code expAvg} and {@code expAvgSq} (see
     * {@link Optim#adamF32}); bc1 = 1 − β1^t, bc2 = 1 − β2^t. The state tensors must not share
     * storage with anything else. Call it with gradient recording off.
     */
    public static boolean adam(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2,
                               double eps, double weightDecay, boolean decoupled, double bc1, double bc2) {
        if (!fusable(param, grad, expAvg, expAvgSq)) return false;
        int n = param.numel();
        if (param.dtype() == DType.FLOAT32) {
            Optim.adamF32(f32(param), param.storageOffset(), f32(grad), grad.storageOffset(), f32(expAvg), expAvg.storageOffset(),
                    f32(expAvgSq), expAvgSq.storageOffset(), n, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, bc2);
        } else {
            Optim.adamF64(f64(param), param.storageOffset(), f64(grad), grad.storageOffset(), f64(expAvg), expAvg.storageOffset(),
                    f64(expAvgSq), expAvgSq.storageOffset(), n, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, bc2);
        }
        return true;
    }

    private static boolean fusable(Tensor first, Tensor... rest) {
        DType dtype = first.dtype();
        if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) return false;
        if (!(first.storage instanceof CpuStorage) || !first.isContiguous()) return false;
        if (first.requiresGrad() && GradMode.isEnabled()) return false;
        for (Tensor t : rest) {
            if (t.dtype() != dtype || !(t.storage instanceof CpuStorage) || !t.isContiguous()
                    || !java.util.Arrays.equals(t.shape(), first.shape())) {
                return false;
            }
        }
        return true;
    }

    private static float[] f32(Tensor t) {
        return (float[]) ((CpuStorage) t.storage).buf().array();
    }

    private static double[] f64(Tensor t) {
        return (double[]) ((CpuStorage) t.storage).buf().array();
    }
}
