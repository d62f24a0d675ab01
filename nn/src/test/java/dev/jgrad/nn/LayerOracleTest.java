package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.jgrad.nn.Oracle.Fixture;
import dev.jgrad.nn.Oracle.Params;
import dev.jgrad.testing.OracleAssert.Tolerance;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Every layer against PyTorch's module of the same configuration (fixtures in
 * {@code oracle-nn/layers}, see {@code tools/oracle/generate_nn.py}). For each case the jgrad
 * layer is built from the case's JSON config, PyTorch's state dict is loaded into it with a
 * strict {@link Module#loadStateDict} (so the key names must be PyTorch's), and the output, the
 * input gradient, every parameter gradient and every buffer after the forward pass (batch-norm
 * running statistics and {@code num_batches_tracked}) are compared with PyTorch's. Each case
 * runs in float64 and in float32, on the CPU and on a CUDA device when one is usable.
 */
class LayerOracleTest {
    /** float64: rounding differences only. */
    static final Tolerance F64 = new Tolerance(1e-10, 1e-8);
    /**
     * float32 against the float64 expectation: the inputs' and parameters' float32 rounding
     * (relative 6e-8) amplified by short sums and, in the normalisation layers, by dividing by a
     * standard deviation of a handful of values.
     */
    static final Tolerance F32 = new Tolerance(2e-5, 2e-5);

    @TestFactory
    Stream<DynamicNode> layers() {
        return Oracle.cases("layers", List.of(DType.FLOAT64, DType.FLOAT32), LayerOracleTest::runCase);
    }

    private static void runCase(String label, Fixture f, int i, Device device, DType precision) {
        Params p = f.params(i);
        Module m = build(p.object("module"), label);
        m.to(precision).to(device);
        boolean train = p.bool("train");
        p.string("input");
        p.assertAllUsed(label);

        Map<String, Tensor> state = f.withPrefix(i, "state.");
        assertEquals(List.copyOf(state.keySet()), List.copyOf(m.stateDict().keySet()),
                label + ": state dict keys (and their order) differ from PyTorch's");
        m.loadStateDict(state);
        m.train(train);

        Tensor x = Oracle.input(f.get(i, "input"), precision, device);
        if (x.dtype().isFloating()) x.requiresGrad(true);
        Tolerance tol = precision == DType.FLOAT64 ? F64 : F32;
        Tensor out = m.forward(x);
        Oracle.assertClose(label + ", out", out, f.get(i, "out"), precision, device, tol);

        Set<String> expectedGrads = new TreeSet<>(f.withPrefix(i, "grad.").keySet());
        Set<String> gradNames = new TreeSet<>(m.namedParameters().keySet());
        if (x.dtype().isFloating()) gradNames.add("input");
        assertEquals(gradNames, expectedGrads, label + ": gradients in the fixture vs input + parameters");

        out.backward(Oracle.input(f.get(i, "gout"), precision, device));
        if (x.dtype().isFloating()) Oracle.assertClose(label + ", grad input", x.grad(), f.get(i, "grad.input"), precision, device, tol);
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            assertNotNull(e.getValue().grad(), label + ": parameter " + e.getKey() + " received no gradient");
            Oracle.assertClose(label + ", grad " + e.getKey(), e.getValue().grad(), f.get(i, "grad." + e.getKey()), precision, device, tol);
        }

        Map<String, Tensor> after = f.withPrefix(i, "state_after.");
        assertEquals(new TreeSet<>(m.namedBuffers().keySet()), new TreeSet<>(after.keySet()), label + ": buffers");
        for (Map.Entry<String, Tensor> e : m.namedBuffers().entrySet()) {
            Oracle.assertClose(label + ", buffer " + e.getKey() + " after forward", e.getValue(), after.get(e.getKey()), precision, device, tol);
        }
    }

    /** The jgrad module for a fixture's config (the generator's {@code build_module}). */
    static Module build(Params c, String label) {
        Module m = switch (c.string("type")) {
            case "Linear" -> new Linear(c.integer("in"), c.integer("out"), c.bool("bias"));
            case "Conv2d" -> new Conv2d(c.integer("in"), c.integer("out"), c.ints("kernel"), c.ints("stride"), c.ints("padding"),
                    c.ints("dilation"), c.integer("groups"), c.bool("bias"));
            case "Upsample" -> {
                int[] size = c.ints("size");
                double[] scale = c.numbersOrNull("scale_factor");
                String mode = c.string("mode");
                boolean align = c.bool("align_corners", false);
                yield size != null ? new Upsample(size, mode, align) : new Upsample(scale, mode, align);
            }
            case "Identity" -> new Identity();
            case "GroupNorm" -> new GroupNorm(c.integer("groups"), c.integer("channels"), c.number("eps"), c.bool("affine"));
            case "Conv1d" -> new Conv1d(c.integer("in"), c.integer("out"), c.integer("kernel"), c.integer("stride"), c.integer("padding"),
                    c.integer("dilation"), c.integer("groups"), c.bool("bias"));
            case "ConvTranspose2d" -> new ConvTranspose2d(c.integer("in"), c.integer("out"), c.ints("kernel"), c.ints("stride"),
                    c.ints("padding"), c.ints("output_padding"), c.integer("groups"), c.bool("bias"), c.ints("dilation"));
            case "MaxPool2d" -> new MaxPool2d(c.ints("kernel"), c.ints("stride"), c.ints("padding"), c.ints("dilation"), c.bool("ceil_mode"));
            case "AvgPool2d" -> new AvgPool2d(c.ints("kernel"), c.ints("stride"), c.ints("padding"), c.bool("ceil_mode"),
                    c.bool("count_include_pad"));
            case "Flatten" -> new Flatten(c.integer("start"), c.integer("end"));
            case "Dropout" -> new Dropout(c.number("p"));
            case "BatchNorm1d" -> BatchNorm.oneD(c.integer("channels"));
            case "BatchNorm2d" -> BatchNorm.twoD(c.integer("channels"));
            case "LayerNorm" -> new LayerNorm(c.ints("shape"), c.number("eps"), c.bool("affine"));
            case "Embedding" -> c.has("padding_idx") ? new Embedding(c.integer("num"), c.integer("dim"), c.integer("padding_idx"))
                    : new Embedding(c.integer("num"), c.integer("dim"));
            case "ReLU" -> Activation.relu();
            case "LeakyReLU" -> Activation.leakyRelu(c.number("slope"));
            case "Sigmoid" -> Activation.sigmoid();
            case "Tanh" -> Activation.tanh();
            case "GELU" -> Activation.gelu();
            case "Softmax" -> Activation.softmax(c.integer("dim"));
            case "LogSoftmax" -> Activation.logSoftmax(c.integer("dim"));
            case "Sequential" -> {
                Sequential s = new Sequential();
                for (Params layer : c.objects("layers")) s.add(build(layer, label));
                yield s;
            }
            default -> throw new IllegalArgumentException(label + ": no jgrad layer for fixture type " + c.string("type"));
        };
        c.assertAllUsed(label + " module config");
        return m;
    }
}
