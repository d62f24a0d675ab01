package dev.jgrad.tensor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A block whose tensors are closed when it ends: opened by {@link Tensor#scope()}, it registers
 * every tensor created on its thread while it is the innermost open scope — op results, views,
 * the graph's intermediates, the backward pass's temporaries — and {@linkplain Tensor#close()
 * closes} them in {@link #close()}, except those handed on with {@link #keep}. Device memory then
 * goes back to the caching allocator at once, with no help from the garbage collector.
 *
 * <pre>{@code
 * Tensor kept;
 * try (TensorScope scope = Tensor.scope()) {
 *     Tensor h = x.matmul(w).relu();                 // closed when the scope ends
 *     kept = scope.keep(h.sum(1));                   // survives it: now the enclosing scope's, or nobody's
 * }
 * }</pre>
 *
 * <p>What a scope does not close:
 * <ul>
 *   <li>tensors made before it opened (parameters, optimizer state, data), even when used or
 *       viewed inside; a view made inside is closed, the tensor it views is not;</li>
 *   <li>gradients the backward pass accumulates into a tensor: they belong to that tensor (its
 *       own scope, or none for a parameter made outside every scope) — see {@link Tensor#zeroGrad()};</li>
 *   <li>tensors {@linkplain #keep kept}: they pass to the enclosing scope, which closes them when
 *       it ends, or to no scope when this is the outermost; views of a kept tensor keep its
 *       storage alive until they are closed too, since each open tensor holds its storage;</li>
 *   <li>tensors that {@link #escape} every scope, and tensors made under {@link #unscoped()}:
 *       caches and state that outlive the block (the optimizers' and metrics' state does this).</li>
 * </ul>
 *
 * <p>A scope belongs to the thread that opened it: tensors made on other threads (a data loader's
 * workers) are not registered, and only that thread may keep, close or escape through it. Scopes
 * nest; closing one closes the scopes still open inside it first. Closing twice does nothing. When
 * no scope is open on any thread, creating a tensor costs one volatile read more; inside a scope,
 * one thread-local lookup and an array store.
 */
public final class TensorScope implements AutoCloseable {
    private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();
    /** Scopes open on all threads: while 0, {@link #register} returns without the thread-local lookup. */
    private static volatile int openScopes;
    private static final VarHandle OPEN_SCOPES;
    private static final Tensor[] NONE = {};

    static {
        try {
            OPEN_SCOPES = MethodHandles.lookup().findStaticVarHandle(TensorScope.class, "openScopes", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Thread thread = Thread.currentThread();
    private final TensorScope parent;
    /** An {@link #unscoped()} frame: registers nothing, and what is kept into it belongs to no scope. */
    private final boolean barrier;
    private Tensor[] tensors = NONE;
    private int size;
    private boolean closed;

    private TensorScope(TensorScope parent, boolean barrier) {
        this.parent = parent;
        this.barrier = barrier;
    }

    /** A new innermost scope on this thread ({@link Tensor#scope()}). */
    static TensorScope open() {
        return push(false);
    }

    /**
     * Suspends this thread's scopes until the returned frame is closed: tensors made meanwhile
     * belong to no scope, as if none were open, and live until closed or collected. For state that
     * must outlive the step that computes it, such as a running metric or a cache, when the code
     * computing it cannot tell its result from its temporaries; otherwise prefer {@link #escape}.
     *
     * <pre>{@code
     * try (var _ = TensorScope.unscoped()) {
     *     runningTotal = runningTotal.add(batchSum);   // outlives the training step's scope
     * }
     * }</pre>
     *
     * @return the barrier; close it to register tensors in the enclosing scope again
     */
    public static TensorScope unscoped() {
        return push(true);
    }

    private static TensorScope push(boolean barrier) {
        TensorScope s = new TensorScope(CURRENT.get(), barrier);
        CURRENT.set(s);
        OPEN_SCOPES.getAndAdd(1);
        return s;
    }

    /** Runs {@code body} in a new scope, keeping what it returns ({@link Tensor#scope(Supplier)}). */
    static <T> T run(Supplier<T> body) {
        Checks.notNull("scope", "body", body);
        try (TensorScope s = open()) {
            T result = body.get();
            s.keepAll(result);
            return result;
        }
    }

    /** Registers a new tensor with the thread's innermost scope, if one is open (every holding tensor's constructor calls this). */
    static void register(Tensor t) {
        if (openScopes == 0) return;
        TensorScope s = CURRENT.get();
        if (s != null && !s.barrier) s.add(t);
    }

    /**
     * Gives {@code t}, just made inside whatever scope is open, to {@code scope} instead (null: to
     * no scope): a gradient belongs to its tensor's scope, not to the one the backward pass runs in.
     */
    static void adopt(Tensor t, TensorScope scope) {
        if (t.owner == scope) return;
        if (scope != null && !scope.closed && !scope.barrier && scope.thread == Thread.currentThread()) scope.add(t);
        else t.owner = null;
    }

    private void add(Tensor t) {
        if (size == tensors.length) tensors = Arrays.copyOf(tensors, Math.max(16, size * 2));
        tensors[size++] = t;
        t.owner = this;
    }

    /**
     * Lets {@code t} outlive this scope: it passes to the enclosing scope, which closes it when it
     * ends, or to no scope when this is the outermost (then it lives until closed or collected). A
     * tensor made in a scope nested inside this one, still open, is taken from it too. A tensor
     * this scope does not own (made before it, or already kept) is left as it is. Returns {@code t}.
     *
     * <pre>{@code
     * try (var scope = Tensor.scope()) {
     *     return scope.keep(model.forward(x));
     * }
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code t} is null
     * @param t the tensor to keep
     * @return {@code t}
     * @throws IllegalStateException    if this scope is closed or belongs to another thread
     */
    public Tensor keep(Tensor t) {
        checkOwnThread("keep");
        Checks.notNull("keep", "the tensor", t);
        if (closed) throw new IllegalStateException("keep: this scope is already closed; keep tensors before it ends");
        if (ownsOrNests(t.owner)) {
            t.owner = null;
            TensorScope to = parent;
            if (to != null && !to.barrier && !to.closed) to.add(t);
        }
        return t;
    }

    /**
     * {@link #keep} for each tensor of {@code tensors}.
     *
     * @param tensors the tensors to keep
     */
    public void keepAll(Iterable<Tensor> tensors) {
        Checks.notNull("keepAll", "the tensors", tensors);
        for (Tensor t : tensors) if (t != null) keep(t);
    }

    /** Keeps a supplier's result: a tensor, or the tensors of an iterable, a map's values or an array, at any depth. */
    private void keepAll(Object value) {
        switch (value) {
            case Tensor t -> keep(t);
            case Iterable<?> it -> {
                for (Object o : it) keepAll(o);
            }
            case Map<?, ?> m -> {
                for (Object o : m.values()) keepAll(o);
            }
            case Object[] a -> {
                for (Object o : a) keepAll(o);
            }
            case null, default -> { }
        }
    }

    /**
     * Whether closing this scope would close {@code t}: it was made in this scope, or in one still
     * open inside it, and was neither kept, escaped nor closed since.
     *
     * @param t a tensor
     * @return whether this scope would close it
     */
    public boolean owns(Tensor t) {
        return t != null && ownsOrNests(t.owner);
    }

    /** Whether {@code owner} is this scope or one open inside it on this thread. */
    private boolean ownsOrNests(TensorScope owner) {
        for (TensorScope s = owner; s != null; s = s.parent) if (s == this) return true;
        return false;
    }

    /**
     * Takes {@code t} out of whatever scope owns it: no scope will close it; it lives until
     * {@linkplain Tensor#close() closed} or collected. For state that outlives every step (an
     * optimizer's moment estimates, a running metric, a cache). Returns {@code t}.
     *
     * <pre>{@code
     * state.put("momentum", TensorScope.escape(grad.mul(0.9)));   // computed inside the step's scope
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code t} is null
     * @param t the tensor to take out of its scope
     * @return {@code t}
     * @throws IllegalStateException    if the scope owning {@code t} belongs to another thread
     */
    public static Tensor escape(Tensor t) {
        Checks.notNull("escape", "the tensor", t);
        TensorScope s = t.owner;
        if (s != null) {
            s.checkOwnThread("escape");
            t.owner = null;
        }
        return t;
    }

    /** {@return the innermost scope open on this thread that registers tensors, or null (none, or inside {@link #unscoped()})} */
    public static TensorScope current() {
        if (openScopes == 0) return null;
        TensorScope s = CURRENT.get();
        return s == null || s.barrier ? null : s;
    }

    /** {@return whether this scope has been closed} */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes every tensor this scope still owns (after closing any scope still open inside it),
     * in the order they were made, and makes the enclosing scope current again. Tensors it owns
     * that were closed already are skipped; closing twice does nothing.
     *
     * @throws IllegalStateException if called on another thread than the one that opened the scope
     */
    @Override
    public void close() {
        if (closed) return;
        checkOwnThread("close");
        for (TensorScope s = CURRENT.get(); s != null && s != this; s = CURRENT.get()) {
            if (!s.ownsOrNestsUp(this)) break;   // this scope is not on the thread's stack (closed out of order before)
            s.closeFrame();
        }
        closeFrame();
    }

    /** Whether {@code outer} encloses this scope. */
    private boolean ownsOrNestsUp(TensorScope outer) {
        for (TensorScope s = parent; s != null; s = s.parent) if (s == outer) return true;
        return false;
    }

    private void closeFrame() {
        if (closed) return;
        closed = true;
        if (CURRENT.get() == this) {
            if (parent == null) CURRENT.remove();
            else CURRENT.set(parent);
        }
        OPEN_SCOPES.getAndAdd(-1);
        Tensor[] ts = tensors;
        int n = size;
        tensors = NONE;
        size = 0;
        for (int i = 0; i < n; i++) {
            Tensor t = ts[i];
            if (t.owner == this) t.close();
        }
    }

    private void checkOwnThread(String op) {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException(op + ": a tensor scope belongs to the thread that opened it (" + thread.getName()
                    + "), not to " + Thread.currentThread().getName());
        }
    }

    // ---- diagnostics ---------------------------------------------------------------------------

    /**
     * Storages on devices of {@code type} allocated and not yet freed by closing their tensors: a
     * leak check for code that manages lifetimes with {@link Tensor#close()} and scopes. Counting
     * starts with the first call to this method or {@link #openBytes} (so that code that never asks
     * pays nothing for it): storages made before are not counted. Storages the garbage collector
     * reclaims from tensors never closed are not subtracted, so compare two readings around code
     * that should close all it makes (a training step in a scope): the count must not grow. For the
     * bytes the CUDA allocator holds, see {@code Cuda.memoryStats}.
     *
     * <pre>{@code
     * long before = TensorScope.openStorages(Device.Type.CPU);
     * try (var scope = Tensor.scope()) { step(); }
     * assert TensorScope.openStorages(Device.Type.CPU) == before;
     * }</pre>
     *
     * @param type the kind of device
     * @return the storages counted as open
     */
    public static long openStorages(Device.Type type) {
        Checks.notNull("openStorages", "device type", type);
        return Storage.openCount(type);
    }

    /**
     * The bytes of the storages {@link #openStorages} counts.
     *
     * @param type the kind of device
     * @return their bytes
     */
    public static long openBytes(Device.Type type) {
        Checks.notNull("openBytes", "device type", type);
        return Storage.openBytes(type);
    }
}
