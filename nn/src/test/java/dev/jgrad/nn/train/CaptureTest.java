package dev.jgrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.Activation;
import dev.jgrad.nn.Conv2d;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Flatten;
import dev.jgrad.nn.LayerNorm;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Loss;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.MaxPool2d;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.nn.optim.SGD;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** A captured step against the eager step it replays: the same bits, clear errors, eager fallback. */
class CaptureTest {
    private static final int BATCH = 8;

    /** A small MNIST-shaped CNN with dropout drawn from its own generator. */
    private static Sequential cnn(long seed) {
        Tensor.manualSeed(seed);
        return new Sequential(new Conv2d(1, 4, 3, 1, 1), Activation.relu(), new MaxPool2d(2), new Conv2d(4, 8, 3, 1, 1), Activation.relu(),
                new MaxPool2d(2), new Flatten(), new Linear(8 * 3 * 3, 16), Activation.relu(), new Dropout(0.25, new Generator(seed + 1)),
                new LayerNorm(16), new Linear(16, 10));
    }

    private static List<Batch> batches(int n, long seed) {
        Generator g = new Generator(seed);
        List<Batch> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new Batch(Tensor.randn(g, BATCH, 1, 12, 12), Tensor.randint(g, 0, 10, BATCH)));
        return out;
    }

    /** Trains one twin eagerly (with the capture's recording forward pass mirrored) and one captured; every loss and parameter must agree bit for bit. */
    private static void assertSameAsEager(Function<Module, Optimizer> optimizer, DType autocast) {
        Loss loss = Losses::crossEntropy;
        List<Batch> data = batches(6, 7);

        Sequential eagerModel = cnn(3);
        Optimizer eagerOpt = optimizer.apply(eagerModel);
        try (var _ = Tensor.scope()) {   // what the capture's recording does: one forward and backward on the sample, not applied
            try (var _ = autocast == null ? null : dev.jgrad.tensor.Autocast.enable(autocast)) {
                loss.apply(eagerModel.call(data.get(0).inputs()), data.get(0).targets()).backward();
            }
        }
        eagerOpt.zeroGrad();
        List<float[]> eagerLosses = new ArrayList<>();
        for (Batch b : data) {
            eagerOpt.zeroGrad();
            try (var _ = Tensor.scope()) {
                Tensor l;
                try (var _ = autocast == null ? null : dev.jgrad.tensor.Autocast.enable(autocast)) {
                    l = loss.apply(eagerModel.call(b.inputs()), b.targets());
                }
                l.backward();
                eagerOpt.step();
                eagerLosses.add(l.toFloatArray());
            }
        }

        Sequential capturedModel = cnn(3);
        Optimizer capturedOpt = optimizer.apply(capturedModel);
        Step step = Capture.trainStep(capturedModel, loss, capturedOpt, data.get(0), autocast);
        assertTrue(step.isCaptured(), step.describe());
        for (int i = 0; i < data.size(); i++) {
            try (var _ = Tensor.scope()) {
                assertArrayEquals(eagerLosses.get(i), step.run(data.get(i)).toFloatArray(), "loss of step " + i);
            }
        }
        List<Tensor> pe = eagerModel.parameters(), pc = capturedModel.parameters();
        for (int i = 0; i < pe.size(); i++) {
            assertArrayEquals(pe.get(i).toFloatArray(), pc.get(i).toFloatArray(), "parameter " + i);
            assertArrayEquals(pe.get(i).grad().toFloatArray(), pc.get(i).grad().toFloatArray(), "gradient " + i);
        }
        assertEquals(eagerOpt.steps(), capturedOpt.steps());
    }

    @Test
    void replaysTheEagerStepBitForBitWithAdam() {
        assertSameAsEager(m -> new Adam(m.parameters(), 1e-2), null);
    }

    @Test
    void replaysTheEagerStepBitForBitWithSgdMomentum() {
        assertSameAsEager(m -> new SGD(m.parameters(), 0.05, 0.9, false, 0), null);
    }

    @Test
    void replaysUnderAutocastBitForBit() {
        assertSameAsEager(m -> new Adam(m.parameters(), 1e-2), DType.BFLOAT16);
    }

    @Test
    void aTransformerWithDropoutReplaysBitForBit() {
        int vocab = 20, t = 12;
        java.util.function.LongFunction<Sequential> model = seed -> {
            Tensor.manualSeed(seed);   // the layers' dropout draws from the default generator
            return new Sequential(new dev.jgrad.nn.Embedding(vocab, 16),
                    new dev.jgrad.nn.TransformerEncoderLayer(16, 2, 32, 0.1, "gelu", 1e-5, true, true), new Linear(16, vocab));
        };
        Loss loss = (out, y) -> Losses.crossEntropy(out.reshape(-1, vocab), y.reshape(-1));
        Generator g = new Generator(3);
        List<Batch> data = new ArrayList<>();
        for (int i = 0; i < 4; i++) data.add(new Batch(Tensor.randint(g, 0, vocab, 4, t), Tensor.randint(g, 0, vocab, 4, t)));

        Sequential eager = model.apply(8);
        Adam eagerOpt = new Adam(eager.parameters(), 1e-2);
        try (var _ = Tensor.scope()) {   // the capture's recording pass
            loss.apply(eager.call(data.get(0).inputs()), data.get(0).targets()).backward();
        }
        eagerOpt.zeroGrad();
        float[] expected = new float[data.size()];
        for (int i = 0; i < data.size(); i++) {
            eagerOpt.zeroGrad();
            try (var _ = Tensor.scope()) {
                Tensor l = loss.apply(eager.call(data.get(i).inputs()), data.get(i).targets());
                l.backward();
                eagerOpt.step();
                expected[i] = l.toFloatArray()[0];
            }
        }
        Sequential captured = model.apply(8);
        Step step = Capture.trainStep(captured, loss, new Adam(captured.parameters(), 1e-2), data.get(0));
        assertTrue(step.isCaptured(), step.describe());
        float[] got = new float[data.size()];
        for (int i = 0; i < data.size(); i++) {
            try (var _ = Tensor.scope()) {
                got[i] = step.run(data.get(i)).toFloatArray()[0];
            }
        }
        assertArrayEquals(expected, got);
        for (int i = 0; i < eager.parameters().size(); i++) {
            assertArrayEquals(eager.parameters().get(i).toFloatArray(), captured.parameters().get(i).toFloatArray(), "parameter " + i);
        }
    }

    @Test
    void thePlanSharesArraysAndCountsItsBytes() {
        Sequential model = cnn(5);
        Step step = Capture.trainStep(model, Losses::crossEntropy, new Adam(model.parameters(), 1e-3), batches(1, 1).get(0));
        assertTrue(step.isCaptured(), step.describe());
        assertTrue(step.kernelCount() > 20, step.describe());
        assertTrue(step.planBytes() > 0 && step.planBytes() < step.eagerBytes(), step.describe());
        assertNull(step.fallbackReason());
        assertNull(step.output());
    }

    @Test
    void capturingLeavesParametersAndGradientsAlone() {
        Sequential model = cnn(5);
        List<float[]> before = new ArrayList<>();
        for (Tensor p : model.parameters()) before.add(p.toFloatArray());
        Adam adam = new Adam(model.parameters(), 1e-3);
        Capture.trainStep(model, Losses::crossEntropy, adam, batches(1, 1).get(0));
        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i), model.parameters().get(i).toFloatArray());
            assertNull(model.parameters().get(i).grad());
        }
        assertEquals(0, adam.steps());
    }

    @Test
    void theOutputIsThisRunsAndGradientsSurviveZeroGrad() {
        Sequential model = cnn(5);
        Adam adam = new Adam(model.parameters(), 1e-3);
        List<Batch> data = batches(2, 4);
        Step step = Capture.trainStep(model, Losses::crossEntropy, adam, data.get(0));
        step.run(data.get(0));
        assertNotNull(step.output());
        assertArrayEquals(new int[] {BATCH, 10}, step.output().shape());
        adam.zeroGrad();   // the user clears the gradients between runs: the next run attaches its own again
        step.run(data.get(1));
        for (Tensor p : model.parameters()) assertNotNull(p.grad());
        Tensor g = model.parameters().getFirst().grad();
        step.run(data.get(0));
        assertSame(g, model.parameters().getFirst().grad());
    }

    @Test
    void aBatchOfAnotherShapeOrDtypeIsAClearError() {
        Sequential model = cnn(5);
        Step step = Capture.trainStep(model, Losses::crossEntropy, new Adam(model.parameters(), 1e-3), batches(1, 1).get(0));
        var e = assertThrows(IllegalArgumentException.class, () -> step.run(Tensor.zeros(4, 1, 12, 12), Tensor.zeros(DType.INT64, 4)));
        assertTrue(e.getMessage().contains("[8, 1, 12, 12]") && e.getMessage().contains("[4, 1, 12, 12]"), e.getMessage());
        var f = assertThrows(IllegalArgumentException.class, () -> step.run(Tensor.zeros(BATCH, 1, 12, 12), Tensor.zeros(BATCH)));
        assertTrue(f.getMessage().contains("targets") && f.getMessage().contains("float32"), f.getMessage());
        assertThrows(IllegalArgumentException.class, () -> step.run(null));
        assertThrows(IllegalArgumentException.class, () -> Capture.trainStep(model, null, new Adam(model.parameters(), 1e-3), batches(1, 1).get(0)));
    }

    @Test
    void aReplayChecksItsOwnTargetsAndLeavesTheModelAlone() {
        Sequential model = cnn(5);
        Batch b = batches(1, 1).get(0);
        Step step = Capture.trainStep(model, Losses::crossEntropy, new Adam(model.parameters(), 1e-3), b);
        float[] before = model.parameters().getFirst().toFloatArray();
        long[] bad = new long[BATCH];
        bad[3] = 10;
        var e = assertThrows(IllegalArgumentException.class, () -> step.run(b.inputs(), Tensor.of(bad)));
        assertTrue(e.getMessage().contains("cross_entropy") || e.getMessage().contains("target"), e.getMessage());
        assertArrayEquals(before, model.parameters().getFirst().toFloatArray());
        step.run(b);   // and the step still works
    }

    @Test
    void aModelInAnotherModeOrWithReplacedParametersIsRefused() {
        Sequential model = cnn(5);
        Batch b = batches(1, 1).get(0);
        Step step = Capture.trainStep(model, Losses::crossEntropy, new Adam(model.parameters(), 1e-3), b);
        model.eval();
        var e = assertThrows(IllegalStateException.class, () -> step.run(b));
        assertTrue(e.getMessage().contains("training mode") && e.getMessage().contains("model.train()"), e.getMessage());
        model.train();
        step.run(b);
        model.to(DType.FLOAT64);
        var f = assertThrows(IllegalStateException.class, () -> step.run(b));
        assertTrue(f.getMessage().contains("capture the step again"), f.getMessage());
    }

    @Test
    void aLossThatReadsValuesOnTheHostRunsEagerlyWithTheReason() {
        Sequential model = cnn(5);
        Loss dataDependent = (out, y) -> {   // a branch on a tensor's value: what a replay could not repeat
            Tensor l = Losses.crossEntropy(out, y);
            return l.item() > 100 ? l.mul(0.5) : l;
        };
        List<Batch> data = batches(2, 4);
        Adam adam = new Adam(model.parameters(), 1e-3);
        Step step = Capture.trainStep(model, dataDependent, adam, data.get(0));
        assertFalse(step.isCaptured());
        assertTrue(step.fallbackReason().contains("host"), step.fallbackReason());
        assertTrue(step.describe().startsWith("eager step"), step.describe());
        try (var _ = Tensor.scope()) {
            assertTrue(Double.isFinite(step.run(data.get(1)).item()));
        }
        assertEquals(1, adam.steps());
        assertNotNull(model.parameters().getFirst().grad());
    }

    @Test
    void repeatedRunsStayBitIdenticalToARecapture() {
        // two steps captured from the same state give the same trajectory: the plan's shared arrays never leak between runs
        List<Batch> data = batches(4, 9);
        float[] a = trajectory(data), b = trajectory(data);
        assertArrayEquals(a, b);
    }

    private static float[] trajectory(List<Batch> data) {
        Sequential model = cnn(11);
        Step step = Capture.trainStep(model, Losses::crossEntropy, new Adam(model.parameters(), 1e-2), data.get(0));
        float[] losses = new float[data.size() * 2];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < data.size(); i++) {
                try (var _ = Tensor.scope()) {
                    losses[r * data.size() + i] = step.run(data.get(i)).toFloatArray()[0];
                }
            }
        }
        return losses;
    }
}
