package dev.jgrad.nn.robustness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.Activation;
import dev.jgrad.nn.BatchNorm;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.Clip;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.nn.optim.RMSprop;
import dev.jgrad.nn.optim.SGD;
import dev.jgrad.nn.train.Metric;
import dev.jgrad.nn.train.Trainer;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training steps in {@link Tensor#scope()} free everything they make except what must outlive
 * them — parameters, their gradients, optimizer state — so the count of open storages
 * ({@link TensorScope#openStorages}) stays flat over a thousand steps, with the same numbers as
 * steps run without scopes; the trainer does the same for every step, evaluation and prediction.
 */
class ScopedTrainingTest {
    @BeforeAll
    static void startCounting() {   // counting starts at the first reading: tensors made before it are not counted
        TensorScope.openStorages(Device.Type.CPU);
    }

    private static final Device.Type CPU = Device.Type.CPU;

    private static Sequential mlp() {
        Tensor.manualSeed(21);
        return new Sequential(new Linear(8, 16), Activation.tanh(), BatchNorm.oneD(16), new Linear(16, 3));
    }

    private static double step(Module model, Optimizer opt, Tensor x, Tensor y) {
        Tensor loss = Losses.crossEntropy(model.forward(x), y);
        loss.backward();
        Clip.gradNorm(opt.parameters(), 1.0);
        opt.step();
        double value = loss.item();
        opt.zeroGrad();
        return value;
    }

    private static void scopedStepsStayFlat(int steps, Function<List<Tensor>, Optimizer> optimizer) {
        Sequential model = mlp();
        Optimizer opt = optimizer.apply(model.parameters());
        Generator g = new Generator(3);
        Tensor x = Tensor.randn(g, 32, 8), y = Tensor.randint(g, 0, 3, 32);
        try (var _ = Tensor.scope()) {
            step(model, opt, x, y);   // the first step makes the optimizer's state
        }
        long base = TensorScope.openStorages(CPU), bytes = TensorScope.openBytes(CPU);
        double first = Double.NaN, last = Double.NaN;
        for (int i = 0; i < steps; i++) {
            try (var _ = Tensor.scope()) {
                last = step(model, opt, x, y);
            }
            if (i == 0) first = last;
            if (i % 100 == 99) {
                assertEquals(base, TensorScope.openStorages(CPU), "open storages after step " + (i + 1) + " with " + opt.getClass().getSimpleName());
                assertEquals(bytes, TensorScope.openBytes(CPU));
            }
        }
        assertTrue(last < first, "it still learns: " + first + " -> " + last);
    }

    @Test
    void aThousandScopedStepsOfFusedAdamKeepTheOpenCountFlat() {
        scopedStepsStayFlat(1000, ps -> new Adam(ps, 1e-2));
    }

    @Test
    void scopedStepsOfAComposedUpdateKeepTheOpenCountFlat() {
        // RMSprop has no fused path: its state tensors are new every step, made inside the step's scope
        scopedStepsStayFlat(300, ps -> new RMSprop(ps, 1e-3, 0.99, 1e-8, 1e-4, 0.9, true));
    }

    @Test
    void scopedStepsComputeTheSameNumbersAsUnscopedOnes() {
        float[][] with = train(true), without = train(false);
        for (int i = 0; i < with.length; i++) assertArrayEquals(without[i], with[i], "parameter " + i);
    }

    private static float[][] train(boolean scoped) {
        Sequential model = mlp();
        Optimizer opt = new Adam(model.parameters(), 1e-2);
        Generator g = new Generator(4);
        Tensor x = Tensor.randn(g, 16, 8), y = Tensor.randint(g, 0, 3, 16);
        for (int i = 0; i < 20; i++) {
            if (scoped) {
                try (var _ = Tensor.scope()) {
                    step(model, opt, x, y);
                }
            } else {
                step(model, opt, x, y);
            }
        }
        return model.parameters().stream().map(Tensor::toFloatArray).toArray(float[][]::new);
    }

    @Test
    void aMomentumBufferStartedFromTheGradientSurvivesZeroGrad() {
        // a non-contiguous parameter takes SGD's composed update, whose first momentum buffer is the gradient itself
        float[] scoped = momentumRun(true), plain = momentumRun(false);
        assertArrayEquals(plain, scoped);
    }

    private static float[] momentumRun(boolean scoped) {
        Tensor w = Tensor.randn(new Generator(5), 4, 3).t().requiresGrad(true);
        Optimizer opt = new SGD(List.of(w), 0.1, 0.9, false, 0);
        Tensor x = Tensor.randn(new Generator(6), 5, 4);
        for (int i = 0; i < 5; i++) {
            try (var scope = scoped ? Tensor.scope() : null) {
                x.matmul(w.t()).square().sum().backward();
                opt.step();
                opt.zeroGrad();
            }
        }
        return w.toFloatArray();
    }

    @Test
    void gradientsAccumulatedInAScopeOutliveIt() {
        Sequential model = mlp();
        Generator g = new Generator(7);
        Tensor x = Tensor.randn(g, 4, 8), y = Tensor.randint(g, 0, 3, 4);
        try (var _ = Tensor.scope()) {
            Losses.crossEntropy(model.forward(x), y).backward();
        }
        for (Tensor p : model.parameters()) {
            assertNotNull(p.grad());
            assertFalse(p.grad().isClosed(), "a parameter's gradient is the parameter's, not the scope's");
        }
        new SGD(model.parameters(), 0.1).step();   // usable after the scope
    }

    @Test
    void backwardAfterTheScopeClosedTheGraphFailsByName() {
        Sequential model = mlp();
        Generator g = new Generator(8);
        Tensor x = Tensor.randn(g, 4, 8), y = Tensor.randint(g, 0, 3, 4);
        Tensor loss;
        try (var scope = Tensor.scope()) {
            loss = scope.keep(Losses.crossEntropy(model.forward(x), y));
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().startsWith("backward: ") && e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void aClosedParameterFailsAtTheModelsNextUse() {
        Linear layer = new Linear(3, 2);
        layer.weight.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> layer.forward(Tensor.ones(1, 3)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void theTrainerFreesEveryStepEvaluationAndPrediction() {
        Generator g = new Generator(9);
        TensorDataset train = new TensorDataset(Tensor.randn(g, 96, 8), Tensor.randint(g, 0, 3, 96));
        TensorDataset test = new TensorDataset(Tensor.randn(g, 40, 8), Tensor.randint(g, 0, 3, 40));
        List<Tensor> batches = new ArrayList<>();   // the loader's batches are the caller's: the test closes them
        java.util.function.UnaryOperator<Batch> record = b -> {
            synchronized (batches) {
                batches.add(b.inputs());
                batches.add(b.targets());
            }
            return b;
        };
        DataLoader trainLoader = new DataLoader(train, 16, true, 1).map(record);
        DataLoader testLoader = new DataLoader(test, 16, false, 0).map(record);
        Sequential model = mlp();
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), 1e-2), Losses::crossEntropy)
                .metrics(Metric.accuracy(), Metric.f1(3)).lossSyncEvery(4).clipGradNorm(1.0);
        trainer.fit(trainLoader, testLoader, 1);   // the optimizer's state and the metrics' counts exist from here
        closeAll(batches);
        long base = TensorScope.openStorages(CPU);
        trainer.fit(trainLoader, testLoader, 3);
        trainer.evaluate(testLoader);
        Tensor predictions = trainer.predict(testLoader);
        closeAll(batches);
        assertEquals(base + 1, TensorScope.openStorages(CPU), "only the predictions are left open");
        assertArrayEquals(new int[] {40, 3}, predictions.shape());
        predictions.close();
    }

    private static void closeAll(List<Tensor> ts) {
        synchronized (ts) {
            for (Tensor t : ts) t.close();
            ts.clear();
        }
    }
}
