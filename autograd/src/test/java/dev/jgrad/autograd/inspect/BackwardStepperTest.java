package dev.jgrad.autograd.inspect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.GradCases.GradCase;
import dev.jgrad.autograd.GradCheckCoverageTest;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The stepper visits nodes in reverse topological order and leaves exactly backward()'s gradients. */
class BackwardStepperTest {

    /** ŷ = W₁x₁ + W₂x₂ + b, L = ½(ŷ − y)², at x = (2, 3), y = 5, W₁ = W₂ = 1, b = 2. */
    private record Classic(Tensor w1, Tensor w2, Tensor b, Tensor yHat, Tensor loss) {
        static Classic build() {
            Tensor w1 = Tensor.scalar(1).requiresGrad(true).name("W1");
            Tensor w2 = Tensor.scalar(1).requiresGrad(true).name("W2");
            Tensor b = Tensor.scalar(2).requiresGrad(true).name("b");
            Tensor x1 = Tensor.scalar(2).name("x1"), x2 = Tensor.scalar(3).name("x2"), y = Tensor.scalar(5).name("y");
            Tensor yHat = w1.mul(x1).add(w2.mul(x2)).add(b).name("ŷ");
            Tensor loss = yHat.sub(y).square().mul(0.5).name("L");
            return new Classic(w1, w2, b, yHat, loss);
        }
    }

    @Test
    void classicExampleGivesFourSixTwo() {
        Classic c = Classic.build();
        assertEquals(7, c.yHat().item());
        assertEquals(2, c.loss().item());
        BackwardStepper stepper = new BackwardStepper(c.loss());
        List<NodeStep> steps = stepper.runToEnd();
        assertEquals(7, steps.size(), "Mul ½, Pow, Sub, Add b, Add, Mul W2, Mul W1");
        assertEquals(4, c.w1().grad().item());
        assertEquals(6, c.w2().grad().item());
        assertEquals(2, c.b().grad().item());

        NodeStep first = steps.getFirst();
        assertSame(c.loss(), first.output());
        assertEquals("product rule", first.rule().name());
        assertEquals(1, first.upstream().item());
        assertEquals(0.5, first.inputGrads().get(0).item());
        assertNull(first.inputGrads().get(1), "the constant ½ needs no gradient");

        NodeStep pow = steps.get(1);
        assertEquals("PowScalar", pow.node().tensor().op().name());
        assertEquals("∂L/∂x = g · 2·x", pow.rule().backward());
        assertEquals(2, pow.inputGrads().getFirst().item(), "½ · 2 · (ŷ − y) = 2");
        assertEquals(List.of("b"), steps.get(3).leavesChanged().stream().map(Graph.Node::title).toList());
        assertEquals(2, steps.get(3).leafGrads().getFirst().item());
        assertEquals(2, stepper.gradient(stepper.graph().nodeOf(c.yHat())).item());
    }

    @Test
    void describeShowsRuleUpstreamAndGradientsSent() {
        Classic c = Classic.build();
        BackwardStepper stepper = new BackwardStepper(c.loss());
        String text = stepper.runToEnd().getLast().describe();
        assertTrue(text.contains("step 7/7"), text);
        assertTrue(text.contains("product rule"), text);
        assertTrue(text.contains("∂L/∂a = g · b,  ∂L/∂b = g · a"), text);
        assertTrue(text.contains("g = ∂L/∂out = 2"), text);
        assertTrue(text.contains("∂L/∂a = 4  → #0 W1"), text);
        assertTrue(text.contains("W1.grad = 4"), text);
    }

    @Test
    void orderIsReverseTopological() {
        Tensor x = Tensor.randn(new Generator(1), 4, 3).to(DType.FLOAT64).requiresGrad(true).name("x");
        Tensor w = Tensor.randn(new Generator(2), 3, 3).to(DType.FLOAT64).requiresGrad(true).name("w");
        Tensor h = x.matmul(w).tanh();
        Tensor shared = h.mul(h);                            // h feeds two ops; so does shared
        Tensor loss = shared.add(h.exp()).sum().add(shared.mean());
        BackwardStepper stepper = new BackwardStepper(loss);
        List<NodeStep> steps = stepper.runToEnd();
        Graph g = stepper.graph();
        Map<Integer, Integer> position = new HashMap<>();
        for (NodeStep s : steps) position.put(s.node().id(), s.index());
        assertEquals(g.root().id(), steps.getFirst().node().id(), "the loss comes first");
        long ops = g.nodes().stream().filter(n -> !n.isLeaf()).count();
        assertEquals(ops, steps.size(), "every op node once");
        for (Graph.Node n : g.nodes()) {
            for (int in : n.inputs()) {
                if (g.node(in).isLeaf()) continue;
                assertTrue(position.get(n.id()) < position.get(in),
                        () -> n.ref() + " (a consumer) must be visited before its input " + g.node(in).ref());
            }
        }
        for (int i = 0; i < steps.size(); i++) assertEquals(i, steps.get(i).index());
        assertEquals(stepper.order(), steps.stream().map(NodeStep::node).toList());
    }

