package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** softmax and logSoftmax on tensors. */
class SoftmaxTest {

    @Test
    void rowsSumToOne() {
        Tensor x = Tensor.randn(new Generator(3), 5, 7).mul(4);
        Tensor s = x.softmax(1);
        float[] sums = s.sum(1).toFloatArray();
        for (float v : sums) assertEquals(1, v, 1e-6f);
        float[] cols = x.softmax(0).sum(0).toFloatArray();
        for (float v : cols) assertEquals(1, v, 1e-6f);
        for (float v : s.toFloatArray()) assertTrue(v > 0 && v < 1, "softmax value " + v);
    }

    @Test
    void knownValues() {
        tensor(Tensor.of(new float[] {0, (float) Math.log(3)}).softmax(0), DType.FLOAT32, shape(2), 0.25f, 0.75f);
        Tensor ls = Tensor.of(new double[] {1, 2, 3}).logSoftmax(-1);
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertArrayEquals(new double[] {1 - lse, 2 - lse, 3 - lse}, ls.toDoubleArray(), 1e-15);
    }

    @Test
    void largeInputsDoNotOverflow() {
        tensor(Tensor.of(new float[] {1000, -1000, 1000}).softmax(0), DType.FLOAT32, shape(3), 0.5f, 0, 0.5f);
        tensor(Tensor.of(new float[] {-1000, -1000}).softmax(0), DType.FLOAT32, shape(2), 0.5f, 0.5f);
        tensor(Tensor.of(new float[] {1000, 0}, 1, 2).softmax(1), DType.FLOAT32, shape(1, 2), 1, 0);
        float ln2 = (float) Math.log(2);
        tensor(Tensor.of(new float[] {1000, 1000}).logSoftmax(0), DType.FLOAT32, shape(2), -ln2, -ln2);
        tensor(Tensor.of(new float[] {0, -1000}).logSoftmax(0), DType.FLOAT32, shape(2), 0, -1000);
    }

    @Test
    void alongTheMiddleDimensionOfAView() {
        Tensor x = Tensor.zeros(2, 3, 4).permute(2, 0, 1);   // [4, 2, 3], non-contiguous
        Tensor s = x.softmax(1);
        assertArrayEquals(shape(4, 2, 3), s.shape());
        for (float v : s.toFloatArray()) assertEquals(0.5f, v);
    }

    @Test
    void zeroDimensionalInput() {
        tensor(Tensor.scalar(5).softmax(0), DType.FLOAT32, shape(), 1);
        tensor(Tensor.scalar(5).logSoftmax(-1), DType.FLOAT32, shape(), 0);
    }
}
