package dev.jgrad.nn.robustness;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.Activation;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Anomaly;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Nothing outlives a training step that should not: the graph (its intermediate tensors and op
 * records) becomes garbage once the step's locals go, gradients and optimizer state hold no
 * graph, and abandoned data-loader epochs do not leave threads behind.
 */
class LifetimeTest {

    private static Sequential mlp() {
        Tensor.manualSeed(2);
        return new Sequential(new Linear(8, 16), Activation.tanh(), new Linear(16, 3));
    }

    /** One step; returns weak references to an intermediate activation, its op record and the loss. */
    private static List<WeakReference<Object>> step(Sequential model, Optimizer opt, Tensor x, Tensor y, boolean backward) {
        Tensor hidden = ((Linear) model.get(0)).forward(x).tanh();
        Tensor logits = ((Linear) model.get(2)).forward(hidden);
        Tensor loss = Losses.crossEntropy(logits, y);
        if (backward) {
            opt.zeroGrad();
            loss.backward();
            opt.step();
        }
        Op op = hidden.op();
        return List.of(new WeakReference<>(hidden), new WeakReference<>(op), new WeakReference<>(loss), new WeakReference<>(logits));
    }

    @Test
    void theGraphOfATrainingStepIsGarbageAfterTheStep() {
        Sequential model = mlp();
        Optimizer opt = new Adam(model.parameters(), 1e-2);
        Generator g = new Generator(1);
        Tensor x = Tensor.randn(g, 4, 8), y = Tensor.randint(g, 0, 3, 4);
        for (int i = 0; i < 3; i++) {
            List<WeakReference<Object>> refs = step(model, opt, x, y, true);
            for (WeakReference<Object> r : refs) assertTrue(Vitals.cleared(r, 10_000), "a tensor of the step's graph is still reachable");
        }
    }

    @Test
    void aForwardPassThatIsNeverDifferentiatedIsGarbageToo() {
        Sequential model = mlp();
        Optimizer opt = new Adam(model.parameters(), 1e-2);
        Generator g = new Generator(1);
        List<WeakReference<Object>> refs = step(model, opt, Tensor.randn(g, 4, 8), Tensor.randint(g, 0, 3, 4), false);
        for (WeakReference<Object> r : refs) assertTrue(Vitals.cleared(r, 10_000), "the graph of an abandoned forward pass is reachable");
    }

    @Test
    void anomalyModeKeepsNoGraphAliveEither() {
        Sequential model = mlp();
        Optimizer opt = new Adam(model.parameters(), 1e-2);
        Generator g = new Generator(1);
        List<WeakReference<Object>> refs;
        try (var a = Anomaly.detect()) {
            refs = step(model, opt, Tensor.randn(g, 4, 8), Tensor.randint(g, 0, 3, 4), true);
        }
        for (WeakReference<Object> r : refs) assertTrue(Vitals.cleared(r, 10_000), "anomaly mode kept part of the graph");
    }

    @Test
    void gradientsAndOptimizerStateHoldNoGraph() {
        Sequential model = mlp();
        Optimizer opt = new Adam(model.parameters(), 1e-2);
        Generator g = new Generator(1);
        step(model, opt, Tensor.randn(g, 4, 8), Tensor.randint(g, 0, 3, 4), true);
        for (Tensor p : model.parameters()) {
            assertTrue(p.isLeaf(), "parameters stay leaves");
            assertNull(p.grad().op(), "a gradient must not reference a graph");
            assertTrue(!p.grad().requiresGrad(), "a gradient must not require grad");
        }
        for (Map.Entry<String, Tensor> e : opt.stateDict().entrySet()) {
            assertNull(e.getValue().op(), "optimizer state " + e.getKey() + " references a graph");
        }
    }

    @Test
    void abandonedEpochsLeaveNoLoaderThreads() throws InterruptedException {
        Generator g = new Generator(4);
        DataLoader loader = new DataLoader(new TensorDataset(Tensor.randn(g, 400, 2), Tensor.randn(g, 400, 1)), 2, true, 1).prefetch(3);
        int before = Vitals.countLoaderThreads();
        for (int epoch = 0; epoch < 50; epoch++) {
            Iterator<Batch> it = loader.iterator();
            it.next();   // then drop the epoch: its producer is blocked on a full queue
        }
        List<Integer> seen = new ArrayList<>();
        long deadline = System.nanoTime() + 20_000_000_000L;
        int live;
        do {
            Vitals.fullGc();
            live = Vitals.countLoaderThreads();
            seen.add(live);
        } while (live > before && System.nanoTime() < deadline);
        assertTrue(live <= before, "producer threads of abandoned epochs still alive: " + seen);
        // and finished epochs end their producer without any collection
        for (Batch b : loader) b.inputs();
        Thread.sleep(100);
        assertTrue(Vitals.countLoaderThreads() <= before, "the producer of a finished epoch is still alive");
    }
}
