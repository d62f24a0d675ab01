package dev.jgrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.Activation;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Augment;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.GradScaler;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer with a GradScaler: the same bits as without one on a float32 model (clipping the
 * unscaled gradients), skipped steps that the optimizer never counts, and checkpoints that carry
 * the scaler's state so a resumed run continues with the same scale.
 */
class TrainerGradScalerTest {
    @TempDir
    Path dir;

    record Run(Module model, Adam optimizer, Trainer trainer, DataLoader loader) {}

    /** 40 samples in 5 shuffled batches; Adam; gradients clipped to a norm the first steps exceed. */
    private static Run build(GradScaler scaler) {
        Tensor.manualSeed(31);
        Module model = new Sequential(new Linear(5, 12), Activation.tanh(), new Linear(12, 3));
        Adam opt = new Adam(model.parameters(), 0.02);
        Generator data = new Generator(8);
        DataLoader loader = new DataLoader(new TensorDataset(Tensor.randn(data, 40, 5), Tensor.randint(data, 0, 3, 40)), 8, true, 77);
        Trainer t = new Trainer(model, opt, Losses::crossEntropy).clipGradNorm(0.5);
        if (scaler != null) t.gradScaler(scaler);
        return new Run(model, opt, t, loader);
    }

    private static void assertSameBits(Map<String, Tensor> a, Map<String, Tensor> b, String what) {
        assertEquals(a.keySet(), b.keySet(), what);
        for (String k : a.keySet()) {
            Tensor x = a.get(k), y = b.get(k);
            assertEquals(x.dtype(), y.dtype(), what + " " + k);
            if (x.dtype() == DType.INT64) assertArrayEquals(x.toLongArray(), y.toLongArray(), what + " " + k);
            else assertArrayEquals(x.toDoubleArray(), y.toDoubleArray(), 0, what + " " + k);   // float32 → double is exact: bits compared
        }
    }

    @Test
    void aFloat32RunWithTheScalerGivesTheSameBitsAsWithout() {
        Run plain = build(null), scaled = build(new GradScaler(65536, 2, 0.5, 4, true));
        assertNull(plain.trainer().gradScaler());
        History hp = plain.trainer().fit(plain.loader(), null, 3);
        History hs = scaled.trainer().fit(scaled.loader(), null, 3);
        assertEquals(hp.get("loss"), hs.get("loss"), "the losses reported are the unscaled ones");
        assertSameBits(plain.model().stateDict(), scaled.model().stateDict(), "model");
        assertSameBits(plain.optimizer().stateDict(), scaled.optimizer().stateDict(), "optimizer");
        assertEquals(15, scaled.optimizer().steps());
        assertEquals(65536.0 * 8, scaled.trainer().gradScaler().getScale(), "15 finite steps: three growths at interval 4");
    }

    @Test
    void stepsWhoseScaledGradientsOverflowAreSkippedAndNotCounted() {
        // the loss weighted by 16: its gradient times 2^127 overflows float32 until the scale has backed off
        Tensor.manualSeed(31);
        Module model = new Sequential(new Linear(5, 12), Activation.tanh(), new Linear(12, 3));
        Adam opt = new Adam(model.parameters(), 0.02);
        Generator data = new Generator(8);
        DataLoader loader = new DataLoader(new TensorDataset(Tensor.randn(data, 40, 5), Tensor.randint(data, 0, 3, 40)), 8, true, 77);
        GradScaler scaler = new GradScaler(0x1p127, 2, 0.5, 1000, true);
        Trainer t = new Trainer(model, opt, (out, y) -> Losses.crossEntropy(out, y).mul(16)).gradScaler(scaler);
        History h = t.fit(loader, null, 2);
        int skipped = 127 - Math.getExponent(scaler.getScale());
        assertTrue(skipped >= 1 && skipped < 10, "skipped " + skipped);
        assertEquals(10 - skipped, opt.steps());
        assertTrue(h.get("loss").stream().allMatch(Double::isFinite));
    }

