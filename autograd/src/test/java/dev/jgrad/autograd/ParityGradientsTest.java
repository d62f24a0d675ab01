package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gradients of PyTorch parity II at the points a gradient check cannot probe (ties, zeros,
 * a zero norm), one body per device: where PyTorch's rule picks one element or avoids a
 * division by zero, jgrad's does the same.
 */
class ParityGradientsTest {

    private static Device device(String name) {
        if (name.equals("cuda")) assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        return Device.parse(name);
    }

    private static double[] gradOf(Tensor leaf) {
        return leaf.grad().to(Device.CPU).toDoubleArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void maxAlongADimSendsTheGradientToTheChosenElementOnly(String dev) {
        Tensor x = Tensor.of(new double[] {1, 5, 5, 2, Double.NaN, 7, 0, 0, 3}, 3, 3).to(device(dev)).detach().requiresGrad(true);
        x.max(1, false).values().sum().backward();
        assertArrayEquals(new double[] {0, 1, 0, 0, 1, 0, 0, 0, 1}, gradOf(x), "ties do not share, unlike amax");
        Tensor y = Tensor.of(new double[] {2, 1, 1, 3}).to(device(dev)).detach().requiresGrad(true);
        y.sort(0, false).values().mul(Tensor.of(new double[] {10, 20, 30, 40}).to(device(dev))).sum().backward();
        assertArrayEquals(new double[] {30, 10, 20, 40}, gradOf(y), "each sorted position's gradient goes back where the value came from");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void prodAndCumprodGradientsAreExactAtZeros(String dev) {
        Device d = device(dev);
        Tensor one = Tensor.of(new double[] {2, 0, 3}).to(d).detach().requiresGrad(true);
        one.prod().backward();
        assertArrayEquals(new double[] {0, 6, 0}, gradOf(one));
        Tensor two = Tensor.of(new double[] {2, 0, 0}).to(d).detach().requiresGrad(true);
        two.prod().backward();
        assertArrayEquals(new double[] {0, 0, 0}, gradOf(two));
        Tensor c = Tensor.of(new double[] {2, 0, 3, 4}).to(d).detach().requiresGrad(true);
        c.cumprod(0).sum().backward();
        // out = [2, 0, 0, 0]; d/dx0 = 1, d/dx1 = 2 + 2·3 + 2·3·4, later ones 0
        assertArrayEquals(new double[] {1, 32, 0, 0}, gradOf(c));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void normGradientsAreZeroAtAZeroNormAndSharedAmongTiedMaxima(String dev) {
        Device d = device(dev);
        Tensor x = Tensor.of(new double[] {3, -4, 0, 0}, 2, 2).to(d).detach().requiresGrad(true);
        x.norm(2, new int[] {1}, false).sum().backward();
        assertArrayEquals(new double[] {0.6, -0.8, 0, 0}, gradOf(x), 1e-15, "0 where the norm is 0, not NaN");
        Tensor y = Tensor.of(new double[] {-3, 3, 1}).to(d).detach().requiresGrad(true);
        y.norm(Double.POSITIVE_INFINITY, null, false).backward();
        assertArrayEquals(new double[] {-0.5, 0.5, 0}, gradOf(y), 1e-15);
    }
}
