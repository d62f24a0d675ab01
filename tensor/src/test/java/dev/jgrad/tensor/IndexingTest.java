package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.longs;
import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;

import org.junit.jupiter.api.Test;

/** Forward values of gather, scatterAdd, indexSelect, oneHot and embedding. */
class IndexingTest {
    // [[1, 2, 3], [4, 5, 6]]
    private static final Tensor X = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);

    @Test
    void gatherAlongEachDimension() {
        tensor(X.gather(1, Tensor.of(new long[] {2, 0, 1, 1}, 2, 2)), DType.FLOAT32, shape(2, 2), 3, 1, 5, 5);
        tensor(X.gather(0, Tensor.of(new long[] {1, 0, 1}, 1, 3)), DType.FLOAT32, shape(1, 3), 4, 2, 6);
        tensor(X.gather(-1, Tensor.of(new int[] {0}, 1, 1)), DType.FLOAT32, shape(1, 1), 1);
    }

    @Test
    void gatherFromAView() {
        // X.t() = [[1, 4], [2, 5], [3, 6]]
        tensor(X.t().gather(1, Tensor.of(new long[] {1, 0, 1}, 3, 1)), DType.FLOAT32, shape(3, 1), 4, 2, 6);
    }

    @Test
    void gatherKeepsTheInputDtype() {
        longs(Tensor.of(new long[] {10, 20, 30}).gather(0, Tensor.of(new long[] {2, 2})), DType.INT64, shape(2), 30, 30);
    }

    @Test
    void scatterAddAccumulatesIntoACopy() {
        Tensor base = Tensor.zeros(2, 3);
        Tensor r = base.scatterAdd(1, Tensor.of(new long[] {0, 0, 2, 1}, 2, 2), Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        tensor(r, DType.FLOAT32, shape(2, 3), 3, 0, 0, 0, 4, 3);
        tensor(base, DType.FLOAT32, shape(2, 3), 0, 0, 0, 0, 0, 0);
    }

    @Test
    void indexSelectRowsAndColumnsWithRepeats() {
        tensor(X.indexSelect(0, Tensor.of(new long[] {1, 1, 0})), DType.FLOAT32, shape(3, 3), 4, 5, 6, 4, 5, 6, 1, 2, 3);
        tensor(X.indexSelect(1, Tensor.of(new int[] {2, 0})), DType.FLOAT32, shape(2, 2), 3, 1, 6, 4);
        tensor(X.indexSelect(1, Tensor.zeros(DType.INT64, 0)), DType.FLOAT32, shape(2, 0));
    }

    @Test
    void indexSelectWithAStridedIndex() {
        Tensor idx = Tensor.of(new long[] {2, 9, 0, 9, 1}).slice(0, 0, 5, 2);   // [2, 0, 1]
        tensor(X.indexSelect(1, idx), DType.FLOAT32, shape(2, 3), 3, 1, 2, 6, 4, 5);
    }

    @Test
    void oneHot() {
        longs(Tensor.of(new long[] {0, 2, 1}).oneHot(3), DType.INT64, shape(3, 3), 1, 0, 0, 0, 0, 1, 0, 1, 0);
        longs(Tensor.of(new int[] {3, 0}, 2, 1).oneHot(4), DType.INT64, shape(2, 1, 4), 0, 0, 0, 1, 1, 0, 0, 0);
        longs(Tensor.zeros(DType.INT64, 0).oneHot(2), DType.INT64, shape(0, 2));
    }

    @Test
    void embeddingLooksUpRows() {
        Tensor weight = Tensor.of(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f}, 4, 2);
        Tensor out = Tensor.embedding(Tensor.of(new long[] {1, 3, 0, 1}, 2, 2), weight);
        tensor(out, DType.FLOAT32, shape(2, 2, 2), 1, 1.5f, 3, 3.5f, 0, 0.5f, 1, 1.5f);
        tensor(Tensor.embedding(Tensor.of(new int[] {2}), weight), DType.FLOAT32, shape(1, 2), 2, 2.5f);
        tensor(Tensor.embedding(Tensor.scalar(3, DType.INT64), weight), DType.FLOAT32, shape(2), 3, 3.5f);
    }
}
