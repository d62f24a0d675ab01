package dev.jgrad.nn.robustness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.Activation;
import dev.jgrad.nn.BatchNorm;
import dev.jgrad.nn.Conv2d;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Flatten;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.MaxPool2d;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.TransformerEncoderLayer;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Read-only inference on one model from several threads at once gives, bit for bit, what it
 * gives on one thread: evaluation-mode modules keep no mutable state on the forward path, and
 * grad mode is per thread (threads with and without {@code noGrad()} mix freely).
 */
class ConcurrentInferenceTest {
    private static final int THREADS = 8;
    private static final int INPUTS = 12;
    private static final int ROUNDS = 6;

    private static Module cnn() {
        Tensor.manualSeed(21);
        return new Sequential(new Conv2d(1, 6, 3, 1, 1), BatchNorm.twoD(6), Activation.relu(), new MaxPool2d(2), new Dropout(0.3),
                new Conv2d(6, 8, 3, 1, 0), Activation.gelu(), new Flatten(), new Linear(8 * 2 * 2, 10));
    }

    private static Module mlp() {
        Tensor.manualSeed(22);
        return new Sequential(new Linear(20, 32), BatchNorm.oneD(32), Activation.tanh(), new Dropout(0.5), new Linear(32, 5),
                Activation.logSoftmax(-1));
    }

    private static Module transformer() {
        Tensor.manualSeed(23);
        return new TransformerEncoderLayer(16, 4, 32, 0.1, "gelu", 1e-5, true, false);
    }

    @Test
    void cnnInEvalModeFromEightThreads() throws Exception {
        Generator g = new Generator(1);
        check(cnn(), () -> Tensor.randn(g, 3, 1, 8, 8));
    }

    @Test
    void mlpInEvalModeFromEightThreads() throws Exception {
        Generator g = new Generator(2);
        check(mlp(), () -> Tensor.randn(g, 7, 20));
    }

    @Test
    void transformerLayerInEvalModeFromEightThreads() throws Exception {
        Generator g = new Generator(3);
        check(transformer(), () -> Tensor.randn(g, 2, 5, 16));
    }

    private static void check(Module model, Supplier<Tensor> input) throws Exception {
        // give batch norm non-trivial running statistics, then freeze the model
        model.train();
        for (int i = 0; i < 3; i++) {
            try (var ng = GradMode.noGrad()) {
                model.forward(input.get());
            }
        }
        model.eval();
        List<Tensor> inputs = new ArrayList<>();
        for (int i = 0; i < INPUTS; i++) inputs.add(input.get());
        List<float[]> expected = new ArrayList<>();
        for (Tensor x : inputs) expected.add(model.forward(x).toFloatArray());
        float[][] parametersBefore = model.parameters().stream().map(Tensor::toFloatArray).toArray(float[][]::new);

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    int checked = 0;
                    for (int round = 0; round < ROUNDS; round++) {
                        for (int k = 0; k < INPUTS; k++) {
                            int i = (k * (thread + 1) + round) % INPUTS;   // each thread its own order
                            Tensor out;
                            if ((thread + round) % 2 == 0) {
                                try (var ng = GradMode.noGrad()) {
                                    out = model.forward(inputs.get(i));
                                }
                            } else {
                                out = model.forward(inputs.get(i));   // records a graph: private to this thread's result
                            }
                            assertArrayEquals(expected.get(i), out.toFloatArray(), "thread " + thread + ", input " + i);
                            checked++;
                        }
                    }
                    return checked;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : results) total += f.get(120, TimeUnit.SECONDS);
            assertEquals(THREADS * ROUNDS * INPUTS, total);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        float[][] parametersAfter = model.parameters().stream().map(Tensor::toFloatArray).toArray(float[][]::new);
        for (int i = 0; i < parametersBefore.length; i++) assertArrayEquals(parametersBefore[i], parametersAfter[i], "inference changed a parameter");
        for (Tensor p : model.parameters()) assertEquals(null, p.grad(), "inference left a gradient");
    }
}
