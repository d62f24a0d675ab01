package dev.jgrad.nn.robustness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jgrad.nn.Activation;
import dev.jgrad.nn.BatchNorm;
import dev.jgrad.nn.Conv2d;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Embedding;
import dev.jgrad.nn.Flatten;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.MaxPool2d;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Augment;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.optim.AdamW;
import dev.jgrad.nn.optim.Clip;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With a seed, CPU training is bit-reproducible: two identical runs in one JVM give the same
 * losses and parameters to the last bit, with or without the data loader's background
 * prefetching, and a different seed gives a different run. An epoch abandoned half-way does not
 * make the next one depend on thread timing.
 */
class DeterminismTest {

    /** Everything a run produced, as raw bits. */
    record Run(List<Long> losses, List<int[]> parameters) {}

    private static Run train(long seed, int prefetch) {
        Tensor.manualSeed(seed);   // initialisation and dropout draw from the default generator
        Module model = new Sequential(new Conv2d(1, 4, 3, 1, 1), BatchNorm.twoD(4), Activation.relu(), new MaxPool2d(2),
                new Dropout(0.2), new Flatten(), new Linear(4 * 3 * 3, 16), Activation.gelu(), new Linear(16, 3));
        Optimizer opt = new AdamW(model.parameters(), 3e-3);
        Generator data = new Generator(seed + 1);
        Tensor x = Tensor.randn(data, 96, 1, 6, 6), y = Tensor.randint(data, 0, 3, 96);
        DataLoader loader = new DataLoader(new TensorDataset(x, y), 16, true, seed + 2).prefetch(prefetch);
        List<Long> losses = new ArrayList<>();
        for (int epoch = 0; epoch < 4; epoch++) {
            for (Batch b : loader) {
                Tensor loss = Losses.crossEntropy(model.forward(b.inputs()), b.targets(), Losses.IGNORE_NONE, 0.1,
                        dev.jgrad.nn.Reduction.MEAN);
                opt.zeroGrad();
                loss.backward();
                Clip.gradNorm(model.parameters(), 1.0);
                opt.step();
                losses.add(Double.doubleToRawLongBits(loss.item()));
            }
        }
        List<int[]> params = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            float[] v = e.getValue().toFloatArray();
            int[] bits = new int[v.length];
            for (int i = 0; i < v.length; i++) bits[i] = Float.floatToRawIntBits(v[i]);
            params.add(bits);
        }
        return new Run(losses, params);
    }

    private static void assertSame(Run a, Run b, String what) {
        assertEquals(a.losses(), b.losses(), what + ": losses");
        assertEquals(a.parameters().size(), b.parameters().size());
        for (int i = 0; i < a.parameters().size(); i++) assertArrayEquals(a.parameters().get(i), b.parameters().get(i), what + ": state " + i);
    }

    @Test
    void twoRunsWithOneSeedAreBitIdentical() {
        assertSame(train(42, 2), train(42, 2), "two runs");
    }

    @Test
    void prefetchingDoesNotChangeTheRun() {
        assertSame(train(42, 0), train(42, 3), "prefetch 0 vs 3");
    }

    @Test
    void anotherSeedIsAnotherRun() {
        assertFalse(train(42, 2).losses().equals(train(43, 2).losses()));
    }

    @Test
    void embeddingTrainingIsReproducibleToo() {
        // scatter-add (embedding backward) accumulates repeated indices in a fixed order on the CPU
        float[][] runs = new float[2][];
        for (int r = 0; r < 2; r++) {
            Tensor.manualSeed(5);
            Embedding emb = new Embedding(10, 4);
            Optimizer opt = new AdamW(emb.parameters(), 1e-2);
            Tensor idx = Tensor.randint(new Generator(6), 0, 10, 64);
            for (int s = 0; s < 20; s++) {
                Tensor loss = emb.forward(idx).square().mean();
                opt.zeroGrad();
                loss.backward();
                opt.step();
            }
            runs[r] = emb.parameters().get(0).toFloatArray();
        }
        assertArrayEquals(runs[0], runs[1]);
    }

    /**
     * Epoch 2 of a shuffled, augmented loader whose epoch 1 was abandoned after {@code taken} batches,
     * as raw input bits per batch. With {@code collect}, the abandoned iterator is dropped and
     * collected before epoch 2 starts; otherwise it stays reachable and epoch 2 starts at once,
     * while epoch 1's producer may still be building batches.
     */
    private static List<int[]> epochAfterAnAbandonedOne(int prefetch, int taken, boolean collect) {
        Generator data = new Generator(11);
        Tensor x = Tensor.randn(data, 96, 1, 12, 12), y = Tensor.randint(data, 0, 3, 96);
        DataLoader loader = new DataLoader(new TensorDataset(x, y), 4, true, 3).prefetch(prefetch)
                .map(Augment.randomShift(2, 5)).map(Augment.randomHorizontalFlip(0.5, 6));
        Iterator<Batch> it = loader.iterator();
        for (int i = 0; i < taken; i++) it.next();
        if (collect) {
            it = null;
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.onSpinWait();
            }
        }
        List<int[]> out = new ArrayList<>();
        for (Batch b : loader) {
            float[] v = b.inputs().toFloatArray();
            int[] bits = new int[v.length];
            for (int i = 0; i < v.length; i++) bits[i] = Float.floatToRawIntBits(v[i]);
            out.add(bits);
        }
        java.lang.ref.Reference.reachabilityFence(it);
        return out;
    }

    @Test
    void anAbandonedEpochDoesNotMakeTheNextDependOnThreadTiming() {
        // the reference builds batches on this thread: epoch 1 drew random numbers for 3 batches only
        List<int[]> reference = epochAfterAnAbandonedOne(0, 3, false);
        List<String> outcomes = new ArrayList<>();
        boolean allSame = true;
        for (int trial = 0; trial < 8; trial++) {
            List<int[]> run = epochAfterAnAbandonedOne(2 + trial % 3, 3, trial % 2 == 1);
            boolean same = run.size() == reference.size();
            for (int b = 0; same && b < run.size(); b++) same = java.util.Arrays.equals(run.get(b), reference.get(b));
            outcomes.add(same ? "same" : "different");
            allSame &= same;
        }
        assertEquals(List.of("same", "same", "same", "same", "same", "same", "same", "same"), outcomes,
                "epoch 2 after an epoch abandoned after 3 batches, prefetch 2-4, 8 trials, vs. the same pattern without prefetch");
    }
}
