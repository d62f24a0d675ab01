package dev.jgrad.bench;

import dev.jgrad.bench.Workload.Body;
import dev.jgrad.bench.Workload.Series;
import dev.jgrad.bench.Workload.Target;
import dev.jgrad.bench.Workload.Unit;
import dev.jgrad.examples.MnistCnn;
import dev.jgrad.nn.LayerNorm;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.train.Capture;
import dev.jgrad.nn.train.Step;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark cases, each built only from jgrad's public Tensor and nn API so that they
 * measure whatever kernels the CPU backend dispatches to. The CLI's suite and the JMH
 * benchmarks both come from here; the peer script ({@code bench/python/cpu_peers.py}) mirrors
 * each {@code kind} with numpy and PyTorch.
 *
 * <pre>{@code
 * Workload w = Workloads.matmul(512);
 * Workload.Body body = w.build();   // inputs allocated here
 * Object result = body.run();       // one timed call
 * }</pre>
 */
public final class Workloads {
    private Workloads() {}

    /** Sizes of the SGEMM sweep the CLI runs and plots. */
    public static final int[] SGEMM_SIZES = {64, 128, 256, 512, 1024, 2048};

    /**
     * The examples' Linear layers at batch 64 as {batch, in, out}: the MNIST MLP's first and last
     * layers ([64,784]·[784,128] and [64,128]·[128,10]) and the MNIST CNN's 3136→128 layer.
     */
    public static final int[][] LINEAR_SHAPES = {{64, 784, 128}, {64, 128, 10}, {64, 3136, 128}};

    /** Batch size of every CNN case: the MNIST training batch. */
    public static final int BATCH = 64;

    /** The convolution layers measured: the two of the MNIST CNN and a wider 28×28 one. */
    public enum ConvLayer {
        /** MNIST CNN layer 1: 64×1×28×28 → 32, 3×3, pad 1 (the input needs no gradient). */
        MNIST1(1, 28, 32, false),
        /** MNIST CNN layer 2: 64×32×14×14 → 64, 3×3, pad 1. */
        MNIST2(32, 14, 64, true),
        /** A wider layer: 64×32×28×28 → 64, 3×3, pad 1. */
        WIDE28(32, 28, 64, true);

        public final int inChannels, hw, outChannels;
        /** Whether fwd+bwd also computes the input gradient (not for a layer fed by the data). */
        public final boolean inputGrad;

        ConvLayer(int inChannels, int hw, int outChannels, boolean inputGrad) {
            this.inChannels = inChannels;
            this.hw = hw;
            this.outChannels = outChannels;
            this.inputGrad = inputGrad;
        }

        /** FLOPs of the forward pass (stride 1, pad 1 keeps H×W). */
        public double forwardFlops() {
            return 2.0 * BATCH * outChannels * hw * hw * inChannels * 9;
        }

        String label() {
            return BATCH + "×" + inChannels + "×" + hw + "×" + hw + " → " + outChannels + ", 3×3 p1";
        }
    }

    /**
     * The same step as {@link #mnistTrainStep()}, captured ({@code Capture.trainStep}) and replayed:
     * the kernels over a static memory plan, then Adam. Reported next to the eager step.
     */
    public static Workload mnistCapturedTrainStep() {
        return new Workload("mnist_cnn_step_captured", "MNIST-CNN train step, captured", "batch 64, Adam", Unit.FLOP, mnistStepFlops(), null,
                peer("mnist_step", "batch", BATCH), false, Target.vsTorch(1.5), () -> {
                    Tensor.manualSeed(13);
                    Sequential model = MnistCnn.model();
                    model.train(true);
                    Adam optimizer = new Adam(model.parameters(), 1e-3);
                    Generator g = new Generator(14);
                    Batch batch = new Batch(Tensor.randn(g, BATCH, 1, 28, 28), Tensor.randint(g, 0, 10, BATCH));
                    Step step = Capture.trainStep(model, Losses::crossEntropy, optimizer, batch);
                    if (!step.isCaptured()) throw new IllegalStateException(step.describe());
                    return () -> step.run(batch);
                });
    }

