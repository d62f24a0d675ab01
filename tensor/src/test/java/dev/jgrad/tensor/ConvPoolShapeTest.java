package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** conv2d and pooling on tensors: output shapes, bias, and a few values. */
class ConvPoolShapeTest {

    private static Tensor iota(int... shape) {
        return Tensor.arange(1.0, Shapes.numel(shape) + 1, 1.0).reshape(shape);
    }

    @Test
    void convOutputShapes() {
        Tensor x = Tensor.ones(2, 4, 9, 7);
        assertArrayEquals(shape(2, 8, 7, 5), x.conv2d(Tensor.ones(8, 4, 3, 3), null).shape());
        assertArrayEquals(shape(2, 8, 5, 4), x.conv2d(Tensor.ones(8, 4, 3, 3), null, 2, 1).shape());
        assertArrayEquals(shape(2, 6, 5, 3), x.conv2d(Tensor.ones(6, 2, 3, 3), null, new int[] {1}, new int[] {0},
                new int[] {2}, 2).shape());
        assertArrayEquals(shape(2, 4, 10, 3), x.conv2d(Tensor.ones(4, 1, 2, 3), null, new int[] {1, 2}, new int[] {1, 0},
                new int[] {1}, 4).shape());
    }

    @Test
    void convValuesAndBias() {
        Tensor x = iota(1, 1, 3, 3);
        Tensor w = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        tensor(x.conv2d(w, null), DType.FLOAT32, shape(1, 1, 2, 2), 37, 47, 67, 77);
        tensor(x.conv2d(w, Tensor.of(new float[] {-37})), DType.FLOAT32, shape(1, 1, 2, 2), 0, 10, 30, 40);
        tensor(x.conv2d(w, null, 2, 1), DType.FLOAT32, shape(1, 1, 2, 2), 4, 18, 36, 77);
    }

    @Test
    void convOfANonContiguousInput() {
        Tensor x = iota(1, 1, 3, 3).permute(0, 1, 3, 2);   // the transposed image
        Tensor w = Tensor.of(new float[] {1, 0, 0, 0}, 1, 1, 2, 2);
        tensor(x.conv2d(w, null), DType.FLOAT32, shape(1, 1, 2, 2), 1, 4, 2, 5);
    }

    @Test
    void poolOutputShapes() {
        Tensor x = Tensor.ones(2, 3, 7, 6);
        assertArrayEquals(shape(2, 3, 3, 3), x.maxPool2d(2).shape());
        assertArrayEquals(shape(2, 3, 4, 3), x.maxPool2d(new int[] {2}, null, new int[] {0}, new int[] {1}, true).shape());
        assertArrayEquals(shape(2, 3, 4, 3), x.maxPool2d(new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, false).shape());
        assertArrayEquals(shape(2, 3, 3, 2), x.maxPool2d(new int[] {2, 3}, new int[] {2, 3}, new int[] {0}, new int[] {1}, false).shape());
        assertArrayEquals(shape(2, 3, 5, 4), x.maxPool2d(new int[] {2}, new int[] {1}, new int[] {0}, new int[] {2}, false).shape());
        assertArrayEquals(shape(2, 3, 2, 2), x.avgPool2d(3).shape());
        assertArrayEquals(shape(2, 3, 3, 2), x.avgPool2d(new int[] {3}, null, new int[] {0}, true, true).shape());
        assertArrayEquals(shape(2, 3, 4, 4), x.avgPool2d(new int[] {2}, new int[] {2}, new int[] {1}, false, false).shape());
    }

    @Test
    void poolValues() {
        Tensor x = iota(1, 1, 4, 4);
        tensor(x.maxPool2d(2), DType.FLOAT32, shape(1, 1, 2, 2), 6, 8, 14, 16);
        tensor(x.avgPool2d(2), DType.FLOAT32, shape(1, 1, 2, 2), 3.5f, 5.5f, 11.5f, 13.5f);
        Tensor padded = x.avgPool2d(new int[] {2}, null, new int[] {1}, false, true);
        tensor(padded.narrow(2, 0, 1), DType.FLOAT32, shape(1, 1, 1, 3), 0.25f, 1.25f, 1);
        Tensor exclusive = x.avgPool2d(new int[] {2}, null, new int[] {1}, false, false);
        tensor(exclusive.narrow(2, 0, 1), DType.FLOAT32, shape(1, 1, 1, 3), 1, 2.5f, 4);
    }
}
