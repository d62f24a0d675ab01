package dev.jgrad.bench;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.ScalarType;
import dev.jgrad.cuda.launch.Blas;
import dev.jgrad.cuda.launch.CudaKernels;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.DeviceBuffer;
import dev.jgrad.cuda.runtime.Devices;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * GPU kernel benchmarks, llm.c style: every kernel timed with CUDA events (warm-up first, then
 * the median of many repeats) on inputs of random values large enough to fill the chip and
 * overflow its L2, and reported as time, GB/s over the fewest bytes the kernel must move (each
 * input read once, each output written once), the share of the measured device-to-device copy
 * bandwidth, and, for matrix products, TFLOP/s and the share of cuBLAS on the same shape class.
 *
 * <pre>
 * bash .gpu/run.sh java -cp ".gpu/lib/*" dev.jgrad.bench.GpuBench [reps]
 * </pre>
 * bench/python/gpu_peers.py times the same operations in PyTorch for comparison.
 */
public final class GpuBench {
    private GpuBench() {}

    static CudaDevice gpu;
    static CudaKernels k;
    static int reps = 50;
    static double copyGBs;
    static double[] blasTflops = new double[3];   // FP32, TF32, BF16
    static final List<String> rows = new ArrayList<>();

    public static void main(String[] args) {
        if (!Cuda.isAvailable()) {
            System.out.println("GpuBench: no usable GPU: " + Cuda.unavailableReason());
            return;
        }
        if (args.length > 0) reps = Integer.parseInt(args[0]);
        gpu = Devices.get(0);
        k = CudaKernels.of(gpu);
        System.out.println("# jgrad GpuBench on " + gpu + ", driver " + Cuda.driverVersion() + ", cuBLAS "
                + (Cuda.cublasAvailable() ? Blas.of(gpu).library() + " v" + Blas.of(gpu).version() : "missing: " + Cuda.cublasUnavailableReason()));
        System.out.printf(Locale.ROOT, "# theoretical DRAM bandwidth %.0f GB/s; median of %d repeats after warm-up%n",
                gpu.theoreticalBandwidth() / 1e9, reps);
        ceilings();
        elementwise();
        reductions();
        fused();
        matrices();
        System.out.println();
        System.out.printf(Locale.ROOT, "%-34s %-26s %10s %9s %7s %9s %8s%n", "kernel", "shape", "median ms", "GB/s", "%copy", "TFLOP/s",
                "%cuBLAS");
        rows.forEach(System.out::println);
        System.out.println();
        for (String name : List.of("unary_exp_f32", "binary_add_f32", "copy_f32_f32", "reduce_rows_sum_f32", "reduce_cols_sum_f32",
                "softmax_rows_f32", "layernorm_fwd_f32", "cross_entropy_fwd_f32", "cross_entropy_bwd_f32", "adam_f32", "im2col_f32",
                "matmul_f32")) {
            System.out.println("# " + k.describe(name));
        }
        System.out.println("# memory: " + gpu.memoryStats());
    }

    // ---- timing ----------------------------------------------------------------------------------------

    /** Median milliseconds of {@code body} over {@link #reps} event-timed repeats after warm-up. */
    static double time(Runnable body) {
        return KernelTable.eventMedianMs(gpu, reps, body);
    }

    static void row(String name, String shape, double ms, double bytes, double flops, int blasKind) {
        double gbs = bytes / (ms * 1e-3) / 1e9;
        String bw = bytes > 0 ? String.format(Locale.ROOT, "%9.1f %6.1f%%", gbs, 100 * gbs / copyGBs) : String.format("%9s %7s", "-", "-");
        String fl = flops > 0 ? String.format(Locale.ROOT, "%9.2f %7.1f%%", flops / (ms * 1e-3) / 1e12,
                blasKind >= 0 && blasTflops[blasKind] > 0 ? 100 * flops / (ms * 1e-3) / 1e12 / blasTflops[blasKind] : Double.NaN)
                : String.format("%9s %8s", "-", "-");
        rows.add(String.format(Locale.ROOT, "%-34s %-26s %10.4f %s %s", name, shape, ms, bw, fl));
    }

    /** A device buffer of n random floats in [-2, 2) (never zeros: they hide unwritten outputs and can run faster). */
    static DeviceBuffer randomFloats(long n) {
        DeviceBuffer b = gpu.allocate(4 * n);
        int chunk = 1 << 22;
        float[] host = new float[(int) Math.min(n, chunk)];
        SplittableRandom r = new SplittableRandom(n);
        for (int i = 0; i < host.length; i++) host[i] = (float) (r.nextDouble() * 4 - 2);
        for (long off = 0; off < n; off += chunk) {
            long m = Math.min(chunk, n - off);
            b.copyFromHost(MemorySegment.ofArray(host), 0, 4 * off, 4 * m);
        }
        return b;
    }

