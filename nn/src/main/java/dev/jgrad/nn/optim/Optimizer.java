package dev.jgrad.nn.optim;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients. Subclasses implement {@link #update}, one parameter
 * at a time, reading and replacing that parameter's named state tensors (momentum buffers,
 * moment estimates…); this class runs it outside the graph, skips parameters without a
 * gradient, counts steps and saves and restores all of it.
 *
 * <pre>{@code
 * Optimizer opt = new SGD(model.parameters(), 0.1, 0.9, false, 0);
 * for (var batch : loader) { ...; loss.backward(); opt.step(); opt.zeroGrad(); }
 * }</pre>
 */
public abstract class Optimizer {
    private final List<Tensor> params;
    private final List<Map<String, Tensor>> state = new ArrayList<>();
    private double learningRate;
    private long steps;

    protected Optimizer(List<Tensor> params, double learningRate) {
        if (params.isEmpty()) throw new IllegalArgumentException(getClass().getSimpleName() + ": got an empty parameter list");
        for (Tensor p : params) {
            if (!p.requiresGrad()) throw new IllegalArgumentException(getClass().getSimpleName() + ": every parameter must require grad");
        }
        checkPositive("learning rate", learningRate);
        this.params = List.copyOf(params);
        this.learningRate = learningRate;
        for (int i = 0; i < params.size(); i++) state.add(new HashMap<>());
    }

    /** Validates a hyperparameter: finite and ≥ 0. */
    protected final void checkPositive(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": " + what + " must be a finite number >= 0, got " + v);
        }
    }

    /** Validates a decay rate: in [0, 1). */
    protected final void checkRate(String what, double v) {
        if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(getClass().getSimpleName() + ": " + what + " must be in [0, 1), got " + v);
    }

    /**
     * Computes the new value of one parameter.
     *
     * @param param the parameter's current value (do not modify it)
     * @param grad  its gradient
     * @param state its state tensors by name; read them and put their new values
     * @param step  1 for the first step, 2 for the second, …
     * @return the parameter's new value
     */
    protected abstract Tensor update(Tensor param, Tensor grad, Map<String, Tensor> state, long step);

    /** Applies one update to every parameter that has a gradient. */
    public final void step() {
        steps++;
        try (var scope = GradMode.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                if (p.grad() == null) continue;
                p.copyFrom(update(p.detach(), p.grad(), state.get(i), steps));
            }
        }
    }

    /** Clears every parameter's gradient. */
    public final void zeroGrad() {
        for (Tensor p : params) p.zeroGrad();
    }

    /** The parameters this optimizer updates. */
    public final List<Tensor> parameters() {
        return params;
    }

    public final double learningRate() {
        return learningRate;
    }

    /** Sets the learning rate (schedulers call this). */
    public final void setLearningRate(double lr) {
        checkPositive("learning rate", lr);
        learningRate = lr;
    }

    /** Number of {@link #step()} calls so far. */
    public final long steps() {
        return steps;
    }

    /** The state to checkpoint: "lr", "step" and "state.&lt;param index&gt;.&lt;name&gt;" tensors. */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("lr", Tensor.scalar(learningRate, DType.FLOAT64));
        out.put("step", Tensor.scalar(steps, DType.INT64));
        for (int i = 0; i < state.size(); i++) {
            for (Map.Entry<String, Tensor> e : new java.util.TreeMap<>(state.get(i)).entrySet()) out.put("state." + i + "." + e.getKey(), e.getValue());
        }
        return out;
    }

    /** Restores what {@link #stateDict()} saved, for the same parameter list. */
    public final void loadStateDict(Map<String, Tensor> dict) {
        if (!dict.containsKey("lr") || !dict.containsKey("step")) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: missing \"lr\" or \"step\"");
        }
        List<Map<String, Tensor>> loaded = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) loaded.add(new HashMap<>());
        for (Map.Entry<String, Tensor> e : dict.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith("state.")) continue;
            int dot = k.indexOf('.', 6);
            int index;
            try {
                index = Integer.parseInt(k.substring(6, dot));
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: malformed key \"" + k + "\"");
            }
            if (index < 0 || index >= params.size()) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: key \"" + k + "\" refers to parameter "
                        + index + " but this optimizer has " + params.size());
            }
            Tensor p = params.get(index), v = e.getValue();
            if (!java.util.Arrays.equals(v.shape(), p.shape()) && v.numel() != 1) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: \"" + k + "\" has shape "
                        + java.util.Arrays.toString(v.shape()) + " but parameter " + index + " has " + java.util.Arrays.toString(p.shape()));
            }
            loaded.get(index).put(k.substring(dot + 1), v.to(p.device()));
        }
        setLearningRate(dict.get("lr").item());
        steps = dict.get("step").itemLong();
        for (int i = 0; i < state.size(); i++) {
            state.get(i).clear();
            state.get(i).putAll(loaded.get(i));
        }
    }
}
