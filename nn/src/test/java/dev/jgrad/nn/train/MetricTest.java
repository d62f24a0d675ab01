package dev.jgrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Metrics against values computed by hand. */
class MetricTest {
    /** Logits whose argmax is {@code predicted[n]} (the other classes get lower, distinct scores). */
    private static Tensor logits(int classes, int... predicted) {
        float[] v = new float[predicted.length * classes];
        for (int n = 0; n < predicted.length; n++) {
            for (int c = 0; c < classes; c++) v[n * classes + c] = -c * 0.1f;
            v[n * classes + predicted[n]] = 5;
        }
        return Tensor.of(v, predicted.length, classes);
    }

    private static Tensor labels(long... y) {
        return Tensor.of(y, y.length);
    }

    /**
     * truth     0 0 1 1 2 2 2 0
     * predicted 0 1 1 1 2 0 2 0
     * Confusion (rows true, columns predicted): [2 1 0] [0 2 0] [1 0 2].
     * Precision per class 2/3, 2/3, 1 → macro 7/9. Recall 2/3, 1, 2/3 → 7/9.
     * F1 2/3, 4/5, 4/5 → 34/45. Accuracy 6/8.
     */
    private static double feed(Metric m) {
        m.reset();
        m.update(logits(3, 0, 1, 1, 1), labels(0, 0, 1, 1));   // two batches accumulate
        m.update(logits(3, 2, 0, 2, 0), labels(2, 2, 2, 0));
        return m.value();
    }

    @Test
    void classificationMetricsByHand() {
        assertEquals(0.75, feed(Metric.accuracy()), 1e-12);
        assertEquals(7.0 / 9, feed(Metric.precision(3)), 1e-12);
        assertEquals(7.0 / 9, feed(Metric.recall(3)), 1e-12);
        assertEquals(34.0 / 45, feed(Metric.f1(3)), 1e-12);
        assertEquals(List.of("accuracy", "precision", "recall", "f1", "mse", "mae"),
                List.of(Metric.accuracy().name(), Metric.precision(2).name(), Metric.recall(2).name(), Metric.f1(2).name(),
                        Metric.mse().name(), Metric.mae().name()));
    }

    @Test
    void classNeverPredictedCountsAsZeroPrecision() {
        Metric p = Metric.precision(3), r = Metric.recall(3), f = Metric.f1(3);
        for (Metric m : List.of(p, r, f)) m.update(logits(3, 0, 0, 1), labels(0, 2, 1));
        // class 2 is never predicted: precision 0 (scikit-learn's zero_division=0); class 0: 1/2; class 1: 1
        assertEquals((0.5 + 1 + 0) / 3, p.value(), 1e-12);
        assertEquals((1 + 1 + 0) / 3.0, r.value(), 1e-12);
        assertEquals((2 * 0.5 / 1.5 + 1 + 0) / 3, f.value(), 1e-12);
    }

    @Test
    void binaryOutputsAreThresholdedAtZero() {
        Metric acc = Metric.accuracy();
        acc.update(Tensor.of(new float[] {2.0f, -0.5f, 0.1f, -3f}, 4, 1), labels(1, 0, 0, 0));
        assertEquals(0.75, acc.value(), 1e-12);
        acc.update(Tensor.of(new float[] {0.0f, 4f}, 2), labels(0, 1));   // [N] outputs too; 0 is not > 0
        assertEquals(5.0 / 6, acc.value(), 1e-12);
    }

    @Test
    void resetAndEmpty() {
        Metric acc = Metric.accuracy();
        assertTrue(Double.isNaN(acc.value()), "nothing seen yet");
        acc.update(logits(2, 1), labels(0));
        assertEquals(0, acc.value());
        acc.reset();
        acc.update(logits(2, 1), labels(1));
        assertEquals(1, acc.value());
        assertTrue(Double.isNaN(Metric.mse().value()));
    }

    @Test
    void regressionMetrics() {
        Metric mse = Metric.mse(), mae = Metric.mae();
        for (Metric m : List.of(mse, mae)) {
            m.update(Tensor.of(new float[] {1, 2, 3}, 3, 1), Tensor.of(new float[] {1, 0, 4}, 3));
            m.update(Tensor.of(new float[] {-1}, 1, 1), Tensor.of(new double[] {2}, 1));
        }
        assertEquals((0 + 4 + 1 + 9) / 4.0, mse.value(), 1e-6);
        assertEquals((0 + 2 + 1 + 3) / 4.0, mae.value(), 1e-6);
    }

    @Test
    void mismatchedSizesAndClassesAreErrors() {
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> Metric.accuracy().update(logits(3, 0, 1), labels(0)));
        assertTrue(n.getMessage().contains("2 predictions for 1 targets"), n.getMessage());
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> Metric.f1(2).update(logits(3, 2), labels(0)));
        assertTrue(c.getMessage().contains("class 2 outside [0, 2)"), c.getMessage());
    }
}