    // ---------------------------------------------------------------------------------------------
    // The suite
    // ---------------------------------------------------------------------------------------------

    /** The CLI's quick CPU suite, in the order it runs. */
    public static List<Workload> cpuSuite() {
        List<Workload> all = new ArrayList<>();
        for (int n : SGEMM_SIZES) all.add(matmul(n));
        for (int[] l : LINEAR_SHAPES) all.addAll(linearMatmuls(l[0], l[1], l[2]));
        for (ConvLayer l : ConvLayer.values()) {
            all.add(conv2d(l, false));
            all.add(conv2d(l, true));
        }
        all.add(maxPool(false));
        all.add(maxPool(true));
        all.add(avgPool(false));
        all.add(avgPool(true));
        all.add(softmax(false));
        all.add(softmax(true));
        all.add(layerNorm(false));
        all.add(layerNorm(true));
        for (String op : new String[] {"add", "mul", "add_row", "mul_col"}) all.add(binary(op));
        for (String op : new String[] {"relu", "exp"}) all.add(unary(op));
        all.add(sum(0));
        all.add(sum(1));
        for (String op : ROW_OPS) all.add(rows(op));
        all.add(copyF32());
        for (DType[] c : CASTS) all.add(cast(c[0], c[1]));
        all.add(attention(512));
        all.add(overhead());
        all.add(mnistTrainStep());
        all.add(mnistCapturedTrainStep());
        return all;
    }

    // ---------------------------------------------------------------------------------------------
    // Cases
    // ---------------------------------------------------------------------------------------------

    /** C = A·B with A, B n×n float32. Targets: ≥0.9× OpenBLAS at 1024³ and 2048³, ≥0.7× at 256³. */
    public static Workload matmul(int n) {
        Target target = n >= 1024 ? Target.vsOpenBlas(0.9) : n == 256 ? Target.vsOpenBlas(0.7) : null;
        return new Workload("matmul/" + n, "matmul", n + "³", Unit.FLOP, 2.0 * n * n * n, new Series("sgemm", n),
                peer("matmul", "n", n), true, target, () -> {
                    Generator g = new Generator(1);
                    Tensor a = Tensor.randn(g, n, n), b = Tensor.randn(g, n, n);
                    return () -> a.matmul(b);
                });
    }

    /**
     * The three products of a Linear layer's step, for X [batch, in] and W [in, out]: Y = X·W
     * (forward), dX = dY·Wᵀ and dW = Xᵀ·dY (backward, with the transposed operand a transposed
     * view of the stored matrix, as backward sees it). Non-square and skinny: no target, the
     * ratios to OpenBLAS and PyTorch are reported.
     *
     * <pre>{@code
     * List<Workload> fc1 = Workloads.linearMatmuls(64, 784, 128);   // [64,784]·[784,128] and its backward products
     * }</pre>
     *
     * @param batch rows of X
     * @param in    the layer's inputs
     * @param out   the layer's outputs
     * @return forward, dX and dW cases
     */
    public static List<Workload> linearMatmuls(int batch, int in, int out) {
        String layer = in + "→" + out;
        return List.of(
                gemm(batch, in, out, false, false, "matmul " + layer + " fwd (A·B)", "[" + batch + "," + in + "]·[" + in + "," + out + "]"),
                gemm(batch, out, in, false, true, "matmul " + layer + " dX (A·Bᵀ)", "[" + batch + "," + out + "]·[" + in + "," + out + "]ᵀ"),
                gemm(in, batch, out, true, false, "matmul " + layer + " dW (Aᵀ·B)", "[" + batch + "," + in + "]ᵀ·[" + batch + "," + out + "]"));
    }

