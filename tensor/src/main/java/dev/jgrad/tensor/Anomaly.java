package dev.jgrad.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Anomaly detection, like PyTorch's {@code torch.autograd.detect_anomaly}: inside the scope, on
 * this thread, every op records where in the caller's code it was created, and
 *
 * <ul>
 *   <li>the first op whose forward output holds a NaN that none of its inputs held, or an
 *       infinity where all its inputs were finite, throws a {@link NonFiniteException} naming
 *       the op and that place;</li>
 *   <li>during {@code backward()}, the first derivative rule that turns a finite upstream
 *       gradient into a NaN or infinite gradient for one of its inputs throws a
 *       {@link NonFiniteException} naming the op, the input's index and where the op was
 *       created.</li>
 * </ul>
 *
 * <p>Non-finite values that enter from outside (a −∞ attention mask, NaN in the data) are
 * propagated, not reported, by the forward check: it reports the op that <em>produces</em> them.
 * In-place updates ({@code copyFrom}, {@code fill}, {@code addInPlace}) are not checked.
 *
 * <p>The mode is per thread, like {@link GradMode}: open the scope on the thread that runs both
 * the forward pass and {@code backward()}. Outside any scope the cost is one read of a shared
 * counter per op; inside, each op captures a stack trace and scans its output, so use it to
 * find a bug, not in production.
 *
 * <pre>{@code
 * try (var anomaly = Anomaly.detect()) {
 *     Tensor loss = model.forward(x).log().mean();   // throws here if log() produced -inf
 *     loss.backward();                               // or here, naming the rule that made a NaN
 * }
 * }</pre>
 */
