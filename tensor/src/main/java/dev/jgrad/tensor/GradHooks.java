package dev.jgrad.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The gradient hooks of one tensor, in registration order ({@link Tensor#registerHook}). The
 * backward pass runs them on the tensor's complete gradient: each receives the previous one's
 * result, a null result keeps the gradient it was given, and a replacement must keep the
 * gradient's shape, dtype and device.
 */
final class GradHooks {
    private final List<Entry> hooks = new ArrayList<>();

    /** A hook with an identity of its own, so that removing one registration never removes another of the same function. */
    private static final class Entry {
        final UnaryOperator<Tensor> fn;

        Entry(UnaryOperator<Tensor> fn) {
            this.fn = fn;
        }
    }

    HookHandle add(UnaryOperator<Tensor> fn) {
        Entry e = new Entry(fn);
        hooks.add(e);
        return () -> hooks.removeIf(h -> h == e);
    }

    boolean isEmpty() {
        return hooks.isEmpty();
    }

    /** g passed through every hook in turn. */
    Tensor apply(Tensor owner, Tensor g) {
        for (Entry e : List.copyOf(hooks)) {   // a hook may remove itself
            Tensor r = e.fn.apply(g);
            if (r == null) continue;
            if (!Arrays.equals(r.layout.shape, g.layout.shape) || r.dtype() != g.dtype() || !r.device().equals(g.device())) {
                throw new IllegalStateException("gradient hook" + (owner.name() == null ? "" : " of \"" + owner.name() + "\"")
                        + ": it returned a gradient of shape " + Shapes.str(r.layout.shape) + ", " + r.dtype() + " on " + r.device()
                        + ", expected " + Shapes.str(g.layout.shape) + ", " + g.dtype() + " on " + g.device()
                        + " (return null to keep the gradient unchanged)");
            }
            g = r;
        }
        return g;
    }
}