    @Test
    void aCheckpointCarriesTheScalerAndAResumedRunContinuesWithTheSameScale() throws Exception {
        Run straight = build(new GradScaler(1024, 2, 0.5, 3, true));
        straight.trainer().fit(straight.loader(), null, 4);

        Run first = build(new GradScaler(1024, 2, 0.5, 3, true));
        first.trainer().fit(first.loader(), null, 2);
        Path file = dir.resolve("run.safetensors");
        Checkpoint.save(file, first.trainer(), first.loader(), Map.of());
        assertEquals(8192.0, first.trainer().gradScaler().getScale());   // 10 steps: three growths at interval 3

        Run second = build(new GradScaler());   // other settings: all of them come from the checkpoint
        Map<String, String> meta = Checkpoint.load(file, second.trainer(), second.loader());
        assertEquals("loader,model,optimizer,scaler", meta.get("jgrad.parts"));
        GradScaler loaded = second.trainer().gradScaler();
        assertEquals(8192.0, loaded.getScale());
        assertEquals(3, loaded.getGrowthInterval());
        assertEquals(1L, loaded.stateDict().get("_growth_tracker").itemLong());
        second.trainer().fit(second.loader(), null, 2);

        assertSameBits(straight.model().stateDict(), second.model().stateDict(), "model");
        assertSameBits(straight.optimizer().stateDict(), second.optimizer().stateDict(), "optimizer");
        assertSameBits(straight.trainer().gradScaler().stateDict(), loaded.stateDict(), "scaler");
        assertEquals(65536.0, loaded.getScale());   // 20 steps: six growths
    }

    @Test
    void aCheckpointWithAScalerLoadsOnlyIntoATrainerWithOneAndTheReverse() throws Exception {
        Run with = build(new GradScaler());
        with.trainer().fit(with.loader(), null, 1);
        Path withFile = dir.resolve("with.safetensors");
        Checkpoint.save(withFile, with.trainer(), with.loader(), Map.of());

        Run without = build(null);
        double[] before = without.model().parameters().get(0).toDoubleArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(withFile, without.trainer(), without.loader()));
        assertTrue(e.getMessage().contains("holds [loader, model, optimizer, scaler] but [loader, model, optimizer] were given"), e.getMessage());
        assertArrayEquals(before, without.model().parameters().get(0).toDoubleArray());

        without.trainer().fit(without.loader(), null, 1);
        Path withoutFile = dir.resolve("without.safetensors");
        Checkpoint.save(withoutFile, without.trainer(), without.loader(), Map.of());
        Run other = build(new GradScaler());
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(withoutFile, other.trainer(), other.loader()));
        assertTrue(e.getMessage().contains("holds [loader, model, optimizer] but [loader, model, optimizer, scaler] were given"), e.getMessage());
        assertEquals(65536.0, other.trainer().gradScaler().getScale());

        // a disabled scaler has no state: its trainer's checkpoints have no scaler part, and load into a trainer without one
        Run disabled = build(new GradScaler(65536, 2, 0.5, 2000, false));
        disabled.trainer().fit(disabled.loader(), null, 1);
        Path disabledFile = dir.resolve("disabled.safetensors");
        Checkpoint.save(disabledFile, disabled.trainer(), disabled.loader(), Map.of());
        Run plain = build(null);
        assertEquals("loader,model,optimizer", Checkpoint.load(disabledFile, plain.trainer(), plain.loader()).get("jgrad.parts"));
        assertSameBits(disabled.model().stateDict(), plain.model().stateDict(), "model");
    }

    @Test
    void aFailedLoadPutsTheScalerBack() throws Exception {
        Run run = build(new GradScaler(1024, 2, 0.5, 3, true));
        run.trainer().fit(run.loader(), null, 1);
        Path file = dir.resolve("run.safetensors");
        Checkpoint.save(file, run.trainer(), run.loader(), Map.of());

        // same parts, but a loader with a random transform the saved one lacks: refused after the scaler has loaded, which is then put back
        GradScaler scaler = new GradScaler(4, 3, 0.25, 9, true);
        Run other = build(scaler);
        Generator data = new Generator(8);
        DataLoader flipped = new DataLoader(new TensorDataset(Tensor.randn(data, 40, 5), Tensor.randint(data, 0, 3, 40)), 8, true, 77)
                .map(Augment.randomHorizontalFlip(0.5, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file, other.trainer(), flipped));
        assertTrue(e.getMessage().contains("DataLoader.loadStateDict"), e.getMessage());
        assertSame(scaler, other.trainer().gradScaler());
        assertEquals(4.0, scaler.getScale());
        assertEquals(3.0, scaler.getGrowthFactor());
        assertEquals(0.25, scaler.getBackoffFactor());
        assertEquals(9, scaler.getGrowthInterval());
        assertFalse(Arrays.equals(run.model().parameters().get(0).toDoubleArray(), other.model().parameters().get(0).toDoubleArray()));
    }
}
