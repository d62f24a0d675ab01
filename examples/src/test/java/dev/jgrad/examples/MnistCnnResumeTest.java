package dev.jgrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.train.Trainer;
import dev.jgrad.nn.train.TrainingListener;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job's training, on a tiny stand-in for MNIST: 4 epochs in one go and 2 epochs, a
 * crash, and {@code --resume} for the rest give the same bits; a resume with other settings is
 * refused.
 */
class MnistCnnResumeTest {
    @TempDir
    Path dir;

    /** 32 training and 8 test images of random pixels with random labels: enough to take real steps. */
    private static MnistData.Split tiny() {
        Generator g = new Generator(3);
        TensorDataset train = new TensorDataset(Tensor.rand(g, 32, 1, 28, 28), Tensor.randint(g, 0, 10, 32));
        TensorDataset test = new TensorDataset(Tensor.rand(g, 8, 1, 28, 28), Tensor.randint(g, 0, 10, 8));
        return new MnistData.Split(train, test, "32 / 8 random images");
    }

    private static final TrainingListener QUIET = new TrainingListener() {};

    private MnistCnn.Settings settings(Path out, Path resume) {
        return new MnistCnn.Settings(4, 16, 2e-3, 5, 1, Device.CPU, out, resume);
    }

    @Test
    void twoEpochsACrashAndAResumeEqualFourEpochs() throws Exception {
        MnistData.Split tiny = tiny();
        MnistCnn.Result straight = MnistCnn.train(tiny, settings(dir.resolve("straight"), null), QUIET);

        TrainingListener crash = new TrainingListener() {
            @Override
            public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
                if (epoch == 2) throw new IllegalStateException("killed after epoch 2");
            }
        };
        Path out = dir.resolve("split");
        assertThrows(IllegalStateException.class, () -> MnistCnn.train(tiny, settings(out, null), QUIET, crash));
        Path checkpoint = out.resolve(MnistCnn.CHECKPOINT);
        assertTrue(Files.isRegularFile(checkpoint), "the checkpoint of epoch 2 was written before the crash");

        MnistCnn.Result resumed = MnistCnn.train(tiny, settings(out, checkpoint), QUIET);
        assertEquals(4, resumed.trainer().epoch());
        assertEquals(2, resumed.history().epochs(), "epochs 3 and 4 were trained");
        for (var e : straight.model().stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), resumed.model().stateDict().get(e.getKey()).toFloatArray(), e.getKey());
        }
        var a = straight.trainer().optimizer().stateDict();
        var b = resumed.trainer().optimizer().stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), k);
        assertEquals(straight.test(), resumed.test());

        // the settings come from the checkpoint; one given that differs is refused before any work
        Args sameBatch = MnistCnn.OPTIONS.parse("--batch", "16");
        MnistCnn.Settings given = new MnistCnn.Settings(15, 16, 1e-3, 0, 1, Device.CPU, out, checkpoint);
        MnistCnn.Settings taken = MnistCnn.resumedSettings(given, sameBatch, tiny.description());
        assertEquals(settings(out, checkpoint), taken);
        Args otherBatch = MnistCnn.OPTIONS.parse("--batch", "32");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MnistCnn.resumedSettings(new MnistCnn.Settings(15, 32, 1e-3, 0, 1, Device.CPU, out, checkpoint), otherBatch, tiny.description()));
        assertTrue(e.getMessage().startsWith("--batch 32 differs from the 16"), e.getMessage());
        IllegalArgumentException otherData = assertThrows(IllegalArgumentException.class,
                () -> MnistCnn.resumedSettings(given, MnistCnn.OPTIONS.parse(), "IDX files in elsewhere"));
        assertTrue(otherData.getMessage().contains("was trained on \"32 / 8 random images\""), otherData.getMessage());
    }
}