    /**
     * C (m×n) = A (m×k) · B (k×n), where a transposed operand is the transposed view of a stored
     * k×m (or n×k) tensor.
     *
     * @param m  rows of C
     * @param k  the reduced dimension
     * @param n  columns of C
     * @param ta whether A is a transposed view
     * @param tb whether B is a transposed view
     * @param op what the table prints in its op column
     * @param size what it prints in its size column
     * @return the case, id {@code matmul_<nn|nt|tn|tt>/<m>x<k>x<n>}
     */
    public static Workload gemm(int m, int k, int n, boolean ta, boolean tb, String op, String size) {
        String form = (ta ? "t" : "n") + (tb ? "t" : "n");
        return new Workload("matmul_" + form + "/" + m + "x" + k + "x" + n, op, size, Unit.FLOP, 2.0 * m * k * n, null,
                peer("gemm", "m", m, "k", k, "n", n, "ta", ta, "tb", tb), true, null, () -> {
                    Generator g = new Generator(1);
                    Tensor a = ta ? Tensor.randn(g, k, m).t() : Tensor.randn(g, m, k);
                    Tensor b = tb ? Tensor.randn(g, n, k).t() : Tensor.randn(g, k, n);
                    return () -> a.matmul(b);
                });
    }

    /**
     * 2-D convolution with bias, forward only or forward and backward (weight and bias
     * gradients, plus the input gradient for layers not fed by the data). Target for fwd+bwd:
     * ≥1.0× PyTorch.
     */
    public static Workload conv2d(ConvLayer l, boolean backward) {
        double f = l.forwardFlops();
        double work = backward ? f * (l.inputGrad ? 3 : 2) : f;
        String op = backward ? (l.inputGrad ? "conv2d fwd+bwd" : "conv2d fwd+bwd (no dx)") : "conv2d fwd";
        Map<String, Object> p = peer("conv2d", "n", BATCH, "c", l.inChannels, "hw", l.hw, "k", l.outChannels, "backward", backward,
                "input_grad", l.inputGrad);
        return new Workload("conv2d" + (backward ? "_fwdbwd/" : "_fwd/") + l.name().toLowerCase(java.util.Locale.ROOT), op, l.label(),
                Unit.FLOP, work, null, p, false, backward ? Target.vsTorch(1.0) : null, () -> {
                    Generator g = new Generator(2);
                    Tensor x = Tensor.randn(g, BATCH, l.inChannels, l.hw, l.hw);
                    Tensor w = Tensor.randn(g, l.outChannels, l.inChannels, 3, 3).mul(0.1);
                    Tensor b = Tensor.randn(g, l.outChannels);
                    if (!backward) return () -> x.conv2d(w, b, 1, 1);
                    x.requiresGrad(l.inputGrad);
                    w.requiresGrad(true);
                    b.requiresGrad(true);
                    Tensor seed = Tensor.randn(g, BATCH, l.outChannels, l.hw, l.hw);
                    return () -> {
                        Tensor y = x.conv2d(w, b, 1, 1);
                        y.backward(seed);
                        Tensor dw = w.grad();
                        x.zeroGrad();
                        w.zeroGrad();
                        b.zeroGrad();
                        return dw;
                    };
                });
    }

    /** 2×2 max pooling of 64×32×28×28, forward (or forward and backward). Bytes: input and output (and their gradients). */
    public static Workload maxPool(boolean backward) {
        return pool("max", backward);
    }

    /** 2×2 average pooling of 64×32×28×28. */
    public static Workload avgPool(boolean backward) {
        return pool("avg", backward);
    }

    private static Workload pool(String kind, boolean backward) {
        int[] shape = {BATCH, 32, 28, 28};
        double in = numel(shape) * 4.0, out = in / 4;
        return new Workload(kind + "pool2d" + (backward ? "_fwdbwd" : "_fwd"), kind + "pool2d " + (backward ? "fwd+bwd" : "fwd"),
                "64×32×28×28, 2×2", Unit.BYTE, backward ? 2 * (in + out) : in + out, null,
                peer(kind + "pool2d", "shape", list(shape), "backward", backward), false, null, () -> {
                    Tensor x = Tensor.randn(new Generator(3), shape);
                    if (!backward) return kind.equals("max") ? () -> x.maxPool2d(2) : () -> x.avgPool2d(2);
                    x.requiresGrad(true);
                    Tensor seed = Tensor.randn(new Generator(4), BATCH, 32, 14, 14);
                    return () -> {
                        Tensor y = kind.equals("max") ? x.maxPool2d(2) : x.avgPool2d(2);
                        y.backward(seed);
                        Tensor dx = x.grad();
                        x.zeroGrad();
                        return dx;
                    };
                });
    }

