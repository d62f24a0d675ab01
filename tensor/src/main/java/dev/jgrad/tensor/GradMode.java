package dev.jgrad.tensor;

/**
 * Whether ops record the graph that {@code backward()} walks, per thread.
 *
 * <pre>{@code
 * try (var _ = GradMode.noGrad()) {
 *     Tensor y = model.forward(x);   // no graph recorded, no memory held for backward
 * }
 * }</pre>
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {}

    /** {@return true when ops on this thread record the graph} */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /**
     * Stops recording on this thread until the returned scope is closed.
     *
     * @return the scope; closing it restores the previous mode
     */
    public static Scope noGrad() {
        return set(false);
    }

    /**
     * Records on this thread until the returned scope is closed (inside a {@link #noGrad()} scope).
     *
     * @return the scope; closing it restores the previous mode
     */
    public static Scope enableGrad() {
        return set(true);
    }

    private static Scope set(boolean enabled) {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = enabled;
        return () -> flag[0] = previous;
    }

    /** Restores the previous mode when closed. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
