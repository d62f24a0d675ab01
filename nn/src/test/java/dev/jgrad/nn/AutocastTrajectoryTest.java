package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.nn.optim.SGD;
import dev.jgrad.tensor.Autocast;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.Safetensors;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A small model trained under autocast follows PyTorch's: the fixtures of
 * {@code tools/oracle/generate_autocast.py} hold a two-layer perceptron's parameters, batches,
 * per-step losses and the float32 master parameters after steps 1, 4 and 8 of a run whose forward
 * pass and loss ran under {@code torch.autocast("cpu", dtype=torch.bfloat16)}; jgrad runs the same
 * steps under {@code Autocast.enable(DType.BFLOAT16)}.
 *
 * <p>The first step is held tightly: the bfloat16 logits agree bit for bit (both sum each product
 * and its bias in float32 and round once), the float32 loss to float32 rounding, and each
 * gradient to one bfloat16 ulp of its largest element (the two libraries accumulate the backward
 * products in different orders before rounding to bfloat16). After that the runs drift apart by
 * those roundings, so the trajectory is held to the mean difference of the parameters and to the
 * losses; the largest single difference is bounded by what one step can move a parameter, since
 * Adam turns a gradient element that rounds to the other side of zero into a ±lr step.
 */
class AutocastTrajectoryTest {

    private static Map<String, Tensor> fixture(String name) throws Exception {
        var url = AutocastTrajectoryTest.class.getResource("/oracle-autocast/" + name + ".safetensors");
        assertNotNull(url, "fixture " + name + " is not on the test class path (tools/oracle/generate_autocast.py writes it)");
        return Safetensors.read(Path.of(url.toURI())).tensors();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp_adam_bf16", "mlp_sgd_momentum_bf16"})
    void followsPyTorchsAutocastTrajectory(String name) throws Exception {
        Map<String, Tensor> f = fixture(name);
        Sequential model = new Sequential(new Linear(12, 32), Activation.relu(), new Linear(32, 5));
        Map<String, Tensor> init = new HashMap<>();
        for (String k : model.stateDict().keySet()) init.put(k, f.get("init." + k));
        model.loadStateDict(init);
        Optimizer opt = name.contains("adam") ? new Adam(model.parameters(), 1e-2) : new SGD(model.parameters(), 0.1, 0.9, false, 0);
        Tensor xs = f.get("x"), ys = f.get("y");
        int steps = xs.shape()[0];
        float[] torchLoss = f.get("loss").toFloatArray();
        double lossDiff = 0;
        double lr = name.contains("adam") ? 1e-2 : 0.1;
        for (int k = 0; k < steps; k++) {
            Tensor x = xs.select(0, k), y = ys.select(0, k);
            Tensor logits, loss;
            try (var _ = Autocast.enable(DType.BFLOAT16)) {
                logits = model.call(x);
                loss = Losses.crossEntropy(logits, y);
            }
            assertEquals(DType.BFLOAT16, logits.dtype());
            assertEquals(DType.FLOAT32, loss.dtype());
            loss.backward();
            if (k == 0) {
                assertArrayEquals(f.get("logits0").toHalfBits(), logits.toHalfBits(), "step 1 logits, bit for bit");
                assertEquals(torchLoss[0], loss.item(), 1e-6, "step 1 loss");
                for (var e : model.namedParameters().entrySet()) {
                    Tensor g = e.getValue().grad();
                    assertEquals(DType.FLOAT32, g.dtype(), "master gradients are float32");
                    Diff d = Diff.of(f.get("grad1." + e.getKey()), g);
                    System.out.printf("%s grad %s: max |diff| %.3g, scale %.3g%n", name, e.getKey(), d.max, d.scale);
                    assertTrue(d.max <= Math.ulp((float) d.scale) * 0x1p16, name + " step 1 gradient of " + e.getKey() + ": max |diff| " + d.max
                            + " is more than one bfloat16 ulp of " + d.scale);
                }
            }
            opt.step();
            opt.zeroGrad();
            lossDiff = Math.max(lossDiff, Math.abs(loss.item() - torchLoss[k]) / Math.abs(torchLoss[k]));
            if (f.containsKey("step" + (k + 1) + ".0.weight")) {
                for (var e : model.stateDict().entrySet()) {
                    Diff d = Diff.of(f.get("step" + (k + 1) + "." + e.getKey()), e.getValue());
                    System.out.printf("%s step %d %s: mean |diff| %.3g, max %.3g (scale %.3g)%n", name, k + 1, e.getKey(), d.mean, d.max, d.scale);
                    assertTrue(d.mean <= 1e-3 * d.scale, name + " step " + (k + 1) + " " + e.getKey() + ": mean |diff| " + d.mean);
                    assertTrue(d.max <= 2 * lr, name + " step " + (k + 1) + " " + e.getKey() + ": max |diff| " + d.max);
                }
            }
        }
        System.out.printf("%s: largest relative loss difference %.3g%n", name, lossDiff);
        assertTrue(lossDiff <= 1e-3, name + ": a loss differs from PyTorch's autocast run by " + lossDiff + " of its value");
    }

    /** The largest and mean absolute difference between two float tensors, and the largest |expected|. */
    private record Diff(double max, double mean, double scale) {
        static Diff of(Tensor expected, Tensor actual) {
            float[] e = expected.toFloatArray(), a = actual.toFloatArray();
            assertEquals(e.length, a.length);
            double max = 0, sum = 0, scale = 0;
            for (int i = 0; i < e.length; i++) {
                double d = Math.abs(e[i] - a[i]);
                max = Math.max(max, d);
                sum += d;
                scale = Math.max(scale, Math.abs(e[i]));
            }
            return new Diff(max, sum / e.length, scale);
        }
    }
}