    /** softmax (or log-softmax) over the last dimension of 8192×1024. Bytes: input + output. */
    public static Workload softmax(boolean log) {
        int rows = 8192, cols = 1024;
        return new Workload(log ? "log_softmax" : "softmax", log ? "log-softmax" : "softmax", rows + "×" + cols + ", dim -1", Unit.BYTE,
                2.0 * rows * cols * 4, null, peer("softmax", "shape", list(rows, cols), "log", log), false, null, () -> {
                    Tensor x = Tensor.randn(new Generator(5), rows, cols);
                    return log ? () -> x.logSoftmax(1) : () -> x.softmax(1);
                });
    }

    /** nn.LayerNorm(768) on 2048×768 (batch 16 × 128 tokens). Bytes: x and y (fwd+bwd: also dy and dx). */
    public static Workload layerNorm(boolean backward) {
        int rows = 2048, d = 768;
        double bytes = (backward ? 4.0 : 2.0) * rows * d * 4;
        return new Workload("layernorm" + (backward ? "_fwdbwd" : "_fwd"), "layernorm " + (backward ? "fwd+bwd" : "fwd"),
                rows + "×" + d, Unit.BYTE, bytes, null, peer("layernorm", "shape", list(rows, d), "backward", backward), false, null, () -> {
                    LayerNorm ln = new LayerNorm(d);
                    Tensor x = Tensor.randn(new Generator(6), rows, d);
                    if (!backward) {
                        return () -> {
                            try (var scope = GradMode.noGrad()) {
                                return ln.forward(x);
                            }
                        };
                    }
                    x.requiresGrad(true);
                    Tensor seed = Tensor.randn(new Generator(7), rows, d);
                    return () -> {
                        ln.forward(x).backward(seed);
                        Tensor dx = x.grad();
                        x.zeroGrad();
                        ln.weight.zeroGrad();
                        ln.bias.zeroGrad();
                        return dx;
                    };
                });
    }

    /** Elementwise size: 2048×2048 float32 (16 MiB per operand, past the L3). */
    private static final int EW = 2048;

    /**
     * A binary op on 2048×2048: "add" and "mul" of two full operands, "add_row" adds a [2048]
     * row vector broadcast over rows, "mul_col" multiplies by a [2048, 1] column broadcast over
     * columns. Bytes: operands read + result written.
     */
    public static Workload binary(String op) {
        boolean full = op.equals("add") || op.equals("mul");
        int[] bShape = switch (op) {
            case "add", "mul" -> new int[] {EW, EW};
            case "add_row" -> new int[] {EW};
            case "mul_col" -> new int[] {EW, 1};
            default -> throw new IllegalArgumentException("binary: unknown op " + op);
        };
        boolean isAdd = op.startsWith("add");
        double n = (double) EW * EW;
        String size = EW + "×" + EW + (full ? "" : op.equals("add_row") ? " + [" + EW + "]" : " * [" + EW + ",1]");
        return new Workload("ew_" + op, isAdd ? "add" : "mul", size, Unit.BYTE, (full ? 3 : 2) * n * 4, null,
                peer("binary", "op", isAdd ? "add" : "mul", "a", list(EW, EW), "b", list(bShape)), false, null, () -> {
                    Generator g = new Generator(8);
                    Tensor a = Tensor.randn(g, EW, EW), b = Tensor.randn(g, bShape);
                    return isAdd ? () -> a.add(b) : () -> a.mul(b);
                });
    }

    /** A unary op ("relu" or "exp") on 2048×2048. Bytes: input + output. */
    public static Workload unary(String op) {
        return new Workload("ew_" + op, op, EW + "×" + EW, Unit.BYTE, 2.0 * EW * EW * 4, null,
                peer("unary", "op", op, "shape", list(EW, EW)), false, null, () -> {
                    Tensor a = Tensor.randn(new Generator(9), EW, EW);
                    return switch (op) {
                        case "relu" -> a::relu;
                        case "exp" -> a::exp;
                        default -> throw new IllegalArgumentException("unary: unknown op " + op);
                    };
                });
    }

