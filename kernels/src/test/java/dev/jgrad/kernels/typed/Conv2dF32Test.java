package dev.jgrad.kernels.typed;

import static dev.jgrad.kernels.Fixtures.*;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.Conv2dRef;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Conv2dF32} against the reference {@link Conv2dRef} run in float64 on the same values.
 * Tolerance: each output sums up to C·R·S (forward), K·R·S (input gradient) or N·P·Q (weight
 * gradient) products of values in [-1, 1); we allow 1e-5·√terms absolute plus 1e-5 relative.
 */
class Conv2dF32Test {
    // n, c, h, w, k, r, s, strideH, strideW, padH, padW, dilH, dilW, groups
    private static final List<ConvShape> SHAPES = List.of(
            new ConvShape(3, 4, 9, 11, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // 3x3 same padding, ragged sizes
            new ConvShape(2, 3, 8, 7, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1),      // stride 2
            new ConvShape(2, 6, 10, 9, 4, 3, 2, 1, 1, 2, 1, 2, 2, 2),     // dilation 2, groups 2, non-square kernel
            new ConvShape(1, 5, 7, 7, 17, 1, 1, 1, 1, 0, 0, 1, 1, 1),     // 1x1
            new ConvShape(2, 4, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4),      // depthwise
            new ConvShape(3, 2, 12, 5, 3, 5, 3, 3, 1, 2, 0, 1, 2, 1),     // mixed stride, padding, dilation per axis
            new ConvShape(2, 3, 9, 9, 6, 3, 3, 1, 1, 3, 3, 1, 1, 1),      // padding larger than dil·(r−1): column path for dx
            new ConvShape(5, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // MNIST conv1 (small batch)
            new ConvShape(2, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1),  // MNIST conv2 (small batch)
            new ConvShape(1, 40, 5, 5, 8, 3, 3, 1, 1, 0, 0, 1, 1, 1),     // C·R·S = 360, near one depth block
            new ConvShape(1, 50, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1));    // C·R·S = 450 > KC: two depth blocks

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void allPassesMatchTheReference(boolean simd) {
        withSimd(simd, () -> {
            Random rnd = new Random(5);
            for (ConvShape cs : SHAPES) check(rnd, cs);
        });
    }

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 3})
    void otherThreadCounts(int threads) {
        withThreads(threads, () -> {
            Random rnd = new Random(9);
            check(rnd, new ConvShape(7, 3, 10, 10, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1));
            check(rnd, new ConvShape(5, 4, 9, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2));
        });
    }

