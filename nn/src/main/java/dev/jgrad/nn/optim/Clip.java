package dev.jgrad.nn.optim;

import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.List;

/**
 * Gradient clipping, in place on the parameters' gradients, before {@code optimizer.step()}.
 *
 * <pre>{@code
 * double norm = Clip.gradNorm(model.parameters(), 1.0);
 * }</pre>
 */
public final class Clip {
    private Clip() {}

    /**
     * {@return scales all gradients together so that their joint L2 norm is at most {@code maxNorm}; returns
     * the norm before clipping}
     *
     * @param params  the parameters whose gradients are clipped
     * @param maxNorm the largest joint norm allowed
     */
    public static double gradNorm(List<Tensor> params, double maxNorm) {
        return gradNorm(params, maxNorm, 2);
    }

    /**
     * As {@link #gradNorm(List, double)} with the Lᵖ norm ({@code Double.POSITIVE_INFINITY} for the max
     * norm).
     *
     * @param params  the parameters whose gradients are clipped
     * @param maxNorm the largest joint norm allowed
     * @param p       the order of the norm
     * @return the norm before clipping
     */
    public static double gradNorm(List<Tensor> params, double maxNorm, double p) {
        checkParams("gradNorm", params);
        if (!(maxNorm >= 0)) throw new IllegalArgumentException("gradNorm: maxNorm must be >= 0, got " + maxNorm);
        if (!(p > 0)) throw new IllegalArgumentException("gradNorm: norm type must be > 0, got " + p);
        try (var _ = GradMode.noGrad()) {
            double total = 0;
            for (Tensor t : params) {
                if (t.grad() == null) continue;
                Tensor a = t.grad().abs();
                total = Double.isInfinite(p) ? Math.max(total, a.max().item()) : total + a.pow(p).sum().item();
            }
            double norm = Double.isInfinite(p) ? total : Math.pow(total, 1 / p);
            double scale = maxNorm / (norm + 1e-6);
            if (scale < 1) {
                for (Tensor t : params) if (t.grad() != null) t.grad().mulInPlace(scale);
            }
            return norm;
        }
    }

    /**
     * Clamps every gradient element into [−clip, clip].
     *
     * @param params the parameters whose gradients are clipped
     * @param clip   the largest magnitude allowed
     */
    public static void gradValue(List<Tensor> params, double clip) {
        checkParams("gradValue", params);
        if (!(clip >= 0)) throw new IllegalArgumentException("gradValue: clip must be >= 0, got " + clip);
        try (var _ = GradMode.noGrad()) {
            for (Tensor t : params) if (t.grad() != null) t.grad().copyFrom(t.grad().clamp(-clip, clip));
        }
    }

    private static void checkParams(String op, List<Tensor> params) {
        if (params == null) throw new IllegalArgumentException(op + ": the parameter list is null");
        for (Tensor t : params) if (t == null) throw new IllegalArgumentException(op + ": the parameter list holds null");
    }
}
