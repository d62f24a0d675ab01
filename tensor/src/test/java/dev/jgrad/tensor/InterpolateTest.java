package dev.jgrad.tensor;

import static dev.jgrad.tensor.CudaBackendTest.close;
import static dev.jgrad.tensor.CudaBackendTest.device;
import static dev.jgrad.tensor.Expect.fails;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Interpolation on every device: the CPU kernels and the composed gathers that CUDA runs
 * (checked here on the CPU too) agree in forward and backward, the CUDA result equals the CPU's,
 * and bad arguments fail naming the op and what is allowed.
 */
class InterpolateTest {
    private record Case(int[] shape, int[] size, double[] scale, String mode, boolean align) {}

    private static final Case[] CASES = {
        new Case(new int[] {2, 3, 4, 5}, null, new double[] {2}, "nearest", false),
        new Case(new int[] {1, 2, 4, 5}, new int[] {7, 3}, null, "nearest", false),
        new Case(new int[] {2, 3, 4, 5}, null, new double[] {1.5, 2}, "bilinear", false),
        new Case(new int[] {1, 2, 3, 4}, new int[] {5, 2}, null, "bilinear", true),
        new Case(new int[] {2, 3, 4}, null, new double[] {2.5}, "linear", false),
        new Case(new int[] {1, 2, 2, 3, 4}, new int[] {3, 4, 2}, null, "trilinear", true),
    };

    @Test
    void theComposedPathEqualsTheCpuKernels() {
        for (Case c : CASES) {
            for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                double tol = t == DType.FLOAT64 ? 1e-12 : 1e-6;
                Tensor x = Tensor.randn(new Generator(1), c.shape()).to(t).requiresGrad(true);
                Tensor y = x.interpolate(c.size(), c.scale(), c.mode(), c.align());
                // walk the chain of resample nodes, checking each against the composed path
                for (Tensor node = y; node.op() instanceof Op.Resample r; node = r.x()) {
                    Tensor in = r.x().detach();
                    int[] shape = in.shape();
                    int outer = 1, inner = 1;
                    for (int d = 0; d < r.dim(); d++) outer *= shape[d];
                    for (int d = r.dim() + 1; d < shape.length; d++) inner *= shape[d];
                    int[] dims = {outer, shape[r.dim()], inner};
                    int out = node.shape()[r.dim()];
                    Tensor composed = Tensor.empty(node.shape(), t, Device.CPU);
                    InterpolateOps.composedForward(dims, out, r.index0(), r.index1(), r.weight0(), r.weight1(), in.contiguous(), composed);
                    String what = c + " " + t + " dim " + r.dim();
                    close(node.detach(), composed, tol, what + " forward");
                    Tensor g = Tensor.randn(new Generator(2), node.shape()).to(t);
                    Tensor dx = Tensor.empty(shape, t, Device.CPU);
                    InterpolateOps.composedBackward(dims, out, r.index0(), r.index1(), r.weight0(), r.weight1(), g, dx);
                    close(r.backward(g), dx, tol * 10, what + " backward");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void everyDeviceGivesTheCpusResult(String dev) {
        Device d = device(dev);
        for (Case c : CASES) {
            for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                double tol = t == DType.FLOAT64 ? 1e-12 : 1e-5;
                Tensor x = Tensor.randn(new Generator(3), c.shape()).to(t);
                Tensor want = x.interpolate(c.size(), c.scale(), c.mode(), c.align());
                Tensor got = x.to(d).clone().requiresGrad(true).interpolate(c.size(), c.scale(), c.mode(), c.align());
                close(want, got.detach().cpu(), tol, dev + " " + c + " " + t);
                Tensor g = Tensor.randn(new Generator(4), want.shape()).to(t);
                Tensor gd = g.to(d), gc = g;
                Tensor nodeD = got, nodeC = x.clone().requiresGrad(true).interpolate(c.size(), c.scale(), c.mode(), c.align());
                while (nodeD.op() instanceof Op.Resample rd && nodeC.op() instanceof Op.Resample rc) {
                    gd = rd.backward(gd);
                    gc = rc.backward(gc);
                    nodeD = rd.x();
                    nodeC = rc.x();
                }
                close(gc, gd.cpu(), tol * 10, dev + " " + c + " " + t + " backward");
            }
        }
    }

    @Test
    void badArgumentsNameTheOpAndWhatIsAllowed() {
        Tensor x = Tensor.zeros(1, 2, 3, 4);
        fails(IllegalArgumentException.class, () -> x.interpolate(null, new double[] {2}, "bicubic", false), "interpolate",
                "unknown mode \"bicubic\"", "allowed: nearest, linear, bilinear, trilinear");
        fails(IllegalArgumentException.class, () -> x.interpolate(null, new double[] {2}, "trilinear", false), "interpolate",
                "mode \"trilinear\" needs 5-D input [N, C, D, H, W]", "[1, 2, 3, 4]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).interpolate(null, new double[] {2}, "nearest", false), "interpolate",
                "3-D, 4-D or 5-D input");
        fails(IllegalArgumentException.class, () -> x.interpolate(new int[] {2}, new double[] {2}, "nearest", false), "interpolate",
                "exactly one of size and scaleFactor");
        fails(IllegalArgumentException.class, () -> x.interpolate(null, null, "nearest", false), "interpolate", "exactly one");
        fails(IllegalArgumentException.class, () -> x.interpolate(new int[] {2, 2, 2}, null, "nearest", false), "interpolate",
                "size [2, 2, 2]", "one per spatial dimension (2)");
        fails(IllegalArgumentException.class, () -> x.interpolate(new int[] {0}, null, "nearest", false), "interpolate", "sizes must be >= 1");
        fails(IllegalArgumentException.class, () -> x.interpolate(null, new double[] {-1}, "nearest", false), "interpolate",
                "scale factors must be finite and > 0");
        fails(IllegalArgumentException.class, () -> x.interpolate(null, new double[] {0.2}, "nearest", false), "interpolate",
                "output size of 0", "input size 3");
        fails(IllegalArgumentException.class, () -> x.interpolate(null, new double[] {2}, "nearest", true), "interpolate",
                "alignCorners applies only to");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(DType.INT64, 1, 1, 2, 2).interpolate(null, new double[] {2}, "nearest", false),
                "interpolate", "floating");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(1, 1, 0, 2).interpolate(new int[] {2}, null, "nearest", false),
                "interpolate", "empty spatial dimension");
    }
}
