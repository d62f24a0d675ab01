package dev.jgrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.Activation;
import dev.jgrad.nn.BatchNorm;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Flatten;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Augment;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.LRScheduler;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resuming: 6 epochs in one go and 3 epochs, a kill, a load into new objects and 3 more epochs
 * give the same bits (shuffle, augmentation, dropout, batch norm, Adam and a cosine schedule on);
 * a checkpoint that does not fit what it is loaded into is refused without changing anything.
 */
class ResumeTest {
    @TempDir
    Path dir;

    record Run(Module model, Adam optimizer, Trainer trainer, DataLoader loader) {}

    private static Run build(long seed) {
        Tensor.manualSeed(seed);
        Module model = new Sequential(new Flatten(), new Linear(36, 16), BatchNorm.oneD(16), Activation.relu(), new Dropout(0.2, new Generator(seed + 1)),
                new Linear(16, 8), Activation.tanh(), new Dropout(0.3), new Linear(8, 3));
        Adam opt = new Adam(model.parameters(), 0.01);
        Generator data = new Generator(5);
        TensorDataset ds = new TensorDataset(Tensor.randn(data, 40, 1, 6, 6), Tensor.randint(data, 0, 3, 40));
        DataLoader loader = new DataLoader(ds, 8, true, seed + 2).map(Augment.randomShift(1, seed + 3)).map(Augment.randomHorizontalFlip(0.5, seed + 4));
        Trainer t = new Trainer(model, opt, Losses::crossEntropy).scheduler(LRScheduler.cosine(opt, 6, 0));
        return new Run(model, opt, t, loader);
    }

    /** Simulates a kill right after the checkpoint of epoch {@code at} was written. */
    private static final class Crash implements TrainingListener {
        private final int at;

        Crash(int at) {
            this.at = at;
        }