public final class Anomaly {
    /** Per thread: [0] open detect() scopes, [1] open derivativeRules() scopes. */
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[2]);
    /** Scopes open on any thread: when zero, {@link #isEnabled()} does not touch the thread-local. */
    private static final AtomicInteger OPEN = new AtomicInteger();
    private static final int SITE_FRAMES = 6;

    private Anomaly() {}

    /**
     * Turns anomaly detection on for this thread until the returned scope is closed (scopes nest).
     *
     * @return the scope; closing it restores the previous setting
     */
    public static GradMode.Scope detect() {
        int[] depth = DEPTH.get();
        depth[0]++;
        OPEN.incrementAndGet();
        boolean[] closed = {false};
        return () -> {
            if (closed[0]) return;
            closed[0] = true;
            depth[0]--;
            OPEN.decrementAndGet();
        };
    }

    /**
     * For the backward engine: while the returned scope is open, ops do not check their outputs
     * (a derivative rule's intermediate results are not the user's ops); the engine checks the
     * gradients each rule returns instead, with {@link #checkGradient}.
     *
     * @return the scope; closing it restores the previous setting
     */
    public static GradMode.Scope derivativeRules() {
        int[] depth = DEPTH.get();
        depth[1]++;
        boolean[] closed = {false};
        return () -> {
            if (closed[0]) return;
            closed[0] = true;
            depth[1]--;
        };
    }

    /** {@return whether anomaly detection is on for this thread} */
    public static boolean isEnabled() {
        return OPEN.get() > 0 && DEPTH.get()[0] > 0;
    }

    /**
     * Where {@code t} was created, innermost first, when it was made by an op inside an anomaly
     * scope; null otherwise.
     *
     * @param t the tensor
     * @return the stack of its creation, or null
     */
    public static StackTraceElement[] creationSite(Tensor t) {
        return t.creationSite == null ? null : t.creationSite.clone();
    }

    /** A NaN or infinity produced by an op's forward pass ({@code inputIndex} −1) or by its derivative rule. */
    public static final class NonFiniteException extends IllegalStateException {
        /** The op's name. */
        private final String op;
        /** The input whose gradient was not finite, or −1 for the forward output. */
        private final int inputIndex;

        NonFiniteException(String message, String op, int inputIndex, StackTraceElement[] site) {
            super(message);
            this.op = op;
            this.inputIndex = inputIndex;
            if (site != null) {
                Throwable created = new Throwable(op + " was created here (the stack when the op ran, inside the anomaly scope)");
                created.setStackTrace(site);
                initCause(created);
            }
        }

        /** {@return the op's name ({@code "Log"}, {@code "Div"}, …)} */
        public String op() {
            return op;
        }

        /** {@return the input whose gradient was not finite, or −1 when the forward output was not} */
        public int inputIndex() {
            return inputIndex;
        }
    }

    // ---- hooks for Tensor.record and the backward engine ------------------------------------------

    /** Records where {@code out} was created and checks its values; called for every op result while enabled. */
    static void forward(Tensor out, Op op) {
        out.creationSite = captureSite();
        if (DEPTH.get()[1] > 0 || !out.dtype().isFloating() || out.numel() == 0) return;
        double[] v = out.toDoubleArray();
        int bad = firstNonFinite(v);
        if (bad < 0) return;
        boolean nan = false, inf = false;
        for (double x : v) {
            nan |= Double.isNaN(x);
            inf |= Double.isInfinite(x);
        }
        boolean inputNan = false, inputNonFinite = false;
        for (Tensor in : op.inputs()) {
            if (!in.dtype().isFloating() || in.numel() == 0) continue;
            for (double x : in.toDoubleArray()) {
                inputNan |= Double.isNaN(x);
                inputNonFinite |= !Double.isFinite(x);
            }
        }
        if ((nan && !inputNan) || (inf && !inputNonFinite)) {
            throw new NonFiniteException("anomaly: " + op.name() + " produced " + describe(v, bad, out.layout.shape) + " from "
                    + (inputNonFinite ? "inputs without NaN" : "finite inputs") + "; " + op.name() + " was created at "
                    + site(out.creationSite), op.name(), -1, out.creationSite);
        }
    }

    /**
     * Checks the gradient a derivative rule produced for input {@code index} of {@code node}'s
     * op, given the finite upstream gradient {@code upstream}. Public for the autograd module.
     *
     * @param node     the tensor whose op's rule ran
     * @param index    the position of the input among the op's inputs
     * @param grad     the gradient the rule produced for that input
     * @param upstream the gradient flowing into {@code node}
     */
    public static void checkGradient(Tensor node, int index, Tensor grad, Tensor upstream) {
        if (grad == null || !grad.dtype().isFloating() || grad.numel() == 0) return;
        double[] v = grad.toDoubleArray();
        int bad = firstNonFinite(v);
        if (bad < 0) return;
        if (upstream != null && firstNonFinite(upstream.toDoubleArray()) >= 0) return;   // reported where it arose
        Op op = node.op();
        throw new NonFiniteException("anomaly: the derivative rule of " + op.name() + " produced " + describe(v, bad, grad.layout.shape)
                + " in the gradient of input " + index + " from a finite upstream gradient; " + op.name() + " was created at "
                + site(node.creationSite), op.name(), index, node.creationSite);
    }

    /**
     * Checks the seed of a backward pass. Public for the autograd module.
     *
     * @param seed the seed gradient
     */
    public static void checkSeed(Tensor seed) {
        if (!seed.dtype().isFloating() || seed.numel() == 0) return;
        double[] v = seed.toDoubleArray();
        int bad = firstNonFinite(v);
        if (bad >= 0) {
            throw new NonFiniteException("anomaly: the gradient given to backward() holds " + describe(v, bad, seed.layout.shape),
                    "backward", -1, null);
        }
    }

    private static int firstNonFinite(double[] v) {
        for (int i = 0; i < v.length; i++) if (!Double.isFinite(v[i])) return i;
        return -1;
    }

    private static String describe(double[] v, int at, int[] shape) {
        int count = 0;
        for (double x : v) if (!Double.isFinite(x)) count++;
        return (Double.isNaN(v[at]) ? "NaN" : v[at] > 0 ? "+Infinity" : "-Infinity") + " (" + count + " of " + v.length
                + " values non-finite, the first at flat index " + at + " of shape " + Arrays.toString(shape) + ")";
    }

    /** The stack of the caller, without the frames of this package (the op's own implementation). */
    private static StackTraceElement[] captureSite() {
        StackTraceElement[] all = new Throwable().getStackTrace();
        int from = 0;
        while (from < all.length && all[from].getClassName().startsWith("dev.jgrad.tensor.")) from++;
        return Arrays.copyOfRange(all, from, all.length);
    }

    /**
     * The creating frame and its callers up to the first frame outside jgrad's packages (the
     * user's code) — "Linear.forward(Linear.java:41) <- Train.step(Train.java:12)" — skipping
     * reflection and JDK frames.
     */
    static String site(StackTraceElement[] site) {
        if (site == null || site.length == 0) return "an unknown place (it was created outside the anomaly scope)";
        List<String> shown = new ArrayList<>();
        for (StackTraceElement f : site) {
            String c = f.getClassName();
            if (c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.")) {
                if (!shown.isEmpty()) break;
                continue;
            }
            shown.add(f.toString());
            if (!c.startsWith("dev.jgrad.") || shown.size() == SITE_FRAMES) break;
        }
        return shown.isEmpty() ? site[0].toString() : String.join(" <- ", shown);
    }
}
