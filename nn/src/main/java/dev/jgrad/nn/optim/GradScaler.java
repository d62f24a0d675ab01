package dev.jgrad.nn.optim;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Dynamic loss scaling for float16 training, as PyTorch's {@code torch.cuda.amp.GradScaler}: the
 * loss is multiplied by a scale before {@code backward()}, so that small gradients do not flush to
 * zero in float16; the gradients are divided by it again before the optimizer sees them; a step
 * whose gradients hold an infinity or a NaN is skipped and the scale shrinks, and after
 * {@code growthInterval} finite steps in a row the scale grows.
 *
 * <p>PyTorch's recipe, in Java (with the {@code Autocast} scope of the tensor module, where the
 * model runs its matrix products in float16 on float32 master weights):
 *
 * <pre>{@code
 * GradScaler scaler = new GradScaler();
 * for (var batch : loader) {
 *     Tensor loss;
 *     try (var ac = Autocast.enable(DType.FLOAT16)) {
 *         loss = Losses.crossEntropy(model.call(batch.inputs()), batch.targets());
 *     }
 *     scaler.scale(loss).backward();
 *     scaler.unscale(opt);                           // only to clip: the true gradients
 *     Clip.gradNorm(model.parameters(), 1.0);
 *     scaler.step(opt);                              // skipped when a gradient is inf or NaN
 *     scaler.update();
 *     opt.zeroGrad();
 * }
 * }</pre>
 *
 * <p>A skipped step does not call {@link Optimizer#step()}: the parameters, the optimizer's state
 * tensors (Adam's moments) and its step counts ({@link Optimizer#steps()}, each parameter's own)
 * stay exactly as they were. Scales are kept in float32 and updated by PyTorch's rule
 * ({@code _amp_update_scale_}): on a non-finite step the scale is multiplied by
 * {@code backoffFactor} and the count of finite steps reset; otherwise the count grows, and when
 * it reaches {@code growthInterval} the scale is multiplied by {@code growthFactor} (unless that
 * overflows float32) and the count reset. With the default powers of two the scale is always a
 * power of two, so scaling and unscaling are exact: a float32 run gives the same bits with a
 * scaler as without (barring overflow and subnormals).
 *
 * <p>Unlike PyTorch, which refuses to unscale float16 gradients, this scaler also serves models
 * whose parameters are float16 themselves: each half gradient is multiplied by 1/scale in float32
 * and rounded once to its dtype. A scaler made with {@code enabled = false} passes everything
 * through: {@code scale} returns the loss, {@code step} calls {@code opt.step()}, {@code update}
 * does nothing, so one code path serves float32 and float16 runs.
 *
 * <p>Each optimizer is unscaled at most once and stepped at most once between two
 * {@link #update()} calls (several optimizers may share one scaler; one with an inf skips only its
 * own step, and the scale backs off once). Calls out of that order throw
 * {@link IllegalStateException}.
 */
public final class GradScaler {
    private static final Set<String> KEYS = Set.of("scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker");

    private final boolean enabled;
    private float scale;
    private double growthFactor, backoffFactor;
    private int growthInterval;
    private int growthTracker;   // finite steps in a row since the scale last changed
    /** What happened to each optimizer since the last update(); PyTorch's per-optimizer state. */
    private final Map<Optimizer, Pending> pending = new IdentityHashMap<>();

    private static final class Pending {
        final boolean foundInf;
        boolean stepped;

        Pending(boolean foundInf) {
            this.foundInf = foundInf;
        }
    }

    /**
     * A scaler with PyTorch's defaults: initial scale 65536 (2<sup>16</sup>), growth factor 2,
     * backoff factor 0.5, growth interval 2000 steps, enabled.
     */
    public GradScaler() {
        this(65536.0, 2.0, 0.5, 2000, true);
    }

    /**
     * A scaler with every setting, in the order of PyTorch's {@code GradScaler(init_scale,
     * growth_factor, backoff_factor, growth_interval, enabled)}.
     *
     * <pre>{@code
     * GradScaler scaler = new GradScaler(1024, 2, 0.5, 100, true);   // grows every 100 finite steps
     * }</pre>
     *
     * @param initScale      the first scale: a finite number &gt; 0 that float32 holds
     * @param growthFactor   the factor applied after {@code growthInterval} finite steps, finite and &gt; 1
     * @param backoffFactor  the factor applied after a step with an inf or NaN gradient, in (0, 1)
     * @param growthInterval the number of finite steps in a row before the scale grows, at least 1
     * @param enabled        false for a scaler that passes everything through
     * @throws IllegalArgumentException naming the argument and the values allowed
     */
    public GradScaler(double initScale, double growthFactor, double backoffFactor, int growthInterval, boolean enabled) {
        this.scale = checkScale("GradScaler", "initScale", initScale, false);
        this.growthFactor = checkGrowthFactor("GradScaler", "growthFactor", growthFactor);
        this.backoffFactor = checkBackoffFactor("GradScaler", "backoffFactor", backoffFactor);
        this.growthInterval = checkGrowthInterval("GradScaler", "growthInterval", growthInterval);
        this.enabled = enabled;
    }

    /**
     * The loss multiplied by the current scale, recorded in the graph, so that
     * {@code backward()} on it gives gradients multiplied by the scale. The product is computed in
     * the loss's dtype on its device (a float16 loss times a scale above 65504, float16's largest
     * value, is infinite: that step is then skipped and the scale backs off, as in PyTorch).
     * Disabled: the loss itself.
     *
     * @param loss the loss, floating point
     * @return the scaled loss
     * @throws IllegalArgumentException when the loss is null or not floating point
     */
    public Tensor scale(Tensor loss) {
        if (loss == null) throw new IllegalArgumentException("GradScaler.scale: the loss is null");
        if (!enabled) return loss;
        if (!loss.dtype().isFloating()) {
            throw new IllegalArgumentException("GradScaler.scale: the loss must be floating point (float32, float64, float16 or bfloat16), got "
                    + loss.dtype());
        }
        return loss.mul((double) scale);
    }

    /**
     * Divides the gradient of every parameter of {@code opt} by the current scale, in place, and
     * records whether any of them holds an infinity or a NaN (after the division). Call it before
     * anything that must see the true gradients, such as {@link Clip#gradNorm}; {@link #step}
     * calls it when it has not been called. The check runs on each gradient's device and is read
     * back once per device, after all gradients.
     *
     * <pre>{@code
     * scaler.scale(loss).backward();
     * scaler.unscale(opt);
     * Clip.gradNorm(opt.parameters(), 1.0);
     * scaler.step(opt);
     * scaler.update();
     * }</pre>
     *
     * @param opt the optimizer whose parameters' gradients are unscaled
     * @throws IllegalArgumentException when {@code opt} is null
     * @throws IllegalStateException    when {@code opt} was already unscaled or stepped since the last {@link #update()}
     */
    public void unscale(Optimizer opt) {
        checkOptimizer("unscale", opt);
        if (!enabled) return;
        Pending p = pending.get(opt);
        if (p != null && p.stepped) {
            throw new IllegalStateException("GradScaler.unscale: called after step() for this optimizer; call update() first "
                    + "(per iteration: scale, backward, unscale at most once, step, update)");
        }
        if (p != null) {
            throw new IllegalStateException("GradScaler.unscale: already called for this optimizer since the last update(); "
                    + "the gradients are unscaled once per step");
        }
        pending.put(opt, new Pending(unscaleGradients(opt)));
    }

    /** Multiplies each gradient by 1/scale in place; whether any gradient is then non-finite. */
    private boolean unscaleGradients(Optimizer opt) {
        // 1/scale rounded to float32, as PyTorch's inv_scale (exact for a power of two)
        double inverse = (float) (1.0 / scale);
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Device, Tensor> nonFinite = new LinkedHashMap<>();
        try (var _ = GradMode.noGrad(); var _ = Tensor.scope()) {
            for (Tensor p : opt.parameters()) {
                Tensor g = p.grad();
                if (g == null || !seen.add(g)) continue;   // a parameter listed twice is unscaled once
                if (inverse != 1) {
                    // half gradients: multiplied in float32 and rounded once; 1/scale itself may not fit a half
                    if (g.dtype().isHalf()) g.copyFrom(g.to(DType.FLOAT32).mul(inverse));
                    else g.mulInPlace(inverse);
                }
                // Σ 0·g is 0 exactly when every element is finite (0·±inf and 0·NaN are NaN, and NaN stays NaN
                // through the sum); one such sum per device, added up there, so no host read per gradient.
                // Two fast float passes: isNonFinite().any() is exact too, but its bool reduction is several
                // times slower on the CPU (docs/design-notes.md, "Loss scaling")
                nonFinite.merge(g.device(), g.mul(0.0).sum(), Tensor::add);
            }
            boolean found = false;
            for (Tensor sum : nonFinite.values()) found |= !(sum.item() == 0);
            return found;
        }
    }

    /**
     * Unscales the gradients if {@link #unscale} was not called for {@code opt} since the last
     * {@link #update()}, then runs {@code opt.step()} only when every gradient is finite. A skipped
     * step leaves the parameters and the optimizer (state tensors, step counts) untouched.
     * Disabled: {@code opt.step()}, returning true.
     *
     * @param opt the optimizer
     * @return true when the optimizer stepped, false when the step was skipped
     * @throws IllegalArgumentException when {@code opt} is null
     * @throws IllegalStateException    when {@code opt} was already stepped since the last {@link #update()}
     */
    public boolean step(Optimizer opt) {
        checkOptimizer("step", opt);
        if (!enabled) {
            opt.step();
            return true;
        }
        Pending p = pending.get(opt);
        if (p != null && p.stepped) {
            throw new IllegalStateException("GradScaler.step: already called for this optimizer since the last update(); call update() "
                    + "once per iteration");
        }
        if (p == null) {
            unscale(opt);
            p = pending.get(opt);
        }
        if (!p.foundInf) opt.step();
        p.stepped = true;
        return !p.foundInf;
    }

    /**
     * Updates the scale after an iteration: when any optimizer unscaled since the last update had
     * an inf or NaN gradient, the scale is multiplied by the backoff factor and the count of finite
     * steps reset; otherwise the count grows by one, and when it reaches the growth interval the
     * scale is multiplied by the growth factor (kept when that would overflow float32) and the count
     * reset. Disabled: nothing.
     *
     * @throws IllegalStateException when no optimizer was unscaled or stepped since the last update
     */
    public void update() {
        if (!enabled) return;
        if (pending.isEmpty()) {
            throw new IllegalStateException("GradScaler.update: no optimizer was stepped (or unscaled) through this scaler since the last "
                    + "update(); call step(optimizer) first");
        }
        boolean foundInf = false;
        for (Pending p : pending.values()) foundInf |= p.foundInf;
        pending.clear();
        if (foundInf) {
            scale = (float) (scale * backoffFactor);
            growthTracker = 0;
        } else if (growthTracker + 1 == growthInterval) {
            float grown = (float) (scale * growthFactor);
            if (Float.isFinite(grown)) scale = grown;
            growthTracker = 0;
        } else {
            growthTracker++;
        }
    }

    /**
     * Sets the scale (rounded to float32) and ends the iteration as {@link #update()} does, without
     * looking at the gradients; the count of finite steps is kept, as in PyTorch. Disabled: nothing
     * (the argument is still checked).
     *
     * @param newScale the new scale: a finite number &gt; 0 that float32 holds
     * @throws IllegalArgumentException when {@code newScale} is not one
     */
    public void update(double newScale) {
        float s = checkScale("GradScaler.update", "newScale", newScale, false);
        if (!enabled) return;
        scale = s;
        pending.clear();
    }

    /** {@return the current scale; 1 when disabled} */
    public double getScale() {
        return enabled ? scale : 1.0;
    }

    /** {@return whether this scaler scales at all (false: a pass-through)} */
    public boolean isEnabled() {
        return enabled;
    }

    /** {@return the factor the scale grows by after {@link #getGrowthInterval()} finite steps} */
    public double getGrowthFactor() {
        return growthFactor;
    }

    /** {@return the factor the scale shrinks by after a step with an inf or NaN gradient} */
    public double getBackoffFactor() {
        return backoffFactor;
    }

    /** {@return the number of finite steps in a row after which the scale grows} */
    public int getGrowthInterval() {
        return growthInterval;
    }

    /**
     * The state to checkpoint, with PyTorch's keys: {@code "scale"}, {@code "growth_factor"},
     * {@code "backoff_factor"} (float64), {@code "growth_interval"} and {@code "_growth_tracker"}
     * (the finite steps counted toward the next growth; int64). Empty when disabled, as in
     * PyTorch.
     *
     * <pre>{@code
     * Map<String, Tensor> saved = scaler.stateDict();
     * new GradScaler().loadStateDict(saved);   // continues with the same scale and count
     * }</pre>
     *
     * @return the state by key
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (!enabled) return out;
        out.put("scale", Tensor.scalar(scale, DType.FLOAT64));
        out.put("growth_factor", Tensor.scalar(growthFactor, DType.FLOAT64));
        out.put("backoff_factor", Tensor.scalar(backoffFactor, DType.FLOAT64));
        out.put("growth_interval", Tensor.scalar(growthInterval, DType.INT64));
        out.put("_growth_tracker", Tensor.scalar(growthTracker, DType.INT64));
        return out;
    }

    /**
     * Restores what {@link #stateDict()} saved: the scale, the factors, the interval and the count
     * of finite steps. The dict is checked whole before anything changes. A disabled scaler ignores
     * it, as in PyTorch.
     *
     * @param state a state from {@link #stateDict()}
     * @throws IllegalArgumentException when the state is null or empty (saved by a disabled scaler),
     *                                  a key is missing or extra, or a value is out of its range
     */
    public void loadStateDict(Map<String, Tensor> state) {
        String where = "GradScaler.loadStateDict";
        if (state == null) throw new IllegalArgumentException(where + ": the state is null");
        if (!enabled) return;
        if (state.isEmpty()) {
            throw new IllegalArgumentException(where + ": the state is empty (saved by a disabled GradScaler?); expected the keys "
                    + new TreeSet<>(KEYS));
        }
        if (!state.keySet().equals(KEYS)) {
            throw new IllegalArgumentException(where + ": expected the keys " + new TreeSet<>(KEYS) + ", got " + new TreeSet<>(state.keySet()));
        }
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            if (e.getValue() == null || e.getValue().numel() != 1) {
                throw new IllegalArgumentException(where + ": \"" + e.getKey() + "\" must hold one element, got "
                        + (e.getValue() == null ? "null" : "shape " + java.util.Arrays.toString(e.getValue().shape())));
            }
        }
        // the scale may have backed off to 0 (after ~150 non-finite steps in a row), and such a state must load
        float s = checkScale(where, "scale", state.get("scale").item(), true);
        double growth = checkGrowthFactor(where, "growth_factor", state.get("growth_factor").item());
        double backoff = checkBackoffFactor(where, "backoff_factor", state.get("backoff_factor").item());
        int interval = checkGrowthInterval(where, "growth_interval", whole(where, "growth_interval", state.get("growth_interval").item()));
        long tracker = whole(where, "_growth_tracker", state.get("_growth_tracker").item());
        if (tracker < 0 || tracker >= interval) {
            throw new IllegalArgumentException(where + ": _growth_tracker must be in [0, growth_interval = " + interval + "), got " + tracker);
        }
        scale = s;
        growthFactor = growth;
        backoffFactor = backoff;
        growthInterval = interval;
        growthTracker = (int) tracker;
    }

    // ---------------------------------------------------------------------------------------------

    private static void checkOptimizer(String op, Optimizer opt) {
        if (opt == null) throw new IllegalArgumentException("GradScaler." + op + ": the optimizer is null");
    }

    private static float checkScale(String where, String what, double v, boolean zeroAllowed) {
        float f = (float) v;
        boolean ok = Double.isFinite(v) && Float.isFinite(f) && (zeroAllowed ? v >= 0 && (f > 0 || v == 0) : f > 0);
        if (!ok) {
            throw new IllegalArgumentException(where + ": " + what + " must be a finite number " + (zeroAllowed ? ">= 0" : "> 0")
                    + " that float32 holds (the scale is kept in float32, as in PyTorch: at most " + Float.MAX_VALUE + ", at least "
                    + Float.MIN_VALUE + "), got " + v);
        }
        return f;
    }

    private static double checkGrowthFactor(String where, String what, double v) {
        if (!(v > 1) || Double.isInfinite(v)) throw new IllegalArgumentException(where + ": " + what + " must be a finite number > 1, got " + v);
        return v;
    }

    private static double checkBackoffFactor(String where, String what, double v) {
        if (!(v > 0 && v < 1)) throw new IllegalArgumentException(where + ": " + what + " must be in (0, 1), got " + v);
        return v;
    }

    private static int checkGrowthInterval(String where, String what, long v) {
        if (v < 1 || v > Integer.MAX_VALUE) throw new IllegalArgumentException(where + ": " + what + " must be in [1, 2^31), got " + v);
        return (int) v;
    }

    private static long whole(String where, String what, double v) {
        if (v != Math.rint(v) || Double.isInfinite(v)) throw new IllegalArgumentException(where + ": " + what + " must be a whole number, got " + v);
        return (long) v;
    }
}
