package dev.jgrad.bench;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.launch.AttentionKernels;
import dev.jgrad.cuda.launch.CudaKernels;
import dev.jgrad.cuda.launch.GemmKernels.Precision;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.DeviceBuffer;
import dev.jgrad.cuda.runtime.Devices;
import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ref.AttentionRef;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fused attention kernels of attention.cu (through {@link AttentionKernels}), llm.c dev/cuda
 * style: for each shape, each version (FP32 SIMT; BF16 mma.sync tensor cores) and each pass
 * (forward; backward) — validate against a float64 reference, time with CUDA events (warm-up,
 * median of {@code --reps}) and print
 * {@code version | shape | ms | TFLOP/s | % of peak | vs SDPA | max rel.err} in {@link KernelTable}'s format.
 *
 * <ul>
 *   <li>Shapes {@code BxHxNxd causal|full}: by default N in 4096, 2048, 1024 and d in 128, 64, with
 *       batch·N = 65536 tokens and H·d = 2048 (FlashAttention's benchmark convention: 16×16 at
 *       N 4096, d 128 — enough blocks to fill an H100), each causal and not.</li>
 *   <li>FLOPs as FlashAttention counts them: forward 4·B·H·N²·d (two N×N×d products), halved when
 *       causal; backward 2.5 × forward (five products). Work a kernel adds beyond that (the FP32
 *       backward's separate dq pass recomputes two products) is not counted.</li>
 *   <li>Reference: {@link AttentionRef} (the CPU float64 oracle) on a reduced problem — one head
 *       slice of min(N, {@code --check-seq}) positions, the prefix of the inputs' first slice —
 *       which the same kernel version also runs; error = max |got − ref| / max |ref| over out
 *       (forward) or over dq, dk, dv (backward). Inputs are exact bfloat16 values, so the BF16
 *       version's input rounding loses nothing and its error is its own arithmetic's. At the timed
 *       shape the last head slice of every output is checked to be finite (outputs start as NaN).</li>
 *   <li>The BF16 version takes float32 tensors (as jgrad's tensors are) and converts q, k, v (and
 *       dO) to bf16 on every call; the rows marked "est." subtract the time of those conversion
 *       passes, timed alone, to estimate the tensor-core kernel by itself — what SDPA on bf16
 *       tensors does.</li>
 *   <li>"vs SDPA" = PyTorch's time / ours (above 1: jgrad faster), at the same precision, from the
 *       {@code PEER} lines bench/python/gpu_attention_peers.py wrote (the fastest SDPA backend).</li>
 * </ul>
 * <pre>
 * python3 bench/python/gpu_attention_peers.py --reps 20 &gt; attention-peers.txt
 * bash .gpu/run.sh java -cp ".gpu/lib/*" dev.jgrad.bench.AttentionBench --reps 20 --peers attention-peers.txt
 * ... AttentionBench --seq 4096 --head-dim 128 --only bf16,fwd     # one shape family, one version, one pass
 * </pre>
 * Without a CUDA device it prints one line saying so and exits normally.
 */
public final class AttentionBench {
    private AttentionBench() {}

    /** The two kernel families of attention.cu. */
    enum Version {
        FP32("fp32", "FA2 FP32 SIMT", Precision.F32),
        BF16("bf16", "FA2 BF16 mma.sync", Precision.BF16);

        final String id, label;
        final Precision precision;

        Version(String id, String label, Precision precision) {
            this.id = id;
            this.label = label;
            this.precision = precision;
        }
    }

    /** What one timed row measured (for the tests; the table holds the same). */
    record Result(Version version, String pass, AttentionShape shape, double ms, double tflops, double peerMs, double err, boolean finite) {}

    public static void main(String[] args) throws IOException {
        AttentionOptions o = AttentionOptions.parse(args);
        if (!Cuda.isAvailable()) {
            System.out.println("AttentionBench: no CUDA device (" + Cuda.unavailableReason() + "); nothing measured");
            return;
        }
        CudaDevice gpu = Devices.get(0);
        KernelTable t = new KernelTable(gpu, o.reps());
        if (o.peers() != null) t.readPeers(o.peers());
        System.out.println("# jgrad AttentionBench on " + gpu + ", driver " + Cuda.driverVersion());
        System.out.printf(Locale.ROOT, "# peaks (dense, TFLOP/s): FP32 %.1f, BF16 %.1f; median of %d after %d warm-up calls; reference slice %d positions%n",
                t.peakTflops(Precision.F32), t.peakTflops(Precision.BF16), o.reps(), Math.max(3, o.reps() / 5), o.checkSeq());
        t.header("vs SDPA", "max rel.err");
        run(o, t);
        t.rows().forEach(System.out::println);
        System.out.println();
        for (String k : List.of("attn_fwd_f32_d128", "attn_bwd_dkdv_f32_d128", "attn_bwd_dq_f32_d128", "attn_fwd_bf16_d128", "attn_bwd_bf16_d128")) {
            System.out.println("# " + CudaKernels.of(gpu).describe(k));
        }
    }

    /** Times every wanted (shape, version, pass), adding rows to {@code t}; restores the BF16 switch afterwards. */
    static List<Result> run(AttentionOptions o, KernelTable t) {
        long elements = 0, rows = 0;
        for (AttentionShape s : o.shapes()) {
            elements = Math.max(elements, s.elements());
            rows = Math.max(rows, (long) s.bh() * s.seq());
        }
        List<Result> results = new ArrayList<>();
        boolean oldBf16 = Cuda.allowBf16Attention();
        // one set of inputs for every shape (a shape reads a prefix): exact bf16 values in [-1, 1)
        try (DeviceBuffer q = t.uploadRandom(elements, 1, true); DeviceBuffer k = t.uploadRandom(elements, 2, true);
             DeviceBuffer v = t.uploadRandom(elements, 3, true); DeviceBuffer dout = t.uploadRandom(elements, 4, true);
             DeviceBuffer out = t.poisoned(4 * elements); DeviceBuffer lse = t.poisoned(4 * rows); DeviceBuffer dq = t.poisoned(4 * elements);
             DeviceBuffer dk = t.poisoned(4 * elements); DeviceBuffer dv = t.poisoned(4 * elements)) {
            Bufs b = new Bufs(q, k, v, dout, out, lse, dq, dk, dv);
            Map<String, double[][]> refs = new HashMap<>();
            for (AttentionShape s : o.shapes()) {
                for (Version ver : Version.values()) {
                    if (!o.wants(ver, null, s)) continue;
                    Cuda.setAllowBf16Attention(ver == Version.BF16);
                    String why = unsupported(AttentionKernels.of(t.gpu()), ver, s.headDim());
                    if (why != null) {
                        t.note("# " + ver.label + " " + s.key() + " skipped: " + why);
                        continue;
                    }
                    int n = Math.min(s.seq(), o.checkSeq());
                    double[][] ref = n == 0 ? null
                            : refs.computeIfAbsent(s.headDim() + "/" + s.causal() + "/" + n, x -> reference(b, s.headDim(), n, s.causal()));
                    new Case(t, b, s, ver, ref, results).run(o);
                }
            }
        } finally {
            Cuda.setAllowBf16Attention(oldBf16);
        }
        return results;
    }

    /** Why {@code v} cannot run head size d here, or null when it can (the BF16 switch already set for v). */
    static String unsupported(AttentionKernels ak, Version v, int d) {
        if (!ak.supports(d)) return "head size " + d + " does not fit the fused kernels' shared memory";
        if (v == Version.BF16 && !ak.usesTensorCores(d)) return "the tensor-core kernels need head size 64 or 128 and compute capability 8.0+";
        return null;
    }

    /** The device buffers, sized for the largest shape. */
    record Bufs(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer dout, DeviceBuffer out, DeviceBuffer lse, DeviceBuffer dq,
                DeviceBuffer dk, DeviceBuffer dv) {}

    /**
     * The float64 oracle on the reduced problem: one head slice of n positions, the first n rows
     * of the inputs' first slice (the same data for every shape with head size d).
     * Returns {out, dq, dk, dv}.
     */
    static double[][] reference(Bufs b, int d, int n, boolean causal) {
        int nd = n * d;
        Buf q = new Buf.F32(KernelTable.download(b.q(), nd)), k = new Buf.F32(KernelTable.download(b.k(), nd));
        Buf v = new Buf.F32(KernelTable.download(b.v(), nd)), dout = new Buf.F32(KernelTable.download(b.dout(), nd));
        Buf.F64 out = new Buf.F64(new double[nd]), dq = new Buf.F64(new double[nd]), dk = new Buf.F64(new double[nd]), dv = new Buf.F64(new double[nd]);
        double scale = 1 / Math.sqrt(d);
        AttentionRef.forward(1, n, n, d, q, k, v, scale, causal, null, out, null);
        AttentionRef.backward(1, n, n, d, q, k, v, scale, causal, null, dout, dq, dk, dv);
        return new double[][] {out.data(), dq.data(), dk.data(), dv.data()};
    }

    /** One (shape, version): its forward and backward rows. */
    private record Case(KernelTable t, Bufs b, AttentionShape s, Version ver, double[][] ref, List<Result> results) {
        void run(AttentionOptions o) {
            AttentionKernels ak = AttentionKernels.of(t.gpu());
            int bh = s.bh(), n = s.seq(), d = s.headDim();
            double scale = 1 / Math.sqrt(d);
            boolean causal = s.causal();
            Runnable fwd = () -> ak.forward(b.out().address(), b.lse().address(), b.q().address(), b.k().address(), b.v().address(), bh, n, n, d,
                    scale, causal, 0, 0, 0, 0);
            Runnable bwd = () -> ak.backward(b.dq().address(), b.dk().address(), b.dv().address(), b.q().address(), b.k().address(),
                    b.v().address(), b.out().address(), b.dout().address(), b.lse().address(), bh, n, n, d, scale, causal, 0, 0, 0, 0);
            double[] err = ref == null ? new double[] {Double.NaN, Double.NaN} : checkReduced(ak, scale);
            boolean bf16 = ver == Version.BF16;
            if (o.wants(ver, "fwd", s)) {
                b.out().fillBytes(0xFF);
                double ms = t.time(fwd);
                // q, k, v → bf16 on every call: the conversion passes timed alone
                double pack = bf16 ? packMs(3) : 0;
                row("fwd", ms, pack, s.forwardFlops(), err[0], finiteTail(b.out()));
            }
            if (o.wants(ver, "bwd", s)) {
                fwd.run();   // out and lse of this version
                b.dq().fillBytes(0xFF);
                b.dk().fillBytes(0xFF);
                b.dv().fillBytes(0xFF);
                double ms = t.time(bwd);
                // q, k, v and dO → bf16 (the prep pass, approximated by a fourth pack) and the dq zeroing
                double pack = bf16 ? packMs(4) + zeroMs() : 0;
                boolean finite = finiteTail(b.dq()) && finiteTail(b.dk()) && finiteTail(b.dv());
                row("bwd", ms, pack, s.backwardFlops(), err[1], finite);
            }
        }

        private void row(String pass, double ms, double packMs, double flops, double err, boolean finite) {
            double peer = t.peer(AttentionShape.peerKey(pass, ver.id, s));
            double peak = t.peakTflops(ver.precision);
            t.row(ver.label + " " + pass + (packMs > 0 ? " (+ fp32->bf16)" : ""), s.key(), ms, flops, peak, peer, err);
            if (packMs > 0) t.row("  " + ver.label + " " + pass + " kernel, est.", s.key(), ms - packMs, flops, peak, peer, err);
            if (!finite) t.note("# WARNING: " + ver.label + " " + pass + " " + s.key() + ": non-finite values in the last head slice's output");
            results.add(new Result(ver, pass, s, ms, KernelTable.tflops(flops, ms), peer, err, finite));
        }

        /** The kernel on the reduced problem against the reference: {forward error, backward error}. */
        private double[] checkReduced(AttentionKernels ak, double scale) {
            int n = Math.min(s.seq(), ref[0].length / s.headDim()), d = s.headDim(), nd = n * d;
            try (DeviceBuffer out = t.poisoned(4L * nd); DeviceBuffer lse = t.poisoned(4L * n); DeviceBuffer dq = t.poisoned(4L * nd);
                 DeviceBuffer dk = t.poisoned(4L * nd); DeviceBuffer dv = t.poisoned(4L * nd)) {
                ak.forward(out.address(), lse.address(), b.q().address(), b.k().address(), b.v().address(), 1, n, n, d, scale, s.causal(), 0, 0, 0, 0);
                ak.backward(dq.address(), dk.address(), dv.address(), b.q().address(), b.k().address(), b.v().address(), out.address(),
                        b.dout().address(), lse.address(), 1, n, n, d, scale, s.causal(), 0, 0, 0, 0);
                double fwd = KernelTable.maxRelErr(KernelTable.download(out, nd), ref[0]);
                double bwd = Math.max(KernelTable.maxRelErr(KernelTable.download(dq, nd), ref[1]),
                        Math.max(KernelTable.maxRelErr(KernelTable.download(dk, nd), ref[2]), KernelTable.maxRelErr(KernelTable.download(dv, nd), ref[3])));
                return new double[] {fwd, Double.isNaN(fwd) ? Double.NaN : bwd};
            }
        }

        /** Milliseconds of {@code count} fp32 → bf16 conversions of a [bh, N, d] operand, as the BF16 path runs them. */
        private double packMs(int count) {
            AttentionKernels ak = AttentionKernels.of(t.gpu());
            // AttentionKernels pads the bf16 copies' rows to a multiple of 128 (its PAD)
            int padded = Math.ceilDiv(s.seq(), 128) * 128;
            try (DeviceBuffer dst = t.gpu().allocate(2L * s.bh() * padded * s.headDim())) {
                return t.time(() -> {
                    for (int i = 0; i < count; i++) ak.packBf16(dst.address(), b.q().address(), s.bh(), s.seq(), padded, s.headDim());
                });
            }
        }

        /** Milliseconds of zeroing a [bh, N, d] float32 buffer, as the BF16 backward zeroes dq before its atomics. */
        private double zeroMs() {
            try (DeviceBuffer z = t.gpu().allocate(4 * s.elements())) {
                return t.time(() -> z.fillBytes(0));
            }
        }

        /** Whether the last head slice of a [bh, N, d] output holds only finite values (every element written, none NaN). */
        private boolean finiteTail(DeviceBuffer buf) {
            long nd = (long) s.seq() * s.headDim();
            for (float x : KernelTable.download(buf, (s.bh() - 1) * nd, nd)) if (!Float.isFinite(x)) return false;
            return true;
        }
    }
}
