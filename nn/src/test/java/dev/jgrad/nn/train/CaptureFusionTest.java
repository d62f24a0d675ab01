package dev.jgrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.Activation;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A captured step whose forward and backward passes contain chains of elementwise kernels: fused, and still the eager bits. */
class CaptureFusionTest {
    /** x + W₂·relu(W₁x + b₁) + b₂, halved, plus √|x|: bias-and-activation chains, residual sums, and their gradients. */
    private static final class Block extends Module {
        private final Linear in, out;

        Block(int d, int hidden) {
            in = registerModule("in", new Linear(d, hidden));
            out = registerModule("out", new Linear(hidden, d));
        }

        @Override
        public Tensor forward(Tensor x) {
            return x.add(out.call(in.call(x).relu())).mul(0.5).add(x.abs().sqrt()).sub(x.neg().relu().mul(0.25));
        }
    }

    private static Sequential model(long seed) {
        Tensor.manualSeed(seed);
        return new Sequential(new Linear(11, 48), Activation.relu(), new Block(48, 32), new Linear(48, 13), new Block(13, 7), new Linear(13, 5));
    }

    @Test
    void chainsInBothPassesFuseAndReplayTheEagerBits() {
        int batch = 9;   // 9 · 48 = 432 and 9 · 32 = 288 elements, whole vectors with bias rows; 9 · 13 = 117, a scalar tail
        Generator g = new Generator(21);
        List<Batch> data = new ArrayList<>();
        for (int i = 0; i < 5; i++) data.add(new Batch(Tensor.randn(g, batch, 11), Tensor.randint(g, 0, 5, batch)));

        Sequential eager = model(4);
        Adam eagerOpt = new Adam(eager.parameters(), 1e-2);
        try (var _ = Tensor.scope()) {   // the capture's recording pass, not applied
            Losses.crossEntropy(eager.call(data.get(0).inputs()), data.get(0).targets()).backward();
        }
        List<float[]> expected = new ArrayList<>();
        for (Batch b : data) {
            eagerOpt.zeroGrad();
            try (var _ = Tensor.scope()) {
                Tensor l = Losses.crossEntropy(eager.call(b.inputs()), b.targets());
                l.backward();
                eagerOpt.step();
                expected.add(l.toFloatArray());
            }
        }

        Sequential captured = model(4);
        Step step = Capture.trainStep(captured, Losses::crossEntropy, new Adam(captured.parameters(), 1e-2), data.get(0));
        assertTrue(step.isCaptured(), step.describe());
        assertTrue(step.fusedKernelCount() >= 4 && step.describe().contains("fused chains"), step.describe());
        assertTrue(step.fusedChains().stream().anyMatch(c -> c.contains("kept in registers")), step.describe());
        assertTrue(step.fusedChains().stream().anyMatch(c -> c.contains(" over 117")), "a chain of odd length: " + step.describe());
        for (int i = 0; i < data.size(); i++) {
            try (var _ = Tensor.scope()) {
                assertArrayEquals(expected.get(i), step.run(data.get(i)).toFloatArray(), "loss of step " + i + ": " + step.describe());
            }
        }
        for (int i = 0; i < eager.parameters().size(); i++) {
            assertArrayEquals(eager.parameters().get(i).toFloatArray(), captured.parameters().get(i).toFloatArray(), "parameter " + i);
        }
    }
}
