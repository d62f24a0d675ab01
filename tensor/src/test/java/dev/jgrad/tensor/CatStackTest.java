package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;

import java.util.List;
import org.junit.jupiter.api.Test;

/** cat and stack: shapes, values, dtype promotion. */
class CatStackTest {
    private static final Tensor A = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
    private static final Tensor B = Tensor.of(new float[] {5, 6}, 1, 2);

    @Test
    void catAlongRows() {
        tensor(Tensor.cat(List.of(A, B), 0), DType.FLOAT32, shape(3, 2), 1, 2, 3, 4, 5, 6);
        tensor(Tensor.cat(List.of(B, A, B), -2), DType.FLOAT32, shape(4, 2), 5, 6, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void catAlongColumns() {
        Tensor c = Tensor.of(new float[] {7, 8}, 2, 1);
        tensor(Tensor.cat(List.of(A, c), 1), DType.FLOAT32, shape(2, 3), 1, 2, 7, 3, 4, 8);
    }

    @Test
    void catOfViewsAndEmptyTensors() {
        tensor(Tensor.cat(List.of(A.t(), Tensor.zeros(0, 2), B), 0), DType.FLOAT32, shape(3, 2), 1, 3, 2, 4, 5, 6);
        tensor(Tensor.cat(List.of(A), 1), DType.FLOAT32, shape(2, 2), 1, 2, 3, 4);
    }

    @Test
    void catPromotesDtypes() {
        Tensor ints = Tensor.of(new int[] {1, 2});
        Tensor halves = Tensor.of(new double[] {0.5});
        Tensor r = Tensor.cat(List.of(ints, halves), 0);
        tensor(r, DType.FLOAT64, shape(3), 1, 2, 0.5f);
    }

    @Test
    void stackAddsADimension() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}), y = Tensor.of(new float[] {4, 5, 6});
        tensor(Tensor.stack(List.of(x, y), 0), DType.FLOAT32, shape(2, 3), 1, 2, 3, 4, 5, 6);
        tensor(Tensor.stack(List.of(x, y), 1), DType.FLOAT32, shape(3, 2), 1, 4, 2, 5, 3, 6);
        tensor(Tensor.stack(List.of(x, y), -1), DType.FLOAT32, shape(3, 2), 1, 4, 2, 5, 3, 6);
    }

    @Test
    void stackOfMatricesAlongTheMiddle() {
        tensor(Tensor.stack(List.of(A, A.mul(10)), 1), DType.FLOAT32, shape(2, 2, 2), 1, 2, 10, 20, 3, 4, 30, 40);
    }

    @Test
    void stackOfScalars() {
        tensor(Tensor.stack(List.of(Tensor.scalar(1), Tensor.scalar(2), Tensor.scalar(3)), 0), DType.FLOAT32, shape(3), 1, 2, 3);
    }
}
