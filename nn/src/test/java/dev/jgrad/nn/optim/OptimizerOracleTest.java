package dev.jgrad.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.nn.Oracle;
import dev.jgrad.nn.Oracle.Fixture;
import dev.jgrad.nn.Oracle.Params;
import dev.jgrad.testing.OracleAssert.Tolerance;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Every optimizer's trajectory against PyTorch's (fixtures in {@code oracle-nn/optim}): the same
 * float64 starting parameters, the same gradient before each step (set with
 * {@link Tensor#setGrad}, or cleared where the fixture skips a parameter), and the parameters
 * after every one of the eight steps.
 */
class OptimizerOracleTest {
    /** Eight steps of float64 arithmetic in a different order from PyTorch's fused updates. */
    static final Tolerance F64 = new Tolerance(1e-12, 1e-10);

    @TestFactory
    Stream<DynamicNode> optimizers() {
        return Oracle.cases("optim", Arrays.asList((DType) null), (label, f, i, device, precision) -> runCase(label, f, i, device));
    }

    private static void runCase(String label, Fixture f, int i, Device device) {
        Params p = f.params(i);
        int steps = p.integer("steps"), n = p.integer("params");
        Set<String> skipped = new HashSet<>();
        if (p.has("skip")) {
            for (Object s : (List<?>) p.json().get("skip")) {
                List<?> js = (List<?>) s;
                skipped.add(js.get(0) + "@" + js.get(1));
            }
        }
        List<Tensor> params = new ArrayList<>();
        for (int j = 0; j < n; j++) params.add(Oracle.input(f.get(i, "p" + j + ".init"), DType.FLOAT64, device).requiresGrad(true));
        Optimizer opt = build(f.name(), p, params);
        p.assertAllUsed(label, "steps", "params", "skip");
        int expectedTensors = n;
        for (int s = 1; s <= steps; s++) {
            for (int j = 0; j < n; j++) {
                Tensor g = f.opt(i, "p" + j + ".grad" + s);
                assertEquals(skipped.contains(j + "@" + s), g == null, label + ": gradient of p" + j + " at step " + s + " vs the skip list");
                params.get(j).setGrad(g == null ? null : Oracle.input(g, DType.FLOAT64, device));
                if (g != null) expectedTensors++;
            }
            opt.step();
            for (int j = 0; j < n; j++) {
                Oracle.assertClose(label + ", p" + j + " after step " + s, params.get(j), f.get(i, "p" + j + ".step" + s),
                        DType.FLOAT64, device, F64);
                expectedTensors++;
            }
        }
        assertEquals(expectedTensors, f.names(i).size(), label + ": the fixture holds tensors this test does not read");
    }

    /** The jgrad optimizer for PyTorch's keyword arguments, with PyTorch's defaults for absent ones. */
    static Optimizer build(String name, Params p, List<Tensor> params) {
        double lr = p.number("lr");
        return switch (name) {
            case "sgd" -> new SGD(params, lr, p.number("momentum", 0), p.number("dampening", 0), p.bool("nesterov", false),
                    p.number("weight_decay", 0));
            case "adam", "adamw" -> {
                double[] betas = p.has("betas") ? p.numbers("betas") : new double[] {0.9, 0.999};
                double eps = p.number("eps", 1e-8);
                boolean amsgrad = p.bool("amsgrad", false);
                yield name.equals("adam") ? new Adam(params, lr, betas[0], betas[1], eps, p.number("weight_decay", 0), amsgrad)
                        : new AdamW(params, lr, betas[0], betas[1], eps, p.number("weight_decay", 0.01), amsgrad);
            }
            case "adagrad" -> new Adagrad(params, lr, p.number("lr_decay", 0), p.number("weight_decay", 0),
                    p.number("initial_accumulator_value", 0), p.number("eps", 1e-10));
            case "adadelta" -> new Adadelta(params, lr, p.number("rho", 0.9), p.number("eps", 1e-6), p.number("weight_decay", 0));
            case "rmsprop" -> new RMSprop(params, lr, p.number("alpha", 0.99), p.number("eps", 1e-8), p.number("weight_decay", 0),
                    p.number("momentum", 0), p.bool("centered", false));
            default -> throw new IllegalArgumentException("no jgrad optimizer for fixture " + name);
        };
    }
}
