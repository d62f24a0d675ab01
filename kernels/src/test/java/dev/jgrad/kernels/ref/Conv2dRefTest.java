package dev.jgrad.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ConvShape;
import org.junit.jupiter.api.Test;

/**
 * The reference convolution on a 3x3 input x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]] and a 2x2
 * kernel w = [[1, 2], [3, 4]], every output worked out by hand in the comments.
 */
class Conv2dRefTest {
    private static final double[] X = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    private static final double[] W = {1, 2, 3, 4};

    private static double[] forward(ConvShape cs, double[] x, double[] w) {
        double[] y = new double[cs.n() * cs.k() * cs.outH() * cs.outW()];
        Conv2dRef.forward(cs, new Buf.F64(x), new Buf.F64(w), new Buf.F64(y));
        return y;
    }

    @Test
    void validCorrelation() {
        ConvShape cs = new ConvShape(1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1, 1, 1);
        // y00 = 1·1 + 2·2 + 4·3 + 5·4 = 37; y01 = 2 + 6 + 15 + 24 = 47; y10 = 4 + 10 + 21 + 32 = 67; y11 = 5 + 12 + 24 + 36 = 77
        assertArrayEquals(new double[] {37, 47, 67, 77}, forward(cs, X, W), 0);
    }

    @Test
    void paddingAndStride() {
        ConvShape cs = new ConvShape(1, 1, 3, 3, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1);
        assertEquals(2, cs.outH());
        // windows start at (-1,-1), (-1,1), (1,-1), (1,1):
        // y00 = 4·x00 = 4; y01 = 3·x01 + 4·x02 = 6 + 12; y10 = 2·x10 + 4·x20 = 8 + 28; y11 = 5 + 12 + 24 + 36
        assertArrayEquals(new double[] {4, 18, 36, 77}, forward(cs, X, W), 0);
    }

    @Test
    void dilation() {
        ConvShape cs = new ConvShape(1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 2, 2, 1);
        assertEquals(1, cs.outH());
        // taps at the corners: 1·1 + 2·3 + 3·7 + 4·9 = 64
        assertArrayEquals(new double[] {64}, forward(cs, X, W), 0);
    }

    @Test
    void channelsAndBatch() {
        // two input channels (x and 10·x), one output channel with 1x1 weights [1, -0.5]: y = x − 5x = −4x
        double[] x2 = new double[18];
        for (int i = 0; i < 9; i++) {
            x2[i] = X[i];
            x2[9 + i] = 10 * X[i];
        }
        ConvShape cs = new ConvShape(1, 2, 3, 3, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1);
        double[] y = forward(cs, x2, new double[] {1, -0.5});
        for (int i = 0; i < 9; i++) assertEquals(-4 * X[i], y[i], 0);
        // batch of two single-channel images, the second is 2x: outputs are 2x too
        double[] xb = new double[18];
        for (int i = 0; i < 9; i++) {
            xb[i] = X[i];
            xb[9 + i] = 2 * X[i];
        }
        double[] yb = forward(new ConvShape(2, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1, 1, 1), xb, W);
        assertArrayEquals(new double[] {37, 47, 67, 77, 74, 94, 134, 154}, yb, 0);
    }

    @Test
    void depthwiseGroups() {
        // groups = 2: output channel 0 sees only input channel 0 (weight 2), channel 1 only channel 1 (weight 3)
        double[] x2 = {1, 2, 3, 4, 10, 20, 30, 40};   // 2 channels of 2x2
        ConvShape cs = new ConvShape(1, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 1, 1, 2);
        assertArrayEquals(new double[] {2, 4, 6, 8, 30, 60, 90, 120}, forward(cs, x2, new double[] {2, 3}), 0);
    }

    @Test
    void backwardWeightWithUnitUpstream() {
        ConvShape cs = new ConvShape(1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1, 1, 1);
        double[] dw = new double[4];
        Conv2dRef.backwardWeight(cs, new Buf.F64(X), new Buf.F64(new double[] {1, 1, 1, 1}), new Buf.F64(dw));
        // dw[r][s] = Σ_{p,q} x[p+r][q+s]
        assertArrayEquals(new double[] {12, 16, 24, 28}, dw, 0);
    }

    @Test
    void backwardInputWithUnitUpstream() {
        ConvShape cs = new ConvShape(1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1, 1, 1);
        double[] dx = new double[9];
        Conv2dRef.backwardInput(cs, new Buf.F64(new double[] {1, 1, 1, 1}), new Buf.F64(W), new Buf.F64(dx));
        // dx[i][j] = Σ of the weights that touch (i, j): a "full" convolution of ones with w
        assertArrayEquals(new double[] {1, 3, 2, 4, 10, 6, 3, 7, 4}, dx, 0);
    }
}