    /** sum over dim 0 (down the rows: one result per column) or dim 1 (along each row) of 2048×2048. Bytes: the input. */
    public static Workload sum(int dim) {
        return new Workload("sum_dim" + dim, dim == 0 ? "sum over rows" : "sum over cols", EW + "×" + EW + ", dim " + dim, Unit.BYTE,
                (double) EW * EW * 4, null, peer("sum", "shape", list(EW, EW), "dim", dim), false, null, () -> {
                    Tensor a = Tensor.randn(new Generator(10), EW, EW);
                    return () -> a.sum(dim);
                });
    }

    /** Shape of the sort, top-k, cumulative-sum and log-sum-exp cases: 4096×4096 float32 (64 MiB), along the last dimension. */
    private static final int ROWS = 4096;
    /** k of the top-k case. */
    public static final int TOPK = 64;
    /** The ops of {@link #rows}, in suite order. */
    public static final List<String> ROW_OPS = List.of("sort", "topk", "cumsum", "logsumexp");

    /**
     * An op over the last dimension of 4096×4096 float32 ("sort", "topk" with k = 64, "cumsum",
     * "logsumexp"). Bytes: the input read plus the outputs written (values, and int64 indices for
     * sort and top-k). Target: ≥1.0× PyTorch.
     */
    public static Workload rows(String op) {
        double in = (double) ROWS * ROWS * 4;
        double bytes = switch (op) {
            case "sort" -> in + in + 2 * in;
            case "topk" -> in + (double) ROWS * TOPK * 12;
            case "cumsum" -> 2 * in;
            case "logsumexp" -> in + ROWS * 4.0;
            default -> throw new IllegalArgumentException("rows: unknown op " + op);
        };
        String label = op.equals("topk") ? "topk (k=" + TOPK + ")" : op;
        return new Workload("rows_" + op, label, ROWS + "×" + ROWS + ", dim -1", Unit.BYTE, bytes, null,
                peer("rows", "op", op, "shape", list(ROWS, ROWS), "k", TOPK), false, Target.vsTorch(1.0), () -> {
                    Tensor x = Tensor.randn(new Generator(15), ROWS, ROWS);
                    return switch (op) {
                        case "sort" -> () -> x.sort(-1, false);
                        case "topk" -> () -> x.topk(TOPK, -1, true);
                        case "cumsum" -> () -> x.cumsum(-1);
                        default -> () -> x.logsumexp(new int[] {-1}, false);
                    };
                });
    }

    /**
     * Attention forward, softmax(Q·Kᵀ/√d)·V, as today's ops compose it (matmul, scale, softmax,
     * matmul): 2 batches × 8 heads, {@code t} tokens, head size 64. FLOPs: the two matmuls.
     */
    public static Workload attention(int t) {
        int b = 2, h = 8, d = 64;
        double flops = 2.0 * 2 * b * h * (double) t * t * d;
        return new Workload("attention/" + t, "attention fwd", b + "×" + h + "×" + t + "×" + d, Unit.FLOP, flops, null,
                peer("attention", "b", b, "h", h, "t", t, "d", d), false, null, () -> {
                    Generator g = new Generator(11);
                    Tensor q = Tensor.randn(g, b, h, t, d), k = Tensor.randn(g, b, h, t, d), v = Tensor.randn(g, b, h, t, d);
                    double scale = 1 / Math.sqrt(d);
                    return () -> q.matmul(k.transpose(2, 3)).mul(scale).softmax(3).matmul(v);
                });
    }

    /** Elements of the copy and cast cases: 2^24 (a 64 MiB float32 array), far past every cache. */
    public static final int CAST_N = 1 << 24;

    /** The conversions the suite times, (from, to), after the float32 copy they are compared with. */
    static final DType[][] CASTS = {
        {DType.FLOAT32, DType.BFLOAT16}, {DType.BFLOAT16, DType.FLOAT32}, {DType.FLOAT32, DType.FLOAT16}, {DType.FLOAT16, DType.FLOAT32},
    };

