package dev.jgrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.Activation;
import dev.jgrad.nn.LayerNorm;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.GradScaler;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Trainer#capture}: the eager loop's numbers, one capture per batch shape, clear refusals. */
class TrainerCaptureTest {
    private static TensorDataset data() {
        Generator g = new Generator(21);
        return new TensorDataset(Tensor.randn(g, 70, 6), Tensor.randint(g, 0, 3, 70));   // 70 = 4 batches of 16 and one of 6
    }

    private static Module model() {
        Tensor.manualSeed(4);
        return new Sequential(new Linear(6, 16), Activation.relu(), new LayerNorm(16), new Linear(16, 3));
    }

    private static Trainer trainer(Module m, boolean capture) {
        return new Trainer(m, new Adam(m.parameters(), 1e-2), Losses::crossEntropy).metrics(Metric.accuracy()).capture(capture);
    }

    @Test
    void capturedTrainingEqualsEagerTrainingBitForBit() {
        Module eager = model(), captured = model();
        Trainer te = trainer(eager, false), tc = trainer(captured, true);
        History he = te.fit(new DataLoader(data(), 16, true, 3), null, 3);
        History hc = tc.fit(new DataLoader(data(), 16, true, 3), null, 3);
        assertEquals(he.get("loss"), hc.get("loss"));
        assertEquals(he.get("accuracy"), hc.get("accuracy"));
        List<Tensor> pe = eager.parameters(), pc = captured.parameters();
        for (int i = 0; i < pe.size(); i++) assertArrayEquals(pe.get(i).toFloatArray(), pc.get(i).toFloatArray(), "parameter " + i);
        assertEquals(2, tc.capturedSteps().size(), tc.capturedSteps().toString());   // [16, 6] and the last batch's [6, 6]
        for (Step s : tc.capturedSteps().values()) assertTrue(s.isCaptured(), s.describe());
        assertTrue(te.capturedSteps().isEmpty());
    }

    @Test
    void captureRefusesAScalerOrClippingClearly() {
        Module m = model();
        var e = assertThrows(IllegalStateException.class, () -> trainer(m, true).gradScaler(new GradScaler()).fit(new DataLoader(data(), 16, false, 0), null, 1));
        assertTrue(e.getMessage().contains("gradient scaler"), e.getMessage());
        var f = assertThrows(IllegalStateException.class, () -> trainer(m, true).clipGradNorm(1).fit(new DataLoader(data(), 16, false, 0), null, 1));
        assertTrue(f.getMessage().contains("clipping"), f.getMessage());
    }
}
