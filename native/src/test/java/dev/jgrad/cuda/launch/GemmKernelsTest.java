package dev.jgrad.cuda.launch;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.DeviceBuffer;
import dev.jgrad.cuda.runtime.Devices;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every GEMM version of gemm.cu and the implicit-GEMM convolutions of convgemm.cu on small,
 * ragged shapes against float64 references computed here. Skipped (assumeTrue) without a GPU.
 * Inputs are random (never zeros), outputs poisoned with NaN first, so an unwritten element fails.
 *
 * <p>Tolerances (‖got − ref‖ / ‖ref‖ and the largest element error over ‖ref‖∞): FP32 1e-5;
 * TF32 5e-3 (10-bit mantissa operands); BF16 1e-5 against a reference computed from the same
 * bf16-rounded inputs (the products are exact in FP32, only the accumulation rounds).
 */
class GemmKernelsTest {
    CudaDevice gpu;
    GemmKernels g;

    @BeforeEach
    void needGpu() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        gpu = Devices.get(0);
        g = GemmKernels.of(gpu);
    }

    static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }

    DeviceBuffer upload(float[] a) {
        DeviceBuffer b = gpu.allocate(4L * Math.max(1, a.length));
        b.copyFromHost(MemorySegment.ofArray(a), 0, 0, 4L * a.length);
        return b;
    }

    DeviceBuffer poisoned(long floats) {
        DeviceBuffer b = gpu.allocate(4 * Math.max(1, floats));
        b.fillBytes(0xFF);
        return b;
    }

    float[] download(DeviceBuffer b, int n) {
        float[] out = new float[n];
        b.copyToHost(0, MemorySegment.ofArray(out), 0, 4L * n);
        return out;
    }

    static float bf16(float x) {   // round to nearest even, as __float2bfloat16_rn
        int bits = Float.floatToRawIntBits(x);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    /** Relative errors {norm, max} of got against ref over the listed indices; NaN fails. */
    static void check(String what, double[] ref, float[] got, double tol) {
        double num = 0, den = 0, maxErr = 0, maxRef = 0;
        for (int i = 0; i < ref.length; i++) {
            if (Float.isNaN(got[i])) throw new AssertionError(what + ": element " + i + " is NaN (not written?)");
            double e = got[i] - ref[i];
            num += e * e;
            den += ref[i] * ref[i];
            maxErr = Math.max(maxErr, Math.abs(e));
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        double rel = Math.sqrt(num / Math.max(den, 1e-300)), relMax = maxErr / Math.max(maxRef, 1e-300);
        assertTrue(rel <= tol && relMax <= 4 * tol, what + ": relative error " + rel + " (max " + relMax + "), tolerance " + tol);
    }

    record Case(int batch, int m, int n, int k, int lda, int ldb, int ldc) {}

    static List<Case> cases(boolean aligned) {
        List<Case> c = new ArrayList<>();
        int[][] shapes = {{1, 1, 1, 1}, {1, 7, 5, 3}, {1, 129, 131, 67}, {1, 128, 128, 128}, {3, 65, 200, 33}, {1, 1, 300, 257},
            {1, 300, 1, 17}, {1, 257, 263, 1}, {2, 140, 260, 130}};
        for (int[] s : shapes) {
            int m = s[1], n = s[2], k = s[3];
            int lda = k + 3, ldb = n + 5, ldc = n + 1;
            if (aligned) {
                lda = (k + 3 + 7) / 8 * 8;
                ldb = (n + 5 + 7) / 8 * 8;
            }
            c.add(new Case(s[0], m, n, k, lda, ldb, ldc));
        }
        return c;
    }

    /** c[z] = a[z]·b[z] in float64 (b broadcast when sb == 0). */
    static double[] reference(Case c, float[] a, long sa, float[] b, long sb) {
        double[] out = new double[c.batch() * c.m() * c.n()];
        for (int z = 0; z < c.batch(); z++)
            for (int i = 0; i < c.m(); i++)
                for (int j = 0; j < c.n(); j++) {
                    double acc = 0;
                    for (int p = 0; p < c.k(); p++) acc += (double) a[(int) (z * sa) + i * c.lda() + p] * b[(int) (z * sb) + p * c.ldb() + j];
                    out[(z * c.m() + i) * c.n() + j] = acc;
                }
        return out;
    }

    float[] compact(float[] c, Case s, long sc) {
        float[] out = new float[s.batch() * s.m() * s.n()];
        for (int z = 0; z < s.batch(); z++)
            for (int i = 0; i < s.m(); i++)
                System.arraycopy(c, (int) (z * sc) + i * s.ldc(), out, (z * s.m() + i) * s.n(), s.n());
        return out;
    }

    void runFloat(GemmKernels.Version v, double tol) {
        SplittableRandom r = new SplittableRandom(v.ordinal() + 11);
        for (Case c : cases(v == GemmKernels.Version.V5_TF32)) {
            long sa = (long) c.m() * c.lda(), sb = c.batch() > 1 && c.m() % 2 == 1 ? 0 : (long) c.k() * c.ldb(), sc = (long) c.m() * c.ldc();
            float[] a = random(r, (int) (sa * c.batch())), b = random(r, (int) (Math.max(sb, (long) c.k() * c.ldb()) * c.batch()));
            try (DeviceBuffer da = upload(a); DeviceBuffer db = upload(b); DeviceBuffer dc = poisoned(sc * c.batch())) {
                g.gemm(v, c.batch(), c.m(), c.n(), c.k(), dc.address(), c.ldc(), sc, da.address(), c.lda(), sa, db.address(), c.ldb(), sb);
                float[] got = compact(download(dc, (int) (sc * c.batch())), c, sc);
                check(v + " " + c, reference(c, a, sa, b, sb), got, tol);
            }
        }
    }

    @Test
    void versionOneIsExact() {
        runFloat(GemmKernels.Version.V1, 1e-5);
    }

    @Test
    void versionTwoIsExact() {
        runFloat(GemmKernels.Version.V2, 1e-5);
    }

    @Test
    void versionThreeIsExact() {
        runFloat(GemmKernels.Version.V3, 1e-5);
    }

    @Test
    void versionFourIsExact() {
        runFloat(GemmKernels.Version.V4, 1e-5);
    }

    @Test
    void versionFiveTf32IsWithinTf32Rounding() {
        runFloat(GemmKernels.Version.V5_TF32, 5e-3);
    }

    /** BF16 versions: inputs converted on the GPU (cvt_f32_bf16), reference from the same rounded values. */
    void runBf16(GemmKernels.Version v) {
        SplittableRandom r = new SplittableRandom(v.ordinal() + 101);
        boolean six = v == GemmKernels.Version.V6_BF16;
        for (Case c : cases(true)) {
            if (six && c.batch() != 1) continue;
            float[] a = random(r, c.m() * c.k()), b = random(r, c.k() * c.n());   // dense float32 sources
            int lda = c.lda(), ldb = c.ldb();
            // bf16 operands: A [m, lda]; B [k, ldb] (v5) or Bt [n, ldbt] (v6, K-major)
            int ldbt = (c.k() + 7) / 8 * 8;
            try (DeviceBuffer fa = upload(a); DeviceBuffer fb = upload(b); DeviceBuffer ha = gpu.allocate(2L * c.m() * lda);
                 DeviceBuffer hb = gpu.allocate(2L * (six ? (long) c.n() * ldbt : (long) c.k() * ldb)); DeviceBuffer dc = poisoned((long) c.m() * c.ldc())) {
                g.toBf16(ha.address(), fa.address(), c.m(), c.k(), c.k(), lda, false);
                if (six) g.toBf16(hb.address(), fb.address(), c.k(), c.n(), c.n(), ldbt, true);
                else g.toBf16(hb.address(), fb.address(), c.k(), c.n(), c.n(), ldb, false);
                g.gemm(v, 1, c.m(), c.n(), c.k(), dc.address(), c.ldc(), 0, ha.address(), lda, 0, hb.address(), six ? ldbt : ldb, 0);
                float[] got = download(dc, c.m() * c.ldc());
                double[] ref = new double[c.m() * c.n()];
                float[] gotc = new float[c.m() * c.n()];
                for (int i = 0; i < c.m(); i++)
                    for (int j = 0; j < c.n(); j++) {
                        double acc = 0;
                        for (int p = 0; p < c.k(); p++) acc += (double) bf16(a[i * c.k() + p]) * bf16(b[p * c.n() + j]);
                        ref[i * c.n() + j] = acc;
                        gotc[i * c.n() + j] = got[i * c.ldc() + j];
                    }
                check(v + " " + c, ref, gotc, 1e-5);
            }
        }
    }

    @Test
    void versionFiveBf16MatchesTheRoundedInputs() {
        runBf16(GemmKernels.Version.V5_BF16);
    }

    @Test
    void versionSixBf16MatchesTheRoundedInputsOnHopper() {
        assumeTrue(g.hasWgmma(), "version 6 needs an sm_90a device: " + gpu + ", image " + g.gemmImage());
        runBf16(GemmKernels.Version.V6_BF16);
    }

    @Test
    void bf16ConversionRoundsToNearestEvenAndTransposes() {
        SplittableRandom r = new SplittableRandom(5);
        int rows = 37, cols = 45, ld = 48;
        float[] a = random(r, rows * cols);
        try (DeviceBuffer fa = upload(a); DeviceBuffer h = gpu.allocate(2L * cols * ld)) {
            g.toBf16(h.address(), fa.address(), rows, cols, cols, ld, true);
            short[] out = new short[cols * ld];
            h.copyToHost(0, MemorySegment.ofArray(out), 0, 2L * out.length);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) {
                    float want = bf16(a[i * cols + j]), got = Float.intBitsToFloat((out[j * ld + i] & 0xFFFF) << 16);
                    if (want != got) throw new AssertionError("(" + i + ", " + j + "): " + got + " != " + want);
                }
        }
    }

    // ---- convolution -------------------------------------------------------------------------------------

    record Conv(ConvKernels.Geometry g) {}

    static List<ConvKernels.Geometry> convCases() {
        return List.of(
                new ConvKernels.Geometry(2, 8, 9, 7, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // vector path (C, K % 4 == 0)
                new ConvKernels.Geometry(3, 3, 11, 9, 5, 3, 2, 2, 1, 1, 2, 1, 2, 1),      // odd channels: element path
                new ConvKernels.Geometry(2, 8, 10, 10, 12, 3, 3, 2, 2, 1, 1, 1, 1, 2),    // groups, stride 2
                new ConvKernels.Geometry(3, 6, 11, 9, 9, 3, 2, 2, 1, 1, 2, 2, 2, 3),      // groups 3, dilation 2
                new ConvKernels.Geometry(2, 4, 12, 12, 4, 1, 1, 1, 1, 0, 0, 1, 1, 4),     // depthwise 1x1
                new ConvKernels.Geometry(4, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // MNIST conv1
                new ConvKernels.Geometry(4, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // MNIST conv2
                new ConvKernels.Geometry(2, 80, 9, 9, 136, 3, 3, 1, 1, 1, 1, 1, 1, 1));   // 128x128 tiles, ragged edges
    }

    static double[][] convReference(ConvKernels.Geometry g, float[] x, float[] w, float[] dy) {
        int P = g.p(), Q = g.q(), cg = g.cg(), kg = g.kg();
        double[] y = new double[g.n() * g.k() * P * Q], dx = new double[x.length], dw = new double[w.length];
        for (int n = 0; n < g.n(); n++)
            for (int k = 0; k < g.k(); k++) {
                int grp = k / kg;
                for (int p = 0; p < P; p++)
                    for (int q = 0; q < Q; q++) {
                        int yi = ((n * g.k() + k) * P + p) * Q + q;
                        double acc = 0;
                        for (int c = 0; c < cg; c++)
                            for (int r = 0; r < g.r(); r++)
                                for (int s = 0; s < g.s(); s++) {
                                    int h = p * g.sh() - g.ph() + r * g.dh(), ww = q * g.sw() - g.pw() + s * g.dw();
                                    if (h < 0 || h >= g.h() || ww < 0 || ww >= g.w()) continue;
                                    int xi = ((n * g.c() + grp * cg + c) * g.h() + h) * g.w() + ww;
                                    int wi = ((k * cg + c) * g.r() + r) * g.s() + s;
                                    acc += (double) x[xi] * w[wi];
                                    dx[xi] += (double) dy[yi] * w[wi];
                                    dw[wi] += (double) dy[yi] * x[xi];
                                }
                        y[yi] = acc;
                    }
            }
        return new double[][] {y, dx, dw};
    }

    void runConv(boolean tf32, double tol) {
        SplittableRandom r = new SplittableRandom(tf32 ? 7 : 3);
        ConvKernels conv = ConvKernels.of(gpu);
        for (ConvKernels.Geometry geo : convCases()) {
            int xs = geo.n() * geo.c() * geo.h() * geo.w(), ws = geo.k() * geo.cg() * geo.r() * geo.s(), ys = geo.n() * geo.k() * geo.p() * geo.q();
            float[] x = random(r, xs), w = random(r, ws), dy = random(r, ys);
            double[][] ref = convReference(geo, x, w, dy);
            try (DeviceBuffer dx_ = upload(x); DeviceBuffer dw_ = upload(w); DeviceBuffer ddy = upload(dy); DeviceBuffer y = poisoned(ys);
                 DeviceBuffer gx = poisoned(xs); DeviceBuffer gw = poisoned(ws)) {
                conv.forward(y.address(), dx_.address(), dw_.address(), geo, tf32);
                conv.backwardData(gx.address(), ddy.address(), dw_.address(), geo, tf32);
                conv.backwardWeight(gw.address(), dx_.address(), ddy.address(), geo, tf32);
                String what = (tf32 ? "TF32 " : "FP32 ") + geo;
                check("conv forward " + what, ref[0], download(y, ys), tol);
                check("conv backward-data " + what, ref[1], download(gx, xs), tol);
                check("conv backward-weight " + what, ref[2], download(gw, ws), tol);
            }
        }
    }

    @Test
    void implicitGemmConvolutionFp32MatchesFloat64() {
        runConv(false, 1e-5);
    }

    @Test
    void implicitGemmConvolutionTf32IsWithinTf32Rounding() {
        runConv(true, 5e-3);
    }

    @Test
    void backwardWeightSplitsTheReductionAndSumsInOrder() {
        // a batch large enough for several splits: the partial sums go through the workspace
        ConvKernels.Geometry geo = new ConvKernels.Geometry(16, 16, 20, 20, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertTrue(ConvKernels.wgradSplit(geo, gpu.multiprocessorCount())[0] > 1);
        SplittableRandom r = new SplittableRandom(9);
        int xs = geo.n() * geo.c() * geo.h() * geo.w(), ws = geo.k() * geo.cg() * 9, ys = geo.n() * geo.k() * geo.p() * geo.q();
        float[] x = random(r, xs), w = random(r, ws), dy = random(r, ys);
        double[][] ref = convReference(geo, x, w, dy);
        try (DeviceBuffer dx_ = upload(x); DeviceBuffer ddy = upload(dy); DeviceBuffer gw = poisoned(ws); DeviceBuffer gw2 = poisoned(ws)) {
            ConvKernels conv = ConvKernels.of(gpu);
            conv.backwardWeight(gw.address(), dx_.address(), ddy.address(), geo, false);
            conv.backwardWeight(gw2.address(), dx_.address(), ddy.address(), geo, false);
            float[] a = download(gw, ws), b = download(gw2, ws);
            check("conv backward-weight, split", ref[2], a, 1e-5);
            for (int i = 0; i < ws; i++) {
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) throw new AssertionError("not deterministic at " + i);
            }
        }
    }
}
