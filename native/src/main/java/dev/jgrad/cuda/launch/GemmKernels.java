package dev.jgrad.cuda.launch;

import dev.jgrad.cuda.bindings.Driver;
import dev.jgrad.cuda.bindings.DriverExtras;
import dev.jgrad.cuda.runtime.CudaDevice;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * jgrad's own matrix products (cuda-kernels/src/main/cuda/gemm.cu): a ladder of versions from naive to
 * Hopper tensor cores, each computing the row-major, batched C = A·B with leading dimensions, for
 * the benchmark ({@code dev.jgrad.bench.GpuKernelBench}) and for {@link GemmDispatch}, which lets
 * jgrad's matmul use one where it was measured faster than cuBLAS.
 *
 * <pre>{@code
 * GemmKernels g = GemmKernels.of(Devices.get(0));
 * // c [m, n] = a [m, k] · b [k, n], contiguous float32, by version 4 (FP32 warp tiling)
 * g.gemm(GemmKernels.Version.V4, 1, m, n, k, c, n, 0, a, k, 0, b, n, 0);
 * }</pre>
 */
public final class GemmKernels {
    /** The numbered versions of gemm.cu, with the precision of their inputs. */
    public enum Version {
        V1("gemm1_f32", Precision.F32, "naive"),
        V2("gemm2_f32", Precision.F32, "shared-memory tiling"),
        V3("gemm3_f32", Precision.F32, "2-D register blocking, float4"),
        V4("gemm4_f32", Precision.F32, "warp tiling (FP32 SIMT)"),
        V5_TF32("gemm5_tf32", Precision.TF32, "mma.sync TF32, cp.async 4 stages"),
        V5_BF16("gemm5_bf16", Precision.BF16, "mma.sync BF16, cp.async 4 stages"),
        V6_BF16("gemm6_bf16", Precision.BF16, "wgmma + TMA (sm_90a)");

        public final String kernel;
        public final Precision precision;
        public final String what;

        Version(String kernel, Precision precision, String what) {
            this.kernel = kernel;
            this.precision = precision;
            this.what = what;
        }

        /** The version's number in gemm.cu (1..6). */
        public int number() {
            return kernel.charAt(4) - '0';
        }
    }

    /** Input precision of a product; all accumulate in FP32. */
    public enum Precision {
        F32, TF32, BF16
    }

    static final int V5_SMEM = 4 * 18944, V6_SMEM = 1024 + 4 * (128 * 64 + 256 * 64) * 2 + 2 * 4 * 8;
    /** The largest grid y and z dimensions. */
    static final int GRID_YZ = 65535;

    private static final Map<CudaDevice, GemmKernels> INSTANCES = new ConcurrentHashMap<>();

    final CudaDevice device;

    private GemmKernels(CudaDevice device) {
        this.device = device;
    }

    /** The launcher for {@code device}. */
    public static GemmKernels of(CudaDevice device) {
        return INSTANCES.computeIfAbsent(device, GemmKernels::new);
    }

    // ---- launching ------------------------------------------------------------------------------------

    /** Launches {@code name} with a 3-D grid and dynamic shared memory (see {@link CudaKernels#launch}). */
    void launch(String name, int gx, int gy, int gz, int bx, int by, int smem, KernelArgs args) {
        CudaKernels.of(device).launch(name, gx, gy, gz, bx, by, 1, smem, args);
    }

    /** Where the gemm module was loaded from ("gemm.sm_90a.cubin"), loading it first. */
    public String gemmImage() {
        device.modules().function("gemm", Version.V1.kernel);
        return device.modules().source("gemm");
    }

    /** Whether version 6 can run: compute capability 9.0, the sm_90a cubin loaded, and a driver with tensor maps. */
    public boolean hasWgmma() {
        return device.computeCapability() == 90 && gemmImage().endsWith("sm_90a.cubin") && DriverExtras.of(device.driver()).hasTensorMaps();
    }

    static int[] shape(int m, int n, int k, int lda, int ldb, int ldc, int batch, long sa, long sb, long sc) {
        return new int[] {m, n, k, lda, ldb, ldc, batch, 0, (int) sa, (int) (sa >>> 32), (int) sb, (int) (sb >>> 32), (int) sc,
            (int) (sc >>> 32)};
    }

    /**
     * Why {@code v} cannot run this product as given, or null when it can: versions 1 to 5 need
     * the grid to fit (version 4 also batch ≤ 65535), version 5 16-byte aligned operands and
     * leading dimensions, version 6 no batch, leading dimensions a multiple of 8 and a Hopper with
     * the sm_90a image. Addresses in bytes, leading dimensions in elements.
     */
    public String unsupported(Version v, int batch, int m, int n, int k, long a, int lda, long b, int ldb) {
        int tileM = switch (v) {
            case V1 -> 8;
            case V2 -> 32;
            default -> 128;
        };
        if (Math.ceilDiv(m, tileM) > GRID_YZ) return "M = " + m + " needs more than " + GRID_YZ + " row blocks";
        if (v == Version.V4 && batch > GRID_YZ) return "batch " + batch + " > " + GRID_YZ;
        int es = v.precision == Precision.BF16 ? 2 : 4;
        if (v == Version.V5_TF32 || v == Version.V5_BF16) {
            if ((long) lda * es % 16 != 0 || (long) ldb * es % 16 != 0) return "lda, ldb must be multiples of 16 bytes";
            if (a % 16 != 0 || b % 16 != 0) return "A and B must be 16-byte aligned";
        }
        if (v == Version.V6_BF16) {
            if (batch != 1) return "no batch";
            if (lda % 8 != 0 || ldb % 8 != 0) return "lda, ldb must be multiples of 8";
            if (a % 16 != 0 || b % 16 != 0) return "A and B must be 16-byte aligned";
            if (!hasWgmma()) return "needs compute capability 9.0 with the sm_90a image (" + device.name() + ", " + gemmImage() + ")";
        }
        return null;
    }

