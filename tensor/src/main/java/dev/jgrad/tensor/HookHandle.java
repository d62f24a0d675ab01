package dev.jgrad.tensor;

/**
 * A registered hook, as returned by {@link Tensor#registerHook} (and by the module hooks of
 * {@code dev.jgrad.nn}): {@link #remove()} unregisters it. Removing twice does nothing. It is
 * {@link AutoCloseable}, so a hook can live for one block:
 *
 * <pre>{@code
 * try (HookHandle h = hidden.registerHook(g -> g.clamp(-1, 1))) {
 *     loss.backward();   // hidden's gradient is clipped on its way down
 * }
 * }</pre>
 */
public interface HookHandle extends AutoCloseable {

    /** Unregisters the hook; later passes no longer call it. */
    void remove();

    /** Same as {@link #remove()}. */
    @Override
    default void close() {
        remove();
    }
}
