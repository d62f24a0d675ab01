package dev.jgrad.bench;

import static dev.jgrad.bench.KernelTable.download;
import static dev.jgrad.bench.KernelTable.randomFloats;
import static dev.jgrad.bench.KernelTable.relErr;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.ScalarType;
import dev.jgrad.cuda.launch.Blas;
import dev.jgrad.cuda.launch.ConvKernels;
import dev.jgrad.cuda.launch.CudaKernels;
import dev.jgrad.cuda.launch.GemmDispatch;
import dev.jgrad.cuda.launch.GemmKernels;
import dev.jgrad.cuda.launch.GemmKernels.Precision;
import dev.jgrad.cuda.launch.GemmKernels.Version;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.DeviceBuffer;
import dev.jgrad.cuda.runtime.Devices;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The kernel ladder benchmark, llm.c dev/cuda style: for every GEMM version of gemm.cu and the
 * implicit-GEMM convolutions of convgemm.cu — validate against a float64 reference, then time
 * with CUDA events (warm-up, median of many repeats) and print
 * {@code version | ms | TFLOP/s | % of peak | vs cuBLAS/cuDNN | rel. error}.
 *
 * <ul>
 *   <li>GEMM, C = A·B row-major at 4096³: FP32 versions 1–4 against cuBLAS SGEMM, TF32 version 5
 *       against cuBLAS TF32, BF16 versions 5 and 6 against cuBLAS BF16 (FP32 accumulate, FP32 C).
 *       Reference: cuBLAS DGEMM of the same inputs in float64 (for BF16, inputs that are exactly
 *       bf16 values). Relative error ‖C − ref‖ / ‖ref‖.</li>
 *   <li>Convolution (ResNet N=64 64→64 3×3 56², 128→128 3×3 28²; MNIST CNN conv1 1→32 and conv2
 *       32→64 at batch 64): forward, backward-data, backward-weight by implicit GEMM (FP32 and
 *       TF32, NCHW in and out: the NHWC transposes are included) and by the im2col + cuBLAS path
 *       (the same calls as CudaBackend's). Reference: the im2col path in FP32 (itself checked
 *       against the CPU kernels by the CUDA tests). "vs cuDNN" reads PyTorch's times from the file
 *       bench/python/gpu_kernel_peers.py wrote (--peers FILE).</li>
 * </ul>
 * <pre>
 * bash .gpu/run.sh java -cp ".gpu/lib/*" dev.jgrad.bench.GpuKernelBench [reps] [--peers FILE] [--size N]
 * </pre>
 * Lines starting "# dispatch candidate:" name shape classes where a version beat cuBLAS: those
 * may go into native's gemm-dispatch.properties (see GemmDispatch).
 */
public final class GpuKernelBench {
    private GpuKernelBench() {}

    static CudaDevice gpu;
    static GemmKernels gk;
    static KernelTable t;
    static final List<String> candidates = new ArrayList<>();

