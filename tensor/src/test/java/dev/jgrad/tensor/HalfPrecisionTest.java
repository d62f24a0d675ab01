package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;
import static dev.jgrad.tensor.Expect.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.kernels.Half;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * FLOAT16 and BFLOAT16 tensors on the CPU: storage and conversions (bit for bit {@link Half}'s,
 * which {@code HalfConversionTest} checks against PyTorch), PyTorch's promotion rules, and ops
 * computed in float32 with the result rounded once: each op on half tensors must give exactly
 * the float32 op on the same values, rounded. (Gradients: {@code HalfGradientTest} in autograd.)
 */
class HalfPrecisionTest {

    private static Tensor values(DType t, float... v) {
        return Tensor.of(v).to(t);
    }

    /** Every op in float32 on the half values, rounded to {@code t}: what a half op must equal bit for bit. */
    private static void sameAsFloat32Rounded(DType t, Tensor half, UnaryOperator<Tensor> op) {
        Tensor got = op.apply(half);
        Tensor want = op.apply(half.to(DType.FLOAT32)).to(t);
        assertEquals(t, got.dtype(), "dtype");
        assertArrayEquals(want.shape(), got.shape(), "shape");
        assertArrayEquals(want.toHalfBits(), got.toHalfBits(), "bits");
    }

