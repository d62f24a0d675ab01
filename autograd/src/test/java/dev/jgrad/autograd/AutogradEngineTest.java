package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The backward engine's contract: accumulation, seeds, graph release, grad mode, leaves, dtypes, order, depth. */
class AutogradEngineTest {
    private static final double TOL = 1e-12;

    private static Tensor leaf(double... v) {
        return Tensor.of(v).requiresGrad(true);
    }

    private static void assertValues(double[] expected, Tensor t) {
        assertNotNull(t, "gradient is null");
        assertArrayEquals(expected, t.toDoubleArray(), 1e-9, t::toString);
    }

    // ---- accumulation and zeroGrad ----------------------------------------------------------------

    /**
     * A leaf keeps the gradient its rule made instead of a copy, but never a tensor someone else
     * holds: the caller's seed passed on unchanged (add's rule returns g itself), or a gradient
     * that a second path adds to.
     */
    @Test
    void leavesKeepTheirRuleMadeGradientButNeverTheCallersSeed() {
        Tensor x = leaf(1, 2, 3), seed = Tensor.of(new double[] {1, 10, 100});
        x.add(5).backward(seed);                 // the add rule passes the seed on: x.grad must be a copy
        assertValues(new double[] {1, 10, 100}, x.grad());
        x.zeroGrad();
        assertArrayEquals(new double[] {1, 10, 100}, seed.toDoubleArray(), 0, "the seed survives zeroGrad");

        x.mul(3).backward(seed);                 // g·3, made by the rule
        assertValues(new double[] {3, 30, 300}, x.grad());
        x.mul(x).backward(seed);                 // two paths into x, accumulated on top
        assertValues(new double[] {3 + 2, 30 + 40, 300 + 600}, x.grad());
        x.zeroGrad();
        assertNull(x.grad());
        assertArrayEquals(new double[] {1, 10, 100}, seed.toDoubleArray(), 0);
    }

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Tensor x = leaf(1, 2, 3);
        x.mul(x).sum().backward();
        assertValues(new double[] {2, 4, 6}, x.grad());
        x.mul(x).sum().backward();
        assertValues(new double[] {4, 8, 12}, x.grad());
    }

    @Test
    void zeroGradClears() {
        Tensor x = leaf(1, 2, 3);
        x.mul(x).sum().backward();
        x.zeroGrad();
        assertNull(x.grad());
        x.mul(3).sum().backward();
        assertValues(new double[] {3, 3, 3}, x.grad());
    }

    @Test
    void gradHasTheLeafsShapeAndDtype() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        x.t().sum(0).sum().backward();
        assertArrayEquals(new int[] {2, 3}, x.grad().shape());
        assertEquals(DType.FLOAT64, x.grad().dtype());
        assertFalse(x.grad().requiresGrad());
        assertNull(x.grad().op());
    }

    // ---- seeds ------------------------------------------------------------------------------------

    @Test
    void nonScalarWithoutSeedFailsWithAClearMessage() {
        Tensor x = leaf(1, 2, 3);
        Tensor y = x.mul(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e.getMessage().contains("seed") && e.getMessage().contains("[3]"), e.getMessage());
        assertNull(x.grad());
    }

    @Test
    void nonScalarWithSeedWorks() {
        Tensor x = leaf(1, 2, 3);
        x.mul(2).backward(Tensor.of(new double[] {1, 10, 100}));
        assertValues(new double[] {2, 20, 200}, x.grad());
    }

    @Test
    void oneElementNonScalarNeedsNoSeed() {
        Tensor x = leaf(1, 2, 3);
        x.sum(null, true).backward();  // shape [1]
        assertValues(new double[] {1, 1, 1}, x.grad());
    }

    @Test
    void seedShapeMismatchFails() {
        Tensor x = leaf(1, 2, 3);
        Tensor y = x.mul(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.of(new double[] {1, 2})));
        assertTrue(e.getMessage().contains("[2]") && e.getMessage().contains("[3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.of(new double[] {1, 2, 3}, 3, 1)));
    }

    @Test
    void backwardOnATensorThatDoesNotRequireGradFails() {
        Tensor x = Tensor.of(new double[] {1, 2});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.mul(2).sum().backward());
        assertTrue(e.getMessage().contains("requiresGrad"), e.getMessage());
    }

    @Test
    void backwardOnALeafAccumulatesTheSeed() {
        Tensor x = leaf(1, 2);
        x.backward(Tensor.of(new double[] {5, 7}));
        assertValues(new double[] {5, 7}, x.grad());
    }

    // ---- graph release ----------------------------------------------------------------------------

    @Test
    void secondBackwardWithoutRetainGraphFails() {
        Tensor x = leaf(0.5, -1);
        Tensor loss = x.exp().mul(x).sum();
        loss.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
    }

    @Test
    void retainGraphAllowsASecondBackwardThatDoublesTheGradient() {
        Tensor x = leaf(0.5, -1);
        Tensor loss = x.exp().mul(x).sum();
        loss.backward(null, true);
        double[] once = x.grad().toDoubleArray();
        loss.backward();
        double[] twice = x.grad().toDoubleArray();
        for (int i = 0; i < once.length; i++) {
            assertEquals(Math.exp(x.toDoubleArray()[i]) * (1 + x.toDoubleArray()[i]), once[i], 1e-12);
            assertEquals(2 * once[i], twice[i], 1e-12);
        }
        assertThrows(IllegalStateException.class, loss::backward, "the second call did not retain the graph");
    }

    // ---- detach and grad mode ---------------------------------------------------------------------

    @Test
    void detachStopsGradients() {
        Tensor x = leaf(1, 2, 3);
        Tensor d = x.detach();
        assertFalse(d.requiresGrad());
        assertTrue(d.isLeaf());
        assertNull(d.op());
        assertArrayEquals(x.toDoubleArray(), d.toDoubleArray());
        x.mul(d).sum().backward();  // d(x·c)/dx = c, not 2x
        assertValues(new double[] {1, 2, 3}, x.grad());
    }

    @Test
    void detachedResultCannotStartBackward() {
        Tensor x = leaf(1, 2, 3);
        Tensor y = x.exp().sum().detach();
        assertThrows(IllegalStateException.class, y::backward);
    }

    @Test
    void noGradRecordsNothingAndIsRestored() {
        Tensor x = leaf(1, 2);
        assertTrue(GradMode.isEnabled());
        try (var _ = GradMode.noGrad()) {
            assertFalse(GradMode.isEnabled());
            Tensor y = x.mul(2).exp().sum();
            assertNull(y.op());
            assertFalse(y.requiresGrad());
            assertTrue(y.isLeaf());
        }
        assertTrue(GradMode.isEnabled());
        Tensor z = x.mul(2);
        assertNotNull(z.op());
        assertTrue(z.requiresGrad());
    }

    @Test
    void nestedScopesRestoreTheirOuterMode() {
        Tensor x = leaf(1, 2);
        try (var outer = GradMode.noGrad()) {
            try (var inner = GradMode.noGrad()) {
                assertFalse(GradMode.isEnabled());
            }
            assertFalse(GradMode.isEnabled(), "closing an inner noGrad must not re-enable grad");
            try (var on = GradMode.enableGrad()) {
                assertTrue(GradMode.isEnabled());
                Tensor y = x.mul(3);
                assertNotNull(y.op(), "enableGrad inside noGrad records again");
                y.sum().backward();
                assertValues(new double[] {3, 3}, x.grad());
                try (var off = GradMode.noGrad()) {
                    assertNull(x.mul(3).op());
                }
                assertTrue(GradMode.isEnabled());
            }
            assertFalse(GradMode.isEnabled());
            assertNull(x.mul(3).op());
        }
        assertTrue(GradMode.isEnabled());
    }

    @Test
    void backwardWorksInsideNoGrad() {
        Tensor x = leaf(1, 2);
        Tensor loss = x.mul(x).sum();
        try (var _ = GradMode.noGrad()) {
            loss.backward();
            assertFalse(GradMode.isEnabled());
        }
        assertValues(new double[] {2, 4}, x.grad());
        assertTrue(GradMode.isEnabled());
    }

    @Test
    void gradModeIsRestoredWhenBackwardFails() {
        Tensor x = leaf(1, 2);
        Tensor loss = x.mul(x).sum();
        loss.backward();
        assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(GradMode.isEnabled());
    }

    @Test
    void gradModeIsPerThread() throws Exception {
        AtomicReference<Boolean> seen = new AtomicReference<>();
        try (var _ = GradMode.noGrad()) {
            Thread t = new Thread(() -> seen.set(GradMode.isEnabled()));
            t.start();
            t.join();
        }
        assertTrue(seen.get(), "another thread's noGrad scope leaked into this one");
    }

    // ---- leaves and non-leaves --------------------------------------------------------------------

    @Test
    void retainGradKeepsAnIntermediatesGradient() {
        Tensor x = leaf(1, 2);
        Tensor h = x.mul(3).retainGrad();
        Tensor other = x.add(1);  // not retained
        h.square().add(other).sum().backward();
        assertTrue(h.retainsGrad());
        assertValues(new double[] {6, 12}, h.grad());      // 2h
        assertValues(new double[] {19, 37}, x.grad());     // 2h·3 + 1
        assertNull(other.grad());
    }

    @Test
    void retainGradOnATensorThatDoesNotRequireGradFails() {
        assertThrows(IllegalStateException.class, () -> Tensor.of(new double[] {1}).retainGrad());
    }

    @Test
    void requiresGradOnAnIntegerTensorFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new long[] {1, 2}).requiresGrad(true));
        assertTrue(e.getMessage().contains("int64"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new int[] {1}).requiresGrad(true));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new boolean[] {true}).requiresGrad(true));
        assertFalse(Tensor.of(new long[] {1}).requiresGrad(false).requiresGrad());
    }

    @Test
    void requiresGradOnANonLeafFails() {
        Tensor y = leaf(1, 2).mul(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
        assertTrue(e.getMessage().contains("leaf") && e.getMessage().contains("Mul"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> y.requiresGrad(true));
    }

    @Test
    void integerResultsAreNotRecorded() {
        Tensor x = leaf(1.5, -2.5);
        Tensor mask = x.gt(0);
        assertNull(mask.op());
        assertFalse(mask.requiresGrad());
        assertNull(x.argmax().op());
    }

    // ---- graph shapes -----------------------------------------------------------------------------

    @Test
    void diamondGraphSumsBothPaths() {
        Tensor x = leaf(1, 2);
        Tensor a = x.mul(2), b = x.mul(3);
        a.mul(b).sum().backward();  // 6x² → 12x
        assertValues(new double[] {12, 24}, x.grad());
    }

    @Test
    void nodeUsedTwiceGetsBothGradients() {
        Tensor x = leaf(0.5, -1);
        Tensor h = x.exp();
        h.mul(h).add(h).sum().backward();  // e^{2x} + e^x → 2e^{2x} + e^x
        double[] v = x.toDoubleArray(), g = x.grad().toDoubleArray();
        for (int i = 0; i < v.length; i++) assertEquals(2 * Math.exp(2 * v[i]) + Math.exp(v[i]), g[i], 1e-12);
    }

    @Test
    void leafUsedAsBothOperands() {
        Tensor x = leaf(3);
        x.mul(x).mul(x).sum().backward();  // 3x²
        assertValues(new double[] {27}, x.grad());
    }

    @Test
    void onlyLeavesThatRequireGradReceiveGradients() {
        Tensor x = leaf(1, 2);
        Tensor c = Tensor.of(new double[] {5, 6});
        x.mul(c).sum().backward();
        assertValues(new double[] {5, 6}, x.grad());
        assertNull(c.grad());
    }

    // ---- dtypes -----------------------------------------------------------------------------------

    @Test
    void mixedPrecisionSendsAFloat32GradientToAFloat32Leaf() {
        Tensor x32 = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        Tensor w64 = Tensor.of(new double[] {0.5, -1, 2}).requiresGrad(true);
        Tensor y = x32.mul(w64).sum();
        assertEquals(DType.FLOAT64, y.dtype());
        y.backward();
        assertEquals(DType.FLOAT32, x32.grad().dtype());
        assertEquals(DType.FLOAT64, w64.grad().dtype());
        assertValues(new double[] {0.5, -1, 2}, x32.grad());
        assertValues(new double[] {1, 2, 3}, w64.grad());
    }

    @Test
    void castToFloat64SendsAFloat32GradientBack() {
        Tensor x32 = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        x32.to(DType.FLOAT64).mul(3).sum().backward();
        assertEquals(DType.FLOAT32, x32.grad().dtype());
        assertValues(new double[] {3, 3}, x32.grad());
    }

    @Test
    void float32GradientsAccumulateInFloat32() {
        Tensor x32 = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        x32.mul(Tensor.of(new double[] {2, 2})).sum().backward();
        x32.mul(2).sum().backward();
        assertEquals(DType.FLOAT32, x32.grad().dtype());
        assertValues(new double[] {4, 4}, x32.grad());
    }

    // ---- visiting order ---------------------------------------------------------------------------

    @Test
    void backwardPassVisitsNodesInReverseTopologicalOrder() {
        Tensor x = leaf(0.5, 1.5), w = leaf(2, -1);
        Tensor a = x.mul(w);
        Tensor b = a.exp();
        Tensor c = a.sin().add(b);
        Tensor d = b.mul(c).add(x.tanh());
        Tensor loss = d.sum().add(a.sum());
        BackwardPass pass = new BackwardPass(loss, null, true);
        List<Tensor> nodes = pass.nodes();

        Map<Tensor, Integer> position = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) assertNull(position.put(nodes.get(i), i), "a node appears twice");
        assertSame(loss, nodes.get(0));
        Set<Tensor> expected = Collections.newSetFromMap(new IdentityHashMap<>());
        expected.addAll(List.of(loss, a, b, c, d));
        for (Tensor n : nodes) {
            assertFalse(n.isLeaf(), "leaves are not visited");
            for (Tensor in : n.op().inputs()) {
                if (in.isLeaf()) continue;
                assertTrue(position.containsKey(in), "input " + in.op().name() + " of " + n.op().name() + " is missing");
                assertTrue(position.get(in) > position.get(n),
                        in.op().name() + " (at " + position.get(in) + ") must come after its consumer " + n.op().name() + " (at " + position.get(n) + ")");
            }
        }
        assertTrue(position.keySet().containsAll(expected));

        List<BackwardPass.Step> steps = new ArrayList<>();
        while (pass.hasNext()) steps.add(pass.step());
        assertEquals(nodes.size(), steps.size());
        for (int i = 0; i < steps.size(); i++) {
            assertSame(nodes.get(i), steps.get(i).node());
            assertNotNull(steps.get(i).upstream(), "every visited node received a gradient");
        }
        assertFalse(pass.hasNext());
        assertThrows(IllegalStateException.class, pass::step);

        // the stepped pass gives what backward() gives
        double[] gx = x.grad().toDoubleArray(), gw = w.grad().toDoubleArray();
        x.zeroGrad();
        w.zeroGrad();
        loss.backward();
        assertArrayEquals(gx, x.grad().toDoubleArray(), TOL);
        assertArrayEquals(gw, w.grad().toDoubleArray(), TOL);
    }

    // ---- in-place ops -----------------------------------------------------------------------------

    @Test
    void inPlaceOpsOnALeafThatRequiresGradFailWhileRecording() {
        Tensor x = leaf(1, 2);
        Tensor other = Tensor.of(new double[] {10, 20});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.fill(0));
        assertTrue(e.getMessage().contains("noGrad"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> x.copyFrom(other));
        assertThrows(IllegalStateException.class, () -> x.addInPlace(other, 0.5));
        assertThrows(IllegalStateException.class, () -> x.mulInPlace(2));
        assertThrows(IllegalStateException.class, x::zero);
        assertArrayEquals(new double[] {1, 2}, x.toDoubleArray(), "a failed in-place op must leave the values alone");
    }

    @Test
    void inPlaceOpsOnALeafThatRequiresGradWorkUnderNoGrad() {
        Tensor x = leaf(1, 2);
        try (var _ = GradMode.noGrad()) {
            x.addInPlace(Tensor.of(new double[] {10, 20}), 0.5);
            assertArrayEquals(new double[] {6, 12}, x.toDoubleArray());
            x.mulInPlace(2);
            assertArrayEquals(new double[] {12, 24}, x.toDoubleArray());
            x.copyFrom(Tensor.of(new double[] {3, 4}));
            assertArrayEquals(new double[] {3, 4}, x.toDoubleArray());
            x.fill(7);
            assertArrayEquals(new double[] {7, 7}, x.toDoubleArray());
        }
        assertTrue(x.requiresGrad());
        assertTrue(x.isLeaf());
        x.mul(x).sum().backward();
        assertValues(new double[] {14, 14}, x.grad());
    }

    // ---- depth ------------------------------------------------------------------------------------

    @Test
    void deepChainDoesNotOverflowTheStack() throws Exception {
        // run on a thread with a small stack, so that the test does not depend on the build's -Xss
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<double[]> grad = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                Tensor x = leaf(1, 2);
                Tensor y = x;
                for (int i = 0; i < 10_000; i++) y = y.add(x);
                y.sum().backward();
                grad.set(x.grad().toDoubleArray());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "deep-chain", 256 * 1024);
        t.start();
        t.join();
        if (failure.get() != null) throw new AssertionError("backward through 10,000 adds failed", failure.get());
        assertArrayEquals(new double[] {10_001, 10_001}, grad.get(), 0);
    }
}
