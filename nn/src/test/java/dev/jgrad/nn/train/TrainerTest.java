package dev.jgrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.optim.LRScheduler;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.nn.optim.SGD;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop end to end on a tiny linearly separable problem, with its listeners. */
class TrainerTest {
    @TempDir
    Path dir;

    /** 64 points in the plane, class 1 where x + 2y > 0, none closer than 0.3 to the boundary. */
    private static TensorDataset separable(long seed) {
        Generator g = new Generator(seed);
        float[] x = new float[128];
        long[] y = new long[64];
        for (int n = 0; n < 64; ) {
            double a = g.nextGaussian(), b = g.nextGaussian(), s = a + 2 * b;
            if (Math.abs(s) < 0.3 * Math.sqrt(5)) continue;
            x[2 * n] = (float) a;
            x[2 * n + 1] = (float) b;
            y[n++] = s > 0 ? 1 : 0;
        }
        return new TensorDataset(Tensor.of(x, 64, 2), Tensor.of(y, 64));
    }

    private static Module model() {
        Tensor.manualSeed(12);
        return new Sequential(new Linear(2, 2));
    }

    /** Records every callback as a line. */
    static final class Recorder implements TrainingListener {
        final List<String> calls = new ArrayList<>();

        public void onTrainBegin(Trainer t, int epochs, int batches, int samples) {
            calls.add("begin " + epochs + " " + batches + " " + samples);
        }

        public void onEpochBegin(Trainer t, int epoch) {
            calls.add("epoch " + epoch);
        }

        public void onBatchEnd(Trainer t, int epoch, int batch, double loss, int size) {
            assertTrue(Double.isFinite(loss) && loss >= 0);
            calls.add("batch " + epoch + "." + batch + " " + size);
        }

        public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
            calls.add("end " + epoch + " " + logs.keySet());
        }

