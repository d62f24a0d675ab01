package dev.jgrad.nn.optim;

import dev.jgrad.tensor.Tensor;
import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter): p ← p·(1 − lr·λ) before the Adam
 * step; PyTorch's default λ = 0.01.
 *
 * <pre>{@code
 * Optimizer opt = new AdamW(model.parameters(), 3e-4);
 * }</pre>
 */
public final class AdamW extends Adam {

    /** AdamW with β = (0.9, 0.999), ε = 1e-8, λ = 0.01. */
    public AdamW(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.01, false);
    }

    public AdamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        super(params, lr, beta1, beta2, eps, weightDecay, amsgrad, true);
    }
}
