package dev.jgrad.tensor;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Mixed precision as PyTorch's {@code torch.autocast}: inside an enabled region, each op casts its
 * floating operands by its list — the matrix products to the 16-bit type, the numerically touchy
 * ops to float32 — while the parameters stay float32 ("master weights"), and the gradients that
 * reach them come back through the casts in float32.
 *
 * <pre>{@code
 * for (var batch : loader) {
 *     Tensor loss;
 *     try (var ac = Autocast.enable(DType.BFLOAT16)) {   // the forward pass and the loss only
 *         loss = Losses.crossEntropy(model.call(batch.input()), batch.target());
 *     }
 *     loss.backward();                                    // gradients in the parameters' float32
 *     optimizer.step();
 *     optimizer.zeroGrad();
 * }
 * }</pre>
 *
 * <p>The lists are PyTorch's CUDA autocast lists, for every device:
 * <ul>
 * <li><b>lower precision</b> (floating operands other than float64 cast to the region's type):
 *     {@code matmul}, {@code linear}, {@code conv2d} (and the {@code Conv1d} built on it),
 *     {@code convTranspose2d}, {@code scaledDotProductAttention}, {@code einsum};</li>
 * <li><b>float32</b> (16-bit operands cast to float32): {@code softmax}, {@code logSoftmax},
 *     {@code logSumExp}, {@code layerNorm}, {@code groupNorm}, {@code norm}, {@code prod},
 *     {@code cumsum}, {@code cumprod}, {@code crossEntropy}, and the losses of
 *     {@code dev.jgrad.nn.Losses};</li>
 * <li>every other op runs in the type its operands have, promoted as usual (a 16-bit result
 *     added to a float32 tensor gives float32).</li>
 * </ul>
 * Unlike PyTorch's CUDA list, elementwise {@code exp}, {@code log}, {@code pow} and {@code sum}
 * are not cast to float32 (as on PyTorch's CPU): jgrad computes 16-bit operands in float32 and
 * rounds each result once anyway, so a sum of bfloat16 values accumulates in float32.
 *
 * <p>A cast of a parameter (a leaf that requires grad) is made once per region and reused by every
 * op that reads the parameter, until the parameter is changed in place. The casts an op makes are
 * recorded, so backward converts the gradient back; the backward pass itself runs with autocast
 * off, as PyTorch's does. Custom ops choose a list with {@link #lowerPrecision} or
 * {@link #float32}. Regions belong to the thread that opened them, nest, and must be closed in the
 * reverse order; {@link #disable()} opens a region with autocast off.
 */
public final class Autocast implements AutoCloseable {
    /** Enabled regions open on any thread: while 0, {@link #isEnabled()} is one read. */
    private static final AtomicInteger ENABLED_REGIONS = new AtomicInteger();
    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

    /** One thread's autocast state. */
    private static final class State {
        DType dtype;                 // null: off
        int suspended;               // > 0 inside an autocast op's own computation or a backward pass
        int depth;                   // open regions of either kind
        Autocast innermost;
        final Map<Tensor, Cached> cache = new IdentityHashMap<>();
    }

    /** A parameter's cast, valid while the parameter's version and the grad mode it was made in hold. */
    private record Cached(Tensor cast, int version, boolean recorded) {}

    private final State state;
    private final Thread thread;
    private final DType previous;
    private final Autocast outer;
    private final DType dtype;
    private final boolean enabled;
    private boolean closed;

    private Autocast(State state, DType dtype) {
        this.state = state;
        this.thread = Thread.currentThread();
        this.previous = state.dtype;
        this.outer = state.innermost;
        this.dtype = dtype;
        this.enabled = dtype != null;
        state.dtype = dtype;
        state.depth++;
        state.innermost = this;
        if (enabled) ENABLED_REGIONS.incrementAndGet();
    }

    /**
     * Opens a region on this thread in which ops cast their operands by autocast's lists.
     *
     * <pre>{@code
     * try (var ac = Autocast.enable(DType.BFLOAT16)) {
     *     Tensor y = x.matmul(w);   // bfloat16, computed from bfloat16 casts of x and w
     * }
     * }</pre>
     *
     * @param dtype the lower-precision type, {@code FLOAT16} or {@code BFLOAT16}
     * @return the region; closing it restores the state before it
     * @throws IllegalArgumentException when {@code dtype} is not a 16-bit float type
     */
    public static Autocast enable(DType dtype) {
        if (dtype == null || !dtype.isHalf()) {
            throw new IllegalArgumentException("Autocast.enable: dtype must be FLOAT16 or BFLOAT16 (the type matrix products are cast to), got "
                    + dtype);
        }
        return new Autocast(STATE.get(), dtype);
    }

    /**
     * Opens a region on this thread with autocast off, inside an enabled one (PyTorch's
     * {@code autocast(enabled=False)}): ops run in the types their operands have.
     *
     * <pre>{@code
     * try (var ac = Autocast.enable(DType.FLOAT16)) {
     *     Tensor h = encoder.call(x);
     *     try (var fp32 = Autocast.disable()) {
     *         Tensor exact = h.to(DType.FLOAT32).matmul(w);   // float32
     *     }
     * }
     * }</pre>
     *
     * @return the region; closing it restores the state before it
     */
    public static Autocast disable() {
        return new Autocast(STATE.get(), null);
    }

    /**
     * {@return whether ops on this thread cast their operands now: the innermost open region is an
     * enabled one, and this is not inside an autocast op's own computation (nor a backward pass)}
     */
    public static boolean isEnabled() {
        return active() != null;
    }

    /** {@return the lower-precision type of this thread's enabled region, or null when autocast is off} */
    public static DType dtype() {
        return ENABLED_REGIONS.get() > 0 ? STATE.get().dtype : null;
    }

    /**
     * Runs {@code op} as an op of the lower-precision list: when autocast is enabled, every floating
     * operand other than float64 is cast to the region's type first, and {@code op} runs with
     * autocast off (its own ops are not cast again); otherwise {@code op} gets the operands as they
     * are. Null operands stay null.
     *
     * <pre>{@code
     * Tensor y = Autocast.lowerPrecision(t -> t[0].matmul(t[1]).relu(), x, w);   // a custom fused op
     * }</pre>
     *
     * @param op       the op, given the (cast) operands in order
     * @param operands its tensor operands
     * @return what {@code op} returns
     */
    public static Tensor lowerPrecision(Function<Tensor[], Tensor> op, Tensor... operands) {
        State s = active();
        if (s == null) return op.apply(operands);
        Tensor[] cast = new Tensor[operands.length];
        for (int i = 0; i < operands.length; i++) cast[i] = toLower(s, operands[i]);
        return suspended(s, op, cast);
    }

    /**
     * Runs {@code op} as an op of the float32 list: when autocast is enabled, every 16-bit operand
     * is cast to float32 first, and {@code op} runs with autocast off; otherwise {@code op} gets the
     * operands as they are. Null operands stay null.
     *
     * <pre>{@code
     * Tensor loss = Autocast.float32(t -> t[0].sub(t[1]).square().mean(), prediction, target);
     * }</pre>
     *
     * @param op       the op, given the (cast) operands in order
     * @param operands its tensor operands
     * @return what {@code op} returns
     */
    public static Tensor float32(Function<Tensor[], Tensor> op, Tensor... operands) {
        State s = active();
        if (s == null) return op.apply(operands);
        Tensor[] cast = new Tensor[operands.length];
        for (int i = 0; i < operands.length; i++) {
            Tensor t = operands[i];
            cast[i] = t != null && !t.isClosed() && t.dtype().isHalf() ? t.to(DType.FLOAT32) : t;
        }
        return suspended(s, op, cast);
    }

    private static State active() {
        if (ENABLED_REGIONS.get() == 0) return null;
        State s = STATE.get();
        return s.dtype != null && s.suspended == 0 ? s : null;
    }

    private static Tensor suspended(State s, Function<Tensor[], Tensor> op, Tensor[] operands) {
        s.suspended++;
        try {
            return op.apply(operands);
        } finally {
            s.suspended--;
        }
    }

    /**
     * {@code t} cast to the region's type when it is eligible (floating, not float64, not already
     * that type, open: a closed operand is left for the op's own check to report). A parameter's
     * cast is cached for the region.
     */
    private static Tensor toLower(State s, Tensor t) {
        if (t == null || t.isClosed() || !t.dtype().isFloating() || t.dtype() == DType.FLOAT64 || t.dtype() == s.dtype) return t;
        if (!(t.isLeaf() && t.requiresGrad())) return t.to(s.dtype);
        boolean recording = GradMode.isEnabled();
        Cached c = s.cache.get(t);
        if (c != null && c.version == t.version() && c.recorded == recording && !c.cast.isClosed() && c.cast.dtype() == s.dtype) {
            return c.cast;
        }
        Tensor cast = t.to(s.dtype);
        s.cache.put(t, new Cached(cast, t.version(), recording));
        return cast;
    }

    /**
     * Closes this region, restoring the state before it; closing the last region of the thread
     * drops its cached casts. Closing twice does nothing.
     *
     * @throws IllegalStateException when called on another thread than the one that opened the
     *                               region, or before a region opened inside it is closed
     */
    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("Autocast.close: a region belongs to the thread that opened it (" + thread.getName()
                    + "), not " + Thread.currentThread().getName());
        }
        if (state.innermost != this) {
            throw new IllegalStateException("Autocast.close: an inner region opened after this one is still open; close regions in reverse order "
                    + "(try-with-resources does)");
        }
        closed = true;
        state.dtype = previous;
        state.innermost = outer;
        state.depth--;
        if (enabled) ENABLED_REGIONS.decrementAndGet();
        if (state.depth == 0) state.cache.clear();
    }

    @Override
    public String toString() {
        return enabled ? "Autocast(" + dtype + ")" : "Autocast(off)";
    }
}