    static DeviceBuffer poisoned(long bytes) {
        DeviceBuffer b = gpu.allocate(bytes);
        b.fillBytes(0xFF);
        return b;
    }

    static int[] c(int... strides) {
        return strides;
    }

    // ---- ceilings ------------------------------------------------------------------------------------

    static void ceilings() {
        long n = 256L << 20;   // 1 GiB of floats
        try (DeviceBuffer a = randomFloats(n); DeviceBuffer b = poisoned(4 * n)) {
            double ms = time(() -> b.copyFrom(a, 0, 0, 4 * n));
            copyGBs = 2.0 * 4 * n / (ms * 1e-3) / 1e9;
            row("cuMemcpyDtoD (ceiling)", "1 GiB", ms, 8.0 * n, 0, -1);
        }
        if (!Cuda.cublasAvailable()) return;
        Blas blas = Blas.of(gpu);
        int s = 8192;
        long nn = (long) s * s;
        double flops = 2.0 * s * s * s;
        try (DeviceBuffer a = randomFloats(nn); DeviceBuffer b = randomFloats(nn); DeviceBuffer cc = poisoned(4 * nn)) {
            double fp32 = time(() -> blas.gemmEx(false, false, s, s, s, a.address(), Blas.DataType.F32, s, 0, b.address(), Blas.DataType.F32, s,
                    0, 0, cc.address(), Blas.DataType.F32, s, 0, 1, Blas.Compute.F32));
            blasTflops[0] = flops / (fp32 * 1e-3) / 1e12;
            row("cublasGemmEx FP32 (ceiling)", s + "^3", fp32, 0, flops, 0);
            double tf32 = time(() -> blas.gemmEx(false, false, s, s, s, a.address(), Blas.DataType.F32, s, 0, b.address(), Blas.DataType.F32, s,
                    0, 0, cc.address(), Blas.DataType.F32, s, 0, 1, Blas.Compute.F32_FAST_TF32));
            blasTflops[1] = flops / (tf32 * 1e-3) / 1e12;
            row("cublasGemmEx TF32 (ceiling)", s + "^3", tf32, 0, flops, 1);
        }
        // BF16 inputs (random values: the top halves of random floats), FP32 accumulate and output
        try (DeviceBuffer a = bf16Random(nn); DeviceBuffer b = bf16Random(nn); DeviceBuffer cc = poisoned(4 * nn)) {
            double bf16 = time(() -> blas.gemmEx(false, false, s, s, s, a.address(), Blas.DataType.BF16, s, 0, b.address(), Blas.DataType.BF16,
                    s, 0, 0, cc.address(), Blas.DataType.F32, s, 0, 1, Blas.Compute.F32));
            blasTflops[2] = flops / (bf16 * 1e-3) / 1e12;
            row("cublasGemmEx BF16 in, FP32 acc", s + "^3", bf16, 0, flops, 2);
        }
    }

    static DeviceBuffer bf16Random(long n) {
        DeviceBuffer b = gpu.allocate(2 * n);
        int chunk = 1 << 22;
        short[] host = new short[(int) Math.min(n, chunk)];
        SplittableRandom r = new SplittableRandom(n + 1);
        for (int i = 0; i < host.length; i++) host[i] = (short) (Float.floatToIntBits((float) (r.nextDouble() * 2 - 1)) >>> 16);
        for (long off = 0; off < n; off += chunk) {
            long m = Math.min(chunk, n - off);
            b.copyFromHost(MemorySegment.ofArray(host), 0, 2 * off, 2 * m);
        }
        return b;
    }

    // ---- elementwise ------------------------------------------------------------------------------------