    private static Tensor randomHalf(DType t, long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape).mul(3).to(t);
    }

    @Test
    void bitsRoundTripAndShape() {
        Tensor h = Tensor.ofHalfBits(new short[] {0x3C00, (short) 0xC000, 0x7C00, 0x0001}, DType.FLOAT16, 2, 2);
        assertEquals(DType.FLOAT16, h.dtype());
        assertArrayEquals(shape(2, 2), h.shape());
        assertArrayEquals(new float[] {1, -2, Float.POSITIVE_INFINITY, 0x1p-24f}, h.toFloatArray());
        assertArrayEquals(new short[] {0x3C00, (short) 0xC000, 0x7C00, 0x0001}, h.toHalfBits());
        Tensor b = Tensor.ofHalfBits(new short[] {0x3F80, 0x4000}, DType.BFLOAT16);
        assertArrayEquals(new float[] {1, 2}, b.toFloatArray());
        assertEquals(2, DType.FLOAT16.byteSize());
        assertEquals(2, DType.BFLOAT16.byteSize());
        assertTrue(DType.FLOAT16.isFloating() && DType.BFLOAT16.isFloating());
    }

    @Test
    void conversionsRoundToNearestEvenAsHalfDoes() {
        float[] v = {0.1f, 1f / 3, 65504f, 65520f, -1e-8f, 1e-7f, Float.NaN, -0f, 3.0e38f, Float.NEGATIVE_INFINITY};
        Tensor x = Tensor.of(v);
        short[] f16 = x.to(DType.FLOAT16).toHalfBits(), bf16 = x.to(DType.BFLOAT16).toHalfBits();
        for (int i = 0; i < v.length; i++) {
            assertEquals(Half.floatToF16(v[i]), f16[i], "f16 of " + v[i]);
            assertEquals(Half.floatToBf16(v[i]), bf16[i], "bf16 of " + v[i]);
        }
        assertEquals(0x2E66, f16[0]);
        assertEquals(0x7C00, f16[3], "65520 rounds up to infinity");
        assertEquals(0x7E00, f16[6], "NaN");
        assertEquals((short) 0x7FC0, bf16[6], "NaN");
        // float64 and integers round through float32, as PyTorch's casts do
        Tensor d = Tensor.of(new double[] {0.1, 1e300});
        assertArrayEquals(new short[] {0x2E66, 0x7C00}, d.to(DType.FLOAT16).toHalfBits());
        assertArrayEquals(new short[] {0x6400, 0x6800}, Tensor.of(new long[] {1024, 2049}).to(DType.FLOAT16).toHalfBits());
        // between the two 16-bit formats, exactly through float32
        Tensor viaF16 = Tensor.of(new float[] {0.1f}).to(DType.FLOAT16).to(DType.BFLOAT16);
        assertArrayEquals(new short[] {Half.floatToBf16(Half.f16ToFloat((short) 0x2E66))}, viaF16.toHalfBits());
        assertArrayEquals(new float[] {0.10009765625f}, viaF16.toFloatArray());
    }

    @Test
    void conversionOfAStridedViewAndBack() {
        Tensor x = Tensor.randn(new Generator(3), 5, 7);
        Tensor t = x.t();   // strides (1, 7)
        for (DType d : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            Tensor h = t.to(d);
            assertArrayEquals(shape(7, 5), h.shape());
            float[] want = t.contiguous().toFloatArray();
            short[] bits = h.toHalfBits();
            for (int i = 0; i < want.length; i++) {
                assertEquals(d == DType.FLOAT16 ? Half.floatToF16(want[i]) : Half.floatToBf16(want[i]), bits[i], d + " " + i);
            }
            assertArrayEquals(h.toFloatArray(), h.t().t().contiguous().toFloatArray());
        }
    }

    @ParameterizedTest(name = "{0} + {1} → {2}")
    @CsvSource({
        "FLOAT16, FLOAT16, FLOAT16",
        "BFLOAT16, BFLOAT16, BFLOAT16",
        "FLOAT16, BFLOAT16, FLOAT32",
        "FLOAT16, FLOAT32, FLOAT32",
        "BFLOAT16, FLOAT32, FLOAT32",
        "FLOAT16, FLOAT64, FLOAT64",
        "BFLOAT16, FLOAT64, FLOAT64",
        "INT32, FLOAT16, FLOAT16",
        "INT64, BFLOAT16, BFLOAT16",
        "BOOL, FLOAT16, FLOAT16",
        "BOOL, BFLOAT16, BFLOAT16",
    })
    void promotionAsPyTorch(DType a, DType b, DType expected) {
        assertEquals(expected, DType.promote(a, b));
        assertEquals(expected, DType.promote(b, a));
        assertEquals(expected, Tensor.ones(a, 2).add(Tensor.ones(b, 2)).dtype());
        assertEquals(expected, Tensor.ones(b, 2).mul(Tensor.ones(a, 2)).dtype());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void aScalarKeepsTheHalfDtypeAndIsRoundedToItFirst(DType t) {
        Tensor x = values(t, 1, 3, 7);
        assertEquals(t, x.mul(0.1).dtype());
        assertEquals(t, x.add(1e10).dtype());
        // PyTorch 1.13 rounds the scalar to the tensor's dtype, then computes in float32
        Tensor scalar = Tensor.scalar(0.1, t).to(DType.FLOAT32);
        assertArrayEquals(x.to(DType.FLOAT32).mul(scalar).to(t).toHalfBits(), x.mul(0.1).toHalfBits());
        assertEquals(t, x.div(3).dtype());
        assertEquals(t, Tensor.of(new int[] {1, 2}).add(Tensor.scalar(0.5, t)).dtype());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void elementwiseOpsAreFloat32Rounded(DType t) {
        Tensor a = randomHalf(t, 1, 4, 33), b = randomHalf(t, 2, 4, 33), row = randomHalf(t, 3, 33);
        sameAsFloat32Rounded(t, a, Tensor::exp);
        sameAsFloat32Rounded(t, a, Tensor::tanh);
        sameAsFloat32Rounded(t, a, Tensor::neg);
        sameAsFloat32Rounded(t, a, Tensor::relu);
        sameAsFloat32Rounded(t, a, x -> x.gelu());
        sameAsFloat32Rounded(t, a, x -> x.abs().sqrt());
        sameAsFloat32Rounded(t, a, x -> x.add(x.dtype() == t ? b : b.to(DType.FLOAT32)));
        sameAsFloat32Rounded(t, a, x -> x.mul(x.dtype() == t ? row : row.to(DType.FLOAT32)));
        sameAsFloat32Rounded(t, a, x -> x.div(x.dtype() == t ? b : b.to(DType.FLOAT32)));
        sameAsFloat32Rounded(t, a, x -> x.maximum(x.dtype() == t ? b : b.to(DType.FLOAT32)));
        sameAsFloat32Rounded(t, a, x -> x.t().exp());
        sameAsFloat32Rounded(t, a, x -> x.clamp(-1, 2));
        Tensor cond = a.gt(b);
        assertArrayEquals(a.to(DType.FLOAT32).gt(b.to(DType.FLOAT32)).toBooleanArray(), cond.toBooleanArray());
        sameAsFloat32Rounded(t, a, x -> Tensor.where(cond, x, x.mul(2)));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void reductionsSoftmaxAndMatmulAccumulateInFloat32(DType t) {
        Tensor a = randomHalf(t, 4, 6, 50), b = randomHalf(t, 5, 50, 9);
        sameAsFloat32Rounded(t, a, Tensor::sum);
        sameAsFloat32Rounded(t, a, x -> x.sum(0));
        sameAsFloat32Rounded(t, a, x -> x.sum(new int[] {1}, true));
        sameAsFloat32Rounded(t, a, x -> x.amax(1));
        sameAsFloat32Rounded(t, a, x -> x.softmax(-1));
        sameAsFloat32Rounded(t, a, x -> x.logSoftmax(0));
        sameAsFloat32Rounded(t, a, x -> x.logsumexp(new int[] {1}, false));
        sameAsFloat32Rounded(t, a, x -> x.matmul(x.dtype() == t ? b : b.to(DType.FLOAT32)));
        sameAsFloat32Rounded(t, a, x -> x.t().matmul(x));
        assertArrayEquals(a.to(DType.FLOAT32).argmax(1, false).toLongArray(), a.argmax(1, false).toLongArray());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void fusedFamiliesComputeInFloat32(DType t) {
        Tensor x = randomHalf(t, 6, 2, 3, 8, 8), w = randomHalf(t, 7, 4, 3, 3, 3).mul(0.1), bias = randomHalf(t, 8, 4);
        sameAsFloat32Rounded(t, x, y -> y.conv2d(y.dtype() == t ? w : w.to(DType.FLOAT32), y.dtype() == t ? bias : bias.to(DType.FLOAT32), 1, 1));
        sameAsFloat32Rounded(t, x, y -> y.maxPool2d(2));
        sameAsFloat32Rounded(t, x, y -> y.avgPool2d(2));
        Tensor lw = randomHalf(t, 9, 8), lb = randomHalf(t, 10, 8);
        sameAsFloat32Rounded(t, x, y -> y.layerNorm(new int[] {8}, y.dtype() == t ? lw : lw.to(DType.FLOAT32),
                y.dtype() == t ? lb : lb.to(DType.FLOAT32), 1e-5));
        Tensor logits = randomHalf(t, 11, 5, 7), target = Tensor.of(new long[] {0, 6, 3, 3, 1});
        sameAsFloat32Rounded(t, logits, y -> y.crossEntropy(target, -100));
        sameAsFloat32Rounded(t, logits, y -> y.dropout(0.3, new Generator(5)));
        Tensor q = randomHalf(t, 12, 2, 5, 16), k = randomHalf(t, 13, 2, 6, 16), v = randomHalf(t, 14, 2, 6, 16);
        sameAsFloat32Rounded(t, q, y -> Tensor.scaledDotProductAttention(y, y.dtype() == t ? k : k.to(DType.FLOAT32),
                y.dtype() == t ? v : v.to(DType.FLOAT32), null, true, Double.NaN));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void inPlaceUpdatesRound(DType t) {
        Tensor p = values(t, 1, 2, 3);
        p.addInPlace(Tensor.of(new float[] {0.1f, 0.1f, 0.1f}), -1);
        assertArrayEquals(values(t, 1, 2, 3).to(DType.FLOAT32).sub(Tensor.of(new float[] {0.1f, 0.1f, 0.1f})).to(t).toHalfBits(), p.toHalfBits());
        p.fill(0.3);
        assertArrayEquals(values(t, 0.3f, 0.3f, 0.3f).toHalfBits(), p.toHalfBits());
        p.copyFrom(Tensor.of(new double[] {1.5, -2.25, 7}));
        assertArrayEquals(new float[] {1.5f, -2.25f, 7}, p.toFloatArray());
        p.mulInPlace(2);
        assertArrayEquals(new float[] {3, -4.5f, 14}, p.toFloatArray());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void printsWithItsDtype(DType t) {
        String s = values(t, 1, 0.5f).toString();
        assertTrue(s.contains("dtype=" + t), s);
        assertTrue(s.contains("0.5"), s);
        assertEquals(t == DType.FLOAT16 ? "float16" : "bfloat16", t.toString());
    }

    @Test
    void toArrayGivesFloatsAndCreationHelpersTakeHalfDtypes() {
        Tensor h = Tensor.full(2.5, DType.BFLOAT16, 2, 2);
        assertEquals("[[2.5, 2.5], [2.5, 2.5]]", java.util.Arrays.deepToString((float[][]) h.toArray()));
        assertArrayEquals(new short[4], Tensor.zeros(DType.FLOAT16, 2, 2).toHalfBits());
        assertArrayEquals(new float[] {1, 1}, Tensor.ones(DType.FLOAT16, 2).toFloatArray());
        assertEquals(2.5, Tensor.scalar(2.5, DType.FLOAT16).item());
        assertArrayEquals(new long[] {2, -3}, Tensor.of(new float[] {2.7f, -3.9f}).to(DType.BFLOAT16).to(DType.INT64).toLongArray());
    }

    @Test
    void badHalfInputsNameTheOpAndWhatIsAllowed() {
        fails(IllegalArgumentException.class, () -> Tensor.ofHalfBits(new short[2], DType.FLOAT32), "ofHalfBits", "FLOAT16 or BFLOAT16",
                "float32");
        fails(IllegalArgumentException.class, () -> Tensor.ofHalfBits(new short[3], DType.FLOAT16, 2, 2), "ofHalfBits", "3 values");
        fails(IllegalArgumentException.class, () -> Tensor.ones(3).toHalfBits(), "toHalfBits", "FLOAT16 or BFLOAT16", "float32");
        fails(IllegalArgumentException.class, () -> Tensor.ones(DType.FLOAT16, 3).oneHot(4), "one_hot", "integer", "float16");
        fails(IllegalArgumentException.class, () -> Tensor.ones(2, 3).gather(1, Tensor.ones(DType.BFLOAT16, 2, 3)), "gather");
        fails(IllegalArgumentException.class, () -> Tensor.fromArray(new short[] {1}), "fromArray", "short", "ofHalfBits");
    }
}
