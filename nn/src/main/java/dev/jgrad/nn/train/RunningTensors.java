package dev.jgrad.nn.train;

import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.TensorScope;

/**
 * The running sums of the metrics: each update computes in a {@link Tensor#scope()} of its own,
 * so its temporaries are freed when it returns, while the new running value escapes the scope and
 * the value it replaces is closed — on a GPU, no device memory waits for the garbage collector.
 *
 * <pre>{@code
 * try (var scope = Tensor.scope()) {
 *     sum = RunningTensors.add(sum, batch.sum());
 * }
 * }</pre>
 */
final class RunningTensors {
    private RunningTensors() {}

    /** {@code next}, out of every scope, in place of {@code old}, which is closed (null: none yet). */
    static Tensor replace(Tensor old, Tensor next) {
        TensorScope.escape(next);
        if (old != null && old != next) old.close();
        return next;
    }

    /** {@code sum + batch} (or {@code batch} for the first), replacing {@code sum}. */
    static Tensor add(Tensor sum, Tensor batch) {
        return replace(sum, sum == null ? batch : sum.add(batch));
    }

    /** Closes a running value being forgotten; null does nothing. */
    static void close(Tensor t) {
        if (t != null) t.close();
    }
}
