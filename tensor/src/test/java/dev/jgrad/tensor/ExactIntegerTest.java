package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.longs;
import static dev.jgrad.tensor.Expect.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/**
 * Integer tensors compute in their own type: every int64 value exactly (not only those below
 * 2^53 that a double holds), overflow wrapping as PyTorch's two's-complement integers do (int64
 * like Java's long, int32 like Java's int).
 */
class ExactIntegerTest {
    static final long P53 = 1L << 53;
    static final long P62 = 1L << 62;

    static Tensor i64(long... v) {
        return Tensor.of(v);
    }

    @Test
    void equalityTellsApart2To53And2To53Plus1() {
        assertFalse(i64(P53 + 1).eq(i64(P53)).toBooleanArray()[0]);
        assertArrayEquals(new boolean[] {true, false, true}, i64(P53 + 1, P53, Long.MAX_VALUE).ne(i64(P53, P53, Long.MAX_VALUE - 1))
                .toBooleanArray());
        assertArrayEquals(new boolean[] {true, false}, i64(P53, P53 + 1).lt(i64(P53 + 1, P53 + 1)).toBooleanArray());
        assertArrayEquals(new boolean[] {true}, i64(P53 + 1).gt(Tensor.of(new int[] {0})).toBooleanArray());
    }

    @Test
    void addSubMulNear2To62AreExactAndWrapLikeLong() {
        Tensor a = i64(P62 + 1, P62 + 3, Long.MAX_VALUE), b = i64(P62 - 1, 1, 1);
        longs(a.add(b), DType.INT64, shape(3), P62 + 1 + P62 - 1, P62 + 4, Long.MIN_VALUE);
        longs(a.sub(b), DType.INT64, shape(3), 2, P62 + 2, Long.MAX_VALUE - 1);
        longs(a.mul(b), DType.INT64, shape(3), (P62 + 1) * (P62 - 1), P62 + 3, Long.MAX_VALUE);
        longs(i64(P53 + 1).mul(3), DType.INT64, shape(1), 3 * (P53 + 1));
        longs(i64(P53 + 1).neg(), DType.INT64, shape(1), -(P53 + 1));
        longs(i64(P53 + 1, P53).maximum(i64(P53, P53 + 1)), DType.INT64, shape(2), P53 + 1, P53 + 1);
        longs(i64(3).pow(39), DType.INT64, shape(1), 4052555153018976267L);
    }

    @Test
    void int32WrapsLikeInt() {
        Tensor a = Tensor.of(new int[] {Integer.MAX_VALUE, 65536}), b = Tensor.of(new int[] {1, 65536});
        assertEquals(DType.INT32, a.add(b).dtype());
        assertArrayEquals(new int[] {Integer.MIN_VALUE, 131072}, a.add(b).toIntArray());
        assertArrayEquals(new int[] {Integer.MAX_VALUE, 0}, a.mul(b).toIntArray());
        // int32 sums return int64 and do not wrap
        longs(Tensor.of(new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE}).sum(), DType.INT64, shape(), 2L * Integer.MAX_VALUE);
    }

    @Test
    void sumNeeding63BitsIsExact() {
        longs(i64(P62, 1L << 61, 1L << 60, 1).sum(), DType.INT64, shape(), P62 + (1L << 61) + (1L << 60) + 1);
        longs(i64(Long.MAX_VALUE, 1).sum(), DType.INT64, shape(), Long.MIN_VALUE);
        longs(Tensor.of(new long[] {P53, 1, P53, 3}, 2, 2).sum(1), DType.INT64, shape(2), P53 + 1, P53 + 3);
    }

    @Test
    void maxMinArgmaxTellApart2To53And2To53Plus1() {
        Tensor x = i64(P53, P53 + 1, P53);
        longs(x.max(), DType.INT64, shape(), P53 + 1);
        longs(i64(P53 + 1, P53).min(), DType.INT64, shape(), P53);
        longs(x.argmax(), DType.INT64, shape(), 1);
        longs(i64(P53 + 1, P53 + 1, P53).argmin(), DType.INT64, shape(), 2);
    }

    @Test
    void indexingAndSelectionKeepInt64ValuesExactly() {
        Tensor x = i64(P53 + 1, P53 + 3, Long.MAX_VALUE);
        longs(x.gather(0, i64(2, 0, 1)), DType.INT64, shape(3), Long.MAX_VALUE, P53 + 1, P53 + 3);
        longs(x.indexSelect(0, Tensor.of(new int[] {1, 1})), DType.INT64, shape(2), P53 + 3, P53 + 3);
        longs(i64(P53, 0).scatterAdd(0, i64(0, 0, 1), i64(1, 2, Long.MAX_VALUE)), DType.INT64, shape(2), P53 + 3, Long.MAX_VALUE);
        longs(Tensor.where(Tensor.of(new boolean[] {true, false, true}), x, i64(0, -(P53 + 1), 0)), DType.INT64, shape(3),
                P53 + 1, -(P53 + 1), Long.MAX_VALUE);
        longs(x.transpose(0, 0).contiguous().clone(), DType.INT64, shape(3), P53 + 1, P53 + 3, Long.MAX_VALUE);
        longs(Tensor.embedding(i64(1), Tensor.of(new long[] {1, 2, P53 + 1, P53 + 5}, 2, 2)), DType.INT64, shape(1, 2), P53 + 1, P53 + 5);
    }

    @Test
    void castsWrapRoundOnceOrTruncate() {
        // int64 -> int32 keeps the low 32 bits (PyTorch's cast; Java's (int) of a double would saturate)
        assertArrayEquals(new int[] {5, -7}, i64((1L << 32) + 5, -(1L << 33) - 7).to(DType.INT32).toIntArray());
        // int64 -> float32 rounds once: 2^60 + 2^36 + 1 rounds up (via double it would tie and round down)
        long v = (1L << 60) + (1L << 36) + 1;
        assertArrayEquals(new float[] {(float) v}, i64(v).to(DType.FLOAT32).toFloatArray());
        // float -> int64 truncates toward zero, as Java's cast and PyTorch's do
        longs(Tensor.of(new double[] {-2.7, 2.7}).to(DType.INT64), DType.INT64, shape(2), -2, 2);
    }

    @Test
    void int64MatmulIsExact() {
        Tensor a = Tensor.of(new long[] {P53 + 1, 1, Long.MAX_VALUE, 1}, 2, 2), b = Tensor.of(new long[] {3, 7}, 2, 1);
        longs(a.matmul(b), DType.INT64, shape(2, 1), 3 * (P53 + 1) + 7, Long.MAX_VALUE * 3 + 7);
    }

    @Test
    void trueDivisionOfIntegersStillGivesFloats() {
        Tensor q = i64(7, -7).div(i64(2, 2));
        assertEquals(DType.FLOAT32, q.dtype());
        assertArrayEquals(new float[] {3.5f, -3.5f}, q.toFloatArray());
    }
}