    @Test
    void upstreamOfEachNodeIsItsRetainedGradient() {
        Function<Boolean, List<Tensor>> build = retain -> {
            Tensor x = Tensor.randn(new Generator(3), 5, 2).to(DType.FLOAT64).requiresGrad(true);
            Tensor w = Tensor.randn(new Generator(4), 2, 4).to(DType.FLOAT64).requiresGrad(true);
            Tensor a = x.matmul(w), s = a.sigmoid(), p = s.logSoftmax(1), loss = p.mul(p).mean();
            List<Tensor> mids = List.of(a, s, p, loss);
            if (retain) mids.forEach(Tensor::retainGrad);
            return mids;
        };
        List<Tensor> retained = build.apply(true);
        retained.getLast().backward();
        List<Tensor> stepped = build.apply(false);
        BackwardStepper stepper = new BackwardStepper(stepped.getLast());
        stepper.runToEnd();
        for (int i = 0; i < stepped.size(); i++) {
            Tensor upstream = stepper.gradient(stepper.graph().nodeOf(stepped.get(i)));
            assertArrayEquals(retained.get(i).grad().toDoubleArray(), upstream.toDoubleArray(), 0.0, "node " + i);
        }
    }

    @Test
    void gradientsSentToALeafAddUpToItsGrad() {
        Tensor x = Tensor.of(new double[] {0.5, -1, 2}).requiresGrad(true).name("x");
        Tensor loss = x.mul(x).add(x.sin()).sum().add(x.exp().sum());
        BackwardStepper stepper = new BackwardStepper(loss);
        double[] total = new double[3];
        for (NodeStep s : stepper.runToEnd()) {
            for (int i = 0; i < s.inputs().size(); i++) {
                if (s.inputs().get(i).tensor() != x || s.inputGrads().get(i) == null) continue;
                double[] gi = s.inputGrads().get(i).toDoubleArray();
                for (int k = 0; k < 3; k++) total[k] += gi[k];
            }
        }
        assertArrayEquals(x.grad().toDoubleArray(), total, 1e-12);
    }

    @Test
    void stepsOneAtATimeThenRunsToTheEnd() {
        Classic c = Classic.build();
        BackwardStepper stepper = new BackwardStepper(c.loss());
        assertEquals(7, stepper.total());
        stepper.next();
        stepper.next();
        assertNull(c.w1().grad(), "W1 is reached only at the last step");
        assertEquals(5, stepper.runToEnd().size());
        assertEquals(7, stepper.steps().size());
        assertFalse(stepper.hasNext());
        assertThrows(IllegalStateException.class, stepper::next);
        assertThrows(IllegalStateException.class, c.loss()::backward, "the graph is released, as after backward()");
    }

    @Test
    void seedAndRetainGraphBehaveAsBackward() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}).requiresGrad(true);
        Tensor y = x.mul(x);
        Tensor seed = Tensor.of(new double[] {1, 0.5, -1});
        BackwardStepper stepper = new BackwardStepper(y, seed, true);
        stepper.runToEnd();
        assertArrayEquals(new double[] {2, 2, -6}, x.grad().toDoubleArray(), 1e-12);
        y.backward(seed);   // allowed: the graph was retained
        assertArrayEquals(new double[] {4, 4, -12}, x.grad().toDoubleArray(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new BackwardStepper(y), "non-scalar root needs a seed");
    }

    static Stream<GradCase> allCases() {
        return GradCheckCoverageTest.allCases();
    }

    /** Every gradcheck case (together they use every primitive op): the stepper's gradients equal backward()'s, bit for bit. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void sameGradientsAsBackwardOnEveryGradcheckGraph(GradCase c) {
        for (Device device : devices()) {
            List<Tensor> plain = leaves(c, device), stepped = leaves(c, device);
            Tensor v = Tensor.randn(new Generator(99), c.f().apply(leaves(c, device)).shape()).to(DType.FLOAT64).to(device);
            c.f().apply(plain).mul(v).sum().backward();
            BackwardStepper stepper = new BackwardStepper(c.f().apply(stepped).mul(v).sum());
            for (NodeStep s : stepper.runToEnd()) assertNotNull(s.describe());
            for (int i = 0; i < plain.size(); i++) {
                if (!plain.get(i).requiresGrad()) continue;
                Tensor expected = plain.get(i).grad(), actual = stepped.get(i).grad();
                if (expected == null) {
                    assertNull(actual);
                    continue;
                }
                assertEquals(device, actual.device());
                assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), 0.0, c.name() + " input " + i + " on " + device);
            }
        }
    }

    private static List<Tensor> leaves(GradCase c, Device device) {
        List<Tensor> xs = new ArrayList<>();
        for (Tensor in : c.inputs()) {
            Tensor t = in.detach().to(device);
            xs.add(in.dtype().isFloating() ? t.to(DType.FLOAT64).clone().detach().requiresGrad(true) : t);
        }
        return xs;
    }

    /** The CPU always; a CUDA device too when one is usable. */
    static List<Device> devices() {
        Device best = Device.best();
        return best.equals(Device.CPU) ? List.of(Device.CPU) : List.of(Device.CPU, best);
    }
}
