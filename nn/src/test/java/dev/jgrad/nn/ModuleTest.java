package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Module bookkeeping: names, parameter lists, modes, conversions, printing. */
class ModuleTest {

    /** A module with its own parameter, a buffer, a child Linear and a child Sequential. */
    static final class Net extends Module {
        final Tensor scale = registerParameter("scale", Tensor.ones(3));
        final Tensor steps = registerBuffer("steps", Tensor.zeros(DType.INT64));
        final Linear fc = registerModule("fc", new Linear(4, 3));
        final Sequential head = registerModule("head", new Sequential(BatchNorm.oneD(3), Activation.relu(), new Linear(3, 2, false)));

        @Override
        public Tensor forward(Tensor x) {
            return head.forward(fc.forward(x).mul(scale));
        }
    }

    /** Two names for one Linear, and a parameter registered twice by hand. */
    static final class Tied extends Module {
        final Linear shared = registerModule("encoder", new Linear(3, 3));
        final Linear again = registerModule("decoder", shared);
        final Tensor w = registerParameter("w", Tensor.zeros(2));
        final Tensor alias = registerParameter("alias", w);

        @Override
        public Tensor forward(Tensor x) {
            return again.forward(shared.forward(x));
        }
    }

    @Test
    void namedParametersAreDottedInRegistrationOrder() {
        Net net = new Net();
        assertEquals(List.of("scale", "fc.weight", "fc.bias", "head.0.weight", "head.0.bias", "head.2.weight"),
                List.copyOf(net.namedParameters().keySet()));
        assertSame(net.fc.weight, net.namedParameters().get("fc.weight"));
        assertEquals(List.of("steps", "head.0.running_mean", "head.0.running_var", "head.0.num_batches_tracked"),
                List.copyOf(net.namedBuffers().keySet()));
        // state dict: each module's parameters, then its buffers, then its children (PyTorch's order)
        assertEquals(List.of("scale", "steps", "fc.weight", "fc.bias", "head.0.weight", "head.0.bias", "head.0.running_mean",
                "head.0.running_var", "head.0.num_batches_tracked", "head.2.weight"), List.copyOf(net.stateDict().keySet()));
        assertEquals(List.of("fc", "head"), List.copyOf(net.children().keySet()));
        for (Tensor p : net.parameters()) assertTrue(p.requiresGrad());
        for (Tensor b : net.namedBuffers().values()) assertFalse(b.requiresGrad());
    }

    @Test
    void sharedParametersAppearOnceInParameters() {
        Tied t = new Tied();
        assertEquals(List.of("w", "alias", "encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias"),
                List.copyOf(t.namedParameters().keySet()));
        List<Tensor> ps = t.parameters();
        assertEquals(3, ps.size());
        assertSame(t.w, ps.get(0));
        assertSame(t.shared.weight, ps.get(1));
        assertSame(t.shared.bias, ps.get(2));
        assertEquals(2 + 9 + 3, t.parameterCount());
    }

    @Test
    void parameterCountSumsElements() {
        assertEquals(3 + (12 + 3) + (3 + 3) + 6, new Net().parameterCount());
        assertEquals(4 * 8 + 8 + 8 * 3 + 3, new Sequential(new Linear(4, 8), Activation.tanh(), new Linear(8, 3)).parameterCount());
        assertEquals(3 * 4 * 3 * 3 / 1, new Conv2d(3, 4, new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, false)
                .parameterCount());
        assertEquals(0, Activation.relu().parameterCount());
    }

    @Test
    void trainAndEvalReachEveryDescendant() {
        Net net = new Net();
        assertTrue(net.isTraining());
        assertSame(net, net.eval());
        for (Module m : List.of(net, net.fc, net.head, net.head.get(0), net.head.get(1), net.head.get(2))) assertFalse(m.isTraining());
        net.train();
        for (Module m : List.of(net, net.fc, net.head, net.head.get(0), net.head.get(2))) assertTrue(m.isTraining());
        net.head.eval();
        assertTrue(net.isTraining());
        assertFalse(net.head.get(0).isTraining());
    }

    @Test
    void evalModeChangesBehaviour() {
        Dropout d = new Dropout(0.5, new dev.jgrad.tensor.Generator(1));
        Tensor x = Tensor.ones(1000);
        Tensor trained = d.forward(x);
        double[] v = trained.toDoubleArray();
        long zeros = java.util.Arrays.stream(v).filter(a -> a == 0).count();
        assertTrue(zeros > 400 && zeros < 600, "about half dropped, got " + zeros);
        for (double a : v) assertTrue(a == 0 || a == 2, "kept elements are scaled by 1/(1-p): " + a);
        d.eval();
        assertSame(x, d.forward(x), "dropout in eval mode is the identity");
    }