    // enough output channels for the outer-product weight gradient (ConvWeightVec): ragged K and C·R·S
    private static final List<ConvShape> MANY_OUTPUTS = List.of(
            new ConvShape(3, 5, 9, 11, 50, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // K = 50 of a 64 tile, C·R·S = 45 of 48 rows
            new ConvShape(2, 3, 8, 7, 70, 3, 3, 2, 2, 1, 1, 1, 1, 1),     // stride 2 (im2col source), two tiles of K
            new ConvShape(2, 7, 6, 6, 64, 1, 1, 1, 1, 0, 0, 1, 1, 1),     // 1×1
            new ConvShape(3, 4, 9, 9, 48, 3, 3, 1, 1, 2, 2, 2, 2, 1),     // dilation 2
            new ConvShape(2, 3, 9, 10, 64, 3, 3, 1, 1, 1, 0, 1, 1, 1),    // no padding across: shifted rows of Q = 8 < W
            new ConvShape(2, 2, 7, 8, 48, 3, 3, 1, 1, 0, 3, 1, 2, 1),     // padding beyond the taps: Q = 10 > W, shifts −3, −1, 1
            new ConvShape(2, 6, 10, 9, 64, 3, 2, 1, 1, 2, 1, 2, 2, 2));   // groups: the dot-product path

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2, 3})
    void manyOutputChannels(int threads) {
        withThreads(threads, () -> withSimd(true, () -> {
            Random rnd = new Random(13);
            for (ConvShape cs : MANY_OUTPUTS) {
                boolean expect = Conv2dF32.OUTER_WEIGHT && Simd.enabled() && cs.groups() == 1;
                if (Conv2dF32.outerWeight(cs) != expect) throw new AssertionError("routing of " + cs);
                check(rnd, cs);
            }
        }));
    }

    // one input channel per group: the direct forward (one channel, 3×3, stride 1, SIMD) or the GEMM path
    private static final List<ConvShape> ONE_CHANNEL = List.of(
            new ConvShape(3, 1, 7, 17, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // ragged 7×17
            new ConvShape(2, 1, 1, 1, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1),      // 1×1 image, 1×1 kernel
            new ConvShape(1, 1, 1, 1, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // 1×1 image, 3×3 kernel, all padding
            new ConvShape(2, 1, 17, 7, 4, 3, 5, 1, 1, 2, 1, 1, 1, 1),     // odd per-axis padding, non-square kernel
            new ConvShape(2, 1, 17, 33, 3, 3, 3, 1, 1, 3, 0, 2, 3, 1),    // dilation, padding on one axis, Q = 27
            new ConvShape(5, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // MNIST conv1, odd batch
            new ConvShape(2, 3, 9, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 3),      // grouped, 2 outputs per channel
            new ConvShape(2, 5, 7, 17, 5, 5, 5, 1, 1, 2, 2, 1, 1, 5),     // depthwise 5×5
            new ConvShape(2, 1, 17, 17, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1),    // stride 2: GEMM path
            new ConvShape(2, 1, 17, 16, 9, 3, 3, 1, 1, 1, 0, 1, 1, 1),    // K = 9: a block of 8 and one of 1, Q = 14
            new ConvShape(1, 1, 3, 18, 17, 3, 3, 1, 1, 0, 1, 1, 1, 1),    // K = 17, one output row, Q = 18
            new ConvShape(2, 1, 9, 9, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // K = 1: the input gradient runs the direct forward too
            new ConvShape(3, 1, 40, 40, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1),    // Q = 40: two whole vectors and a tail
            new ConvShape(11, 1, 5, 3, 10, 3, 3, 1, 1, 2, 0, 1, 1, 1),    // direct: 11 images in unequal ranges, P ≠ H, Q ≠ W
            new ConvShape(2, 1, 6, 9, 3, 3, 3, 1, 1, 0, 2, 2, 1, 1));     // direct: dilation on rows, padding on columns only

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2, 3})
    void oneInputChannelPerGroup(int threads) {
        withThreads(threads, () -> withSimd(true, () -> {
            Random rnd = new Random(11);
            for (ConvShape cs : ONE_CHANNEL) {
                boolean expect = Conv2dF32.DIRECT && Simd.enabled() && cs.c() == 1 && cs.r() == 3 && cs.s() == 3 && cs.strideH() == 1;
                if (Conv2dF32.direct(cs) != expect) throw new AssertionError("routing of " + cs);
                check(rnd, cs);
            }
        }));
    }

    @ParameterizedTest(name = "bias={0}")
    @ValueSource(booleans = {true, false})
    void directPassesDoNotDependOnTheThreadCount(boolean withBias) {
        withSimd(true, () -> {
            ConvShape cs = new ConvShape(13, 1, 9, 10, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1);
            if (!Conv2dF32.direct(cs)) return;
            Random rnd = new Random(3);
            float[] x = rand(rnd, cs.n() * cs.h() * cs.w()), w = rand(rnd, cs.k() * 9), bias = withBias ? rand(rnd, cs.k()) : null;
            float[] dy = rand(rnd, cs.n() * cs.k() * cs.outH() * cs.outW());
            float[][] y = new float[2][dy.length], dw = new float[2][w.length];
            int[] threads = {1, 3};
            boolean was = Conv2dF32.directWeight;
            Conv2dF32.directWeight = true;   // the direct weight kernel, off by default
            try {
                for (int i = 0; i < 2; i++) {
                    int t = i;
                    withThreads(threads[t], () -> {
                        Conv2dF32.forward(cs, x, w, bias, y[t]);
                        Conv2dF32.backwardWeight(cs, x, dy, dw[t]);
                    });
                }
            } finally {
                Conv2dF32.directWeight = was;
            }
            if (!java.util.Arrays.equals(y[0], y[1])) throw new AssertionError("forward differs between 1 and 3 threads");
            if (!java.util.Arrays.equals(dw[0], dw[1])) throw new AssertionError("weight gradient differs between 1 and 3 threads");
        });
    }

    static void check(Random rnd, ConvShape cs) {
        int P = cs.outH(), Q = cs.outW();
        float[] x = rand(rnd, cs.n() * cs.c() * cs.h() * cs.w());
        float[] w = rand(rnd, cs.k() * cs.cPerGroup() * cs.r() * cs.s());
        float[] dy = rand(rnd, cs.n() * cs.k() * P * Q);
        String what = cs + " simd=" + Simd.enabled() + " threads=" + Parallel.threads();

        Buf.F64 y = new Buf.F64(new double[dy.length]);
        Conv2dRef.forward(cs, f64(x), f64(w), y);
        float[] yf = new float[dy.length];
        java.util.Arrays.fill(yf, Float.NaN); // the kernel must overwrite every element
        Conv2dF32.forward(cs, x, w, yf);
        assertClose("forward " + what, y.data(), yf, 1e-5 * Math.sqrt(cs.cPerGroup() * cs.r() * cs.s()), 1e-5);

        float[] bias = rand(rnd, cs.k());
        Buf.F64 yb = new Buf.F64(new double[dy.length]);
        Conv2dRef.forward(cs, f64(x), f64(w), f64(bias), yb);
        float[] ybf = new float[dy.length];
        java.util.Arrays.fill(ybf, Float.NaN);
        Conv2dF32.forward(cs, x, w, bias, ybf);
        assertClose("forward with bias " + what, yb.data(), ybf, 1e-5 * Math.sqrt(cs.cPerGroup() * cs.r() * cs.s() + 1), 1e-5);
        int pq = P * Q;
        for (int i = 0; i < dy.length; i++) {
            if (Math.abs(yb.data()[i] - y.data()[i] - bias[i / pq % cs.k()]) > 1e-9) throw new AssertionError("reference bias at " + i);
        }

        Buf.F64 dx = new Buf.F64(new double[x.length]);
        Conv2dRef.backwardInput(cs, f64(dy), f64(w), dx);
        float[] dxf = new float[x.length];
        java.util.Arrays.fill(dxf, Float.NaN); // the kernel must overwrite every element
        Conv2dF32.backwardInput(cs, dy, w, dxf);
        assertClose("backwardInput " + what, dx.data(), dxf, 1e-5 * Math.sqrt(cs.kPerGroup() * cs.r() * cs.s()), 1e-5);

        Buf.F64 dw = new Buf.F64(new double[w.length]);
        Conv2dRef.backwardWeight(cs, f64(x), f64(dy), dw);
        float[] dwf = new float[w.length];
        java.util.Arrays.fill(dwf, Float.NaN);
        Conv2dF32.backwardWeight(cs, x, dy, dwf);
        assertClose("backwardWeight " + what, dw.data(), dwf, 1e-5 * Math.sqrt(cs.n() * P * Q), 1e-5);
        if (Conv2dF32.direct(cs)) {   // the direct weight kernel as well, off by default
            boolean was = Conv2dF32.directWeight;
            Conv2dF32.directWeight = true;
            try {
                float[] dwd = new float[dwf.length];
                Conv2dF32.backwardWeight(cs, x, dy, dwd);
                assertClose("direct backwardWeight " + what, dw.data(), dwd, 1e-5 * Math.sqrt(cs.n() * P * Q), 1e-5);
            } finally {
                Conv2dF32.directWeight = was;
            }
        }
    }
}
