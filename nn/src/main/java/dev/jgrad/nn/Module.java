package dev.jgrad.nn;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.HookHandle;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.internal.TensorInternals;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

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
 *     public Tensor forward(Tensor x) { return fc2.call(fc1.call(x).relu()); }
 * }
 * }</pre>
 *
 * <p>{@link #call} runs {@link #forward} with the module's hooks around it (forward pre-hooks,
 * forward hooks, backward hooks), as calling a PyTorch module does; {@code forward} itself, like
 * PyTorch's {@code module.forward(x)}, runs no hooks. The containers ({@link Sequential},
 * {@link Residual}) and the {@code Trainer} invoke modules through {@code call}.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;
    private ModuleHooks hooks;

    /** A module with no parameters, buffers or children yet, in training mode. */
    public Module() {}

    /**
     * {@return the module's computation on one input; {@link #call} runs it with the module's hooks}
     *
     * @param input the input
     */
    public abstract Tensor forward(Tensor input);

    /**
     * Runs {@link #forward} with the module's hooks: the forward pre-hooks (which may replace the
     * input), the forward pass, the forward hooks (which may replace the output), and, when
     * gradients are recorded, the wiring that calls the backward hooks during {@code backward()}.
     * Without hooks it is {@code forward(input)}. Java's counterpart of PyTorch's {@code module(x)}.
     *
     * <pre>{@code
     * Tensor logits = model.call(images);   // hooks run; model.forward(images) would skip them
     * }</pre>
     *
     * @param input the module's input
     * @return the module's output, as the forward hooks leave it
     */
    public final Tensor call(Tensor input) {
        ModuleHooks h = hooks;
        return h == null || h.isEmpty() ? forward(input) : h.call(this, input);
    }

    /** A hook run before {@link #forward} by {@link #call}; it returns a replacement input, or null to keep it. */
    @FunctionalInterface
    public interface ForwardPreHook {
        /**
         * Runs the hook.
         *
         * @param module the module being called
         * @param input  the input {@link #forward} would get
         * @return a replacement input, or null to keep {@code input}
         */
        Tensor apply(Module module, Tensor input);
    }

    /** A hook run after {@link #forward} by {@link #call}; it returns a replacement output, or null to keep it. */
    @FunctionalInterface
    public interface ForwardHook {
        /**
         * Runs the hook.
         *
         * @param module the module being called
         * @param input  the input {@link #forward} got
         * @param output the output {@link #forward} returned
         * @return a replacement output, or null to keep {@code output}
         */
        Tensor apply(Module module, Tensor input, Tensor output);
    }

    /**
     * A hook run during the backward pass with the gradients of one {@link #call}: ∂L/∂input
     * ({@code gradInput}, null when the input does not require grad) and ∂L/∂output. It returns a
     * replacement for gradInput (same shape, dtype and device), or null to keep it.
     */
    @FunctionalInterface
    public interface BackwardHook {
        /**
         * Runs the hook.
         *
         * @param module     the module whose call is being differentiated
         * @param gradInput  ∂L/∂input, or null when the input does not require grad
         * @param gradOutput ∂L/∂output
         * @return a replacement for {@code gradInput}, or null to keep it
         */
        Tensor apply(Module module, Tensor gradInput, Tensor gradOutput);
    }

    private ModuleHooks hooks() {
        if (hooks == null) hooks = new ModuleHooks();
        return hooks;
    }

    /**
     * Registers a hook {@link #call} runs before {@link #forward}, in registration order, each on
     * the previous one's input; returns its handle ({@link HookHandle#remove()}). PyTorch's
     * {@code register_forward_pre_hook}.
     *
     * <pre>{@code
     * HookHandle h = model.registerForwardPreHook((m, x) -> x.div(255));   // scale raw pixels
     * }</pre>
     *
     * @param hook the hook
     * @return the handle that removes the hook
     */
    public final HookHandle registerForwardPreHook(ForwardPreHook hook) {
        return hooks().addPre(Args.notNull(getClass().getSimpleName() + ".registerForwardPreHook", "hook", hook));
    }

    /**
     * Registers a hook {@link #call} runs after {@link #forward} with the input and the output;
     * a non-null result replaces the output. PyTorch's {@code register_forward_hook}.
     *
     * <pre>{@code
     * Map<String, Tensor> activations = new HashMap<>();
     * model.namedModules().forEach((name, m) -> m.registerForwardHook((mod, in, out) -> {
     *     activations.put(name, out.detach());
     *     return null;
     * }));
     * }</pre>
     *
     * @param hook the hook
     * @return the handle that removes the hook
     */
    public final HookHandle registerForwardHook(ForwardHook hook) {
        return hooks().addForward(Args.notNull(getClass().getSimpleName() + ".registerForwardHook", "hook", hook));
    }

    /**
     * Registers a hook the backward pass calls with the gradients of this module's input and
     * output for each {@link #call} that recorded a graph, once the input's gradient is complete;
     * a non-null result replaces the input's gradient. PyTorch's
     * {@code register_full_backward_hook}: it works through gradient hooks on identity views of
     * the input and output ({@link Tensor#registerHook}), and sees the hooks registered when the
     * forward pass ran.
     *
     * <pre>{@code
     * layer.registerFullBackwardHook((m, gradIn, gradOut) -> {
     *     System.out.println(m + ": |dL/dout| = " + gradOut.abs().max().item());
     *     return null;
     * });
     * }</pre>
     *
     * @param hook the hook
     * @return the handle that removes the hook
     */
    public final HookHandle registerFullBackwardHook(BackwardHook hook) {
        return hooks().addBackward(Args.notNull(getClass().getSimpleName() + ".registerFullBackwardHook", "hook", hook));
    }

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

    /**
     * Puts {@code module} under {@code name}: in place when the name is a child already, else
     * appended (the containers' put and set).
     */
    final void setChild(String name, Module module) {
        if (!children.containsKey(name)) {
            registerModule(name, module);
            return;
        }
        children.put(name, module);
    }

    /** Removes and returns the child {@code name}, or null (the containers' remove). */
    final Module removeChild(String name) {
        return children.remove(name);
    }

    /**
     * This module (under "") and every descendant, by dotted name, in PyTorch's order (a module
     * before its children); a module reachable under two names appears once, under the first.
     * PyTorch's {@code named_modules()}.
     *
     * <pre>{@code
     * new Sequential(new Linear(4, 8), new Sequential(new Linear(8, 2))).namedModules().keySet();   // [, 0, 1, 1.0]
     * }</pre>
     *
     * @return the modules by dotted name, this one under ""
     */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out, Set<Module> seen) {
        if (!seen.add(this)) return;
        out.put(prefix, this);
        children.forEach((k, m) -> m.collectModules(prefix.isEmpty() ? k : prefix + "." + k, out, seen));
    }

    /**
     * This module and every descendant, each once, in {@link #namedModules()} order. PyTorch's {@code modules()}.
     *
     * @return the modules, this one first
     */
    public final List<Module> modules() {
        return List.copyOf(namedModules().values());
    }

    /**
     * Calls {@code fn} on every child's subtree (recursively) and then on this module, as
     * PyTorch's {@code apply}; returns this. The usual use is initialisation:
     *
     * <pre>{@code
     * model.apply(m -> { if (m instanceof Linear l) Init.xavierUniform(l.weight, 1.0); });
     * }</pre>
     *
     * @param fn the function to call on each module
     * @return this module
     */
    public final Module apply(Consumer<Module> fn) {
        Args.notNull(getClass().getSimpleName() + ".apply", "fn", fn);
        for (Module m : List.copyOf(children.values())) m.apply(fn);
        fn.accept(this);
        return this;
    }

    /**
     * Sets {@code requiresGrad} on every parameter of this module and its descendants; returns
     * this. {@code requiresGrad(false)} freezes them: the backward pass computes no gradient for
     * them, and an optimizer skips a parameter without a gradient. PyTorch's
     * {@code requires_grad_}. An optimizer takes only parameters that require grad, so build one
     * after freezing from those:
     *
     * <pre>{@code
     * backbone.requiresGrad(false);
     * var opt = new Adam(model.parameters().stream().filter(Tensor::requiresGrad).toList(), 1e-3);
     * }</pre>
     *
     * @param requires whether the parameters require grad
     * @return this module
     */
    public final Module requiresGrad(boolean requires) {
        for (Tensor p : parameters()) p.requiresGrad(requires);
        return this;
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
     * modes fail on a shape mismatch, naming the key and both shapes. Nothing is loaded unless
     * every key passes.
     *
     * <p>As PyTorch's {@code load_state_dict} (whose {@code copy_} converts), the parameters keep
     * their dtype: a BF16 or F16 checkpoint loads into a float32 model with its values widened
     * exactly, or into a model first converted with {@link #to(DType)}, which then computes in
     * that type. jgrad's layers register PyTorch's names, so a model built from them with the
     * member names of the PyTorch model loads its checkpoint by name:
     *
     * <pre>{@code
     * Map<String, Tensor> state = Safetensors.read(Path.of("model.bf16.safetensors")).tensors();
     * model.loadStateDict(state);                          // float32 model, bfloat16 values widened
     * model.to(DType.BFLOAT16).loadStateDict(state);       // or: bfloat16 model, bits as stored
     * }</pre>
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
