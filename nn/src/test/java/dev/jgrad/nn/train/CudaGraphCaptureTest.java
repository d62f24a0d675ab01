package dev.jgrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.nn.Activation;
import dev.jgrad.nn.Conv2d;
import dev.jgrad.nn.Flatten;
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
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * A training step captured as a CUDA graph against the eager step on the same GPU: the same
 * parameters after K steps, eager fallback with the reason for a host read, clear errors for a
 * batch of another shape or device. Every GPU test is skipped (assumeTrue) where no CUDA device is
 * usable; none of them has run on a GPU yet (the machine this was written on has none).
 *
 * <p>Tolerances: the MLP (Linear, ReLU, MSE) must match bit for bit: the graph launches the
 * same kernels with the same arguments on the same stream, the kernels involved have no atomics,
 * and cuBLAS runs with the same fixed workspace for both twins (the captured twin is built first,
 * which sets it). The CNN is compared to 1e-5 of each tensor's largest magnitude, since its
 * backward pass may go through kernels that accumulate with atomicAdd (whose float sums depend on
 * the order the threads arrive in).
 */
class CudaGraphCaptureTest {
    private static final int BATCH = 16, STEPS = 5;

    private static Device gpu() {
        assumeTrue(Cuda.isAvailable(), () -> "no CUDA device: " + Cuda.unavailableReason());
        return Device.cuda();
    }

    private static Sequential mlp(long seed) {
        Tensor.manualSeed(seed);
        return new Sequential(new Linear(20, 32), Activation.relu(), new Linear(32, 5));
    }

    private static Sequential cnn(long seed) {
        Tensor.manualSeed(seed);
        return new Sequential(new Conv2d(1, 4, 3, 1, 1), Activation.relu(), new MaxPool2d(2), new Flatten(), new Linear(4 * 6 * 6, 5));
    }

    private static List<Batch> batches(Device d, long seed, int... inputShape) {
        Generator g = new Generator(seed);
        List<Batch> out = new ArrayList<>();
        for (int i = 0; i < STEPS; i++) out.add(new Batch(Tensor.randn(g, inputShape).to(d), Tensor.randn(g, BATCH, 5).to(d)));
        return out;
    }

    /** K steps of a captured twin and of an eager twin; {@code tolerance} 0 means bit for bit. */
    private static void assertCapturedMatchesEager(LongFunction<Sequential> make, Function<Module, Optimizer> optimizer, List<Batch> data,
                                                   double tolerance) {
        Loss loss = Losses::mse;
        Device d = data.getFirst().inputs().device();
        Module captured = make.apply(1).to(d);
        Optimizer capturedOpt = optimizer.apply(captured);
        Step step = Capture.trainStep(captured, loss, capturedOpt, data.getFirst());   // first: it fixes cuBLAS's workspace for both twins
        assertTrue(step.isCaptured() && step.isCudaGraph(), step.describe());
        assertNull(step.fallbackReason());
        assertTrue(step.describe().contains("CUDA graph") && step.planBytes() > 0, step.describe());

        Module eager = make.apply(1).to(d);
        Optimizer eagerOpt = optimizer.apply(eager);
        try {
            for (Batch b : data) {
                float[] expected, got;
                try (var _ = Tensor.scope()) {
                    eagerOpt.zeroGrad();
                    Tensor l = loss.apply(eager.call(b.inputs()), b.targets());
                    l.backward();
                    eagerOpt.step();
                    expected = l.toFloatArray();
                    got = step.run(b).toFloatArray();
                }
                assertClose(expected, got, tolerance, "loss");
            }
            for (int i = 0; i < eager.parameters().size(); i++) {
                assertClose(eager.parameters().get(i).toFloatArray(), captured.parameters().get(i).toFloatArray(), tolerance, "parameter " + i);
            }
            assertEquals(STEPS, step.runs());
        } finally {
            step.close();
        }
    }

    private static void assertClose(float[] expected, float[] got, double tolerance, String what) {
        if (tolerance == 0) {
            assertArrayEquals(expected, got, what);
            return;
        }
        float scale = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        assertArrayEquals(expected, got, (float) (tolerance * Math.max(scale, 1e-30f)), what);
    }

