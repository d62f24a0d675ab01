package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Loss behaviour beyond the PyTorch fixtures: saturated inputs, penalties, argument errors. */
class LossesTest {
    /**
     * Probabilities of exactly 0 or 1 are what a saturated float32 sigmoid returns (σ(x) = 1 for
     * x &gt; 17). PyTorch's value clamps the logs at −100; its gradient is finite. The gradient
     * must not be NaN, or one saturated output poisons every parameter.
     */
    @Test
    void bceGradientIsFiniteAtZeroAndOne() {
        for (DType dt : List.of(DType.FLOAT32, DType.FLOAT64)) {
            Tensor p = Tensor.of(new double[] {0, 0, 1, 1, 0.25}, 5).to(dt).requiresGrad(true);
            Tensor y = Tensor.of(new double[] {0, 1, 0, 1, 1}, 5).to(dt);
            Tensor loss = Losses.bce(p, y, Reduction.SUM);
            assertEquals(0 + 100 + 100 + 0 - Math.log(0.25), loss.item(), 1e-4, dt.toString());
            loss.backward();
            double[] g = p.grad().toDoubleArray();
            for (double v : g) assertTrue(Double.isFinite(v), dt + ": gradient " + java.util.Arrays.toString(g));
            assertEquals(-4, g[4], 1e-6, "an unsaturated element keeps its gradient −y/p");
        }
    }

    @Test
    void bceWithLogitsIsStableForHugeLogits() {
        Tensor x = Tensor.of(new float[] {-1e4f, 1e4f, 0}, 3).requiresGrad(true);
        Tensor y = Tensor.of(new float[] {1, 1, 0}, 3);
        Tensor l = Losses.bceWithLogits(x, y, Reduction.NONE);
        assertEquals(1e4, l.toDoubleArray()[0], 1e-3);
        assertEquals(0, l.toDoubleArray()[1], 1e-6);
        assertEquals(Math.log(2), l.toDoubleArray()[2], 1e-6);
        l.sum().backward();
        double[] g = x.grad().toDoubleArray();
        assertEquals(-1, g[0], 1e-6);
        assertEquals(0, g[1], 1e-6);
        assertEquals(0.5, g[2], 1e-6, "σ(0) − y at logit 0");
    }

    @Test
    void penalties() {
        Tensor a = Tensor.of(new float[] {1, -2}, 2), b = Tensor.of(new float[] {3}, 1);
        assertEquals(6, Losses.l1Penalty(List.of(a, b)).item(), 1e-6);
        assertEquals(14, Losses.l2Penalty(List.of(a, b)).item(), 1e-6);
        assertEquals(0, Losses.l2Penalty(List.of()).item());
    }

    @Test
    void defaultsAreMeanReductionAndNoIgnoredClass() {
        Tensor logits = Tensor.of(new float[] {1, 2, 0.5f, -1, 0, 3}, 2, 3);
        Tensor y = Tensor.of(new long[] {1, 2}, 2);
        assertEquals(Losses.crossEntropy(logits, y, Losses.IGNORE_NONE, 0, Reduction.MEAN).item(), Losses.crossEntropy(logits, y).item());
        Tensor lp = logits.logSoftmax(1);
        assertEquals(Losses.nll(lp, y, Losses.IGNORE_NONE, Reduction.MEAN).item(), Losses.nll(lp, y).item());
        assertEquals(Losses.crossEntropy(logits, y).item(), Losses.nll(lp, y).item(), 1e-6);
        Tensor t = Tensor.of(new float[] {0, 1, 1, 0, 1, 0}, 2, 3);
        assertEquals(Losses.mse(logits, t, Reduction.MEAN).item(), Losses.mse(logits, t).item());
        assertEquals(Losses.l1(logits, t, Reduction.MEAN).item(), Losses.l1(logits, t).item());
        assertEquals(Losses.bceWithLogits(logits, t, Reduction.MEAN).item(), Losses.bceWithLogits(logits, t).item());
        Tensor p = logits.sigmoid();
        assertEquals(Losses.bce(p, t, Reduction.MEAN).item(), Losses.bce(p, t).item());
        Loss asInterface = Losses::crossEntropy;
        assertEquals(Losses.crossEntropy(logits, y).item(), asInterface.apply(logits, y).item());
    }

    @Test
    void argumentErrorsNameShapesAndValues() {
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> Losses.mse(Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
        assertTrue(shape.getMessage().contains("mse") && shape.getMessage().contains("[2, 3]") && shape.getMessage().contains("[3, 2]"),
                shape.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(Tensor.zeros(2, 3), Tensor.of(new long[] {0, 3}, 2)));
        assertTrue(range.getMessage().contains("[0, 3)") && range.getMessage().contains("3"), range.getMessage());
        IllegalArgumentException targetShape = assertThrows(IllegalArgumentException.class,
                () -> Losses.nll(Tensor.zeros(2, 3), Tensor.of(new long[] {0, 1, 2}, 3)));
        assertTrue(targetShape.getMessage().contains("[2]") && targetShape.getMessage().contains("[3]"), targetShape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Losses.nll(Tensor.zeros(2, 3), Tensor.zeros(2)), "float targets are not class indices");
        assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(Tensor.zeros(2, 3), Tensor.of(new long[] {0, 1}, 2), Losses.IGNORE_NONE, 1.5, Reduction.MEAN));
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(Tensor.scalar(1), Tensor.of(new long[] {0}, 1)));
    }
}
