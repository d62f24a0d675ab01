package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;

import org.junit.jupiter.api.Test;

/** Indices of the wrong type (IllegalArgumentException) or out of range (IndexOutOfBoundsException). */
class BadIndexInputTest {
    private static final Tensor X = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);

    @Test
    void gatherWithAFloatIndex() {
        fails(IllegalArgumentException.class, () -> X.gather(1, Tensor.zeros(2, 2)), "gather", "index must be int64 or int32", "float32");
        fails(IllegalArgumentException.class, () -> X.gather(1, Tensor.zeros(DType.BOOL, 2, 2)), "gather", "bool");
    }

    @Test
    void gatherWithOutOfRangeValues() {
        fails(IndexOutOfBoundsException.class, () -> X.gather(1, Tensor.of(new long[] {0, 5}, 1, 2)),
                "index 5 is out of bounds for dimension 1 with size 3");
        fails(IndexOutOfBoundsException.class, () -> X.gather(0, Tensor.of(new long[] {-3}, 1, 1)),
                "index -3 is out of bounds for dimension 0 with size 2");
    }

    @Test
    void negativeIndicesAreOutOfBoundsAsInPyTorch() {
        // they used to count from the end: gather(-1) silently took the last column
        fails(IndexOutOfBoundsException.class, () -> X.gather(1, Tensor.of(new long[] {0, -1}, 1, 2)),
                "gather: index -1 is out of bounds for dimension 1 with size 3");
        fails(IndexOutOfBoundsException.class, () -> X.indexSelect(0, Tensor.of(new long[] {1, -1})),
                "index_select: index -1 is out of bounds for dimension 0 with size 2");
        fails(IndexOutOfBoundsException.class, () -> X.scatterAdd(1, Tensor.of(new int[] {-3}, 1, 1), X),
                "scatter_add: index -3 is out of bounds for dimension 1 with size 3");
        fails(IndexOutOfBoundsException.class, () -> Tensor.embedding(Tensor.of(new long[] {2, -1}), Tensor.zeros(4, 2)),
                "embedding: index -1 is out of bounds for dimension 0 with size 4", "indices range from -1 to 2");
        fails(IndexOutOfBoundsException.class, () -> Tensor.scalar(7).gather(0, Tensor.of(new long[] {-1}).reshape()),
                "gather: index -1 is out of bounds for dimension 0 with size 1");
    }

    @Test
    void gatherWithAWrongIndexShape() {
        fails(IllegalArgumentException.class, () -> X.gather(1, Tensor.zeros(DType.INT64, 2)), "gather", "index [2]", "input [2, 3]",
                "same number of dimensions");
        fails(IllegalArgumentException.class, () -> X.gather(1, Tensor.zeros(DType.INT64, 3, 1)), "gather", "index [3, 1]",
                "larger than input [2, 3] in dimension 0");
    }

    @Test
    void indexSelectWithAFloatIndex() {
        fails(IllegalArgumentException.class, () -> X.indexSelect(0, Tensor.of(new float[] {0})), "index_select", "float32");
    }

    @Test
    void indexSelectWithOutOfRangeValues() {
        fails(IndexOutOfBoundsException.class, () -> X.indexSelect(0, Tensor.of(new long[] {0, 2})),
                "index 2 is out of bounds for dimension 0 with size 2");
        fails(IndexOutOfBoundsException.class, () -> X.indexSelect(1, Tensor.of(new int[] {-4})), "index -4", "size 3");
    }

    @Test
    void indexSelectWithAMatrixIndex() {
        fails(IllegalArgumentException.class, () -> X.indexSelect(0, Tensor.zeros(DType.INT64, 1, 1)), "index_select",
                "0-d or 1-d index", "[1, 1]");
    }

    @Test
    void scatterAddBadIndex() {
        fails(IllegalArgumentException.class, () -> X.scatterAdd(0, Tensor.zeros(1, 1), X), "scatter_add", "float32");
        fails(IndexOutOfBoundsException.class, () -> X.scatterAdd(0, Tensor.of(new long[] {2}, 1, 1), X), "index 2", "size 2");
        fails(IllegalArgumentException.class, () -> X.scatterAdd(0, Tensor.zeros(DType.INT64, 2, 3), Tensor.zeros(1, 3)), "scatter_add",
                "must not be larger than src");
    }

    @Test
    void oneHotOutOfRange() {
        fails(IllegalArgumentException.class, () -> Tensor.of(new long[] {0, 3}).oneHot(3), "one_hot", "[0, 3)", "from 0 to 3");
        fails(IllegalArgumentException.class, () -> Tensor.of(new int[] {-1, 1}).oneHot(3), "one_hot", "from -1 to 1");
    }

    @Test
    void oneHotOfAFloatTensor() {
        fails(IllegalArgumentException.class, () -> Tensor.of(new float[] {0, 1}).oneHot(2), "one_hot", "integer", "float32");
        fails(IllegalArgumentException.class, () -> Tensor.of(new boolean[] {true}).oneHot(2), "one_hot", "bool");
    }

    @Test
    void embeddingErrors() {
        Tensor w = Tensor.zeros(4, 2);
        fails(IndexOutOfBoundsException.class, () -> Tensor.embedding(Tensor.of(new long[] {4}), w), "index 4", "size 4");
        fails(IllegalArgumentException.class, () -> Tensor.embedding(Tensor.of(new long[] {0}), Tensor.zeros(4)), "embedding",
                "2-D", "[4]");
        fails(IllegalArgumentException.class, () -> Tensor.embedding(Tensor.of(new float[] {0}), w), "float32");
    }
}
