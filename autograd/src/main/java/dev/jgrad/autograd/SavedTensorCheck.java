package dev.jgrad.autograd;

import dev.jgrad.tensor.Anomaly;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.internal.TensorInternals;
import java.lang.reflect.RecordComponent;
import java.util.List;

/**
 * Refuses to run a derivative rule whose tensors were closed, or changed, since the forward pass
 * (a closed one's elements may be gone: it fails rather than read them). Each node
 * recorded the {@linkplain Tensor#version() versions} of the tensors its rule reads
 * ({@link Op#savedTensors}); an in-place write to one of them since (through any view of its
 * storage) would make the rule compute with values the forward pass never saw, so the pass fails
 * instead, as PyTorch's saved-tensor check does.
 *
 * <pre>{@code
 * Tensor loss = w.mul(x).sum();
 * x.fill(100);
 * loss.backward();   // IllegalStateException: one of the tensors Mul saved for its gradient (input 1) was modified in place ...
 * }</pre>
 */
final class SavedTensorCheck {
    private SavedTensorCheck() {}

    /** Throws if a tensor {@code node}'s rule reads has been modified in place since the node was recorded. */
    static void check(Tensor node) {
        int[] recorded = TensorInternals.savedVersions(node);
        if (recorded == null || recorded.length == 0) return;   // Add, Sum, views: nothing to compare
        Op op = node.op();
        List<Tensor> saved = op.savedTensors(node);
        for (int i = 0; i < recorded.length; i++) {
            Tensor t = saved.get(i);
            if (t.isClosed()) {
                throw withCreationSite(node, new IllegalStateException("backward: one of the tensors " + op.name() + " saved for its gradient ("
                        + role(op, node, t) + ") was closed after " + op.name() + " used it (by Tensor.close() or at the end of the "
                        + "Tensor.scope() that made it); run backward inside that scope, or keep the tensors its graph needs"));
            }
            int now = t.version();
            if (now != recorded[i]) {
                throw withCreationSite(node, new IllegalStateException("backward: one of the tensors " + op.name() + " saved for its gradient ("
                        + role(op, node, t) + ") was modified in place after " + op.name() + " used it (version " + recorded[i] + " → "
                        + now + "); clone it before modifying it, or modify it after backward"));
            }
        }
    }

    /** {@code e}, with the stack of the op's creation as its cause when anomaly mode captured one. */
    private static IllegalStateException withCreationSite(Tensor node, IllegalStateException e) {
        StackTraceElement[] site = Anomaly.creationSite(node);
        if (site != null) {
            Throwable created = new Throwable(node.op().name() + " was created here (the stack when the op ran, inside the anomaly scope)");
            created.setStackTrace(site);
            e.initCause(created);
        }
        return e;
    }

    /** "input 1, 'x'", "its output", "its saved indices": which tensor, in the user's terms. */
    private static String role(Op op, Tensor node, Tensor t) {
        String role = t == node ? "its output" : null;
        List<Tensor> inputs = op.inputs();
        for (int i = 0; role == null && i < inputs.size(); i++) if (inputs.get(i) == t) role = "input " + i;
        if (role == null) role = "its saved " + componentName(op, t);
        return t.name() == null ? role : role + ", '" + t.name() + "'";
    }

    /** The name of the op record's component holding {@code t} (a fused op's saved indices, mask, statistics). */
    private static String componentName(Op op, Tensor t) {
        for (RecordComponent c : op.getClass().getRecordComponents()) {
            if (c.getType() != Tensor.class) continue;
            try {
                if (c.getAccessor().invoke(op) == t) return c.getName();
            } catch (ReflectiveOperationException e) {
                break;
            }
        }
        return "tensor";
    }
}