        public void onTrainEnd(Trainer t, History h) {
            calls.add("done " + h.epochs());
        }
    }

    @Test
    void fitSeparatesTheClassesAndRecordsHistory() {
        Module m = model();
        Optimizer opt = new SGD(m.parameters(), 0.5, 0.9, false, 0);
        Recorder rec = new Recorder();
        Trainer t = new Trainer(m, opt, Losses::crossEntropy).metrics(Metric.accuracy()).listeners(rec)
                .scheduler(LRScheduler.step(opt, 10, 0.5));
        DataLoader train = new DataLoader(separable(1), 16, true, 3);
        DataLoader val = new DataLoader(separable(2), 32, false, 0);
        History h = t.fit(train, val, 25);

        assertEquals(25, h.epochs());
        assertEquals(List.of("loss", "accuracy", "lr", "val_loss", "val_accuracy", "seconds"), h.keys());
        for (String k : h.keys()) assertEquals(25, h.get(k).size(), k);
        assertEquals(1.0, h.last("accuracy"), "training data separated");
        assertEquals(1.0, h.last("val_accuracy"), "validation data separated");
        assertTrue(h.last("loss") < h.get("loss").get(0) / 4, "loss fell: " + h.get("loss"));
        assertEquals(h.last("val_loss"), t.evaluate(val).get("loss"), 1e-12, "the last val_loss is the model's");
        assertEquals(0.5, h.get("lr").get(0));
        assertEquals(0.5, h.get("lr").get(9), "lr logged before the scheduler steps");
        assertEquals(0.25, h.get("lr").get(10));
        assertEquals(0.125, h.get("lr").get(24));
        for (double s : h.get("seconds")) assertTrue(s > 0);
        assertTrue(Double.isNaN(h.last("missing")));
        assertEquals(List.of(), h.get("missing"));

        assertEquals("begin 25 4 64", rec.calls.get(0));
        assertEquals(List.of("epoch 1", "batch 1.1 16", "batch 1.2 16", "batch 1.3 16", "batch 1.4 16",
                "end 1 [loss, accuracy, lr, val_loss, val_accuracy, seconds]", "epoch 2"), rec.calls.subList(1, 8));
        assertEquals("done 25", rec.calls.get(rec.calls.size() - 1));
        assertEquals(1 + 25 * 6 + 1, rec.calls.size());

        assertTrue(m.isTraining());
        Tensor pred = t.predict(val);
        assertArrayEquals(new int[] {64, 2}, pred.shape());
        assertFalse(pred.requiresGrad());
        Map<String, Double> ev = t.evaluate(val);
        assertEquals(List.of("loss", "accuracy"), List.copyOf(ev.keySet()));
        assertEquals(1.0, ev.get("accuracy"));
        assertTrue(m.isTraining(), "evaluate and predict restore training mode");
    }

    @Test
    void historyFillsGapsWithNaN() {
        History h = new History();
        h.add(Map.of("loss", 1.0));
        Map<String, Double> second = new LinkedHashMap<>();
        second.put("loss", 0.5);
        second.put("val_loss", 0.7);
        h.add(second);
        assertEquals(2, h.epochs());
        assertTrue(Double.isNaN(h.get("val_loss").get(0)));
        assertEquals(0.7, h.get("val_loss").get(1));
        assertEquals(0.5, h.last("loss"));
        h.add(Map.of("loss", 0.25));
        assertEquals(3, h.get("val_loss").size(), "one value per epoch, also after an epoch that lacked the key");
        assertTrue(Double.isNaN(h.get("val_loss").get(2)));
        assertTrue(Double.isNaN(h.last("val_loss")));
    }

    @Test
    void clippingAndCheckpointsEveryEpoch() throws IOException {
        Module m = model();
        Trainer t = new Trainer(m, new SGD(m.parameters(), 0.1), Losses::crossEntropy).clipGradNorm(0.01)
                .listeners(new CheckpointEveryEpoch(dir, 2));
        Map<String, Tensor> before = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> before.put(k, v.clone()));
        t.fit(new DataLoader(separable(1), 64, false, 0), null, 4);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("epoch-003.safetensors", "epoch-004.safetensors", "last.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "one file per checkpoint, the last 2 kept");
        }
        // four steps of lr 0.1 with gradients clipped to norm 0.01 move the weights by at most 0.004
        for (var e : m.stateDict().entrySet()) {
            double[] a = e.getValue().toDoubleArray(), b = before.get(e.getKey()).toDoubleArray();
            for (int i = 0; i < a.length; i++) assertTrue(Math.abs(a[i] - b[i]) <= 0.004 + 1e-7, e.getKey());
        }
        Module restored = model();
        Map<String, String> meta = Checkpoint.loadWeights(dir.resolve("last.safetensors"), restored);
        assertEquals("4", meta.get("jgrad.epoch"));
        assertEquals("4", meta.get("epoch"));
        assertTrue(meta.containsKey("loss"));
        for (var e : m.stateDict().entrySet()) assertArrayEquals(e.getValue().toFloatArray(), restored.stateDict().get(e.getKey()).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> new CheckpointEveryEpoch(dir, 0));
    }

    @Test
    void nonFiniteLossStopsWithAClearMessage() {
        Module m = model();
        Trainer t = new Trainer(m, new SGD(m.parameters(), 0.1), (out, y) -> out.sum().mul(Double.NaN));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(new DataLoader(separable(1), 16, false, 0), null, 2));
        assertTrue(e.getMessage().contains("the loss became NaN at epoch 1, batch 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.fit(new DataLoader(separable(1), 16, false, 0), null, 0));
    }

    @Test
    void aNonFiniteLossStopsBeforeTheStepAndLeavesModelAndOptimizerAsAfterThePreviousBatch() {
        Module m = model();
        Optimizer opt = new dev.jgrad.nn.optim.Adam(m.parameters(), 0.05);
        int[] calls = {0};
        // the 6th loss (epoch 2, batch 2 of 4) is NaN
        dev.jgrad.nn.Loss loss = (out, y) -> ++calls[0] == 6 ? Losses.crossEntropy(out, y).mul(Double.NaN) : Losses.crossEntropy(out, y);
        List<Map<String, Tensor>> weights = new ArrayList<>(), optimizerStates = new ArrayList<>();
        TrainingListener snapshot = new TrainingListener() {
            public void onBatchEnd(Trainer t, int epoch, int batch, double l, int size) {
                Map<String, Tensor> w = new LinkedHashMap<>();
                t.model().stateDict().forEach((k, v) -> w.put(k, v.clone()));
                weights.add(w);
                optimizerStates.add(t.optimizer().stateDict());
            }
        };
        Trainer t = new Trainer(m, opt, loss).listeners(snapshot);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(new DataLoader(separable(1), 16, false, 0), null, 3));
        assertTrue(e.getMessage().contains("the loss became NaN at epoch 2, batch 2"), e.getMessage());
        assertEquals(5, weights.size(), "batches 1.1-2.1 were delivered");
        Map<String, Tensor> after5 = weights.get(4);
        for (var w : m.stateDict().entrySet()) {
            assertArrayEquals(after5.get(w.getKey()).toFloatArray(), w.getValue().toFloatArray(), w.getKey() + " as after the 5th batch");
        }
        assertEquals(5, opt.steps(), "the optimizer did not step on the NaN batch");
        Map<String, Tensor> state = opt.stateDict(), before = optimizerStates.get(4);
        assertEquals(before.keySet(), state.keySet());
        for (String k : state.keySet()) assertArrayEquals(before.get(k).toDoubleArray(), state.get(k).toDoubleArray(), k);
        for (Tensor p : m.parameters()) assertTrue(p.grad() == null || p.grad().abs().sum().item() == 0, "no gradient of the NaN batch is left");
    }

    // ---------------------------------------------------------------------------------------------
    // EarlyStopping
    // ---------------------------------------------------------------------------------------------

    /** Replaces the monitored value with a scripted sequence and snapshots the weights at each epoch. */
    static final class Script implements TrainingListener {
        final String key;
        final double[] values;
        final List<Map<String, Tensor>> snapshots = new ArrayList<>();

        Script(String key, double... values) {
            this.key = key;
            this.values = values;
        }

        public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
            logs.put(key, values[epoch - 1]);
            Map<String, Tensor> s = new LinkedHashMap<>();
            t.model().stateDict().forEach((k, v) -> s.put(k, v.clone()));
            snapshots.add(s);
        }
    }

    @Test
    void earlyStoppingStopsAfterPatienceAndRestoresTheBest() {
        Module m = model();
        Script script = new Script("val_loss", 1.0, 0.8, 0.81, 0.79, 0.9, 0.85, 0.95, 0.7, 0.6);
        EarlyStopping es = new EarlyStopping("val_loss", 2, 0.02, true);
        Trainer t = new Trainer(m, new SGD(m.parameters(), 0.5), Losses::crossEntropy).listeners(script, es);
        History h = t.fit(new DataLoader(separable(1), 16, true, 1), null, 9);
        // 1.0 best; 0.8 best (epoch 2); 0.81, 0.79 (not better by 0.02), 0.9: three bad epochs > patience 2 → stop at 5
        assertEquals(5, h.epochs());
        assertEquals(5, es.stoppedEpoch());
        assertEquals(0.8, es.best());
        Map<String, Tensor> best = script.snapshots.get(1);
        for (var e : m.stateDict().entrySet()) {
            assertArrayEquals(best.get(e.getKey()).toFloatArray(), e.getValue().toFloatArray(), "restored the epoch-2 weights: " + e.getKey());
        }
        assertFalse(java.util.Arrays.equals(best.get("0.weight").toFloatArray(), script.snapshots.get(4).get("0.weight").toFloatArray()));
    }

    @Test
    void earlyStoppingMaximisesAccuracyAndMayRunToTheEnd() {
        Module m = model();
        EarlyStopping es = new EarlyStopping("val_accuracy", 1, 0, false);
        Script script = new Script("val_accuracy", 0.5, 0.6, 0.7, 0.7, 0.8);
        Trainer t = new Trainer(m, new SGD(m.parameters(), 0.1), Losses::crossEntropy).listeners(script, es);
        History h = t.fit(new DataLoader(separable(1), 32, false, 0), null, 5);
        assertEquals(5, h.epochs());
        assertEquals(0, es.stoppedEpoch(), "ran to the end");
        assertEquals(0.8, es.best());
        for (var e : m.stateDict().entrySet()) {
            assertArrayEquals(script.snapshots.get(4).get(e.getKey()).toFloatArray(), e.getValue().toFloatArray(), "no restore");
        }

        EarlyStopping missing = new EarlyStopping("val_f1", 1, 0, false);
        Trainer t2 = new Trainer(m, new SGD(m.parameters(), 0.1), Losses::crossEntropy).listeners(missing);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t2.fit(new DataLoader(separable(1), 32, false, 0), null, 2));
        assertTrue(e.getMessage().contains("\"val_f1\"") && e.getMessage().contains("loss"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping("val_loss", -1, 0, false));
    }
}
