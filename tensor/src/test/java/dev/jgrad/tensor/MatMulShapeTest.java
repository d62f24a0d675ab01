package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** matmul's shape rules for every 1-D / 2-D / N-D combination, and its values. */
class MatMulShapeTest {
    private static final Tensor A = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    private static final Tensor B = Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);

    private static int[] parse(String s) {
        String[] parts = s.strip().split(" ");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Integer.parseInt(parts[i]);
        return out;
    }

    @ParameterizedTest(name = "[{0}] @ [{1}] → [{2}]")
    @CsvSource({
        "3,         3,         ''",
        "3,         3 4,       4",
        "2 3,       3,         2",
        "2 3,       3 4,       2 4",
        "5 2 3,     3,         5 2",
        "3,         5 3 4,     5 4",
        "5 2 3,     3 4,       5 2 4",
        "2 3,       5 3 4,     5 2 4",
        "5 2 3,     5 3 4,     5 2 4",
        "2 1 2 3,   5 3 4,     2 5 2 4",
        "7 1 1 2 3, 6 1 3 4,   7 6 1 2 4",
        "0 2 3,     3 4,       0 2 4",
        "2 0,       0 4,       2 4",
    })
    void resultShape(String a, String b, String expected) {
        Tensor x = Tensor.ones(parse(a)), y = Tensor.ones(parse(b));
        int[] e = expected.isBlank() ? new int[0] : parse(expected);
        Tensor r = x.matmul(y);
        assertArrayEquals(e, r.shape());
        int k = parse(a)[parse(a).length - 1];
        for (float v : r.toFloatArray()) assertArrayEquals(new float[] {k}, new float[] {v});
    }

    @Test
    void matrixTimesMatrix() {
        tensor(A.matmul(B), DType.FLOAT32, shape(2, 2), 58, 64, 139, 154);
    }

    @Test
    void vectorCases() {
        Tensor v = Tensor.of(new float[] {1, 0, -1});
        tensor(v.matmul(v), DType.FLOAT32, shape(), 2);
        tensor(v.matmul(B), DType.FLOAT32, shape(2), -4, -4);
        tensor(A.matmul(v), DType.FLOAT32, shape(2), -2, -2);
    }

    @Test
    void transposedViews() {
        // Bᵀ·Aᵀ = (A·B)ᵀ
        tensor(B.t().matmul(A.t()), DType.FLOAT32, shape(2, 2), 58, 139, 64, 154);
    }

    @Test
    void batchBroadcast() {
        Tensor batch = Tensor.stack(java.util.List.of(A, A.mul(2)), 0);   // [2, 2, 3]
        tensor(batch.matmul(B), DType.FLOAT32, shape(2, 2, 2), 58, 64, 139, 154, 116, 128, 278, 308);
        Tensor bb = Tensor.stack(java.util.List.of(B, B.neg()), 0);          // [2, 3, 2]
        tensor(A.matmul(bb), DType.FLOAT32, shape(2, 2, 2), 58, 64, 139, 154, -58, -64, -139, -154);
    }

    @Test
    void dtypes() {
        tensor(A.to(DType.INT64).matmul(B.to(DType.INT32)), DType.INT64, shape(2, 2), 58, 64, 139, 154);
        tensor(A.to(DType.FLOAT64).matmul(B), DType.FLOAT64, shape(2, 2), 58, 64, 139, 154);
    }

    @Test
    void emptyInnerDimensionGivesZeros() {
        tensor(Tensor.ones(2, 0).matmul(Tensor.ones(0, 2)), DType.FLOAT32, shape(2, 2), 0, 0, 0, 0);
    }
}
