package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** NumPy broadcasting: shapes and values, including 0-d tensors and size-0 dimensions. */
class BroadcastTest {

    private static int[] parse(String s) {
        s = s.strip();
        if (s.isEmpty()) return new int[0];
        String[] parts = s.split(" ");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Integer.parseInt(parts[i]);
        return out;
    }

    @ParameterizedTest(name = "[{0}] with [{1}] → [{2}]")
    @CsvSource({
        "2 3,     3,       2 3",
        "2 1,     1 3,     2 3",
        "3 1 2,   4 1,     3 4 2",
        "'',      2 2,     2 2",
        "'',      '',      ''",
        "1,       '',      1",
        "0 3,     1 3,     0 3",
        "0,       '',      0",
        "2 0,     2 1,     2 0",
        "1 0,     5 1,     5 0",
        "5 1 1 1, 1 2 3,   5 1 2 3",
    })
    void resultShape(String a, String b, String expected) {
        Tensor x = Tensor.zeros(parse(a)), y = Tensor.ones(parse(b));
        assertArrayEquals(parse(expected), x.add(y).shape());
        assertArrayEquals(parse(expected), y.mul(x).shape());
        assertArrayEquals(parse(expected), x.lt(y).shape());
        assertArrayEquals(parse(expected), Tensor.where(x.eq(y), x, y).shape());
    }

    @Test
    void rowPlusMatrix() {
        Tensor m = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        tensor(m.add(Tensor.of(new float[] {10, 20, 30})), DType.FLOAT32, shape(2, 3), 11, 22, 33, 14, 25, 36);
    }

    @Test
    void columnTimesRow() {
        Tensor col = Tensor.of(new float[] {1, 2}, 2, 1), row = Tensor.of(new float[] {3, 4, 5}, 1, 3);
        tensor(col.mul(row), DType.FLOAT32, shape(2, 3), 3, 4, 5, 6, 8, 10);
        tensor(row.sub(col), DType.FLOAT32, shape(2, 3), 2, 3, 4, 1, 2, 3);
    }

    @Test
    void zeroDimensionalOperand() {
        Tensor s = Tensor.scalar(2);
        tensor(Tensor.of(new float[] {1, 2, 3}).pow(s), DType.FLOAT32, shape(3), 1, 4, 9);
        tensor(s.div(Tensor.of(new float[] {4, 8}, 2, 1)), DType.FLOAT32, shape(2, 1), 0.5f, 0.25f);
        tensor(s.add(Tensor.scalar(3)), DType.FLOAT32, shape(), 5);
    }

    @Test
    void broadcastOverANonContiguousView() {
        Tensor m = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).t();   // [[1, 4], [2, 5], [3, 6]]
        tensor(m.add(Tensor.of(new float[] {100, 200})), DType.FLOAT32, shape(3, 2), 101, 204, 102, 205, 103, 206);
    }

    @Test
    void sizeZeroDimensionGivesAnEmptyResult() {
        tensor(Tensor.ones(0, 3).add(Tensor.ones(3)), DType.FLOAT32, shape(0, 3));
        tensor(Tensor.ones(2, 0).mul(Tensor.scalar(4)), DType.FLOAT32, shape(2, 0));
    }
}
