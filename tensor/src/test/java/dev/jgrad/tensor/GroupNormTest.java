package dev.jgrad.tensor;

import static dev.jgrad.tensor.CudaBackendTest.close;
import static dev.jgrad.tensor.CudaBackendTest.device;
import static dev.jgrad.tensor.Expect.fails;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Group normalisation on every device: the CPU kernels and the composed path that CUDA runs
 * (checked here on the CPU too) agree with each other in forward and backward, the CUDA result
 * equals the CPU's, and bad arguments fail naming the op and what is allowed.
 */
class GroupNormTest {
    /** (shape, groups). */
    private static final int[][][] CASES = {{{2, 4, 3, 3}, {2}}, {{3, 6, 5}, {3}}, {{2, 3, 4}, {1}}, {{3, 8}, {4}}, {{1, 4, 2, 3, 2}, {2}}};

    @Test
    void theComposedPathEqualsTheCpuKernels() {
        for (int[][] cs : CASES) {
            int[] shape = cs[0];
            int groups = cs[1][0], n = shape[0], c = shape[1], s = Shapes.numel(shape) / (n * c);
            for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                double tol = t == DType.FLOAT64 ? 1e-12 : 2e-5;
                Tensor x = Tensor.randn(new Generator(1), shape).mul(2).add(1).to(t);
                Tensor w = Tensor.rand(new Generator(2), c).add(0.5).to(t), b = Tensor.randn(new Generator(3), c).to(t);
                Tensor dy = Tensor.randn(new Generator(4), shape).to(t);
                for (boolean affine : new boolean[] {true, false}) {
                    Tensor ww = affine ? w : null, bb = affine ? b : null;
                    String what = java.util.Arrays.toString(shape) + " groups=" + groups + " " + t + " affine=" + affine;
                    Tensor y = x.clone().requiresGrad(true).groupNorm(groups, ww == null ? null : ww.clone().requiresGrad(true),
                            bb == null ? null : bb.clone().requiresGrad(true), 1e-5);
                    Op.GroupNorm op = (Op.GroupNorm) y.op();
                    Tensor[] grads = op.backward(dy);
                    Tensor y2 = Tensor.empty(shape, t, Device.CPU), mean = Tensor.empty(new int[] {n * groups}, t, Device.CPU);
                    Tensor rstd = Tensor.empty(new int[] {n * groups}, t, Device.CPU);
                    GroupNormOps.composedForward(n, c, s, groups, 1e-5, x, ww, bb, y2, mean, rstd);
                    close(y.detach(), y2, tol, what + " out");
                    close(op.mean(), mean, tol, what + " mean");
                    close(op.rstd(), rstd, tol * 10, what + " rstd");
                    Tensor dx = Tensor.empty(shape, t, Device.CPU), dw = Tensor.empty(new int[] {c}, t, Device.CPU);
                    Tensor db = Tensor.empty(new int[] {c}, t, Device.CPU);
                    GroupNormOps.composedBackward(n, c, s, groups, dy, x, ww, mean, rstd, dx, dw, db);
                    close(grads[0], dx, tol * 10, what + " dx");
                    if (affine) {
                        close(grads[1], dw, tol * 10, what + " dw");
                        close(grads[2], db, tol * 10, what + " db");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void everyDeviceGivesTheCpusResult(String dev) {
        Device d = device(dev);
        for (int[][] cs : CASES) {
            int[] shape = cs[0];
            int groups = cs[1][0], c = shape[1];
            for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                double tol = t == DType.FLOAT64 ? 1e-12 : 1e-4;
                Tensor x = Tensor.randn(new Generator(5), shape).to(t), w = Tensor.randn(new Generator(6), c).to(t);
                Tensor b = Tensor.randn(new Generator(7), c).to(t), dy = Tensor.randn(new Generator(8), shape).to(t);
                Tensor want = x.clone().requiresGrad(true).groupNorm(groups, w.clone().requiresGrad(true), b.clone().requiresGrad(true), 1e-5);
                Tensor got = x.to(d).clone().requiresGrad(true).groupNorm(groups, w.to(d).clone().requiresGrad(true),
                        b.to(d).clone().requiresGrad(true), 1e-5);
                String what = dev + " " + java.util.Arrays.toString(shape) + " " + t;
                close(want.detach(), got.detach().cpu(), tol, what + " out");
                Tensor[] gw = ((Op.GroupNorm) want.op()).backward(dy), gg = ((Op.GroupNorm) got.op()).backward(dy.to(d));
                for (int i = 0; i < 3; i++) close(gw[i], gg[i].cpu(), tol * 10, what + " grad " + i);
            }
        }
    }

    @Test
    void badArgumentsNameTheOpAndWhatIsAllowed() {
        Tensor x = Tensor.zeros(2, 6, 3);
        fails(IllegalArgumentException.class, () -> x.groupNorm(4, null, null, 1e-5), "group_norm", "channels (6)", "[2, 6, 3]",
                "divisible by groups (4)");
        fails(IllegalArgumentException.class, () -> x.groupNorm(0, null, null, 1e-5), "group_norm", "groups (0)");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(6).groupNorm(1, null, null, 1e-5), "group_norm", "[N, C, *]", "[6]");
        fails(IllegalArgumentException.class, () -> x.groupNorm(2, Tensor.ones(3), null, 1e-5), "group_norm", "weight must have shape [6]", "[3]");
        fails(IllegalArgumentException.class, () -> x.groupNorm(2, null, Tensor.ones(2, 3), 1e-5), "group_norm", "bias must have shape [6]");
        fails(IllegalArgumentException.class, () -> x.groupNorm(2, null, null, -1), "group_norm", "eps");
        fails(IllegalArgumentException.class, () -> x.groupNorm(2, null, null, Double.NaN), "group_norm", "eps");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(DType.INT64, 2, 6).groupNorm(2, null, null, 1e-5), "group_norm", "floating");
        fails(IllegalArgumentException.class, () -> x.groupNorm(2, Tensor.of(new long[] {1, 1, 1, 1, 1, 1}), null, 1e-5), "group_norm",
                "weight must be floating");
    }
}