    @Test
    void aCapturedMlpStepGivesTheEagerParametersBitForBit() {
        Device d = gpu();
        assertCapturedMatchesEager(CudaGraphCaptureTest::mlp, m -> new Adam(m.parameters(), 1e-2), batches(d, 3, BATCH, 20), 0);
        assertCapturedMatchesEager(CudaGraphCaptureTest::mlp, m -> new SGD(m.parameters(), 0.05, 0.9, false, 0), batches(d, 4, BATCH, 20), 0);
    }

    @Test
    void aCapturedCnnStepFollowsTheEagerOne() {
        Device d = gpu();
        assertCapturedMatchesEager(CudaGraphCaptureTest::cnn, m -> new Adam(m.parameters(), 1e-2), batches(d, 5, BATCH, 1, 12, 12), 1e-5);
    }

    @Test
    void aModelThatReadsAValueOnTheHostRunsEagerlyWithTheReason() {
        Device d = gpu();
        Sequential model = mlp(2);
        model.to(d);
        Loss dataDependent = (out, y) -> {   // a branch on a tensor's value: no graph can hold it
            Tensor l = Losses.mse(out, y);
            return l.item() > 1e6 ? l.mul(0.5) : l;
        };
        Adam adam = new Adam(model.parameters(), 1e-3);
        List<Batch> data = batches(d, 6, BATCH, 20);
        Step step = Capture.trainStep(model, dataDependent, adam, data.getFirst());
        assertFalse(step.isCaptured());
        assertTrue(step.fallbackReason().contains("host"), step.fallbackReason());
        assertTrue(step.describe().startsWith("eager step"), step.describe());
        try (var _ = Tensor.scope()) {
            assertTrue(Double.isFinite(step.run(data.get(1)).item()));
        }
        assertEquals(1, adam.steps());
    }

    @Test
    void aBatchOfAnotherShapeOrDeviceIsAClearError() {
        Device d = gpu();
        Sequential model = mlp(2);
        model.to(d);
        List<Batch> data = batches(d, 7, BATCH, 20);
        Step step = Capture.trainStep(model, Losses::mse, new Adam(model.parameters(), 1e-3), data.getFirst());
        try {
            assumeTrue(step.isCaptured(), step::describe);
            var e = assertThrows(IllegalArgumentException.class, () -> step.run(Tensor.zeros(4, 20).to(d), Tensor.zeros(4, 5).to(d)));
            assertTrue(e.getMessage().contains("[16, 20]") && e.getMessage().contains("[4, 20]"), e.getMessage());
            var f = assertThrows(IllegalArgumentException.class, () -> step.run(Tensor.zeros(BATCH, 20), Tensor.zeros(BATCH, 5)));
            assertTrue(f.getMessage().contains("CUDA graph") && f.getMessage().contains("cpu"), f.getMessage());
            step.run(data.get(1));   // and the step still works
        } finally {
            step.close();
        }
        assertThrows(IllegalStateException.class, () -> step.run(data.get(1)));
    }

    @Test
    void aBatchOnAnotherDeviceThanTheParametersRunsEagerly() {
        Device d = gpu();
        Sequential model = mlp(2);   // on the CPU
        List<Batch> data = batches(d, 8, BATCH, 20);
        Step step = Capture.trainStep(model, Losses::mse, new Adam(model.parameters(), 1e-3), data.getFirst());
        assertFalse(step.isCaptured());
        assertTrue(step.fallbackReason().contains("one device"), step.fallbackReason());
    }

    @Test
    void aCpuStepIsNoCudaGraphAndClosingItStopsIt() {   // runs everywhere
        Sequential model = mlp(2);
        Batch b = new Batch(Tensor.randn(new Generator(9), BATCH, 20), Tensor.randn(new Generator(10), BATCH, 5));
        Step step = Capture.trainStep(model, Losses::mse, new Adam(model.parameters(), 1e-3), b);
        assertTrue(step.isCaptured(), step.describe());
        assertFalse(step.isCudaGraph());
        assertTrue(step.describe().startsWith("captured step: ") && !step.describe().contains("CUDA"), step.describe());
        step.run(b);
        step.close();
        step.close();
        var e = assertThrows(IllegalStateException.class, () -> step.run(b));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
