package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;
import static dev.jgrad.tensor.Expect.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** fromArray and toArray: nested Java arrays in and out, every dtype, ranks 1 to 6. */
class NestedArrayTest {

    @Test
    void fromArrayFollowsTheNesting() {
        Tensor m = Tensor.fromArray(new double[][] {{1, 2, 3}, {4, 5, 6}});
        assertEquals(DType.FLOAT64, m.dtype());
        assertArrayEquals(shape(2, 3), m.shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, m.toDoubleArray(), 0);
        Tensor c = Tensor.fromArray(new int[][][] {{{1}, {2}}, {{3}, {4}}});
        assertEquals(DType.INT32, c.dtype());
        assertArrayEquals(shape(2, 2, 1), c.shape());
        assertArrayEquals(new int[] {1, 2, 3, 4}, c.toIntArray());
        Tensor v = Tensor.fromArray(new boolean[] {false, true});
        assertArrayEquals(shape(2), v.shape());
        assertArrayEquals(new boolean[] {false, true}, v.toBooleanArray());
    }

    @Test
    void toArrayOfAMatrix() {
        Object a = Tensor.of(new long[] {1, 2, 3, 4, 5, 6}, 3, 2).toArray();
        long[][] m = assertInstanceOf(long[][].class, a);
        assertEquals("[[1, 2], [3, 4], [5, 6]]", Arrays.deepToString(m));
    }

    @Test
    void toArrayOfAView() {
        // the transpose of [[1, 2, 3], [4, 5, 6]]
        Object a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).t().toArray();
        assertEquals("[[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]", Arrays.deepToString((float[][]) a));
    }

    @ParameterizedTest(name = "rank {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void roundTripEveryRank(int rank) {
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = 2 + (i % 2);   // 2, 3, 2, 3, ...
        Tensor t = Tensor.arange(0.0, Shapes.numel(s), 1.0).reshape(s);
        for (DType d : DType.values()) {
            if (d.isHalf()) continue;   // no Java array type: see halfTensorsGiveFloatArrays
            Tensor typed = d == DType.BOOL ? t.gt(Tensor.scalar(5)) : t.to(d);
            Tensor back = Tensor.fromArray(typed.toArray());
            assertEquals(d, back.dtype(), "dtype " + d);
            assertArrayEquals(s, back.shape(), "shape for " + d);
            assertArrayEquals(typed.toDoubleArray(), back.toDoubleArray(), 0, "values for " + d);
        }
    }

    /** The 16-bit floats have no Java array type: toArray gives their exact values as floats, and to(d) gives the bits back. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void halfTensorsGiveFloatArrays(DType d) {
        Tensor t = Tensor.of(new float[] {0.1f, -2, 65504, 1e-6f, 3, 4}, 2, 3).to(d);
        float[][] a = (float[][]) t.toArray();
        Tensor back = Tensor.fromArray(a);
        assertEquals(DType.FLOAT32, back.dtype());
        assertArrayEquals(t.toFloatArray(), back.toFloatArray());
        assertArrayEquals(t.toHalfBits(), back.to(d).toHalfBits());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, mode = EnumSource.Mode.EXCLUDE, names = {"FLOAT16", "BFLOAT16"})   // see halfTensorsGiveFloatArrays
    void roundTripKeepsExactValues(DType d) {
        Tensor t = switch (d) {
            case FLOAT32 -> Tensor.of(new float[] {Float.MIN_VALUE, -0.1f, Float.MAX_VALUE, Float.NEGATIVE_INFINITY}, 2, 2);
            case FLOAT64 -> Tensor.of(new double[] {Double.MIN_VALUE, -0.1, Double.MAX_VALUE, 1e-300}, 2, 2);
            case INT64 -> Tensor.of(new long[] {Long.MIN_VALUE, (1L << 53) + 1, -1, Long.MAX_VALUE}, 2, 2);
            case INT32 -> Tensor.of(new int[] {Integer.MIN_VALUE, 0, -1, Integer.MAX_VALUE}, 2, 2);
            case BOOL -> Tensor.of(new boolean[] {true, false, false, true}, 2, 2);
            case FLOAT16, BFLOAT16 -> throw new AssertionError("excluded above");
        };
        Object nested = t.toArray();
        Tensor back = Tensor.fromArray(nested);
        assertEquals(Arrays.deepToString((Object[]) nested), Arrays.deepToString((Object[]) back.toArray()));
        assertArrayEquals(t.toLongArray(), back.toLongArray());
    }

    @Test
    void emptyArraysKeepTheirRank() {
        assertArrayEquals(shape(2, 0), Tensor.fromArray(new float[2][0]).shape());
        assertArrayEquals(shape(0), Tensor.fromArray(new float[0]).shape());
        assertArrayEquals(shape(0, 0), Tensor.fromArray(new float[0][]).shape());
        assertArrayEquals(shape(0, 0, 0), Tensor.fromArray(new long[0][][]).shape());
        assertArrayEquals(shape(3, 0, 0), Tensor.fromArray(new int[3][0][]).shape());
    }

    @Test
    void raggedArrayIsRejected() {
        fails(IllegalArgumentException.class, () -> Tensor.fromArray(new float[][] {{1, 2}, {3}}),
                "fromArray", "ragged", "dimension 1 has length 1 where 2 was expected");
        fails(IllegalArgumentException.class, () -> Tensor.fromArray(new int[][][] {{{1}, {2}}, {{3}}}),
                "fromArray", "ragged", "dimension 1 has length 1 where 2 was expected");
    }

    @Test
    void nullRowIsRejected() {
        fails(IllegalArgumentException.class, () -> Tensor.fromArray(new float[][] {{1, 2}, null}), "fromArray", "null");
    }

    @Test
    void unsupportedInputIsRejected() {
        fails(IllegalArgumentException.class, () -> Tensor.fromArray(new short[] {1}), "fromArray", "short");
        fails(IllegalArgumentException.class, () -> Tensor.fromArray("1, 2"), "fromArray", "java.lang.String");
        fails(IllegalArgumentException.class, () -> Tensor.fromArray(null), "fromArray", "null");
    }
}