    public static void main(String[] args) throws IOException {
        if (!Cuda.isAvailable()) {
            System.out.println("GpuKernelBench: no usable GPU: " + Cuda.unavailableReason());
            return;
        }
        int reps = 30;
        int size = 4096;
        Path peers = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--peers" -> peers = Path.of(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                default -> reps = Integer.parseInt(args[i]);
            }
        }
        gpu = Devices.get(0);
        gk = GemmKernels.of(gpu);
        t = new KernelTable(gpu, reps);
        if (peers != null) t.readPeers(peers);
        System.out.println("# jgrad GpuKernelBench on " + gpu + ", driver " + Cuda.driverVersion() + ", cuBLAS "
                + (Cuda.cublasAvailable() ? Blas.of(gpu).library() + " v" + Blas.of(gpu).version() : "missing: " + Cuda.cublasUnavailableReason()));
        System.out.printf(Locale.ROOT, "# gemm image %s, wgmma %s; peaks (dense, TFLOP/s): FP32 %.1f, TF32 %.1f, BF16 %.1f; median of %d%n",
                gk.gemmImage(), gk.hasWgmma(), gk.peakTflops(Precision.F32), gk.peakTflops(Precision.TF32), gk.peakTflops(Precision.BF16), reps);
        t.header("vs ref", "rel.err");
        if (Cuda.cublasAvailable()) gemms(size);
        else System.out.println("# no cuBLAS: GEMM section skipped");
        convs();
        t.rows().forEach(System.out::println);
        System.out.println();
        candidates.forEach(System.out::println);
        for (Version v : Version.values()) System.out.println("# " + gk.describe(v.kernel));
        System.out.println("# " + gk.describe("conv_fwd_f32_128x64"));
        System.out.println("# " + gk.describe("conv_fwd_tf32_128x64"));
    }

    // ---- GEMM ------------------------------------------------------------------------------------------

    /** C = A·B in float64 by cuBLAS DGEMM on float64 copies of a and b. */
    static double[] reference(DeviceBuffer a, DeviceBuffer b, int s) {
        CudaKernels k = CudaKernels.of(gpu);
        long nn = (long) s * s;
        try (DeviceBuffer a64 = gpu.allocate(8 * nn); DeviceBuffer b64 = gpu.allocate(8 * nn); DeviceBuffer c64 = gpu.allocate(8 * nn)) {
            k.copy(ScalarType.F32, ScalarType.F64, new int[] {(int) nn}, a64.address(), new int[] {1}, a.address(), new int[] {1});
            k.copy(ScalarType.F32, ScalarType.F64, new int[] {(int) nn}, b64.address(), new int[] {1}, b.address(), new int[] {1});
            Blas.of(gpu).matmul(ScalarType.F64, 1, s, s, s, c64.address(), a64.address(), new int[] {0, s, 1}, b64.address(), new int[] {0, s, 1});
            double[] out = new double[(int) nn];
            c64.copyToHost(0, MemorySegment.ofArray(out), 0, 8 * nn);
            return out;
        }
    }

    static void gemms(int s) {
        Blas blas = Blas.of(gpu);
        long nn = (long) s * s;
        double flops = 2.0 * s * s * s;
        String shape = s + "^3";
        // FP32 and TF32: random floats
        try (DeviceBuffer a = t.upload(randomFloats(nn, 1, false)); DeviceBuffer b = t.upload(randomFloats(nn, 2, false));
             DeviceBuffer c = t.poisoned(4 * nn)) {
            double[] ref = reference(a, b, s);
            // row-major C = A·B through cuBLAS's column-major Cᵀ = Bᵀ·Aᵀ
            Runnable sgemm = () -> blas.gemmEx(false, false, s, s, s, b.address(), Blas.DataType.F32, s, 0, a.address(), Blas.DataType.F32, s, 0,
                    0, c.address(), Blas.DataType.F32, s, 0, 1, Blas.Compute.F32);
            double cublas = t.time(sgemm);
            t.row("cuBLAS SGEMM (FP32)", shape, cublas, flops, gk.peakTflops(Precision.F32), cublas, relErr(download(c, nn), ref));
            for (Version v : List.of(Version.V1, Version.V2, Version.V3, Version.V4)) gemmRow(v, s, a, b, c, ref, cublas, flops);
            Runnable tf32 = () -> blas.gemmEx(false, false, s, s, s, b.address(), Blas.DataType.F32, s, 0, a.address(), Blas.DataType.F32, s, 0,
                    0, c.address(), Blas.DataType.F32, s, 0, 1, Blas.Compute.F32_FAST_TF32);
            double cublasTf32 = t.time(tf32);
            t.row("cuBLAS TF32", shape, cublasTf32, flops, gk.peakTflops(Precision.TF32), cublasTf32, relErr(download(c, nn), ref));
            gemmRow(Version.V5_TF32, s, a, b, c, ref, cublasTf32, flops);
        }
        // BF16: floats that are exactly bf16 values, so the float64 reference is the bf16 product's
        try (DeviceBuffer a = t.upload(randomFloats(nn, 3, true)); DeviceBuffer b = t.upload(randomFloats(nn, 4, true));
             DeviceBuffer c = t.poisoned(4 * nn); DeviceBuffer ah = gpu.allocate(2 * nn); DeviceBuffer bh = gpu.allocate(2 * nn);
             DeviceBuffer bth = gpu.allocate(2 * nn)) {
            double[] ref = reference(a, b, s);
            gk.toBf16(ah.address(), a.address(), s, s, s, s, false);
            gk.toBf16(bh.address(), b.address(), s, s, s, s, false);
            gk.toBf16(bth.address(), b.address(), s, s, s, s, true);
            Runnable bf = () -> blas.gemmEx(false, false, s, s, s, bh.address(), Blas.DataType.BF16, s, 0, ah.address(), Blas.DataType.BF16, s, 0,
                    0, c.address(), Blas.DataType.F32, s, 0, 1, Blas.Compute.F32);
            double cublasBf16 = t.time(bf);
            t.row("cuBLAS BF16 (FP32 acc, FP32 C)", shape, cublasBf16, flops, gk.peakTflops(Precision.BF16), cublasBf16,
                    relErr(download(c, nn), ref));
            // the same product with B given transposed (K-major), as version 6 takes it
            Runnable bft = () -> blas.gemmEx(true, false, s, s, s, bth.address(), Blas.DataType.BF16, s, 0, ah.address(), Blas.DataType.BF16, s,
                    0, 0, c.address(), Blas.DataType.F32, s, 0, 1, Blas.Compute.F32);
            double cublasBf16t = t.time(bft);
            t.row("cuBLAS BF16, B K-major", shape, cublasBf16t, flops, gk.peakTflops(Precision.BF16), cublasBf16t, relErr(download(c, nn), ref));
            gemmRowBf16(Version.V5_BF16, s, ah, bh, c, ref, cublasBf16, flops);
            if (gk.hasWgmma()) gemmRowBf16(Version.V6_BF16, s, ah, bth, c, ref, Math.min(cublasBf16, cublasBf16t), flops);
            else t.note("# version 6 skipped: " + gk.unsupported(Version.V6_BF16, 1, s, s, s, ah.address(), s, bth.address(), s));
        }
    }

    static void gemmRow(Version v, int s, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, double[] ref, double cublasMs, double flops) {
        c.fillBytes(0xFF);
        Runnable run = () -> gk.gemm(v, 1, s, s, s, c.address(), s, 0, a.address(), s, 0, b.address(), s, 0);
        run.run();
        double err = relErr(download(c, (long) s * s), ref);
        double ms = t.time(run);
        t.row(v.number() + ": " + v.what, s + "^3", ms, flops, gk.peakTflops(v.precision), cublasMs, err);
        if (ms < cublasMs && v.precision != Precision.BF16) {
            candidates.add("# dispatch candidate: " + GemmDispatch.shapeClass(v.precision == Precision.TF32, 1, s, s, s) + "=v" + v.number()
                    + "   (" + String.format(Locale.ROOT, "%.3f ms vs cuBLAS %.3f ms", ms, cublasMs) + ")");
        }
    }

    static void gemmRowBf16(Version v, int s, DeviceBuffer ah, DeviceBuffer bh, DeviceBuffer c, double[] ref, double cublasMs, double flops) {
        c.fillBytes(0xFF);
        Runnable run = () -> gk.gemm(v, 1, s, s, s, c.address(), s, 0, ah.address(), s, 0, bh.address(), s, 0);
        run.run();
        double err = relErr(download(c, (long) s * s), ref);
        t.row(v.number() + ": " + v.what, s + "^3", t.time(run), flops, gk.peakTflops(Precision.BF16), cublasMs, err);
    }

    // ---- convolution -------------------------------------------------------------------------------------

    record Layer(String name, ConvKernels.Geometry g) {
        /** The key gpu_kernel_peers.py writes: "n x c x h x w k r stride pad". */
        String key() {
            return g.n() + "x" + g.c() + "x" + g.h() + "x" + g.w() + " k" + g.k() + " r" + g.r() + " s" + g.sh() + " p" + g.ph();
        }
    }

    static final List<Layer> LAYERS = List.of(
            new Layer("ResNet 64->64 3x3 56^2", new ConvKernels.Geometry(64, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1)),
            new Layer("ResNet 128->128 3x3 28^2", new ConvKernels.Geometry(64, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1)),
            new Layer("MNIST conv1 1->32 3x3 28^2", new ConvKernels.Geometry(64, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1)),
            new Layer("MNIST conv2 32->64 3x3 14^2", new ConvKernels.Geometry(64, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1)));

    /** CudaBackend's im2col + cuBLAS path (groups = 1, the whole batch in one column buffer). */
    static final class Im2col {
        final ConvKernels.Geometry g;
        final int crs, pq, hw;
        final int[] geom;
        final DeviceBuffer col, dyp;

        Im2col(ConvKernels.Geometry g) {
            this.g = g;
            crs = g.c() * g.r() * g.s();
            pq = g.p() * g.q();
            hw = g.h() * g.w();
            geom = new int[] {g.n(), g.c(), g.h(), g.w(), g.r(), g.s(), g.p(), g.q(), g.sh(), g.sw(), g.ph(), g.pw(), g.dh(), g.dw()};
            col = gpu.allocate(4L * g.n() * crs * pq);
            dyp = gpu.allocate(4L * g.n() * g.k() * pq);
        }

        void forward(long y, long x, long w) {
            CudaKernels.of(gpu).im2col(ScalarType.F32, col.address(), x, geom, g.c() * hw, crs * pq, pq);
            Blas.of(gpu).matmul(ScalarType.F32, g.n(), g.k(), pq, crs, y, new int[] {g.k() * pq, pq, 1}, w, new int[] {0, crs, 1}, col.address(),
                    new int[] {crs * pq, pq, 1}, 0);
        }

        void backwardData(long dx, long dy, long w) {
            Blas.of(gpu).matmul(ScalarType.F32, g.n(), crs, pq, g.k(), col.address(), new int[] {crs * pq, pq, 1}, w, new int[] {0, 1, crs}, dy,
                    new int[] {g.k() * pq, pq, 1}, 0);
            CudaKernels.of(gpu).col2im(ScalarType.F32, dx, col.address(), geom, g.c() * hw, crs * pq, pq);
        }

        void backwardWeight(long dw, long x, long dy) {
            CudaKernels.of(gpu).im2col(ScalarType.F32, col.address(), x, geom, g.c() * hw, pq, g.n() * pq);
            CudaKernels.of(gpu).copy(ScalarType.F32, ScalarType.F32, new int[] {g.k(), g.n(), pq}, dyp.address(), new int[] {g.n() * pq, pq, 1}, dy,
                    new int[] {pq, g.k() * pq, 1});
            Blas.of(gpu).matmul(ScalarType.F32, 1, g.k(), crs, g.n() * pq, dw, new int[] {0, crs, 1}, dyp.address(), new int[] {0, g.n() * pq, 1},
                    col.address(), new int[] {0, 1, g.n() * pq}, 0);
        }

        void close() {
            col.close();
            dyp.close();
        }
    }

    static void convs() {
        ConvKernels conv = ConvKernels.of(gpu);
        for (Layer layer : LAYERS) {
            ConvKernels.Geometry g = layer.g();
            long xs = (long) g.n() * g.c() * g.h() * g.w(), ws = (long) g.k() * g.cg() * g.r() * g.s(), ys = (long) g.n() * g.k() * g.p() * g.q();
            double flops = 2.0 * g.macs();
            boolean blas = Cuda.cublasAvailable();
            Im2col im = blas ? new Im2col(g) : null;
            try (DeviceBuffer x = t.upload(randomFloats(xs, 5, false)); DeviceBuffer w = t.upload(randomFloats(ws, 6, false));
                 DeviceBuffer dy = t.upload(randomFloats(ys, 7, false)); DeviceBuffer y = t.poisoned(4 * ys); DeviceBuffer dx = t.poisoned(4 * xs);
                 DeviceBuffer dw = t.poisoned(4 * ws); DeviceBuffer ry = gpu.allocate(4 * ys); DeviceBuffer rdx = gpu.allocate(4 * xs);
                 DeviceBuffer rdw = gpu.allocate(4 * ws)) {
                float[][] ref = null;
                if (im != null) {
                    im.forward(ry.address(), x.address(), w.address());
                    im.backwardData(rdx.address(), dy.address(), w.address());
                    im.backwardWeight(rdw.address(), x.address(), dy.address());
                    ref = new float[][] {download(ry, ys), download(rdx, xs), download(rdw, ws)};
                }
                String shape = layer.name();
                String[] passes = {"fwd", "dgrad", "wgrad"};
                for (int p = 0; p < 3; p++) {
                    final int pass = p;
                    DeviceBuffer out = pass == 0 ? y : pass == 1 ? dx : dw;
                    long n = pass == 0 ? ys : pass == 1 ? xs : ws;
                    for (boolean tf32 : new boolean[] {false, true}) {
                        Runnable run = switch (pass) {
                            case 0 -> () -> conv.forward(y.address(), x.address(), w.address(), g, tf32);
                            case 1 -> () -> conv.backwardData(dx.address(), dy.address(), w.address(), g, tf32);
                            default -> () -> conv.backwardWeight(dw.address(), x.address(), dy.address(), g, tf32);
                        };
                        out.fillBytes(0xFF);
                        run.run();
                        double err = ref == null ? Double.NaN : relErr(download(out, n), ref[pass]);
                        double ms = t.time(run);
                        String prec = tf32 ? "tf32" : "fp32";
                        double cudnn = t.peer("conv " + passes[pass] + " " + prec + " " + layer.key());
                        t.row("igemm " + passes[pass] + " " + prec.toUpperCase(Locale.ROOT) + " (NCHW)", shape, ms, flops,
                                gk.peakTflops(tf32 ? Precision.TF32 : Precision.F32), cudnn, err);
                    }
                    if (im != null) {
                        Runnable run = switch (pass) {
                            case 0 -> () -> im.forward(y.address(), x.address(), w.address());
                            case 1 -> () -> im.backwardData(dx.address(), dy.address(), w.address());
                            default -> () -> im.backwardWeight(dw.address(), x.address(), dy.address());
                        };
                        double cudnn = t.peer("conv " + passes[pass] + " fp32 " + layer.key());
                        t.row("im2col+cuBLAS " + passes[pass] + " FP32", shape, t.time(run), flops, gk.peakTflops(Precision.F32), cudnn, 0);
                    }
                }
                // the kernel alone, NHWC (no transposes), FP32 forward
                try (DeviceBuffer xh = gpu.allocate(4 * xs); DeviceBuffer wr = gpu.allocate(4 * ws); DeviceBuffer yh = gpu.allocate(4 * ys)) {
                    conv.transpose(xh.address(), x.address(), g.n(), g.c(), g.h() * g.w());
                    conv.transpose(wr.address(), w.address(), g.k(), g.cg(), g.r() * g.s());
                    double ms = t.time(() -> conv.forwardNhwc(yh.address(), xh.address(), wr.address(), g, false));
                    t.row("igemm fwd FP32 kernel only (NHWC)", shape, ms, flops, gk.peakTflops(Precision.F32),
                            t.peer("conv fwd fp32 " + layer.key()), Double.NaN);
                }
            } finally {
                if (im != null) im.close();
            }
        }
    }
}
