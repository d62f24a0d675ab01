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

    /**
     * AdamW with β = (0.9, 0.999), ε = 1e-8, λ = 0.01.
     *
     * @param params the parameters to update
     * @param lr     the learning rate
     */
    public AdamW(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.01, false);
    }

    /**
     * AdamW with every option.
     *
     * @param params      the parameters to update
     * @param lr          the learning rate
     * @param beta1       decay of the first moment, in [0, 1)
     * @param beta2       decay of the second moment, in [0, 1)
     * @param eps         added to the denominator
     * @param weightDecay the decoupled weight decay λ
     * @param amsgrad     use the maximum of the past second moments (AMSGrad)
     */
    public AdamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        super(params, lr, beta1, beta2, eps, weightDecay, amsgrad, true);
    }
}