    static void elementwise() {
        int n = 64 << 20;
        int[] flat = {n};
        try (DeviceBuffer x = randomFloats(n); DeviceBuffer y = randomFloats(n); DeviceBuffer out = poisoned(8L * n)) {
            ScalarType f32 = ScalarType.F32;
            row("unary_exp_f32 (dense, 128-bit)", "64M", time(() -> k.unary("exp", f32, f32, flat, out.address(), c(1), x.address(), c(1))),
                    8.0 * n, 0, -1);
            row("unary_gelu_f32", "64M", time(() -> k.unary("gelu", f32, f32, flat, out.address(), c(1), x.address(), c(1))), 8.0 * n, 0, -1);
            row("binary_add_f32 (dense)", "64M", time(() -> k.binary("add", f32, f32, flat, out.address(), c(1), x.address(), c(1),
                    y.address(), c(1))), 12.0 * n, 0, -1);
            int r = 8192, cc = n / r;
            row("binary_add_f32 (row broadcast)", r + "x" + cc + " + " + cc, time(() -> k.binary("add", f32, f32, new int[] {r, cc},
                    out.address(), c(cc, 1), x.address(), c(cc, 1), y.address(), c(0, 1))), 8.0 * n, 0, -1);
            row("binary_gt_f32 -> bool", "64M", time(() -> k.binary("gt", f32, ScalarType.BOOL, flat, out.address(), c(1), x.address(), c(1),
                    y.address(), c(1))), 9.0 * n, 0, -1);
            row("copy_f32_f32 (transpose)", r + "x" + cc + " ^T", time(() -> k.copy(ScalarType.F32, ScalarType.F32, new int[] {cc, r},
                    out.address(), c(r, 1), x.address(), c(1, cc))), 8.0 * n, 0, -1);
            row("copy_f32_f64 (cast)", "64M", time(() -> k.copy(ScalarType.F32, ScalarType.F64, flat, out.address(), c(1), x.address(), c(1))),
                    12.0 * n, 0, -1);
            row("fill_f32", "64M", time(() -> k.fill(ScalarType.F32, flat, out.address(), c(1), 1.5)), 4.0 * n, 0, -1);
            row("where_f32", "64M", time(() -> k.where(ScalarType.F32, flat, out.address(), c(1), x.address(), c(1), x.address(), c(1),
                    y.address(), c(1))), 13.0 * n, 0, -1);
        }
    }

    // ---- reductions, softmax ------------------------------------------------------------------------------

    static void reductions() {
        int rows = 16384, cols = 4096;
        long n = (long) rows * cols;
        try (DeviceBuffer x = randomFloats(n); DeviceBuffer out = poisoned(4L * Math.max(rows, cols) * 2); DeviceBuffer sm = poisoned(4 * n)) {
            ScalarType f32 = ScalarType.F32;
            row("reduce sum, last dim (rows)", rows + "x" + cols, time(() -> k.reduce("sum", f32, f32, new int[] {rows}, out.address(),
                    c(1), c(cols), new int[] {cols}, c(1), x.address())), 4.0 * n, 0, -1);
            row("reduce sum, dim 0 (cols)", rows + "x" + cols, time(() -> k.reduce("sum", f32, f32, new int[] {cols}, out.address(),
                    c(1), c(1), new int[] {rows}, c(cols), x.address())), 4.0 * n, 0, -1);
            row("reduce sum, all (split + finish)", rows + "x" + cols, time(() -> k.reduce("sum", f32, f32, new int[0], out.address(),
                    c(), c(), new int[] {rows, cols}, c(cols, 1), x.address())), 4.0 * n, 0, -1);
            row("reduce max, last dim", rows + "x" + cols, time(() -> k.reduce("max", f32, f32, new int[] {rows}, out.address(),
                    c(1), c(cols), new int[] {cols}, c(1), x.address())), 4.0 * n, 0, -1);
            row("argmax, last dim", rows + "x" + cols, time(() -> k.argReduce(true, ScalarType.F32, new int[] {rows}, out.address(),
                    c(1), c(cols), new int[] {cols}, c(1), x.address())), 4.0 * n, 0, -1);
            row("softmax, last dim (rows)", rows + "x" + cols, time(() -> k.softmax(false, ScalarType.F32, new int[] {rows, cols}, 1,
                    sm.address(), c(cols, 1), x.address(), c(cols, 1))), 8.0 * n, 0, -1);
            row("log_softmax, last dim", rows + "x" + cols, time(() -> k.softmax(true, ScalarType.F32, new int[] {rows, cols}, 1,
                    sm.address(), c(cols, 1), x.address(), c(cols, 1))), 8.0 * n, 0, -1);
            int[] nchw = {64, 256, 32, 32};
            int[] st = {256 * 1024, 1024, 32, 1};
            row("softmax, channel dim of NCHW (cols)", "64x256x32x32", time(() -> k.softmax(false, ScalarType.F32, nchw, 1, sm.address(), st,
                    x.address(), st)), 8.0 * 64 * 256 * 1024, 0, -1);
        }
    }

    // ---- fused kernels -------------------------------------------------------------------------------------

