package dev.jgrad.nn;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.internal.TensorInternals;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A layer or model: named parameters (tensors that require grad), named buffers (state that is
 * saved but not trained, such as batch-norm running statistics) and named child modules, with
 * a {@link #forward} computation.
 *
 * <p>Names nest with dots, as in PyTorch ({@code "features.0.weight"}), so state dicts saved
 * here and by PyTorch for the same architecture have the same keys.
 *
 * <pre>{@code
 * final class TwoLayer extends Module {
 *     final Linear fc1 = registerModule("fc1", new Linear(4, 8));
 *     final Linear fc2 = registerModule("fc2", new Linear(8, 1));
 *     public Tensor forward(Tensor x) { return fc2.forward(fc1.forward(x).relu()); }
 * }
 * }</pre>
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** A module with no parameters, buffers or children yet, in training mode. */
    public Module() {}

    /**
     * {@return the module's computation on one input}
     *
     * @param input the input
     */
    public abstract Tensor forward(Tensor input);

    /**
     * Registers a trainable tensor under {@code name} (it is marked {@code requiresGrad}); returns it.
     *
     * @param name  the parameter's name
     * @param value the tensor
     * @return {@code value}
     */
    protected final Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        value.requiresGrad(true);
        parameters.put(name, value);
        return value;
    }

    /**
     * Registers saved, untrained state under {@code name}; returns it.
     *
     * @param name  the buffer's name
     * @param value the tensor
     * @return {@code value}
     */
    protected final Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, value);
        return value;
    }

    /**
     * Registers a child module under {@code name}; returns it.
     *
     * @param name   the child's name
     * @param module the child
     * @param <M>    the module's type
     * @return {@code module}
     */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("module member names must be non-empty and contain no '.', got \"" + name + "\"");
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " already has a member named \"" + name + "\"");
        }
    }

    /** {@return direct child modules by name} */
    public final Map<String, Module> children() {
        return java.util.Collections.unmodifiableMap(children);
    }

    /** {@return every parameter of this module and its descendants, by dotted name, in registration order} */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, false);
        return out;
    }

    /** {@return every buffer of this module and its descendants, by dotted name} */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false, true);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean params, boolean bufs) {
        if (params) parameters.forEach((k, v) -> out.put(prefix + k, v));
        if (bufs) buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collect(prefix + k + ".", out, params, bufs));
    }

    /** {@return the parameters, each once (a parameter shared by two layers appears once)} */
    public final List<Tensor> parameters() {
        return List.copyOf(new LinkedHashSet<>(namedParameters().values()));  // Tensor equality is identity
    }

    /** {@return total number of trainable elements} */
    public final long parameterCount() {
        long n = 0;
        for (Tensor t : parameters()) n += t.numel();
        return n;
    }

    /**
     * {@return parameters and buffers by dotted name: what a checkpoint saves} The tensors are detached views
     * of the live ones.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, true);
        out.replaceAll((k, v) -> v.detach());
        return out;
    }

    /**
     * Keys a non-strict {@link #loadStateDict(Map, boolean)} skipped.
     *
     * @param missingKeys    the module's keys the state lacked
     * @param unexpectedKeys the state's keys the module does not have
     */
    public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {}

    /**
     * Loads a state dict strictly: every key must match, with the same shapes.
     *
     * @param state the tensors by dotted name
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true);
    }

    /**
     * Copies values from {@code state} into this module's parameters and buffers (converting
     * dtype and device). Strict loading fails, naming them, on missing or unexpected keys; both
     * modes fail on a shape mismatch, naming the key and both shapes.
     *
     * @param state  the tensors by dotted name
     * @param strict fail on missing or unexpected keys
     * @return the keys that were skipped (empty when strict)
     */
    public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = new LinkedHashMap<>();
        collect("", own, true, true);
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        for (String k : own.keySet()) if (!state.containsKey(k)) missing.add(k);
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new IllegalArgumentException("loadStateDict: state dict does not match " + getClass().getSimpleName()
                    + (missing.isEmpty() ? "" : "; missing keys: " + missing) + (unexpected.isEmpty() ? "" : "; unexpected keys: " + unexpected));
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) continue;
            if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("loadStateDict: size mismatch for " + e.getKey() + ": checkpoint has shape "
                        + Arrays.toString(src.shape()) + ", this module has " + Arrays.toString(e.getValue().shape()));
            }
        }
        try (var _ = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src != null) e.getValue().copyFrom(src.to(e.getValue().device()));
            }
        }
        return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
    }

    /**
     * Sets training mode on this module and its descendants (affects dropout and batch norm); returns this.
     *
     * @param mode true for training, false for evaluation
     * @return this module
     */
    public Module train(boolean mode) {
        training = mode;
        for (Module m : children.values()) m.train(mode);
        return this;
    }

    /**
     * Training mode; returns this.
     *
     * @return this module
     */
    public final Module train() {
        return train(true);
    }

    /**
     * Evaluation mode; returns this.
     *
     * @return this module
     */
    public final Module eval() {
        return train(false);
    }

    /** {@return whether the module is in training mode} */
    public final boolean isTraining() {
        return training;
    }

    /**
     * Moves every parameter and buffer to {@code device} in place (the tensors keep their identity); returns
     * this.
     *
     * @param device the target device
     * @return this module
     */
    public Module to(Device device) {
        for (Tensor t : uniqueState()) TensorInternals.setData(t, t.detach().to(device));
        return this;
    }

    /**
     * Converts every floating parameter and buffer to {@code dtype} in place; returns this.
     *
     * @param dtype the target floating type
     * @return this module
     */
    public Module to(DType dtype) {
        if (!dtype.isFloating()) throw new IllegalArgumentException("Module.to: expected a floating dtype, got " + dtype);
        for (Tensor t : uniqueState()) if (t.dtype().isFloating()) TensorInternals.setData(t, t.detach().to(dtype));
        return this;
    }

    private Set<Tensor> uniqueState() {
        Map<String, Tensor> all = new LinkedHashMap<>();
        collect("", all, true, true);
        return new LinkedHashSet<>(all.values());
    }

    /** Clears the gradients of all parameters. */
    public final void zeroGrad() {
        for (Tensor p : parameters()) p.zeroGrad();
    }

    /** {@return the module's settings for {@link #toString()}, such as {@code "784, 128, bias=true"}} */
    protected String extraRepr() {
        return "";
    }

    /** A PyTorch-style tree of the module and its children. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(').append(extraRepr());
        if (!children.isEmpty()) {
            sb.append('\n');
            children.forEach((k, m) -> sb.append("  (").append(k).append("): ")
                    .append(m.toString().replace("\n", "\n  ")).append('\n'));
        }
        return sb.append(')').toString();
    }
}
