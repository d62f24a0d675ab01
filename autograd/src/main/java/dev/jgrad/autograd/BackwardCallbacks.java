package dev.jgrad.autograd;

import java.util.ArrayList;
import java.util.List;

/**
 * Work to run when the backward pass now running on this thread has visited its last node, as
 * PyTorch's {@code queue_callback}: a data-parallel wrapper that started reducing gradients
 * during the pass waits for them here, so that {@code backward()} returns with every gradient
 * final. Callbacks run in the order they were queued, on the thread of the pass, with gradient
 * recording off; one queued by a callback runs too. An exception from a callback propagates out
 * of {@code backward()}.
 *
 * <pre>{@code
 * param.registerPostAccumulateGradHook(p -> {
 *     startReducing(p.grad());
 *     if (!queued) BackwardCallbacks.queue(() -> waitForReductions());
 * });
 * }</pre>
 */
public final class BackwardCallbacks {
    private BackwardCallbacks() {}

    /** The callbacks of the pass running on this thread; null outside a pass. */
    private static final ThreadLocal<List<Runnable>> QUEUE = new ThreadLocal<>();

    /**
     * Queues {@code callback} to run at the end of the current backward pass.
     *
     * @param callback what to run
     * @throws IllegalStateException when no backward pass is running on this thread
     */
    public static void queue(Runnable callback) {
        if (callback == null) throw new IllegalArgumentException("BackwardCallbacks.queue: the callback is null");
        List<Runnable> q = QUEUE.get();
        if (q == null) {
            throw new IllegalStateException("BackwardCallbacks.queue: no backward pass is running on this thread (call it from a gradient "
                    + "hook during backward())");
        }
        q.add(callback);
    }

    /** {@return whether a backward pass is running on this thread} */
    public static boolean inBackward() {
        return QUEUE.get() != null;
    }

    /** Runs {@code pass} with a fresh queue, then the callbacks it queued; restores the outer queue (a nested pass) after. */
    static void around(Runnable pass) {
        List<Runnable> outer = QUEUE.get();
        List<Runnable> q = new ArrayList<>();
        QUEUE.set(q);
        try {
            pass.run();
            try (var g = dev.jgrad.tensor.GradMode.noGrad()) {
                for (int i = 0; i < q.size(); i++) q.get(i).run();   // a callback may queue another
            }
        } finally {
            if (outer == null) QUEUE.remove();
            else QUEUE.set(outer);
        }
    }
}