        @Override
        public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
            if (epoch == at) throw new IllegalStateException("killed after epoch " + at);
        }
    }

    private static List<String> names(Path d) throws Exception {
        try (Stream<Path> files = Files.list(d)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertSameBits(Map<String, Tensor> a, Map<String, Tensor> b, String what) {
        assertEquals(a.keySet(), b.keySet(), what);
        for (String k : a.keySet()) {
            Tensor x = a.get(k), y = b.get(k);
            assertEquals(x.dtype(), y.dtype(), what + " " + k);
            long[] bx = bits(x), by = bits(y);
            assertArrayEquals(bx, by, what + " " + k);
        }
    }

    private static long[] bits(Tensor t) {
        return switch (t.dtype()) {
            case FLOAT32 -> {
                float[] v = t.toFloatArray();
                long[] out = new long[v.length];
                for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
                yield out;
            }
            case FLOAT64 -> java.util.Arrays.stream(t.toDoubleArray()).mapToLong(Double::doubleToRawLongBits).toArray();
            default -> t.toLongArray();
        };
    }

    @Test
    void sixEpochsEqualThreeSavedKilledLoadedAndThreeMore() throws Exception {
        Run straight = build(1);
        straight.trainer().fit(straight.loader(), null, 6);
        long[] straightDefault = Generator.getDefault().getState();

        Run first = build(1);
        first.trainer().listeners(new CheckpointEveryEpoch(dir.resolve("a"), 3), new Crash(3));
        IllegalStateException killed = assertThrows(IllegalStateException.class, () -> first.trainer().fit(first.loader(), null, 6));
        assertEquals("killed after epoch 3", killed.getMessage());
        String runId = first.trainer().runId();
        // from here on nothing of the first run is used: new objects, other seeds, the default generator elsewhere
        Run second = build(9);
        Tensor.manualSeed(12345);
        Map<String, String> meta = Checkpoint.load(dir.resolve("a/last.safetensors"), second.trainer(), second.loader());
        assertEquals("3", meta.get("jgrad.epoch"));
        assertEquals(3, second.trainer().epoch());
        assertEquals(runId, second.trainer().runId(), "the run keeps its id across the resume");
        second.trainer().listeners(new CheckpointEveryEpoch(dir.resolve("b"), 3));
        History h = second.trainer().fit(second.loader(), null, 3);
        assertEquals(3, h.epochs());
        assertEquals(6, second.trainer().epoch());

        assertSameBits(straight.model().stateDict(), second.model().stateDict(), "model (weights and batch-norm statistics)");
        assertSameBits(straight.optimizer().stateDict(), second.optimizer().stateDict(), "optimizer");
        assertSameBits(straight.trainer().scheduler().stateDict(), second.trainer().scheduler().stateDict(), "scheduler");
        assertSameBits(straight.loader().stateDict(), second.loader().stateDict(), "loader generators");
        assertArrayEquals(straightDefault, Generator.getDefault().getState(), "the default generator (the second dropout layer's)");

        // the resumed run numbers its checkpoints on and records the true epoch
        assertEquals(List.of("epoch-004.safetensors", "epoch-005.safetensors", "epoch-006.safetensors", "last.safetensors"), names(dir.resolve("b")));
        Map<String, String> five = Checkpoint.loadWeights(dir.resolve("b/epoch-005.safetensors"), build(2).model());
        assertEquals("5", five.get("jgrad.epoch"));
        assertEquals("5", five.get("epoch"));
        assertEquals(runId, five.get("jgrad.run_id"));
    }

    @Test
    void aResumeIntoAnotherPipelineIsRefusedAndChangesNothing() throws Exception {
        Run run = build(1);
        run.trainer().listeners(new CheckpointEveryEpoch(dir, 1));
        run.trainer().fit(run.loader(), null, 1);
        Path last = dir.resolve("last.safetensors");

        // a loader without the flip augmentation
        Run other = build(2);
        Generator data = new Generator(5);
        DataLoader noFlip = new DataLoader(new TensorDataset(Tensor.randn(data, 40, 1, 6, 6), Tensor.randint(data, 0, 3, 40)), 8, true, 0)
                .map(Augment.randomShift(1, 0));
        Map<String, Tensor> before = new java.util.LinkedHashMap<>();
        other.model().stateDict().forEach((k, v) -> before.put(k, v.clone()));
        long[] defaultBefore = Generator.getDefault().getState();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(last, other.trainer(), noFlip));
        assertTrue(e.getMessage().startsWith(last + ": DataLoader.loadStateDict: the saved loader has random state [generator, map.0.generator,"
                + " map.1.generator], this one [generator, map.0.generator]"), e.getMessage());
        assertSameBits(before, other.model().stateDict(), "the model loaded before the loader was refused is put back");
        assertArrayEquals(defaultBefore, Generator.getDefault().getState());
        assertEquals(0, other.trainer().epoch());
        assertEquals(0, other.optimizer().steps());

        // no loader given, or a trainer without the saved scheduler
        IllegalArgumentException noLoader = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(last, other.trainer(), null));
        assertTrue(noLoader.getMessage().contains("holds [loader, model, optimizer, scheduler] but [model, optimizer, scheduler] were given"),
                noLoader.getMessage());
        Trainer noScheduler = new Trainer(other.model(), other.optimizer(), Losses::crossEntropy);
        IllegalArgumentException sched = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(last, noScheduler, other.loader()));
        assertTrue(sched.getMessage().contains("but [loader, model, optimizer] were given"), sched.getMessage());

        // a model whose own dropout generator sits elsewhere
        Tensor.manualSeed(3);
        Module moved = new Sequential(new Flatten(), new Linear(36, 16), BatchNorm.oneD(16), Activation.relu(), new Dropout(0.2),
                new Linear(16, 8), Activation.tanh(), new Dropout(0.3, new Generator(1)), new Linear(8, 3));
        Adam opt = new Adam(moved.parameters(), 0.01);
        Trainer t = new Trainer(moved, opt, Losses::crossEntropy).scheduler(LRScheduler.cosine(opt, 6, 0));
        IllegalArgumentException drop = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(last, t, build(4).loader()));
        assertTrue(drop.getMessage().contains("generators for the dropout layers [4], this model has dropout layers with generators of their own at [7]"),
                drop.getMessage());
    }
}
