package dev.jgrad.tensor;

import static dev.jgrad.tensor.CudaBackendTest.close;
import static dev.jgrad.tensor.CudaBackendTest.device;
import static dev.jgrad.tensor.Expect.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transposed convolution on every device: its output equals the scatter form of the
 * definition (each input element adds its weighted kernel into the output), its backward pass
 * equals the CPU's in float64, and bad arguments fail naming the op and what is allowed.
 */
class ConvTransposeTest {

    /** (x shape, w shape, stride, padding, outputPadding, dilation, groups), per axis (h, w). */
    private static final int[][][] GEOMETRIES = {
        {{2, 3, 4, 5}, {3, 2, 3, 3}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, {1}},
        {{1, 4, 3, 3}, {4, 3, 4, 4}, {2, 2}, {1, 1}, {0, 0}, {1, 1}, {1}},
        {{2, 4, 3, 2}, {4, 1, 3, 2}, {2, 3}, {1, 0}, {1, 2}, {1, 1}, {2}},
        {{1, 2, 3, 3}, {2, 2, 3, 3}, {1, 1}, {1, 1}, {1, 1}, {2, 2}, {1}},   // outputPadding >= stride, below the dilation
        {{1, 3, 5, 4}, {3, 1, 3, 3}, {2, 1}, {1, 1}, {1, 0}, {1, 2}, {3}},   // depthwise
    };