    /**
     * A float32 copy of {@link #CAST_N} elements into an existing tensor ({@code dst.copyFrom(src)}):
     * the bandwidth the conversions are held to, measured in the same run at the same size.
     */
    public static Workload copyF32() {
        return new Workload("copy_f32", "copy float32→float32", "16M", Unit.BYTE, 8.0 * CAST_N, null,
                peer("cast", "from", "float32", "to", "float32", "n", CAST_N), false, null, () -> {
                    Tensor src = Tensor.randn(new Generator(15), CAST_N), dst = Tensor.zeros(CAST_N);
                    return () -> dst.copyFrom(src);
                });
    }

    /**
     * A conversion of {@link #CAST_N} elements into an existing tensor of the other dtype
     * ({@code dst.copyFrom(src)}, as {@code to(DType)} converts, without the allocation). GB/s
     * count bytes read + written (6 per element). Target for bfloat16 ↔ float32: ≥0.8× the
     * float32 copy of the same size ({@link #copyF32}) in the same run.
     */
    public static Workload cast(DType from, DType to) {
        Target target = from == DType.BFLOAT16 || to == DType.BFLOAT16 ? Target.vsCase("copy_f32", 0.8) : null;
        return new Workload("cast_" + from + "_" + to, "cast " + from + "→" + to, "16M", Unit.BYTE,
                (double) (from.byteSize() + to.byteSize()) * CAST_N, null, peer("cast", "from", from.toString(), "to", to.toString(), "n", CAST_N),
                false, target, () -> {
                    Tensor src = Tensor.randn(new Generator(16), CAST_N).to(from), dst = Tensor.zeros(to, CAST_N);
                    return () -> dst.copyFrom(src);
                });
    }

    /** Per-op overhead: add of two 4-element tensors that require grad (the graph is recorded). Target: ≤2 µs. */
    public static Workload overhead() {
        return new Workload("overhead_add4", "per-op overhead (add, grad on)", "4 + 4", Unit.CALL, 1, null, peer("overhead", "n", 4),
                false, Target.atMostSeconds(2e-6), () -> {
                    Generator g = new Generator(12);
                    Tensor a = Tensor.randn(g, 4).requiresGrad(true), b = Tensor.randn(g, 4).requiresGrad(true);
                    return () -> a.add(b);
                });
    }

    /** FLOPs of one MNIST-CNN training step (convolutions and linear layers, forward and backward). */
    public static double mnistStepFlops() {
        double c1 = ConvLayer.MNIST1.forwardFlops(), c2 = ConvLayer.MNIST2.forwardFlops();
        double fc1 = 2.0 * BATCH * 3136 * 128, fc2 = 2.0 * BATCH * 128 * 10;
        return 2 * c1 + 3 * c2 + 3 * fc1 + 3 * fc2;   // the first conv needs no input gradient
    }

    /** One training step of the MNIST CNN at batch 64: zero grads, forward, cross-entropy, backward, Adam step. Target: ≥1.0× PyTorch. */
    public static Workload mnistTrainStep() {
        return new Workload("mnist_cnn_step", "MNIST-CNN train step", "batch 64, Adam", Unit.FLOP, mnistStepFlops(), null,
                peer("mnist_step", "batch", BATCH), false, Target.vsTorch(1.0), () -> {
                    Tensor.manualSeed(13);
                    Sequential model = MnistCnn.model();
                    model.train(true);
                    Adam optimizer = new Adam(model.parameters(), 1e-3);
                    Generator g = new Generator(14);
                    Tensor x = Tensor.randn(g, BATCH, 1, 28, 28);
                    Tensor labels = Tensor.randint(g, 0, 10, BATCH);
                    return () -> {
                        optimizer.zeroGrad();
                        Tensor loss = Losses.crossEntropy(model.forward(x), labels);
                        loss.backward();
                        optimizer.step();
                        return loss;
                    };
                });
    }

    // ---------------------------------------------------------------------------------------------

    private static Map<String, Object> peer(String kind, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1] instanceof Integer v ? Long.valueOf(v) : kv[i + 1]);
        return m;
    }

    private static List<Object> list(int... v) {
        List<Object> l = new ArrayList<>();
        for (int x : v) l.add((long) x);
        return l;
    }

    private static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }
}
