package dev.jgrad.nn;

import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.HookHandle;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The hooks registered on one module and the call that runs them around its forward pass
 * ({@link Module#call}), in PyTorch's order: forward pre-hooks, the forward pass, forward hooks.
 * Backward hooks are tensor gradient hooks ({@link Tensor#registerHook}) on two identity views
 * the call inserts, one on the input and one on the final output (after the forward hooks), so
 * they see ∂L/∂output and ∂L/∂input of this call, as PyTorch's full backward hooks do.
 */
final class ModuleHooks {
    private final List<Entry<Module.ForwardPreHook>> pre = new ArrayList<>();
    private final List<Entry<Module.ForwardHook>> forward = new ArrayList<>();
    private final List<Entry<Module.BackwardHook>> backward = new ArrayList<>();

    /** A registration with an identity of its own, so that removing it never removes another of the same function. */
    private static final class Entry<H> {
        final H hook;

        Entry(H hook) {
            this.hook = hook;
        }
    }

    private static <H> HookHandle add(List<Entry<H>> list, H hook) {
        Entry<H> e = new Entry<>(hook);
        list.add(e);
        return () -> list.removeIf(x -> x == e);
    }

    HookHandle addPre(Module.ForwardPreHook h) {
        return add(pre, h);
    }

    HookHandle addForward(Module.ForwardHook h) {
        return add(forward, h);
    }

    HookHandle addBackward(Module.BackwardHook h) {
        return add(backward, h);
    }

    boolean isEmpty() {
        return pre.isEmpty() && forward.isEmpty() && backward.isEmpty();
    }

    /** The module's forward pass on {@code input} with every hook around it. */
    Tensor call(Module module, Tensor input) {
        Tensor x = input;
        for (Entry<Module.ForwardPreHook> e : List.copyOf(pre)) {
            Tensor r = e.hook.apply(module, x);
            if (r != null) x = r;
        }
        BackwardCall bw = backward.isEmpty() || !GradMode.isEnabled() ? null : new BackwardCall(module, List.copyOf(backward));
        if (bw != null && x != null && x.requiresGrad()) {
            x = identity(x);
            x.registerHook(bw::inputGradient);
            bw.inputTracked = true;
        }
        Tensor out = module.forward(x);
        for (Entry<Module.ForwardHook> e : List.copyOf(forward)) {
            Tensor r = e.hook.apply(module, x, out);
            if (r != null) out = r;
        }
        if (bw != null && out != null && out.requiresGrad()) {
            out = identity(out);
            out.registerHook(bw::outputGradient);
        }
        return out;
    }

    /** A new graph node with t's elements (an identity permutation: a view, no copy), to hang a gradient hook on. */
    private static Tensor identity(Tensor t) {
        int[] dims = new int[t.dim()];
        for (int i = 0; i < dims.length; i++) dims[i] = i;
        return t.permute(dims);
    }

    /**
     * One call's backward hooks, with the hooks registered when the forward pass ran. The output's
     * gradient arrives first; the hooks run when the input's gradient is complete, or at once
     * with a null input gradient when the input does not require grad.
     */
    private static final class BackwardCall {
        final Module module;
        final List<Entry<Module.BackwardHook>> hooks;
        boolean inputTracked;
        Tensor gradOutput;

        BackwardCall(Module module, List<Entry<Module.BackwardHook>> hooks) {
            this.module = module;
            this.hooks = hooks;
        }

        Tensor outputGradient(Tensor g) {
            gradOutput = g;
            if (!inputTracked) run(null);
            return null;
        }

        Tensor inputGradient(Tensor g) {
            return run(g);
        }

        private Tensor run(Tensor gradInput) {
            for (Entry<Module.BackwardHook> e : hooks) {
                Tensor r = e.hook.apply(module, gradInput, gradOutput);
                if (r != null && gradInput != null) gradInput = r;
            }
            return gradInput;
        }
    }
}
