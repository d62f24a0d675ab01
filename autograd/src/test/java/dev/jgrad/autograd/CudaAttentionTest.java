package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA attention kernels (attention.cu) against the float64 CPU reference: forward output and
 * the three gradients of {@code Tensor.scaledDotProductAttention} for head sizes 16, 40, 64 and 128,
 * ragged lengths across tile edges, causal masking, broadcast / transposed / key-padding masks and
 * fully hidden rows; the float32 kernels (relative error ≤ 1e-4, bitwise reproducible) and the
 * opt-in BF16 tensor-core kernels (≤ 2e-2). Skipped without a usable GPU.
 */
class CudaAttentionTest {

    static Device cuda() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        return Device.cuda();
    }

    enum MaskKind { NONE, SHARED, PER_HEAD_TRANSPOSED, KEY_PADDING }

    /** out, dq, dk, dv on the CPU in float64. */
    private static Tensor[] run(Device d, DType dtype, Tensor q0, Tensor k0, Tensor v0, Tensor mask, boolean causal, Tensor g, boolean fusedExpected) {
        Tensor q = q0.to(dtype).to(d).requiresGrad(true), k = k0.to(dtype).to(d).requiresGrad(true), v = v0.to(dtype).to(d).requiresGrad(true);
        Tensor m = mask == null ? null : (mask.dtype() == DType.BOOL ? mask : mask.to(dtype)).to(d);
        Tensor out = Tensor.scaledDotProductAttention(q, k, v, m, causal, Double.NaN);
        if (fusedExpected) assertInstanceOf(Op.Attention.class, out.op(), "the fused kernel ran");
        out.backward(g.to(dtype).to(d));
        return new Tensor[] {out.to(Device.CPU).to(DType.FLOAT64), q.grad().to(Device.CPU).to(DType.FLOAT64),
            k.grad().to(Device.CPU).to(DType.FLOAT64), v.grad().to(Device.CPU).to(DType.FLOAT64)};
    }

    static double relErr(Tensor a, Tensor ref) {
        double[] x = a.reshape(-1).toDoubleArray(), y = ref.reshape(-1).toDoubleArray();
        double num = 0, den = 0;
        for (int i = 0; i < x.length; i++) {
            if (Double.isNaN(x[i])) return Double.NaN;
            num += (x[i] - y[i]) * (x[i] - y[i]);
            den += y[i] * y[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    static Tensor mask(MaskKind kind, Generator gen, int b, int h, int l, int s) {
        return switch (kind) {
            case NONE -> null;
            case SHARED -> Tensor.randn(gen, l, s);                                      // stride 0 over batch and heads
            case PER_HEAD_TRANSPOSED -> Tensor.randn(gen, b, h, s, l).transpose(-2, -1);   // column stride ≠ 1
            case KEY_PADDING -> {                                                         // [b, 1, 1, s] bool, key 0 always visible
                boolean[] keep = new boolean[b * s];
                for (int i = 0; i < keep.length; i++) keep[i] = i % s == 0 || (i * 7919 % 5) != 0;
                yield Tensor.of(keep, b, 1, 1, s);
            }
        };
    }

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        int[][] shapes = {{2, 3, 70, 131, 16}, {1, 2, 130, 70, 40}, {2, 2, 200, 200, 64}, {1, 2, 129, 257, 128}, {1, 1, 1, 1, 64}, {1, 1, 5, 300, 128}};
        for (int[] sh : shapes) {
            for (boolean causal : new boolean[] {false, true}) {
                for (MaskKind mk : MaskKind.values()) {
                    if (sh[2] == 1 && mk == MaskKind.KEY_PADDING) continue;
                    a.add(Arguments.of(sh, causal, mk));
                }
            }
        }
        return a.stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void float32KernelsMatchTheFloat64Reference(int[] sh, boolean causal, MaskKind mk) {
        check(cuda(), sh, causal, mk, false, 1e-4);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void bf16KernelsMatchTheFloat64Reference(int[] sh, boolean causal, MaskKind mk) {
        Device d = cuda();
        Cuda.setAllowBf16Attention(true);
        try {
            check(d, sh, causal, mk, true, 2e-2);
        } finally {
            Cuda.setAllowBf16Attention(false);
        }
    }

    private static void check(Device d, int[] sh, boolean causal, MaskKind mk, boolean bf16, double tol) {
        int b = sh[0], h = sh[1], l = sh[2], s = sh[3], e = sh[4];
        Generator gen = new Generator(31L * l + s + e + (causal ? 7 : 0) + mk.ordinal());
        Tensor q = Tensor.randn(gen, b, h, l, e), k = Tensor.randn(gen, b, h, s, e), v = Tensor.randn(gen, b, h, s, e);
        Tensor g = Tensor.randn(gen, b, h, l, e);
        Tensor m = mask(mk, gen, b, h, l, s);
        Tensor[] ref = run(Device.CPU, DType.FLOAT64, q, k, v, m, causal, g, false);
        Tensor[] got = run(d, DType.FLOAT32, q, k, v, m, causal, g, true);
        String[] names = {"out", "dq", "dk", "dv"};
        for (int i = 0; i < 4; i++) {
            double err = relErr(got[i], ref[i]);
            assertTrue(err <= tol, (bf16 ? "bf16" : "f32") + " " + java.util.Arrays.toString(sh) + " causal=" + causal + " " + mk + ": " + names[i]
                    + " relative error " + err + " > " + tol);
        }
    }

    @Test
    void float32BackwardIsBitwiseReproducible() {
        Device d = cuda();
        Generator gen = new Generator(3);
        Tensor q = Tensor.randn(gen, 2, 4, 300, 64), k = Tensor.randn(gen, 2, 4, 300, 64), v = Tensor.randn(gen, 2, 4, 300, 64);
        Tensor g = Tensor.randn(gen, 2, 4, 300, 64);
        Tensor[] a = run(d, DType.FLOAT32, q, k, v, null, true, g, true), c = run(d, DType.FLOAT32, q, k, v, null, true, g, true);
        for (int i = 0; i < 4; i++) assertArrayEquals(a[i].toDoubleArray(), c[i].toDoubleArray(), "run-to-run difference in output " + i);
    }

    @Test
    void hiddenRowsGiveZerosAndNoGradientOnTheGpu() {
        Device d = cuda();
        for (boolean bf16 : new boolean[] {false, true}) {
            Cuda.setAllowBf16Attention(bf16);
            try {
                Generator gen = new Generator(9);
                Tensor q = Tensor.randn(gen, 1, 3, 64), k = Tensor.randn(gen, 1, 5, 64), v = Tensor.randn(gen, 1, 5, 64);
                boolean[] allow = new boolean[15];
                for (int j = 0; j < 5; j++) allow[j] = allow[10 + j] = true;   // query row 1 sees nothing
                Tensor[] r = run(d, DType.FLOAT32, q, k, v, Tensor.of(allow, 3, 5), false, Tensor.ones(1, 3, 64), true);
                assertArrayEquals(new double[64], r[0].select(1, 1).reshape(-1).toDoubleArray(), "bf16=" + bf16 + ": the hidden row is zero");
                assertArrayEquals(new double[64], r[1].select(1, 1).reshape(-1).toDoubleArray(), "bf16=" + bf16 + ": no gradient to its query");
                assertFalse(java.util.Arrays.stream(r[0].toDoubleArray()).anyMatch(Double::isNaN), "bf16=" + bf16 + ": no NaN leaks out");
            } finally {
                Cuda.setAllowBf16Attention(false);
            }
        }
    }

    @Test
    void headSizesAbove128AreComposed() {
        Device d = cuda();
        Tensor q = Tensor.randn(new Generator(1), 2, 10, 160).to(d).requiresGrad(true);
        Tensor out = Tensor.scaledDotProductAttention(q, q, q, null, true, Double.NaN);
        assertFalse(out.op() instanceof Op.Attention, "head size 160 is composed of matmul and softmax");
        assertEquals(3, out.dim());
    }
}