    @Test
    void toDTypeKeepsIdentityAndConvertsOnlyFloatingState() {
        Net net = new Net();
        Tensor w = net.fc.weight;
        float[] before = w.toFloatArray();
        net.fc.weight.setGrad(Tensor.onesLike(w));
        assertSame(net, net.to(DType.FLOAT64));
        assertSame(w, net.fc.weight);
        assertSame(w, net.namedParameters().get("fc.weight"));
        assertEquals(DType.FLOAT64, w.dtype());
        assertTrue(w.requiresGrad());
        assertNull(w.grad(), "a dtype change clears the gradient");
        assertArrayEquals(before, w.toFloatArray());
        assertEquals(DType.FLOAT64, net.head.get(0).namedBuffers().get("running_mean").dtype());
        assertEquals(DType.INT64, net.steps.dtype(), "integer buffers keep their dtype");
        assertEquals(DType.INT64, net.namedBuffers().get("head.0.num_batches_tracked").dtype());
        Tensor y = net.forward(Tensor.randn(5, 4).to(DType.FLOAT64));
        assertEquals(DType.FLOAT64, y.dtype());
        net.to(Device.CPU);
        assertSame(w, net.fc.weight);
        assertThrows(IllegalArgumentException.class, () -> net.to(DType.INT32));
    }

    @Test
    void sharedParameterIsConvertedOnce() {
        Tied t = new Tied();
        float[] before = t.shared.weight.toFloatArray();
        t.to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, t.again.weight.dtype());
        assertArrayEquals(before, t.shared.weight.toFloatArray());
    }

    @Test
    void zeroGradClearsEveryParameter() {
        Net net = new Net();
        net.forward(Tensor.randn(5, 4)).sum().backward();
        for (Tensor p : net.parameters()) assertNotNull(p.grad());
        net.zeroGrad();
        for (Tensor p : net.parameters()) assertNull(p.grad());
    }

    @Test
    void memberNamesAreChecked() {
        Module m = new Module() {
            {
                registerParameter("a", Tensor.zeros(1));
                IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> registerBuffer("a", Tensor.zeros(1)));
                assertTrue(dup.getMessage().contains("\"a\""), dup.getMessage());
                IllegalArgumentException dot = assertThrows(IllegalArgumentException.class, () -> registerModule("b.c", new Linear(1, 1)));
                assertTrue(dot.getMessage().contains("b.c"), dot.getMessage());
                assertThrows(IllegalArgumentException.class, () -> registerParameter("", Tensor.zeros(1)));
            }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        };
        assertEquals(List.of("a"), List.copyOf(m.namedParameters().keySet()));
    }

    @Test
    void toStringIsAPyTorchStyleTree() {
        Sequential s = new Sequential(new Linear(4, 8), Activation.relu(), new Sequential(new Linear(8, 2, false), Activation.logSoftmax(1)),
                new Dropout(0.25), new Flatten());
        assertEquals("""
                Sequential(
                  (0): Linear(in=4, out=8, bias=true)
                  (1): ReLU()
                  (2): Sequential(
                    (0): Linear(in=8, out=2, bias=false)
                    (1): LogSoftmax(dim=1)
                  )
                  (3): Dropout(p=0.25)
                  (4): Flatten()
                )""", s.toString());
        assertEquals("Conv2d(2, 4, kernel=[3, 3], stride=[2, 2], padding=[1, 1], dilation=[2, 2], groups=2, bias=false)",
                new Conv2d(2, 4, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 2}, 2, false).toString());
        assertEquals("BatchNorm(3, eps=1.0E-5, momentum=0.1)", BatchNorm.oneD(3).toString());
        assertEquals("LeakyReLU(slope=0.2)", Activation.leakyRelu(0.2).toString());
    }

    @Test
    void summaryListsEachLayersOutputShapeAndParameters() {
        Sequential s = new Sequential(new Conv2d(1, 4, 3, 1, 1), BatchNorm.twoD(4), Activation.relu(), new MaxPool2d(2), new Flatten(),
                new Linear(4 * 3 * 3, 5));
        s.train();
        String summary;
        try (var _ = GradMode.enableGrad()) {
            summary = s.summary(2, 1, 6, 6);
        }
        List<String> lines = summary.lines().toList();
        assertTrue(lines.get(0).matches("Layer +Output shape +Params"), lines.get(0));
        assertEquals("-".repeat(72), lines.get(1));
        String[][] expected = {
            {"(0) Conv2d(1, 4, kernel=[3, 3], s...", "[2, 4, 6, 6]", "40"},
            {"(1) BatchNorm(4, eps=1.0E-5, mome...", "[2, 4, 6, 6]", "8"},
            {"(2) ReLU()", "[2, 4, 6, 6]", "0"},
            {"(3) MaxPool2d(kernel=[2])", "[2, 4, 3, 3]", "0"},
            {"(4) Flatten()", "[2, 36]", "0"},
            {"(5) Linear(in=36, out=5, bias=true)", "[2, 5]", "185"},
        };
        for (int i = 0; i < expected.length; i++) {
            assertEquals(String.format("%-36s %-22s %12s", (Object[]) expected[i]), lines.get(2 + i), "summary line " + i);
        }
        assertEquals("-".repeat(72), lines.get(8));
        assertEquals("Total parameters: 233", lines.get(9));
        assertTrue(s.isTraining(), "summary restores training mode");
        Tensor rm = s.get(1).namedBuffers().get("running_mean");
        assertEquals(0, s.get(1).namedBuffers().get("num_batches_tracked").itemLong(), "summary runs in eval mode: no running-stat update");
        assertArrayEquals(new double[4], rm.toDoubleArray());
    }
}