    /** y[n, g·Cog + co, i·s − p + r·d, j·s − p + c·d] += x[n, g·Cig + ci, i, j] · w[g·Cig + ci, co, r, c], in double. */
    private static double[] definition(Tensor x, Tensor w, double[] bias, int[] s, int[] p, int[] op, int[] d, int groups, int[] ys) {
        int[] xs = x.shape(), ws = w.shape();
        double[] xv = x.toDoubleArray(), wv = w.toDoubleArray(), y = new double[ys[0] * ys[1] * ys[2] * ys[3]];
        int cig = xs[1] / groups, cog = ws[1];
        for (int n = 0; n < xs[0]; n++) {
            for (int ci = 0; ci < xs[1]; ci++) {
                int g = ci / cig;
                for (int i = 0; i < xs[2]; i++) {
                    for (int j = 0; j < xs[3]; j++) {
                        double v = xv[((n * xs[1] + ci) * xs[2] + i) * xs[3] + j];
                        for (int co = 0; co < cog; co++) {
                            for (int r = 0; r < ws[2]; r++) {
                                for (int c = 0; c < ws[3]; c++) {
                                    int oh = i * s[0] - p[0] + r * d[0], ow = j * s[1] - p[1] + c * d[1];
                                    if (oh < 0 || oh >= ys[2] || ow < 0 || ow >= ys[3]) continue;
                                    int oc = g * cog + co;
                                    y[((n * ys[1] + oc) * ys[2] + oh) * ys[3] + ow] += v * wv[((ci * cog + co) * ws[2] + r) * ws[3] + c];
                                }
                            }
                        }
                    }
                }
            }
        }
        if (bias != null) {
            int plane = ys[2] * ys[3];
            for (int i = 0; i < y.length; i++) y[i] += bias[i / plane % ys[1]];
        }
        return y;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void matchesTheScatterDefinitionAndTheCpuGradients(String dev) {
        Device device = device(dev);
        for (int[][] geo : GEOMETRIES) {
            int[] s = geo[2], p = geo[3], op = geo[4], d = geo[5];
            int groups = geo[6][0];
            Tensor x = Tensor.randn(new Generator(1), geo[0]).to(DType.FLOAT64);
            Tensor w = Tensor.randn(new Generator(2), geo[1]).to(DType.FLOAT64);
            Tensor b = Tensor.randn(new Generator(3), geo[1][1] * groups).to(DType.FLOAT64);
            int[] ys = {geo[0][0], geo[1][1] * groups, 0, 0};
            for (int a = 0; a < 2; a++) ys[2 + a] = (geo[0][2 + a] - 1) * s[a] - 2 * p[a] + d[a] * (geo[1][2 + a] - 1) + op[a] + 1;
            for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                double tol = t == DType.FLOAT64 ? 1e-12 : 1e-4;
                Tensor xd = x.to(t).to(device).clone().requiresGrad(true), wd = w.to(t).to(device).clone().requiresGrad(true);
                Tensor bd = b.to(t).to(device).clone().requiresGrad(true);
                Tensor y = xd.convTranspose2d(wd, bd, s, p, op, d, groups);
                String what = dev + " " + t + " " + java.util.Arrays.deepToString(geo);
                assertArrayEquals(ys, y.shape(), what + ": shape");
                close(Tensor.of(definition(x, w, b.toDoubleArray(), s, p, op, d, groups, ys), ys).to(t), y.cpu(), tol, what);
                Tensor g = Tensor.randn(new Generator(4), ys).to(t);
                Tensor[] grads = ((Op.ConvTranspose2d) y.op()).backward(g.to(device));
                // the CPU's float64 gradients, themselves gradchecked and compared with PyTorch in the autograd module
                Tensor xc = x.clone().requiresGrad(true), wc = w.clone().requiresGrad(true), bc = b.clone().requiresGrad(true);
                Tensor[] want = ((Op.ConvTranspose2d) xc.convTranspose2d(wc, bc, s, p, op, d, groups).op()).backward(g.to(DType.FLOAT64));
                close(want[0].to(t), grads[0].cpu(), tol, what + " dx");
                close(want[1].to(t), grads[1].cpu(), tol * 10, what + " dw");
                close(want[2].to(t), grads[2].cpu(), tol * 10, what + " db");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void anEmptyBatchGivesAnEmptyOutput(String dev) {
        Device device = device(dev);
        Tensor y = Tensor.zeros(0, 2, 3, 3).to(device).convTranspose2d(Tensor.ones(2, 1, 2, 2).to(device), null, new int[] {1},
                new int[] {0}, new int[] {0}, new int[] {1}, 1);
        assertArrayEquals(new int[] {0, 1, 4, 4}, y.shape());
    }

    @Test
    void badArgumentsNameTheOpAndWhatIsAllowed() {
        Tensor x = Tensor.zeros(1, 4, 3, 3), w = Tensor.zeros(4, 2, 3, 3);
        int[] one = {1}, zero = {0};
        fails(IllegalArgumentException.class, () -> Tensor.zeros(4, 3, 3).convTranspose2d(w, null, one, zero, zero, one, 1),
                "conv_transpose2d", "4-D input [N, C_in, H, W]", "[4, 3, 3]");
        fails(IllegalArgumentException.class, () -> x.convTranspose2d(Tensor.zeros(3, 2, 3, 3), null, one, zero, zero, one, 1),
                "conv_transpose2d", "4 channels", "expects 3", "[C_in, C_out/groups, kH, kW]");
        fails(IllegalArgumentException.class, () -> x.convTranspose2d(w, null, one, zero, zero, one, 3), "conv_transpose2d", "groups",
                "divide the input channels 4", "3");
        fails(IllegalArgumentException.class, () -> x.convTranspose2d(w, null, one, zero, new int[] {1}, one, 1), "conv_transpose2d",
                "outputPadding must be smaller than either the stride or the dilation", "stride 1", "dilation 1");
        fails(IllegalArgumentException.class, () -> x.convTranspose2d(w, null, new int[] {0}, zero, zero, one, 1), "conv_transpose2d",
                "stride and dilation must be >= 1", "[0, 0]");
        fails(IllegalArgumentException.class, () -> x.convTranspose2d(w, null, one, new int[] {-1}, zero, one, 1), "conv_transpose2d",
                "padding", "[-1, -1]");
        fails(IllegalArgumentException.class, () -> x.convTranspose2d(w, null, one, new int[] {3}, zero, one, 1), "conv_transpose2d",
                "output height of -1", "reduce the padding");
        fails(IllegalArgumentException.class, () -> x.convTranspose2d(w, Tensor.zeros(4), one, zero, zero, one, 1), "conv_transpose2d",
                "bias must have shape [2]", "[4]");
        fails(IllegalArgumentException.class, () -> x.convTranspose2d(w, null, new int[] {1, 1, 1}, zero, zero, one, 1), "conv_transpose2d",
                "stride must have 1 or 2 values");
        fails(IllegalArgumentException.class, () -> x.convTranspose2d(null, null, one, zero, zero, one, 1), "conv_transpose2d", "weight");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(DType.INT64, 1, 4, 3, 3).convTranspose2d(w, null, one, zero, zero, one, 1),
                "conv_transpose2d", "floating");
    }
}
