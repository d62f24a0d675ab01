package dev.jgrad.tensor;

import dev.jgrad.cuda.Event;
import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.PoolShape;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.UnaryFn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the time goes, op kind by op kind: while a profiler is open, every backend call (each
 * kernel-level op of the forward pass, the backward pass and the optimizer) is timed — on a GPU
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
    /** The open profiler, or null: read by {@link Tensor#backend()} for every op. */
    static volatile Profiler active;

    /** One timed call. */
    private record Call(String kind, long hostNanos, Event start, Event end) {}

    private final List<Call> calls = new ArrayList<>();
    private final List<Event> spare = new ArrayList<>();
    private final long startedNanos = System.nanoTime();

    private Profiler() {}

    /** Opens a profiler: from now on every backend call is timed until {@link #close()}. */
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

    Backend wrap(Backend b) {
        return new Timed(b, this);
    }

    /** Totals per op kind: {calls, device ms, host ms}, after waiting for the GPU work recorded so far. */
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

    /** A table of the op kinds by device time, largest first, with calls, device ms, share, host ms. */
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
        sb.append(String.format(Locale.ROOT, "%-58s %7d %11.3f %6.1f%% %11.3f%n", "total (backend calls)", n, total, 100.0, host));
        sb.append(String.format(Locale.ROOT, "wall time since start: %.3f ms%n", (System.nanoTime() - startedNanos) / 1e6));
        return sb.toString();
    }

    private synchronized Event event(CudaBackend b) {
        return spare.isEmpty() ? b.gpu.newEvent(true) : spare.remove(spare.size() - 1);
    }

    private synchronized void add(Call c) {
        calls.add(c);
    }

    private static String shape(Tensor t) {
        int[] s = t.layout.shape;
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) sb.append(i == 0 ? "" : "x").append(s[i]);
        return sb.append(']').toString();
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** A backend whose every call is timed. */
    private static final class Timed implements Backend {
        private final Backend b;
        private final Profiler p;
        private final CudaBackend cuda;

        Timed(Backend b, Profiler p) {
            this.b = b;
            this.p = p;
            this.cuda = b instanceof CudaBackend c ? c : null;
        }

        private void time(String kind, Runnable call) {
            Event s = null, e = null;
            if (cuda != null) {
                s = p.event(cuda);
                e = p.event(cuda);
                s.record(cuda.gpu.stream());
            }
            long t0 = System.nanoTime();
            call.run();
            long dt = System.nanoTime() - t0;
            if (e != null) e.record(cuda.gpu.stream());
            p.add(new Call(kind, dt, s, e));
        }

        @Override
        public Storage allocate(DType dtype, int numel) {
            return b.allocate(dtype, numel);
        }

        @Override
        public void unary(UnaryFn fn, Tensor x, Tensor out) {
            time("unary " + name(fn), () -> b.unary(fn, x, out));
        }

        @Override
        public void binary(BinaryFn fn, Tensor a, Tensor bb, Tensor out) {
            time("binary " + name(fn), () -> b.binary(fn, a, bb, out));
        }

        @Override
        public void where(Tensor cond, Tensor a, Tensor bb, Tensor out) {
            time("where", () -> b.where(cond, a, bb, out));
        }

        @Override
        public void copy(Tensor src, Tensor dst) {
            time("copy " + src.dtype().name().toLowerCase(Locale.ROOT) + "->" + dst.dtype().name().toLowerCase(Locale.ROOT), () -> b.copy(src, dst));
        }

        @Override
        public void fill(Tensor dst, double value) {
            time("fill", () -> b.fill(dst, value));
        }

        @Override
        public void reduce(ReduceFn fn, Tensor x, int[] dims, Tensor out) {
            time("reduce " + name(fn), () -> b.reduce(fn, x, dims, out));
        }

        @Override
        public void argReduce(boolean max, Tensor x, int dim, Tensor out) {
            time(max ? "argmax" : "argmin", () -> b.argReduce(max, x, dim, out));
        }

        @Override
        public void softmax(boolean log, Tensor x, int dim, Tensor out) {
            time(log ? "log_softmax" : "softmax", () -> b.softmax(log, x, dim, out));
        }

        @Override
        public void matmul(Tensor a, Tensor bb, Tensor out) {
            time("matmul " + shape(a) + "·" + shape(bb), () -> b.matmul(a, bb, out));
        }

        @Override
        public void conv2d(ConvShape cs, Tensor x, Tensor w, Tensor bias, Tensor y) {
            time("conv2d", () -> b.conv2d(cs, x, w, bias, y));
        }

        @Override
        public void conv2dBackwardBias(ConvShape cs, Tensor dy, Tensor db) {
            time("conv2d backward bias", () -> b.conv2dBackwardBias(cs, dy, db));
        }

        @Override
        public void conv2dBackwardInput(ConvShape cs, Tensor dy, Tensor w, Tensor dx) {
            time("conv2d backward input", () -> b.conv2dBackwardInput(cs, dy, w, dx));
        }

        @Override
        public void conv2dBackwardWeight(ConvShape cs, Tensor x, Tensor dy, Tensor dw) {
            time("conv2d backward weight", () -> b.conv2dBackwardWeight(cs, x, dy, dw));
        }

        @Override
        public void maxPool2d(PoolShape ps, Tensor x, Tensor y, Tensor indices) {
            time("max_pool2d", () -> b.maxPool2d(ps, x, y, indices));
        }

        @Override
        public void maxPool2dBackward(PoolShape ps, Tensor dy, Tensor indices, Tensor dx) {
            time("max_pool2d backward", () -> b.maxPool2dBackward(ps, dy, indices, dx));
        }

        @Override
        public void avgPool2d(PoolShape ps, boolean countIncludePad, Tensor x, Tensor y) {
            time("avg_pool2d", () -> b.avgPool2d(ps, countIncludePad, x, y));
        }

        @Override
        public void avgPool2dBackward(PoolShape ps, boolean countIncludePad, Tensor dy, Tensor dx) {
            time("avg_pool2d backward", () -> b.avgPool2dBackward(ps, countIncludePad, dy, dx));
        }

        @Override
        public void gather(int dim, Tensor x, Tensor index, Tensor out) {
            time("gather", () -> b.gather(dim, x, index, out));
        }

        @Override
        public void scatterAdd(int dim, Tensor index, Tensor src, Tensor out) {
            time("scatter_add", () -> b.scatterAdd(dim, index, src, out));
        }

        @Override
        public boolean hasFusedAttention(DType dtype) {
            return b.hasFusedAttention(dtype);
        }

        @Override
        public boolean hasFusedAttention(DType dtype, int headDim) {
            return b.hasFusedAttention(dtype, headDim);
        }

        @Override
        public void attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor out, Tensor lse) {
            time("attention " + shape(q) + (causal ? " causal" : "") + (mask != null ? " masked" : ""),
                    () -> b.attention(q, k, v, mask, causal, scale, out, lse));
        }

        @Override
        public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor out, Tensor dout,
                                      Tensor lse, Tensor dq, Tensor dk, Tensor dv) {
            time("attention backward " + shape(q) + (causal ? " causal" : "") + (mask != null ? " masked" : ""),
                    () -> b.attentionBackward(q, k, v, mask, causal, scale, out, dout, lse, dq, dk, dv));
        }

        @Override
        public void layerNorm(int rows, int n, double eps, Tensor x, Tensor w, Tensor b, Tensor out, Tensor mean, Tensor rstd) {
            time("layer_norm " + shape(x) + " n=" + n, () -> this.b.layerNorm(rows, n, eps, x, w, b, out, mean, rstd));
        }

        @Override
        public void layerNormBackward(int rows, int n, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor dx, Tensor dw,
                                      Tensor db) {
            time("layer_norm backward " + shape(x) + " n=" + n, () -> b.layerNormBackward(rows, n, dy, x, w, mean, rstd, dx, dw, db));
        }

        @Override
        public String toString() {
            return b.toString();
        }
    }
}
