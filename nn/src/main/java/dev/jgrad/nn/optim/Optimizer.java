package dev.jgrad.nn.optim;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.TensorScope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 *
 * <p>Lifetimes: each parameter's update runs in a {@link Tensor#scope()} of its own, so the
 * temporaries of {@link #update} are freed as soon as it returns, and the state tensors belong to
 * the optimizer — they outlive any scope the step runs in, and a state tensor replaced by a new
 * one is closed. A state tensor that {@code update} puts but did not make (the gradient itself, as
 * a first momentum buffer) is copied, since its owner may close it ({@link #zeroGrad()} closes the
 * gradients).
 */
public abstract class Optimizer {
    private final List<Tensor> params;
    private final List<Map<String, Tensor>> state = new ArrayList<>();
    private final long[] paramSteps;   // per parameter: the steps at which it had a gradient (PyTorch's state["step"])
    private double learningRate;
    private long steps;

    /**
     * An optimizer of {@code params} at the given learning rate.
     *
     * @param params       the parameters, each requiring grad
     * @param learningRate the learning rate, finite and ≥ 0
     */
    protected Optimizer(List<Tensor> params, double learningRate) {
        if (params == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": the parameter list is null");
        if (params.isEmpty()) throw new IllegalArgumentException(getClass().getSimpleName() + ": got an empty parameter list");
        for (Tensor p : params) {
            if (p == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": the parameter list holds null");
            if (!p.requiresGrad()) throw new IllegalArgumentException(getClass().getSimpleName() + ": every parameter must require grad");
        }
        checkPositive("learning rate", learningRate);
        this.params = List.copyOf(params);
        this.learningRate = learningRate;
        this.paramSteps = new long[params.size()];
        for (int i = 0; i < params.size(); i++) state.add(new HashMap<>());
    }

    /**
     * Validates a hyperparameter: finite and ≥ 0.
     *
     * @param what the hyperparameter's name, for the message
     * @param v    its value
     */
    protected final void checkPositive(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": " + what + " must be a finite number >= 0, got " + v);
        }
    }

    /**
     * Validates a decay rate: in [0, 1).
     *
     * @param what the rate's name, for the message
     * @param v    its value
     */
    protected final void checkRate(String what, double v) {
        if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(getClass().getSimpleName() + ": " + what + " must be in [0, 1), got " + v);
    }

    /**
     * Computes the new value of one parameter.
     *
     * @param param the parameter's current value (do not modify it)
     * @param grad  its gradient
     * @param state its state tensors by name; read them and put their new values
     * @param step  this parameter's update count: 1 at its first update, 2 at its second, … (steps
     *              at which it had no gradient do not count, as in PyTorch)
     * @return the parameter's new value
     */
    protected abstract Tensor update(Tensor param, Tensor grad, Map<String, Tensor> state, long step);

    /**
     * Updates one parameter and its state in place, when the optimizer has a fused path for it;
     * {@link #step()} tries this first and calls {@link #update} when it returns false. The state
     * tensors this puts must be owned by this optimizer alone (later calls may write them in place).
     *
     * @param param the parameter itself (gradient recording is off): write its new value into it
     * @param grad  its gradient
     * @param state its state tensors by name; read them and put their new values
     * @param step  this parameter's update count, from 1
     * @return whether the update was done; false leaves the parameter and the state untouched
     */
    protected boolean updateInPlace(Tensor param, Tensor grad, Map<String, Tensor> state, long step) {
        return false;
    }

    /** Applies one update to every parameter that has a gradient. */
    public final void step() {
        steps++;
        try (var _ = GradMode.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Tensor g = p.grad();
                if (g == null) continue;
                long t = ++paramSteps[i];
                Map<String, Tensor> s = state.get(i);
                Map<String, Tensor> before = new HashMap<>(s);
                try (TensorScope scope = Tensor.scope()) {
                    if (!updateInPlace(p, g, s, t)) p.copyFrom(update(p.detach(), g, s, t));
                    for (Map.Entry<String, Tensor> e : s.entrySet()) e.setValue(own(scope, e.getValue(), before.get(e.getKey())));
                }
                for (Tensor old : before.values()) if (!containsSame(s.values(), old)) old.close();
            }
        }
    }

    /** A state tensor as the optimizer keeps it: out of every scope, and its own (a copy when the update put a tensor it did not make). */
    private static Tensor own(TensorScope scope, Tensor value, Tensor previous) {
        if (value == previous) return value;   // the same tensor, perhaps updated in place
        return TensorScope.escape(scope.owns(value) ? value : value.clone());
    }

    private static boolean containsSame(Iterable<Tensor> ts, Tensor t) {
        for (Tensor x : ts) if (x == t) return true;
        return false;
    }

    /** Clears every parameter's gradient, closing those the backward pass made (see {@link Tensor#zeroGrad()}). */
    public final void zeroGrad() {
        for (Tensor p : params) p.zeroGrad();
    }

    /** {@return the parameters this optimizer updates} */
    public final List<Tensor> parameters() {
        return params;
    }

    /** {@return the current learning rate} */
    public final double learningRate() {
        return learningRate;
    }

    /**
     * Sets the learning rate (schedulers call this).
     *
     * @param lr the new learning rate, finite and ≥ 0
     */
    public final void setLearningRate(double lr) {
        checkPositive("learning rate", lr);
        learningRate = lr;
    }

    /** {@return number of {@link #step()} calls so far} */
    public final long steps() {
        return steps;
    }

    /**
     * The state to checkpoint: "lr", "step" and "state.&lt;param index&gt;.&lt;name&gt;" tensors,
     * among them "state.&lt;i&gt;.step", parameter i's own update count, once it has one.
     *
     * @return the state by key
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("lr", Tensor.scalar(learningRate, DType.FLOAT64));
        out.put("step", Tensor.scalar(steps, DType.INT64));
        for (int i = 0; i < state.size(); i++) {
            Map<String, Tensor> s = new java.util.TreeMap<>(state.get(i));
            if (paramSteps[i] > 0) s.put("step", Tensor.scalar(paramSteps[i], DType.INT64));
            // copies: fused updates write the state tensors in place, and a saved dict must not change with later steps
            for (Map.Entry<String, Tensor> e : s.entrySet()) out.put("state." + i + "." + e.getKey(), e.getValue().detach().clone());
        }
        return out;
    }

    /**
     * The names of the per-parameter state tensors this optimizer keeps ({@code "exp_avg"}, …);
     * {@link #loadStateDict} refuses any other, so that the state of another optimizer class does not
     * load. Null, the default for subclasses that do not say, accepts any name.
     *
     * @return the names, or null for any
     */
    protected Set<String> stateNames() {
        return null;
    }

    /**
     * Restores what {@link #stateDict()} saved, for the same parameter list. Every state tensor
     * must have exactly its parameter's shape ({@code "step"}: one element) and a name this
     * optimizer uses ({@link #stateNames()}); the dict is checked whole before anything changes.
     *
     * @param dict a state from {@link #stateDict()}
     * @throws IllegalArgumentException naming the key, the shapes or the names expected
     */
    public final void loadStateDict(Map<String, Tensor> dict) {
        if (!dict.containsKey("lr") || !dict.containsKey("step")) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: missing \"lr\" or \"step\"");
        }
        List<Map<String, Tensor>> loaded = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) loaded.add(new HashMap<>());
        long[] loadedSteps = new long[params.size()];
        java.util.Arrays.fill(loadedSteps, -1);
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
            String name = k.substring(dot + 1);
            if (name.equals("step")) {
                if (v.numel() != 1) {
                    throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: \"" + k + "\" must hold one element (the"
                            + " parameter's update count), got shape " + java.util.Arrays.toString(v.shape()));
                }
            } else {
                Set<String> known = stateNames();
                if (known != null && !known.contains(name)) {
                    throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: \"" + k + "\" is not state of "
                            + getClass().getSimpleName() + ", which keeps " + new java.util.TreeSet<>(known) + " per parameter (a dict of another optimizer?)");
                }
                // exactly the parameter's shape: a one-element tensor would broadcast silently in the update
                if (!java.util.Arrays.equals(v.shape(), p.shape())) {
                    throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: \"" + k + "\" has shape "
                            + java.util.Arrays.toString(v.shape()) + " but parameter " + index + " has " + java.util.Arrays.toString(p.shape()));
                }
            }
            if (name.equals("step")) loadedSteps[index] = v.itemLong();
            else loaded.get(index).put(name, v.detach().to(p.device()).clone());   // owned: fused updates write it in place
        }
        for (String k : List.of("lr", "step")) {
            if (dict.get(k).numel() != 1) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: \"" + k + "\" must hold one element, got shape "
                        + java.util.Arrays.toString(dict.get(k).shape()));
            }
        }
        checkPositive("learning rate", dict.get("lr").item());
        setLearningRate(dict.get("lr").item());
        steps = dict.get("step").itemLong();
        for (int i = 0; i < state.size(); i++) {
            state.get(i).clear();
            state.get(i).putAll(loaded.get(i));
            // a dict without per-parameter counts: a parameter with state has been updated at every step
            paramSteps[i] = loadedSteps[i] >= 0 ? loadedSteps[i] : loaded.get(i).isEmpty() ? 0 : steps;
        }
    }
}
