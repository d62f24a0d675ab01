package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Autocast;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Autocast}: which ops cast to the region's type and which to float32, that the cast ops
 * give the same bits as casting by hand, that gradients reach float32 parameters in float32, the
 * parameter-cast cache, nesting, threads and misuse.
 */
class AutocastTest {

    private static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void matrixProductsRunInTheRegionsTypeFromCastOperands(DType low) {
        Tensor x = randn(1, 4, 8), w = randn(2, 8, 6), b = randn(3, 6), img = randn(4, 2, 3, 6, 6), k = randn(5, 4, 3, 3, 3);
        Tensor mm, lin, conv, ein;
        try (var _ = Autocast.enable(low)) {
            assertTrue(Autocast.isEnabled());
            assertEquals(low, Autocast.dtype());
            mm = x.matmul(w);
            lin = x.linear(w.t(), b);
            conv = img.conv2d(k, null);
            ein = Tensor.einsum("ij,jk->ik", x, w);
        }
        assertFalse(Autocast.isEnabled());
        assertNull(Autocast.dtype());
        assertArrayEquals(x.to(low).matmul(w.to(low)).toHalfBits(), mm.toHalfBits());
        assertArrayEquals(x.to(low).linear(w.t().to(low), b.to(low)).toHalfBits(), lin.toHalfBits());
        assertArrayEquals(img.to(low).conv2d(k.to(low), null).toHalfBits(), conv.toHalfBits());
        assertArrayEquals(mm.toHalfBits(), ein.toHalfBits());
        assertEquals(low, lin.dtype());
    }