    /**
     * c[z] = a[z]·b[z] for z < batch by version {@code v}: a [m, k] (row stride lda), b [k, n]
     * (row stride ldb; for V6_BF16, b is Bᵀ [n, k] with row stride ldb), c [m, n] (row stride ldc);
     * batch strides in elements (0 broadcasts). a and b are float32 for F32/TF32 versions, bf16 for
     * BF16 ones (see {@link #toBf16}); c is float32. Throws IllegalArgumentException when
     * {@link #unsupported} says why not.
     */
    public void gemm(Version v, int batch, int m, int n, int k, long c, int ldc, long sc, long a, int lda, long sa, long b, int ldb, long sb) {
        String why = unsupported(v, batch, m, n, k, a, lda, b, ldb);
        if (why != null) throw new IllegalArgumentException("gemm " + v + " [" + m + ", " + n + ", " + k + "] x" + batch + ": " + why);
        if (batch == 0 || m == 0 || n == 0) return;
        int z = Math.min(batch, GRID_YZ);
        KernelArgs args = KernelArgs.get().ptr(c).ptr(a).ptr(b).ints(shape(m, n, k, lda, ldb, ldc, batch, sa, sb, sc));
        switch (v) {
            case V1 -> launch(v.kernel, Math.ceilDiv(n, 32), Math.ceilDiv(m, 8), z, 32, 8, 0, args);
            case V2 -> launch(v.kernel, Math.ceilDiv(n, 32), Math.ceilDiv(m, 32), z, 32, 32, 0, args);
            case V3, V4 -> launch(v.kernel, Math.ceilDiv(n, 128), Math.ceilDiv(m, 128), z, 256, 1, 0, args);
            case V5_TF32, V5_BF16 -> launch(v.kernel, Math.ceilDiv(n, 128), Math.ceilDiv(m, 128), z, 128, 1, V5_SMEM, args);
            case V6_BF16 -> {
                DriverExtras x = DriverExtras.of(device.driver());
                int[] ta = x.tensorMapBf16(a, m, k, lda, 128, 64), tb = x.tensorMapBf16(b, n, k, ldb, 256, 64);
                KernelArgs a6 = KernelArgs.get().ptr(c).ints(ta).ints(tb).i32(m).i32(n).i32(k).i32(ldc);
                launch(v.kernel, Math.ceilDiv(n, 256), Math.ceilDiv(m, 128), 1, 384, 1, V6_SMEM, a6);
            }
        }
    }

    /**
     * out (bf16, round to nearest even) = in (float32 [rows, cols], row stride ldin), written with
     * row stride ldout; transposed (out [cols, rows]) when {@code transpose}.
     */
    public void toBf16(long out, long in, int rows, int cols, int ldin, int ldout, boolean transpose) {
        if (rows == 0 || cols == 0) return;
        long tiles = (long) Math.ceilDiv(rows, 32) * Math.ceilDiv(cols, 32);
        int blocks = (int) Math.min(tiles, (long) device.multiprocessorCount() * 16);
        launch("cvt_f32_bf16", blocks, 1, 1, 256, 1, 0,
                KernelArgs.get().ptr(out).ptr(in).i32(rows).i32(cols).i32(ldin).i32(ldout).i32(transpose ? 1 : 0));
    }

    /** Registers, local memory and static shared memory of a kernel, as the driver reports them. */
    public String describe(String kernel) {
        return CudaKernels.of(device).describe(kernel);
    }

    /**
     * The dense peak in TFLOP/s for {@code p}: NVIDIA's datasheet figures for the H100 SXM and H200
     * (FP32 66.9, TF32 494.7, BF16 989.4) and the H100 PCIe (51.2, 378, 756); for another GPU
     * SMs × FMAs per clock per SM × 2 × the SM clock the driver reports (FP32 128 FMA/clk/SM, 64 on
     * an A100; tensor cores per SM: Hopper TF32 1024, BF16 2048; Ampere 512, 1024). A reference
     * line for "% of peak", not a measurement.
     */
    public double peakTflops(Precision p) {
        String name = device.name();
        int sms = device.multiprocessorCount();
        if (name.contains("H200") || (name.contains("H100") && sms == 132)) {
            return switch (p) {
                case F32 -> 66.9;
                case TF32 -> 494.7;
                case BF16 -> 989.4;
            };
        }
        if (name.contains("H100") && sms == 114) {
            return switch (p) {
                case F32 -> 51.2;
                case TF32 -> 378.0;
                case BF16 -> 756.0;
            };
        }
        int cc = device.computeCapability();
        int fmaPerClock = switch (p) {
            case F32 -> cc == 80 ? 64 : 128;
            case TF32 -> cc >= 90 ? 1024 : 512;
            case BF16 -> cc >= 90 ? 2048 : 1024;
        };
        double clockHz = device.driver().deviceAttribute(Driver.ATTR_CLOCK_RATE, device.driver().deviceGet(device.ordinal())) * 1e3;
        return sms * (double) fmaPerClock * 2 * clockHz / 1e12;
    }
}
