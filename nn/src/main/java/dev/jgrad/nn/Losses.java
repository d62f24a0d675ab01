package dev.jgrad.nn;

import dev.jgrad.tensor.Autocast;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * Loss functions with PyTorch's definitions and defaults (mean reduction). Each is built from
 * differentiable tensor ops, so its gradient needs no rule of its own; cross-entropy of [N, C]
 * logits against class indices runs as the fused {@link Tensor#crossEntropy} op.
 *
 * <pre>{@code
 * Tensor loss = Losses.crossEntropy(logits, labels);   // logits [N, C], labels int64 [N]
 * loss.backward();
 * }</pre>
 */
public final class Losses {
    /** The default {@code ignoreIndex} of cross-entropy and NLL: no real class is -100. */
    public static final long IGNORE_NONE = -100;

    private Losses() {}

    /**
     * {@return mean squared error}
     *
     * @param input  the predictions
     * @param target the expected values, of the same shape
     */
    public static Tensor mse(Tensor input, Tensor target) {
        return mse(input, target, Reduction.MEAN);
    }

    /**
     * {@return squared error (input − target)², reduced}
     *
     * @param input     the predictions
     * @param target    the expected values, of the same shape
     * @param reduction how the per-element losses are reduced
     */
    public static Tensor mse(Tensor input, Tensor target, Reduction reduction) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> mse(t[0], t[1], reduction), input, target);
        checkSameShape("mse", input, target);
        return Args.notNull("mse", "reduction", reduction).apply(input.sub(target).square());
    }

    /**
     * {@return mean absolute error}
     *
     * @param input  the predictions
     * @param target the expected values, of the same shape
     */
    public static Tensor l1(Tensor input, Tensor target) {
        return l1(input, target, Reduction.MEAN);
    }

    /**
     * {@return absolute error |input − target|, reduced}
     *
     * @param input     the predictions
     * @param target    the expected values, of the same shape
     * @param reduction how the per-element losses are reduced
     */
    public static Tensor l1(Tensor input, Tensor target, Reduction reduction) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> l1(t[0], t[1], reduction), input, target);
        checkSameShape("l1", input, target);
        return Args.notNull("l1", "reduction", reduction).apply(input.sub(target).abs());
    }

    /**
     * Cross-entropy of logits [N, C] (or [N, C, d…]) against class indices [N] (or [N, d…]), mean over
     * samples.
     *
     * @param logits the scores
     * @param target the class indices
     * @return the mean loss
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, IGNORE_NONE, 0, Reduction.MEAN);
    }

    /**
     * Cross-entropy with PyTorch's options. With class-index targets: samples whose target is
     * {@code ignoreIndex} contribute nothing and the mean is over the others; label smoothing ε
     * mixes the one-hot target with the uniform distribution (loss = (1−ε)·NLL + ε·mean over
     * classes of −log p). A floating target of the logits' shape is taken as class probabilities.
     *
     * @param logits         the scores [N, C] or [N, C, d…]
     * @param target         class indices [N] or [N, d…], or class probabilities of the logits' shape
     * @param ignoreIndex    the class index whose samples are left out
     * @param labelSmoothing ε, in [0, 1]
     * @param reduction      how the per-sample losses are reduced
     * @return the loss
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, long ignoreIndex, double labelSmoothing, Reduction reduction) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> crossEntropy(t[0], t[1], ignoreIndex, labelSmoothing, reduction), logits, target);
        Args.notNull("cross_entropy", "logits", logits);
        Args.notNull("cross_entropy", "target", target);
        Args.notNull("cross_entropy", "reduction", reduction);
        if (logits.dim() < 1) throw new IllegalArgumentException("cross_entropy: logits must have a class dimension, got a 0-d tensor");
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("cross_entropy: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        if (logits.dim() == 2 && target.dtype().isInteger() && labelSmoothing == 0 && logits.dtype().isFloating()) {
            // the common case as one fused op: no probability tensor, one pass forward and one backward
            return reduceIgnoring(logits.crossEntropy(target, ignoreIndex), target, ignoreIndex, reduction);
        }
        int classDim = logits.dim() == 1 ? 0 : 1;
        Tensor logProbs = logits.logSoftmax(classDim);
        if (target.dtype().isFloating()) {
            checkSameShape("cross_entropy", logits, target);
            int classes = logits.size(classDim);
            Tensor smoothed = labelSmoothing == 0 ? target : target.mul(1 - labelSmoothing).add(labelSmoothing / classes);
            return reduction.apply(logProbs.mul(smoothed).sum(new int[] {classDim}, false).neg());
        }
        Tensor nll = nll(logProbs, target, ignoreIndex, Reduction.NONE);
        if (labelSmoothing > 0) {
            Tensor valid = validMask(target, ignoreIndex, logProbs.dtype());
            Tensor uniform = logProbs.mean(new int[] {classDim}, false).neg().mul(valid);
            nll = nll.mul(1 - labelSmoothing).add(uniform.mul(labelSmoothing));
        }
        return reduceIgnoring(nll, target, ignoreIndex, reduction);
    }

    /**
     * {@return negative log-likelihood of log-probabilities [N, C] (or [N, C, d…]) at class indices, mean
     * over non-ignored samples}
     *
     * @param logProbs the log-probabilities [N, C] or [N, C, d…]
     * @param target   the class indices
     */
    public static Tensor nll(Tensor logProbs, Tensor target) {
        return reduceIgnoring(nll(logProbs, target, IGNORE_NONE, Reduction.NONE), target, IGNORE_NONE, Reduction.MEAN);
    }

    /**
     * −logProbs[n, target[n]] per sample (0 where the target is {@code ignoreIndex}), reduced over
     * non-ignored samples.
     *
     * @param logProbs    the log-probabilities [N, C] or [N, C, d…]
     * @param target      the class indices
     * @param ignoreIndex the class index whose samples are left out
     * @param reduction   how the per-sample losses are reduced
     * @return the loss
     */
    public static Tensor nll(Tensor logProbs, Tensor target, long ignoreIndex, Reduction reduction) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> nll(t[0], t[1], ignoreIndex, reduction), logProbs, target);
        Args.notNull("nll", "log-probabilities", logProbs);
        Args.notNull("nll", "target", target);
        Args.notNull("nll", "reduction", reduction);
        if (logProbs.dim() < 1) throw new IllegalArgumentException("nll: log-probabilities must have a class dimension, got a 0-d tensor");
        if (!target.dtype().isInteger()) throw new IllegalArgumentException("nll: target must hold class indices (int64/int32), got " + target.dtype());
        int classDim = logProbs.dim() == 1 ? 0 : 1;
        int[] expected = removeDim(logProbs.shape(), classDim);
        if (!Arrays.equals(expected, target.shape())) {
            throw new IllegalArgumentException("nll: expected target of shape " + Arrays.toString(expected) + " for input of shape "
                    + Arrays.toString(logProbs.shape()) + ", got " + Arrays.toString(target.shape()));
        }
        Tensor valid = target.ne(ignoreIndex);
        Tensor safeTarget = Tensor.where(valid, target, Tensor.zerosLike(target));
        long classes = logProbs.size(classDim);
        if (safeTarget.numel() > 0 && (safeTarget.min().itemLong() < 0 || safeTarget.max().itemLong() >= classes)) {
            throw new IllegalArgumentException("nll: target values must be in [0, " + classes + ") or equal ignoreIndex " + ignoreIndex
                    + ", got values from " + safeTarget.min().itemLong() + " to " + safeTarget.max().itemLong());
        }
        Tensor picked = logProbs.gather(classDim, safeTarget.unsqueeze(classDim)).squeeze(classDim);
        Tensor perSample = picked.neg().mul(valid.to(logProbs.dtype()));
        return reduction == Reduction.NONE ? perSample : reduceIgnoring(perSample, target, ignoreIndex, reduction);
    }

    /**
     * Binary cross-entropy of probabilities in [0, 1]; log terms are clamped at −100 as PyTorch does.
     *
     * @param probabilities the predicted probabilities
     * @param target        the targets in [0, 1], of the same shape
     * @return the mean loss
     */
    public static Tensor bce(Tensor probabilities, Tensor target) {
        return bce(probabilities, target, Reduction.MEAN);
    }

    /**
     * {@return −[y·log p + (1−y)·log(1−p)], reduced}
     *
     * @param probabilities the predicted probabilities
     * @param target        the targets in [0, 1], of the same shape
     * @param reduction     how the per-element losses are reduced
     */
    public static Tensor bce(Tensor probabilities, Tensor target, Reduction reduction) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> bce(t[0], t[1], reduction), probabilities, target);
        checkSameShape("bce", probabilities, target);
        Args.notNull("bce", "reduction", reduction);
        Tensor logP = clampedLog(probabilities);
        Tensor log1mP = clampedLog(probabilities.neg().add(1));
        return reduction.apply(target.mul(logP).add(target.neg().add(1).mul(log1mP)).neg());
    }

    /**
     * ln x clamped at −100, as PyTorch's BCE does. Where x = 0 the log is taken of 1 instead and
     * then replaced, so the gradient there is 0: ln's derivative 1/x would meet the clamp's
     * zero as 0/0 = NaN, and probabilities of exactly 0 or 1 are what a saturated sigmoid gives.
     */
    private static Tensor clampedLog(Tensor x) {
        Tensor positive = x.gt(0);
        Tensor log = Tensor.where(positive, x, Tensor.onesLike(x)).log();
        return Tensor.where(positive, log, Tensor.fullLike(x, -100)).clampMin(-100);
    }

    /**
     * Binary cross-entropy on logits, stable for any magnitude.
     *
     * @param logits the scores
     * @param target the targets in [0, 1], of the same shape
     * @return the mean loss
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor target) {
        return bceWithLogits(logits, target, Reduction.MEAN);
    }

    /**
     * max(x, 0) − x·y + log(1 + e^(−|x|)): the same as bce(sigmoid(x), y) without overflow.
     *
     * @param logits    the scores
     * @param target    the targets in [0, 1], of the same shape
     * @param reduction how the per-element losses are reduced
     * @return the reduced loss
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor target, Reduction reduction) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> bceWithLogits(t[0], t[1], reduction), logits, target);
        checkSameShape("bce_with_logits", logits, target);
        Args.notNull("bce_with_logits", "reduction", reduction);
        // −|x| written so that its derivative at x = 0 is 1, not abs's 0: with relu'(0) = 0 the
        // gradient at x = 0 is then σ(0) − y = 0.5 − y, as it must be (zero logits are common).
        Tensor negAbs = Tensor.where(logits.gt(0), logits.neg(), logits);
        Tensor softplusNegAbs = negAbs.exp().add(1).log();
        return reduction.apply(logits.relu().sub(logits.mul(target)).add(softplusNegAbs));
    }

    /**
     * {@return σ |p| over all parameters: add λ·l1Penalty to a loss for L1 regularisation}
     *
     * @param parameters the parameters
     */
    public static Tensor l1Penalty(Iterable<Tensor> parameters) {
        Tensor total = null;
        for (Tensor p : Args.notNull("l1Penalty", "parameters", parameters)) {
            Args.notNull("l1Penalty", "a parameter", p);
            total = total == null ? p.abs().sum() : total.add(p.abs().sum());
        }
        return total == null ? Tensor.scalar(0) : total;
    }

    /**
     * {@return σ p² over all parameters: add λ·l2Penalty to a loss for L2 regularisation}
     *
     * @param parameters the parameters
     */
    public static Tensor l2Penalty(Iterable<Tensor> parameters) {
        Tensor total = null;
        for (Tensor p : Args.notNull("l2Penalty", "parameters", parameters)) {
            Args.notNull("l2Penalty", "a parameter", p);
            total = total == null ? p.square().sum() : total.add(p.square().sum());
        }
        return total == null ? Tensor.scalar(0) : total;
    }

    private static Tensor validMask(Tensor target, long ignoreIndex, DType dtype) {
        return target.ne(ignoreIndex).to(dtype);
    }

    /** MEAN divides by the number of non-ignored targets, as PyTorch does. */
    private static Tensor reduceIgnoring(Tensor perSample, Tensor target, long ignoreIndex, Reduction reduction) {
        return switch (reduction) {
            case NONE -> perSample;
            case SUM -> perSample.sum();
            case MEAN -> perSample.sum().div(validMask(target, ignoreIndex, perSample.dtype()).sum());
        };
    }

    private static int[] removeDim(int[] shape, int dim) {
        int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != dim) out[j++] = shape[i];
        return out;
    }

    private static void checkSameShape(String op, Tensor a, Tensor b) {
        Args.notNull(op, "input", a);
        Args.notNull(op, "target", b);
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": input shape " + Arrays.toString(a.shape()) + " and target shape "
                    + Arrays.toString(b.shape()) + " must be equal");
        }
    }
}
