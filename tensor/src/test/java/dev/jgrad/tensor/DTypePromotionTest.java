package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.longs;
import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Result dtypes: the promotion order bool < int32 < int64 < float32 < float64 and its exceptions. */
class DTypePromotionTest {

    private static Tensor ones(DType d) {
        return Tensor.ones(d, 2);
    }

    @ParameterizedTest(name = "{0} + {1} → {2}")
    @CsvSource({
        "BOOL, BOOL, BOOL",
        "BOOL, INT32, INT32",
        "BOOL, INT64, INT64",
        "BOOL, FLOAT32, FLOAT32",
        "BOOL, FLOAT64, FLOAT64",
        "INT32, INT32, INT32",
        "INT32, INT64, INT64",
        "INT32, FLOAT32, FLOAT32",
        "INT32, FLOAT64, FLOAT64",
        "INT64, INT64, INT64",
        "INT64, FLOAT32, FLOAT32",
        "INT64, FLOAT64, FLOAT64",
        "FLOAT32, FLOAT32, FLOAT32",
        "FLOAT32, FLOAT64, FLOAT64",
        "FLOAT64, FLOAT64, FLOAT64",
    })
    void promotionTable(DType a, DType b, DType expected) {
        assertEquals(expected, DType.promote(a, b));
        assertEquals(expected, DType.promote(b, a));
        assertEquals(expected, ones(a).add(ones(b)).dtype());
        assertEquals(expected, ones(b).mul(ones(a)).dtype());
    }

    @Test
    void integerDivisionIsTrueDivisionInFloat32() {
        Tensor q = Tensor.of(new int[] {7, -7, 1}).div(Tensor.of(new long[] {2, 2, 3}));
        tensor(q, DType.FLOAT32, shape(3), 3.5f, -3.5f, 1f / 3);
        assertEquals(DType.FLOAT32, Tensor.of(new int[] {1}).div(2).dtype());
        assertEquals(DType.FLOAT64, Tensor.of(new double[] {1}).div(Tensor.of(new int[] {2})).dtype());
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void comparisonsGiveBool(DType d) {
        Tensor a = Tensor.of(new float[] {0, 1, 1}).to(d);
        Tensor b = Tensor.of(new float[] {1, 1, 0}).to(d);
        assertArrayEquals(new boolean[] {true, false, false}, a.lt(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false}, a.eq(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, true}, a.ge(b).toBooleanArray());
        assertEquals(DType.BOOL, a.gt(b).dtype());
        assertEquals(DType.BOOL, a.ne(1).dtype());
        assertEquals(DType.BOOL, a.logicalAnd(b).dtype());
        assertEquals(DType.BOOL, a.isNonFinite().dtype());
    }

    @Test
    void sumOfIntegersAndBoolsIsInt64() {
        longs(Tensor.of(new int[] {1, 2, 3}).sum(), DType.INT64, shape(), 6);
        longs(Tensor.of(new boolean[] {true, false, true}).sum(), DType.INT64, shape(), 2);
        longs(Tensor.of(new long[] {Long.MAX_VALUE / 2, 1}).sum(), DType.INT64, shape(), Long.MAX_VALUE / 2 + 1);
        assertEquals(DType.FLOAT64, Tensor.of(new double[] {1}).sum().dtype());
        assertEquals(DType.INT32, Tensor.of(new int[] {3, 1}).amax(0).dtype());
    }

    @Test
    void wholeNumberScalarKeepsTheIntegerDtype() {
        longs(Tensor.of(new int[] {1, 2}).add(3), DType.INT32, shape(2), 4, 5);
        longs(Tensor.of(new long[] {1, 2}).mul(-2), DType.INT64, shape(2), -2, -4);
        longs(Tensor.of(new int[] {5}).sub(2.0), DType.INT32, shape(1), 3);
        // bool + a whole number counts as integer arithmetic: int64, as in PyTorch
        longs(Tensor.of(new boolean[] {true, false}).add(1), DType.INT64, shape(2), 2, 1);
    }

    @Test
    void fractionalScalarPromotesIntegersToFloat32() {
        tensor(Tensor.of(new int[] {1, 2}).add(0.5), DType.FLOAT32, shape(2), 1.5f, 2.5f);
        tensor(Tensor.of(new long[] {4}).mul(0.25), DType.FLOAT32, shape(1), 1);
        assertEquals(DType.FLOAT32, Tensor.of(new boolean[] {true}).add(0.5).dtype());
    }

    @Test
    void scalarNeverWidensAFloatTensor() {
        assertEquals(DType.FLOAT32, Tensor.of(new float[] {1}).add(1e300).dtype());
        assertEquals(DType.FLOAT64, Tensor.of(new double[] {1}).mul(3).dtype());
    }

    @Test
    void floatingFunctionsOfIntegersGiveFloat32() {
        tensor(Tensor.of(new int[] {0, 1}).exp(), DType.FLOAT32, shape(2), 1, (float) Math.E);
        assertEquals(DType.FLOAT32, Tensor.of(new long[] {4}).sqrt().dtype());
        assertEquals(DType.FLOAT32, Tensor.of(new int[] {4}).softmax(0).dtype());
        assertEquals(DType.INT32, Tensor.of(new int[] {-4}).abs().dtype());
        assertEquals(DType.INT64, Tensor.of(new long[] {-4}).neg().dtype());
    }

    @Test
    void whereTakesThePromotedTypeOfItsBranches() {
        Tensor cond = Tensor.of(new boolean[] {true, false});
        Tensor r = Tensor.where(cond, Tensor.of(new int[] {1, 2}), Tensor.of(new float[] {0.5f, 0.25f}));
        tensor(r, DType.FLOAT32, shape(2), 1, 0.25f);
    }
}
