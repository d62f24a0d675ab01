package dev.jgrad.tensor;

import dev.jgrad.cuda.runtime.Event;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where the time goes, op kind by op kind: while a profiler is open, every kernel dispatch of an
 * op family (each kernel-level op of the forward pass, the backward pass and the optimizer) is timed — on a GPU
 * with a pair of CUDA events around the call (device time, including any wait for the host to
 * queue the work), on the CPU with the host clock — and {@link #report()} sums the times per
 * kind ("matmul [4096x768]·[768x2304]", "binary add", "attention backward", …). When no profiler
 * is open the cost is one volatile read per op.
 *
 * <pre>{@code
 * try (Profiler p = Profiler.start()) {
 *     Tensor loss = model.forward(x).sum();
 *     loss.backward();
 *     System.out.print(p.report());
 * }
 * }</pre>
 * One profiler at a time (a second {@link #start()} replaces the first); it times calls from
 * every thread, so profile one training loop at a time.
 */
public final class Profiler implements AutoCloseable {
    /** The open profiler, or null: read once at every op family's dispatch ({@link #time}). */
    static volatile Profiler active;

    /** One timed call. */
    private record Call(String kind, long hostNanos, Event start, Event end) {}

    private final List<Call> calls = new ArrayList<>();
    private final List<Event> spare = new ArrayList<>();
    private final long startedNanos = System.nanoTime();

    private Profiler() {}

    /**
     * Opens a profiler: from now on every kernel dispatch of an op family is timed until {@link #close()}.
     *
     * @return the profiler, recording until closed
     */
    public static Profiler start() {
        Profiler p = new Profiler();
        active = p;
        return p;
    }

    /** Stops timing (calls already recorded stay in {@link #report()}) and releases the events. */
    @Override
    public void close() {
        if (active == this) active = null;
        synchronized (this) {
            for (Call c : calls) {
                if (c.start() != null) {
                    c.start().close();
                    c.end().close();
                }
            }
            for (Event e : spare) e.close();
            calls.clear();
            spare.clear();
        }
    }

    /**
     * Totals per op kind: {calls, device ms, host ms}, after waiting for the GPU work recorded so far.
     *
     * @return the totals by op kind
     */
    public synchronized Map<String, double[]> totals() {
        Map<String, double[]> m = new HashMap<>();
        for (Call c : calls) {
            double dev = c.hostNanos() / 1e6;
            if (c.start() != null) {
                c.end().synchronize();
                dev = c.start().elapsedMillis(c.end());
            }
            double[] t = m.computeIfAbsent(c.kind(), k -> new double[3]);
            t[0]++;
            t[1] += dev;
            t[2] += c.hostNanos() / 1e6;
        }
        return m;
    }

    /** {@return a table of the op kinds by device time, largest first, with calls, device ms, share, host ms} */
    public String report() {
        Map<String, double[]> m = totals();
        double total = 0, host = 0;
        long n = 0;
        for (double[] t : m.values()) {
            total += t[1];
            host += t[2];
            n += (long) t[0];
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-58s %7s %11s %7s %11s%n", "op kind", "calls", "device ms", "share", "host ms"));
        List<Map.Entry<String, double[]>> rows = new ArrayList<>(m.entrySet());
        rows.sort((a, b) -> Double.compare(b.getValue()[1], a.getValue()[1]));
        for (Map.Entry<String, double[]> e : rows) {
            double[] t = e.getValue();
            sb.append(String.format(Locale.ROOT, "%-58s %7d %11.3f %6.1f%% %11.3f%n", e.getKey(), (long) t[0], t[1], 100 * t[1] / Math.max(total, 1e-12),
                    t[2]));
        }
        sb.append(String.format(Locale.ROOT, "%-58s %7d %11.3f %6.1f%% %11.3f%n", "total (kernel dispatches)", n, total, 100.0, host));
        sb.append(String.format(Locale.ROOT, "wall time since start: %.3f ms%n", (System.nanoTime() - startedNanos) / 1e6));
        return sb.toString();
    }

    private synchronized Event event(CudaBackend b) {
        return spare.isEmpty() ? b.gpu.newEvent(true) : spare.remove(spare.size() - 1);
    }

    private synchronized void add(Call c) {
        calls.add(c);
    }

    /**
     * Starts timing one dispatch of an op family on {@code on}'s device: the family's kernel
     * call goes inside the returned scope. When no profiler is open this is one volatile read and
     * returns a shared scope whose close does nothing.
     *
     * <pre>{@code
     * try (var _ = Profiler.time("layer_norm", x)) {
     *     switch (x.storage) { ... }   // the kernel call
     * }
     * }</pre>
     */
    static Scope time(String kind, Tensor on) {
        Profiler p = active;
        return p == null ? Scope.NONE : p.begin(kind, on);
    }

    /** As {@link #time(String, Tensor)}, for kinds worth building only while profiling ("attention [16x512x64] causal"). */
    static Scope time(Supplier<String> kind, Tensor on) {
        Profiler p = active;
        return p == null ? Scope.NONE : p.begin(kind.get(), on);
    }

    private Scope begin(String kind, Tensor on) {
        CudaBackend cuda = on.storage instanceof CudaStorage s ? CudaBackend.of(s) : null;
        Event start = null, end = null;
        if (cuda != null) {
            start = event(cuda);
            end = event(cuda);
            start.record(cuda.gpu.stream());
        }
        return new Scope(this, kind, cuda, start, end, System.nanoTime());
    }

    /** One timed dispatch: closing it records the call (device events on a GPU, the host clock everywhere). */
    static final class Scope implements AutoCloseable {
        static final Scope NONE = new Scope(null, null, null, null, null, 0);

        private final Profiler profiler;
        private final String kind;
        private final CudaBackend cuda;
        private final Event start, end;
        private final long t0;

        private Scope(Profiler profiler, String kind, CudaBackend cuda, Event start, Event end, long t0) {
            this.profiler = profiler;
            this.kind = kind;
            this.cuda = cuda;
            this.start = start;
            this.end = end;
            this.t0 = t0;
        }

        @Override
        public void close() {
            if (profiler == null) return;
            long dt = System.nanoTime() - t0;
            if (end != null) end.record(cuda.gpu.stream());
            profiler.add(new Call(kind, dt, start, end));
        }
    }

    /** A shape as the op kinds show it: [64x784]. */
    static String shape(Tensor t) {
        int[] s = t.layout.shape;
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) sb.append(i == 0 ? "" : "x").append(s[i]);
        return sb.append(']').toString();
    }
}