    @Test
    void aHalfLinearSumsProductAndBiasInFloat32AndRoundsOnce() {
        // PyTorch's bfloat16 addmm: no rounding between the product and the bias
        Tensor x = randn(6, 16, 64), w = randn(7, 32, 64).mul(0.1), b = randn(8, 32);
        Tensor once = x.to(DType.FLOAT32).matmul(w.t()).add(b);
        Tensor lin = x.to(DType.BFLOAT16).linear(w.to(DType.BFLOAT16), b.to(DType.BFLOAT16));
        Tensor expected = x.to(DType.BFLOAT16).to(DType.FLOAT32).matmul(w.to(DType.BFLOAT16).to(DType.FLOAT32).t())
                .add(b.to(DType.BFLOAT16).to(DType.FLOAT32)).to(DType.BFLOAT16);
        assertArrayEquals(expected.toHalfBits(), lin.toHalfBits());
        assertEquals(DType.FLOAT32, once.dtype());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void touchyOpsRunInFloat32(DType low) {
        Tensor h = randn(10, 4, 6).to(low), g = randn(11, 6), bias = randn(12, 6);
        Tensor target = Tensor.of(new long[] {0, 5, 2, 3}, 4);
        try (var _ = Autocast.enable(low)) {
            assertEquals(DType.FLOAT32, h.softmax(1).dtype());
            assertEquals(DType.FLOAT32, h.logSoftmax(1).dtype());
            assertEquals(DType.FLOAT32, h.logsumexp(new int[] {1}, false).dtype());
            assertEquals(DType.FLOAT32, h.layerNorm(new int[] {6}, g, bias, 1e-5).dtype());
            assertEquals(DType.FLOAT32, h.reshape(4, 6, 1).groupNorm(2, g, bias, 1e-5).dtype());
            assertEquals(DType.FLOAT32, h.norm().dtype());
            assertEquals(DType.FLOAT32, h.prod(1, false).dtype());
            assertEquals(DType.FLOAT32, h.cumsum(1).dtype());
            assertEquals(DType.FLOAT32, h.crossEntropy(target, -100).dtype());
            // the others run in the type they are given
            assertEquals(low, h.relu().dtype());
            assertEquals(low, h.exp().dtype());
            assertEquals(low, h.sum().dtype());
            assertEquals(DType.FLOAT32, h.add(g).dtype());   // promotion as usual
            // same values as casting by hand
            assertArrayEquals(h.to(DType.FLOAT32).softmax(1).toFloatArray(), h.softmax(1).toFloatArray());
        }
    }

    @Test
    void float64AndIntegerOperandsAreNotCast() {
        Tensor a = randn(13, 3, 3).to(DType.FLOAT64), i = Tensor.of(new long[] {1, 2, 3}, 3);
        try (var _ = Autocast.enable(DType.BFLOAT16)) {
            assertEquals(DType.FLOAT64, a.matmul(a).dtype());
            assertEquals(DType.FLOAT64, a.softmax(0).dtype());
            assertEquals(DType.INT64, i.cumsum(0).dtype());
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void gradientsReachFloat32ParametersInFloat32(DType low) {
        Tensor w = randn(20, 5, 8).mul(0.3).requiresGrad(true), b = randn(21, 5).requiresGrad(true);
        Tensor x = randn(22, 7, 8);
        Tensor target = Tensor.of(new long[] {0, 1, 2, 3, 4, 0, 1}, 7);
        Tensor loss;
        try (var _ = Autocast.enable(low)) {
            Tensor logits = x.linear(w, b);
            assertEquals(low, logits.dtype());
            loss = logits.relu().crossEntropy(target, -100).mean();
            assertEquals(DType.FLOAT32, loss.dtype());
        }
        loss.backward();
        assertEquals(DType.FLOAT32, w.grad().dtype());
        assertEquals(DType.FLOAT32, b.grad().dtype());
        // the same graph written with explicit casts gives the same gradients, bit for bit
        Tensor w2 = w.detach().requiresGrad(true), b2 = b.detach().requiresGrad(true);
        x.to(low).linear(w2.to(low), b2.to(low)).relu().to(DType.FLOAT32).crossEntropy(target, -100).mean().backward();
        assertArrayEquals(w2.grad().toFloatArray(), w.grad().toFloatArray());
        assertArrayEquals(b2.grad().toFloatArray(), b.grad().toFloatArray());
        assertEquals(loss.item(), x.to(low).linear(w.to(low), b.to(low)).relu().to(DType.FLOAT32).crossEntropy(target, -100).mean().item());
    }

    @Test
    void backwardInsideTheRegionRunsWithoutAutocast() {
        Tensor w = randn(30, 4, 4).requiresGrad(true), x = randn(31, 3, 4);
        try (var _ = Autocast.enable(DType.BFLOAT16)) {
            x.matmul(w).sum().backward();
            assertTrue(Autocast.isEnabled());
        }
        Tensor w2 = w.detach().requiresGrad(true);
        x.to(DType.BFLOAT16).matmul(w2.to(DType.BFLOAT16)).sum().backward();
        assertArrayEquals(w2.grad().toFloatArray(), w.grad().toFloatArray());
    }

    @Test
    void aParameterIsCastOncePerRegionUntilItChanges() {
        Tensor w = randn(40, 4, 4).requiresGrad(true), x = randn(41, 2, 4);
        try (var _ = Autocast.enable(DType.BFLOAT16)) {
            Tensor c1 = castOf(x.matmul(w)), c2 = castOf(x.matmul(w));
            assertSame(c1, c2, "the second product reuses the first cast");
            try (var _ = GradMode.noGrad()) {
                w.mulInPlace(2);   // an in-place update: the cached cast is stale
            }
            Tensor c3 = castOf(x.matmul(w));
            assertFalse(c1 == c3);
            assertArrayEquals(w.to(DType.BFLOAT16).toHalfBits(), c3.toHalfBits());
            // a cast made without recording is not reused where the graph is recorded
            Tensor p;
            try (var _ = GradMode.noGrad()) {
                p = x.matmul(w);
            }
            assertFalse(p.requiresGrad());
            Tensor q = x.matmul(w);
            assertTrue(q.requiresGrad());
        }
        try (var _ = Autocast.enable(DType.BFLOAT16)) {
            Tensor x2 = randn(42, 2, 4);
            assertFalse(castOf(x2.matmul(w)) == null);
        }
    }

    /** The bfloat16 cast of the parameter among a product's inputs. */
    private static Tensor castOf(Tensor product) {
        for (Tensor in : product.op().inputs()) {
            if (in.op() != null && in.dtype() == DType.BFLOAT16 && in.op().inputs().getFirst().isLeaf()
                    && in.op().inputs().getFirst().requiresGrad()) {
                return in;
            }
        }
        return null;
    }

    @Test
    void regionsNestAndDisableTurnsItOff() {
        Tensor a = randn(50, 3, 3);
        try (var _ = Autocast.enable(DType.BFLOAT16)) {
            try (var _ = Autocast.disable()) {
                assertFalse(Autocast.isEnabled());
                assertEquals(DType.FLOAT32, a.matmul(a).dtype());
                try (var _ = Autocast.enable(DType.FLOAT16)) {
                    assertEquals(DType.FLOAT16, a.matmul(a).dtype());
                }
            }
            assertEquals(DType.BFLOAT16, a.matmul(a).dtype());
        }
        assertEquals(DType.FLOAT32, a.matmul(a).dtype());
    }

    @Test
    void customOpsChooseTheirList() {
        Tensor a = randn(60, 3, 3), h = a.to(DType.FLOAT16);
        try (var _ = Autocast.enable(DType.BFLOAT16)) {
            Tensor fused = Autocast.lowerPrecision(t -> {
                assertFalse(Autocast.isEnabled(), "inside the op autocast is off");
                return t[0].matmul(t[1]).relu();
            }, a, a);
            assertEquals(DType.BFLOAT16, fused.dtype());
            assertEquals(DType.FLOAT32, Autocast.float32(t -> t[0].exp(), h).dtype());
            assertNull(Autocast.lowerPrecision(t -> t[1], a, null));
        }
        // outside a region both run the op on the operands as they are
        assertEquals(DType.FLOAT16, Autocast.float32(t -> t[0].exp(), h).dtype());
        assertEquals(DType.FLOAT32, Autocast.lowerPrecision(t -> t[0].matmul(t[0]), a).dtype());
    }

    @Test
    void aRegionBelongsToItsThread() throws Exception {
        Tensor a = randn(70, 3, 3);
        AtomicReference<DType> seen = new AtomicReference<>();
        try (var ac = Autocast.enable(DType.BFLOAT16)) {
            Thread t = new Thread(() -> seen.set(a.matmul(a).dtype()));
            t.start();
            t.join();
            assertEquals(DType.FLOAT32, seen.get(), "another thread is not in the region");
            AtomicReference<Throwable> error = new AtomicReference<>();
            Thread closer = new Thread(() -> {
                try {
                    ac.close();
                } catch (Throwable e) {
                    error.set(e);
                }
            });
            closer.start();
            closer.join();
            assertTrue(error.get() instanceof IllegalStateException, String.valueOf(error.get()));
            assertTrue(error.get().getMessage().contains("thread"), error.get().getMessage());
            assertTrue(Autocast.isEnabled());
        }
    }

    @Test
    void misuseFailsClearly() {
        var e = assertThrows(IllegalArgumentException.class, () -> Autocast.enable(DType.FLOAT32));
        assertTrue(e.getMessage().contains("Autocast.enable") && e.getMessage().contains("FLOAT16 or BFLOAT16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Autocast.enable(null));
        Autocast outer = Autocast.enable(DType.BFLOAT16);
        Autocast inner = Autocast.enable(DType.FLOAT16);
        var order = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(order.getMessage().contains("reverse order"), order.getMessage());
        inner.close();
        outer.close();
        outer.close();   // twice: nothing
        assertFalse(Autocast.isEnabled());
        // a closed operand is reported by the op, not by a cast
        Tensor a = randn(80, 2, 2);
        a.close();
        try (var _ = Autocast.enable(DType.BFLOAT16)) {
            var closed = assertThrows(IllegalStateException.class, () -> a.matmul(randn(81, 2, 2)));
            assertTrue(closed.getMessage().startsWith("matmul"), closed.getMessage());
        }
    }
}
