package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.longs;
import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** sum, mean, amax/amin, argmax/argmin, var and std on small tensors. */
class ReductionTest {
    // [[1, 5, 2], [7, 0, 7]]
    private static final Tensor M = Tensor.of(new float[] {1, 5, 2, 7, 0, 7}, 2, 3);

    @Test
    void sumAndMean() {
        tensor(M.sum(), DType.FLOAT32, shape(), 22);
        tensor(M.sum(0), DType.FLOAT32, shape(3), 8, 5, 9);
        tensor(M.sum(-1), DType.FLOAT32, shape(2), 8, 14);
        tensor(M.sum(new int[] {1}, true), DType.FLOAT32, shape(2, 1), 8, 14);
        tensor(M.sum(new int[] {0, 1}, true), DType.FLOAT32, shape(1, 1), 22);
        tensor(M.mean(1), DType.FLOAT32, shape(2), 8f / 3, 14f / 3);
        tensor(M.t().mean(0), DType.FLOAT32, shape(2), 8f / 3, 14f / 3);
        tensor(Tensor.zeros(0, 3).sum(0), DType.FLOAT32, shape(3), 0, 0, 0);
    }

    @Test
    void amaxAmin() {
        tensor(M.max(), DType.FLOAT32, shape(), 7);
        tensor(M.min(), DType.FLOAT32, shape(), 0);
        tensor(M.amax(0), DType.FLOAT32, shape(3), 7, 5, 7);
        tensor(M.amin(new int[] {1}, true), DType.FLOAT32, shape(2, 1), 1, 0);
        assertTrue(Float.isNaN(Tensor.of(new float[] {1, Float.NaN}).max().toFloatArray()[0]));
    }

    @Test
    void argmaxArgminFlattened() {
        longs(M.argmax(), DType.INT64, shape(), 3);
        longs(M.argmin(), DType.INT64, shape(), 4);
        longs(M.t().argmax(), DType.INT64, shape(), 1);   // M.t() flattened is [1, 7, 5, 0, 2, 7]
        longs(Tensor.scalar(4).argmax(), DType.INT64, shape(), 0);
    }

    @Test
    void argmaxAlongADimensionFirstWinsTies() {
        longs(M.argmax(1, false), DType.INT64, shape(2), 1, 0);
        longs(M.argmax(0, false), DType.INT64, shape(3), 1, 0, 1);
        longs(M.argmin(1, true), DType.INT64, shape(2, 1), 0, 1);
        longs(M.argmin(-2, false), DType.INT64, shape(3), 0, 1, 0);
        longs(Tensor.of(new float[] {3, Float.NaN, 9}).argmax(0, false), DType.INT64, shape(), 1);
    }

    @Test
    void varianceAndStandardDeviation() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4});
        assertEquals(5.0 / 3, x.var().item(), 1e-15);
        assertEquals(1.25, x.var(null, false, 0).item(), 1e-15);
        assertEquals(Math.sqrt(5.0 / 3), x.std(null, false, 1).item(), 1e-15);
        assertEquals(Math.sqrt(1.25), x.std(null, false, 0).item(), 1e-15);
        // rows of M: [1, 5, 2] has mean 8/3 and unbiased variance 13/3; [7, 0, 7] has 49/3
        Tensor v = M.var(new int[] {1}, false, 1);
        assertArrayEquals(shape(2), v.shape());
        assertArrayEquals(new float[] {13f / 3, 49f / 3}, v.toFloatArray(), 1e-5f);
        Tensor vk = M.var(new int[] {0}, true, 0);
        assertArrayEquals(shape(1, 3), vk.shape());
        assertArrayEquals(new float[] {9, 6.25f, 6.25f}, vk.toFloatArray(), 1e-6f);
    }

    @Test
    void varianceOfOneElementWithCorrectionIsNaN() {
        // N − correction = 0: PyTorch returns nan for 0/0 (a single element)
        assertTrue(Double.isNaN(Tensor.of(new double[] {3}).var().item()));
    }
}
