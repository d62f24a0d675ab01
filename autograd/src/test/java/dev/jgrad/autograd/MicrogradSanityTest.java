package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hand-checkable examples in the spirit of micrograd: small expressions whose gradients can be
 * worked out on paper, in both floating dtypes.
 */
class MicrogradSanityTest {

    private static Tensor scalar(double v, DType dtype) {
        return Tensor.scalar(v, dtype).requiresGrad(true);
    }

    /**
     * y = w1·x1 + w2·x2 + b with x = (2, 3), w = (1, 1), b = 2: prediction 7, target 5,
     * L = ½(ŷ − y)² = 2, ∂L/∂ŷ = ŷ − y = 2, so ∂L/∂w1 = 2·2 = 4, ∂L/∂w2 = 2·3 = 6, ∂L/∂b = 2.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void linearNeuronWithSquaredError(DType dtype) {
        Tensor x1 = Tensor.scalar(2, dtype), x2 = Tensor.scalar(3, dtype), target = Tensor.scalar(5, dtype);
        Tensor w1 = scalar(1, dtype), w2 = scalar(1, dtype), b = scalar(2, dtype);
        Tensor prediction = w1.mul(x1).add(w2.mul(x2)).add(b);
        Tensor loss = prediction.sub(target).square().mul(0.5);
        assertEquals(7, prediction.item(), 0);
        assertEquals(2, loss.item(), 0);
        loss.backward();
        assertEquals(4, w1.grad().item(), 1e-6);
        assertEquals(6, w2.grad().item(), 1e-6);
        assertEquals(2, b.grad().item(), 1e-6);
        assertEquals(dtype, w1.grad().dtype());
    }

    /** The same neuron written with a vector of weights and a dot product. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void linearNeuronAsADotProduct(DType dtype) {
        Tensor x = Tensor.of(new double[] {2, 3}).to(dtype);
        Tensor w = Tensor.of(new double[] {1, 1}).to(dtype).requiresGrad(true);
        Tensor b = scalar(2, dtype);
        Tensor loss = w.matmul(x).add(b).sub(5).pow(2).div(2);
        loss.backward();
        assertArrayEquals(new double[] {4, 6}, w.grad().toDoubleArray(), 1e-6);
        assertEquals(2, b.grad().item(), 1e-6);

        // one step of gradient descent brings the prediction towards the target
        try (var _ = GradMode.noGrad()) {
            w.addInPlace(w.grad(), -0.05);
            b.addInPlace(b.grad(), -0.05);
        }
        double after = w.matmul(x).add(b).item();
        assertTrue(after < 7 && after > 5, "prediction after one step: " + after);
    }

    /** micrograd's sanity check: x = −4 gives y = −20 and dy/dx = 46. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void microgradSanityCheck(DType dtype) {
        Tensor x = scalar(-4, dtype);
        Tensor z = x.mul(2).add(2).add(x);                 // z = 3x + 2 = −10
        Tensor q = z.relu().add(z.mul(x));                  // relu(z) + z·x = 40
        Tensor h = z.mul(z).relu();                         // z² = 100
        Tensor y = h.add(q).add(q.mul(x));                  // 100 + 40 − 160 = −20
        y.backward();
        assertEquals(-20, y.item(), 1e-6);
        assertEquals(46, x.grad().item(), 1e-5);            // 2z·3 + (3x + z) + (3x² + 2xz)
    }

    /** micrograd's README example: g = 24.7041, dg/da = 138.8338, dg/db = 645.5773. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void microgradMoreOps(DType dtype) {
        Tensor a = scalar(-4, dtype), b = scalar(2, dtype);
        Tensor c = a.add(b);
        Tensor d = a.mul(b).add(b.pow(3));
        c = c.add(c.add(1));
        c = c.add(c.add(1).add(a.neg()));
        d = d.add(d.mul(2).add(b.add(a).relu()));
        d = d.add(d.mul(3).add(b.sub(a).relu()));
        Tensor e = c.sub(d);
        Tensor f = e.pow(2);
        Tensor g = f.div(2.0);
        g = g.add(Tensor.scalar(10.0, dtype).div(f));
        g.backward();
        double tol = dtype == DType.FLOAT64 ? 1e-9 : 1e-3;
        assertEquals(24.70408163265306, g.item(), tol);
        assertEquals(138.83381924198252, a.grad().item(), tol * 10);
        assertEquals(645.5772594752186, b.grad().item(), tol * 10);
    }
}
