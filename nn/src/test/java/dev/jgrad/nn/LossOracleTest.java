package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.nn.Oracle.Fixture;
import dev.jgrad.nn.Oracle.Params;
import dev.jgrad.testing.OracleAssert.Tolerance;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Every loss against PyTorch's functional loss (fixtures in {@code oracle-nn/losses}): the value
 * for each reduction and option, and the gradient with respect to the input for an upstream
 * gradient of the value's shape. float64 and float32, on each usable device.
 */
class LossOracleTest {
    static final Tolerance F64 = new Tolerance(1e-10, 1e-8);
    /** float32 against the float64 expectation: rounding of logits of up to ±6 and of sums over a few dozen terms. */
    static final Tolerance F32 = new Tolerance(2e-5, 2e-5);

    @TestFactory
    Stream<DynamicNode> losses() {
        return Oracle.cases("losses", List.of(DType.FLOAT64, DType.FLOAT32), LossOracleTest::runCase);
    }

    private static void runCase(String label, Fixture f, int i, Device device, DType precision) {
        Params p = f.params(i);
        boolean grad = p.bool("grad", true);
        Set<String> expectedNames = new TreeSet<>(List.of("input", "target", "out"));
        if (grad) expectedNames.addAll(List.of("gout", "grad"));
        Set<String> names = new TreeSet<>();
        for (String n : f.names(i)) names.add(n.substring(n.indexOf('.') + 1));
        assertEquals(expectedNames, names, label + ": fixture tensors");

        Tensor x = Oracle.input(f.get(i, "input"), precision, device).requiresGrad(grad);
        Tensor y = Oracle.input(f.get(i, "target"), precision, device);
        Tensor out = apply(f.name(), p, x, y);
        p.assertAllUsed(label, "grad");
        Tolerance tol = precision == DType.FLOAT64 ? F64 : F32;
        Oracle.assertClose(label + ", out", out, f.get(i, "out"), precision, device, tol);
        if (!grad) return;
        out.backward(Oracle.input(f.get(i, "gout"), precision, device));
        Oracle.assertClose(label + ", grad input", x.grad(), f.get(i, "grad"), precision, device, tol);
    }

    private static Tensor apply(String loss, Params p, Tensor x, Tensor y) {
        Reduction r = Reduction.valueOf(p.string("reduction").toUpperCase(java.util.Locale.ROOT));
        return switch (loss) {
            case "mse" -> Losses.mse(x, y, r);
            case "l1" -> Losses.l1(x, y, r);
            case "cross_entropy" -> Losses.crossEntropy(x, y, p.integer("ignore_index", (int) Losses.IGNORE_NONE),
                    p.number("label_smoothing", 0), r);
            case "nll" -> Losses.nll(x, y, p.integer("ignore_index", (int) Losses.IGNORE_NONE), r);
            case "bce" -> Losses.bce(x, y, r);
            case "bce_with_logits" -> Losses.bceWithLogits(x, y, r);
            default -> throw new IllegalArgumentException("no jgrad loss for fixture " + loss);
        };
    }
}
