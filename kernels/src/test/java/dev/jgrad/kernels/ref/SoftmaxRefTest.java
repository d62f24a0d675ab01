package dev.jgrad.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Strided;
import org.junit.jupiter.api.Test;

/** Reference softmax and log-softmax. */
class SoftmaxRefTest {

    private static double[] softmax(boolean log, int[] shape, int dim, double[] x) {
        double[] out = new double[x.length];
        SoftmaxRef.forward(log, shape, dim, Strided.contiguous(new Buf.F64(out), shape), Strided.contiguous(new Buf.F64(x), shape));
        return out;
    }

    @Test
    void softmaxOfOneTwoThree() {
        double s = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertArrayEquals(new double[] {Math.exp(1) / s, Math.exp(2) / s, Math.exp(3) / s},
                softmax(false, new int[] {3}, 0, new double[] {1, 2, 3}), 2e-16);
        // 30-digit reference: softmax([1,2,3]) = [0.09003057317038046, 0.24472847105479764, 0.6652409557748219]
        assertArrayEquals(new double[] {0.09003057317038046, 0.24472847105479764, 0.6652409557748219},
                softmax(false, new int[] {3}, 0, new double[] {1, 2, 3}), 1e-15);
    }

    @Test
    void logSoftmaxIsShiftedByTheLogSumExp() {
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertArrayEquals(new double[] {1 - lse, 2 - lse, 3 - lse}, softmax(true, new int[] {3}, 0, new double[] {1, 2, 3}), 1e-15);
    }

    @Test
    void largeMagnitudesDoNotOverflow() {
        assertArrayEquals(new double[] {0.5, 0.5}, softmax(false, new int[] {2}, 0, new double[] {1000, 1000}), 0);
        assertArrayEquals(new double[] {0, 1}, softmax(false, new int[] {2}, 0, new double[] {-1000, 0}), 0);
        assertArrayEquals(new double[] {-1000, 0}, softmax(true, new int[] {2}, 0, new double[] {-1000, 0}), 0);
        assertArrayEquals(new double[] {0.5, 0.5}, softmax(false, new int[] {2}, 0, new double[] {-1000, -1000}), 0);
    }

    @Test
    void alongTheFirstDimensionOfAMatrix() {
        // columns of [[0, 0], [ln 3, 0]] → [[1/4, 1/2], [3/4, 1/2]]
        double[] out = softmax(false, new int[] {2, 2}, 0, new double[] {0, 0, Math.log(3), 0});
        assertArrayEquals(new double[] {0.25, 0.5, 0.75, 0.5}, out, 1e-15);
    }

    @Test
    void stridedInputAndOutput() {
        // x is the transpose of [[0, ln 3], [0, 0]] ; softmax along dim 1 of the view, written transposed
        double[] x = {0, Math.log(3), 0, 0};
        double[] out = new double[4];
        SoftmaxRef.forward(false, new int[] {2, 2}, 1, new Strided(new Buf.F64(out), 0, new int[] {1, 2}),
                new Strided(new Buf.F64(x), 0, new int[] {1, 2}));
        // view rows: [0, 0] and [ln 3, 0] → [1/2, 1/2] and [3/4, 1/4]; stored transposed
        assertArrayEquals(new double[] {0.5, 0.75, 0.5, 0.25}, out, 1e-15);
    }

    @Test
    void rowsSumToOne() {
        double[] x = {3.2, -1, 0.5, 7, 7, 7, -50, 0, 50};
        double[] out = softmax(false, new int[] {3, 3}, 1, x);
        for (int r = 0; r < 3; r++) assertEquals(1.0, out[3 * r] + out[3 * r + 1] + out[3 * r + 2], 1e-15);
    }
}