    static void fused() {
        int N = 32768, C = 1024;
        long n = (long) N * C;
        try (DeviceBuffer x = randomFloats(n); DeviceBuffer w = randomFloats(C); DeviceBuffer b = randomFloats(C); DeviceBuffer y = poisoned(4 * n);
             DeviceBuffer mean = poisoned(4L * N); DeviceBuffer rstd = poisoned(4L * N); DeviceBuffer dy = randomFloats(n);
             DeviceBuffer dw = poisoned(4L * C); DeviceBuffer db = poisoned(4L * C)) {
            row("layernorm_fwd_f32", N + "x" + C, time(() -> k.layerNormForward(ScalarType.F32, y.address(), mean.address(), rstd.address(),
                    x.address(), w.address(), b.address(), N, C, 1e-5)), 8.0 * n, 0, -1);
            row("layernorm_bwd_dx_f32", N + "x" + C, time(() -> k.layerNormBackwardInput(ScalarType.F32, y.address(), dy.address(), x.address(),
                    mean.address(), rstd.address(), w.address(), N, C)), 12.0 * n, 0, -1);
            row("layernorm_bwd_dwdb_f32 (atomics)", N + "x" + C, time(() -> k.layerNormBackwardParams(ScalarType.F32, dw.address(), db.address(),
                    dy.address(), x.address(), mean.address(), rstd.address(), N, C)), 8.0 * n, 0, -1);
        }
        int B = 4096, V = 50257;
        long nv = (long) B * V;
        long[] targets = new long[B];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < B; i++) targets[i] = r.nextInt(V);
        try (DeviceBuffer logits = randomFloats(nv); DeviceBuffer grad = poisoned(4 * nv); DeviceBuffer loss = poisoned(4L * B);
             DeviceBuffer lse = poisoned(4L * B); DeviceBuffer dloss = gpu.allocate(4); DeviceBuffer t = gpu.allocate(8L * B)) {
            t.copyFromHost(MemorySegment.ofArray(targets), 0, 0, 8L * B);
            dloss.copyFromHost(MemorySegment.ofArray(new float[] {1f / B}), 0, 0, 4);
            row("cross_entropy_fwd_f32 (loss + lse)", B + "x" + V, time(() -> k.crossEntropyForward(ScalarType.F32, loss.address(),
                    lse.address(), logits.address(), t.address(), B, V, -100)), 4.0 * nv, 0, -1);
            row("cross_entropy_bwd_f32 (scalar dloss)", B + "x" + V, time(() -> k.crossEntropyBackward(ScalarType.F32, grad.address(),
                    logits.address(), lse.address(), t.address(), dloss.address(), 0, B, V, -100)), 8.0 * nv, 0, -1);
        }
        int m = 64 << 20;
        try (DeviceBuffer p = randomFloats(m); DeviceBuffer g = randomFloats(m); DeviceBuffer mm = randomFloats(m); DeviceBuffer v = randomFloats(m);
             DeviceBuffer mask = poisoned(m)) {
            // v must be non-negative for Adam: |random| by an abs kernel
            k.unary("abs", ScalarType.F32, ScalarType.F32, new int[] {m}, v.address(), c(1), v.address(), c(1));
            row("adam_f32 (AdamW step)", "64M", time(() -> k.adam(ScalarType.F32, p.address(), g.address(), mm.address(), v.address(), m, 1e-6,
                    0.9, 0.999, 1e-8, 0.01, 0.5, 0.5, true)), 28.0 * m, 0, -1);
            row("sgd_f32 (momentum)", "64M", time(() -> k.sgd(ScalarType.F32, p.address(), g.address(), mm.address(), m, 1e-6, 0.9, 0, 0,
                    false, false)), 20.0 * m, 0, -1);
            row("dropout_fwd_f32 (p=0.1, mask)", "64M", time(() -> k.dropoutForward(ScalarType.F32, v.address(), mask.address(), g.address(), m,
                    0.1f, 1 / (1 - 0.1f), 1234, 0)), 9.0 * m, 0, -1);
        }
        int num = 50257, dim = 1024, ids = 65536;
        long[] idx = new long[ids];
        for (int i = 0; i < ids; i++) idx[i] = r.nextInt(num);
        try (DeviceBuffer table = randomFloats((long) num * dim); DeviceBuffer out = poisoned(4L * ids * dim); DeviceBuffer ib = gpu.allocate(8L * ids)) {
            ib.copyFromHost(MemorySegment.ofArray(idx), 0, 0, 8L * ids);
            Cuda.setCheckIndices(false);
            row("embedding_fwd_f32 (no index check)", ids + " of " + num + "x" + dim, time(() -> k.embeddingForward(ScalarType.F32, out.address(),
                    table.address(), ib.address(), ids, dim, num)), 8.0 * ids * dim, 0, -1);
            Cuda.setCheckIndices(true);
            row("embedding_fwd_f32 (index check)", ids + " of " + num + "x" + dim, time(() -> k.embeddingForward(ScalarType.F32, out.address(),
                    table.address(), ib.address(), ids, dim, num)), 8.0 * ids * dim, 0, -1);
        }
        int[] pg = {64 * 128, 56, 56, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, 0};
        long pin = 64L * 128 * 56 * 56, pout = pin / 4;
        try (DeviceBuffer x = randomFloats(pin); DeviceBuffer y = poisoned(4 * pout); DeviceBuffer ind = poisoned(8 * pout);
             DeviceBuffer dx = poisoned(4 * pin)) {
            row("max_pool_fwd_f32 2x2/2", "64x128x56x56", time(() -> k.maxPoolForward(ScalarType.F32, y.address(), ind.address(), x.address(), pg)),
                    4.0 * pin + 12.0 * pout, 0, -1);
            row("max_pool_bwd_f32 2x2/2", "64x128x56x56", time(() -> k.maxPoolBackward(ScalarType.F32, dx.address(), y.address(), ind.address(), pg)),
                    4.0 * pin + 12.0 * pout, 0, -1);
        }
    }

    // ---- matrix products through the tensor API ----------------------------------------------------------

    static void matrices() {
        Device d = Device.cuda();
        Generator g = new Generator(1);
        int s = 4096;
        Tensor a = Tensor.randn(g, s, s).to(d), b = Tensor.randn(g, s, s).to(d);
        double flops = 2.0 * s * s * s;
        row("Tensor.matmul f32 (cuBLAS FP32)", s + "^3", time(() -> a.matmul(b)), 0, flops, 0);
        Cuda.setAllowTf32(true);
        row("Tensor.matmul f32 (cuBLAS TF32)", s + "^3", time(() -> a.matmul(b)), 0, flops, 1);
        Cuda.setAllowTf32(false);
        Tensor bt = b.transpose(0, 1);
        row("Tensor.matmul f32, b transposed", s + "^3", time(() -> a.matmul(bt)), 0, flops, 0);
        Tensor ab = Tensor.randn(g, 32, 512, 64).to(d), bb = Tensor.randn(g, 32, 64, 512).to(d);
        row("Tensor.matmul batched f32", "32x512x64x512", time(() -> ab.matmul(bb)), 0, 2.0 * 32 * 512 * 64 * 512, 0);
        int t = 2048;
        try (DeviceBuffer x = randomFloats((long) t * t); DeviceBuffer y = randomFloats((long) t * t); DeviceBuffer z = poisoned(4L * t * t)) {
            row("matmul_f32 (jgrad tiled fallback)", t + "^3", time(() -> k.matmulTiled(ScalarType.F32, 1, t, t, t, z.address(), c(0, t, 1),
                    x.address(), c(0, t, 1), y.address(), c(0, t, 1))), 0, 2.0 * t * t * t, 0);
        }
        Tensor x = Tensor.randn(g, 64, 64, 56, 56).to(d), w = Tensor.randn(g, 64, 64, 3, 3).to(d);
        double convFlops = 2.0 * 64 * 64 * 64 * 9 * 56 * 56;
        row("Tensor.conv2d f32 3x3 pad 1 (im2col+GEMM)", "64x64x56x56, 64 out", time(() -> x.conv2d(w, null, 1, 1)), 0, convFlops, 0);
        try (DeviceBuffer xin = randomFloats(64L * 64 * 56 * 56); DeviceBuffer col = poisoned(4L * 64 * 9 * 56 * 56 * 64)) {
            int[] geom = {64, 64, 56, 56, 3, 3, 56, 56, 1, 1, 1, 1, 1, 1};
            row("im2col_f32 3x3 pad 1", "64x64x56x56", time(() -> k.im2col(ScalarType.F32, col.address(), xin.address(), geom, 64 * 56 * 56,
                    64 * 9 * 56 * 56, 56 * 56)), 4.0 * 64 * 64 * 56 * 56 + 4.0 * 64 * 64 * 9 * 56 * 56, 0, -1);
        }
        Tensor mx = Tensor.randn(g, 128, 64, 28, 28).to(d);
        row("Tensor.maxPool2d(2) f32", "128x64x28x28", time(() -> mx.maxPool2d(2)), 4.0 * mx.numel() * (1 + 0.25 + 0.5), 0, -1);
    }

}
