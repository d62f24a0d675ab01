package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Bad shapes, sizes and dimensions: IllegalArgumentException naming the op and the values. */
class BadShapeInputTest {
    private static final Tensor M = Tensor.zeros(2, 3);

    @Test
    void negativeShape() {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, -1), "zeros", "negative dimension", "[2, -1]");
        fails(IllegalArgumentException.class, () -> Tensor.ones(-3), "full", "negative dimension", "[-3]");
        fails(IllegalArgumentException.class, () -> Tensor.randn(-1), "randn", "[-1]");
        fails(IllegalArgumentException.class, () -> Tensor.of(new float[0], 0, -2), "of", "[0, -2]");
    }

    @Test
    void tooManyDimensions() {
        int[] s = new int[17];
        Arrays.fill(s, 1);
        fails(IllegalArgumentException.class, () -> Tensor.zeros(s), "zeros", "more than 16 dimensions");
        fails(IllegalArgumentException.class, () -> Tensor.ones(1).reshape(s), "reshape", "more than 16 dimensions");
        fails(IllegalArgumentException.class, () -> Tensor.ones(1).expand(s), "expand", "more than 16 dimensions");
    }

    @Test
    void tooManyElements() {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(65536, 65536), "[65536, 65536]", "4294967296", "2^31-9");
        // products that overflow a long are still refused (65536^4 = 2^64 wraps to 0)
        fails(IllegalArgumentException.class, () -> Tensor.zeros(65536, 65536, 65536, 65536), "18446744073709551616 elements");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(Integer.MAX_VALUE), "2^31-9", "largest Java array");
    }

    @Test
    void dataNotFillingTheShape() {
        fails(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2), "of", "3 values", "[2, 2]", "4 elements");
        fails(IllegalArgumentException.class, () -> Tensor.of(new long[] {1, 2, 3, 4, 5}, 2, 2), "of", "5 values", "[2, 2]");
    }

    @Test
    void reshapeToAWrongSize() {
        fails(IllegalArgumentException.class, () -> M.reshape(4), "reshape", "shape [4] is invalid for input of size 6", "[2, 3]");
        fails(IllegalArgumentException.class, () -> M.reshape(4, -1), "reshape", "[4, -1]", "size 6");
        fails(IllegalArgumentException.class, () -> M.view(7), "view", "[7]", "size 6");
        fails(IllegalArgumentException.class, () -> M.reshape(-2, 3), "reshape", "invalid size -2", "[-2, 3]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(0, 3).reshape(0, -1), "reshape", "[0, -1]", "size 0");
    }

    @Test
    void minusOneTwice() {
        fails(IllegalArgumentException.class, () -> M.reshape(-1, -1), "reshape", "only one dimension can be -1", "[-1, -1]");
    }

    @Test
    void dimensionOutOfRange() {
        fails(IllegalArgumentException.class, () -> M.sum(2), "sum", "dimension 2 is out of range", "2 dimensions", "-2 to 1");
        fails(IllegalArgumentException.class, () -> M.sum(-3), "sum", "dimension -3 is out of range");
        fails(IllegalArgumentException.class, () -> M.softmax(5), "softmax", "dimension 5");
        fails(IllegalArgumentException.class, () -> M.argmax(2, false), "argmax", "dimension 2");
        fails(IllegalArgumentException.class, () -> M.size(2), "size", "dimension 2");
        fails(IllegalArgumentException.class, () -> M.amax(new int[] {0, 9}, false), "amax", "dimension 9");
        fails(IllegalArgumentException.class, () -> M.unsqueeze(3), "unsqueeze", "dimension 3", "(expected -3 to 2)");
        fails(IllegalArgumentException.class, () -> M.squeeze(2), "squeeze", "dimension 2");
        fails(IllegalArgumentException.class, () -> Tensor.scalar(1).sum(1), "sum", "dimension 1", "0 dimensions");
    }

    @Test
    void repeatedDimensions() {
        fails(IllegalArgumentException.class, () -> M.sum(new int[] {0, -2}, false), "sum", "dimension -2 appears more than once", "[0, -2]");
        fails(IllegalArgumentException.class, () -> M.mean(new int[] {1, 1}, true), "mean", "appears more than once");
    }

    @Test
    void badRangesAndCounts() {
        fails(IllegalArgumentException.class, () -> Tensor.arange(0, 5, 0), "arange", "step");
        fails(IllegalArgumentException.class, () -> Tensor.arange(0.0, Double.NaN, 1.0), "arange", "finite");
        fails(IllegalArgumentException.class, () -> Tensor.linspace(0, 1, -1), "linspace", "-1");
        fails(IllegalArgumentException.class, () -> Tensor.eye(-1, 2), "eye", "-1 x 2");
        fails(IllegalArgumentException.class, () -> Tensor.randint(new Generator(1), 3, 3, 2), "random range is empty", "[3, 3)");
    }

    @Test
    void flattenAndTranspose() {
        Tensor t = Tensor.zeros(2, 3, 4);
        fails(IllegalArgumentException.class, () -> t.flatten(2, 1), "flatten", "start dimension 2 comes after end dimension 1");
        fails(IllegalArgumentException.class, t::t, "t", "at most 2 dimensions", "[2, 3, 4]");
        fails(IllegalArgumentException.class, () -> t.transpose(0, 3), "transpose", "dimension 3");
    }
}
