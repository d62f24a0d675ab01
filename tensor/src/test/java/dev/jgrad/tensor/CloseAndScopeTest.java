package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Explicit lifetimes on the CPU, counted with {@link TensorScope#openStorages}: {@link Tensor#close()}
 * frees a storage once no open tensor holds it, a closed tensor refuses every op by name, views keep
 * their storage, the ops' own operand views pin nothing, and {@link Tensor#scope()} closes what was
 * made inside it except what is kept, on its own thread only.
 */
class CloseAndScopeTest {
    @BeforeAll
    static void startCounting() {   // counting starts at the first reading: tensors made before it are not counted
        TensorScope.openStorages(Device.Type.CPU);
    }

    private static final Device.Type CPU = Device.Type.CPU;

    private static long open() {
        return TensorScope.openStorages(CPU);
    }

    @Test
    void closeFreesTheStorageAndItsBytesAtOnce() {
        long before = open(), bytes = TensorScope.openBytes(CPU);
        Tensor t = Tensor.randn(new Generator(1), 100, 10);
        assertEquals(before + 1, open());
        assertEquals(bytes + 4000, TensorScope.openBytes(CPU));
        t.close();
        assertTrue(t.isClosed());
        assertEquals(before, open());
        assertEquals(bytes, TensorScope.openBytes(CPU));
        t.close();   // a second close does nothing
        assertEquals(before, open());
    }

    @Test
    void aClosedTensorRefusesEveryOpByNameButKeepsItsMetadata() {
        Tensor t = Tensor.randn(new Generator(2), 2, 3);
        Tensor other = Tensor.ones(2, 3);
        t.close();
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertEquals(DType.FLOAT32, t.dtype());
        assertTrue(t.toString().contains("closed"), t.toString());
        expectClosed("add", () -> t.add(other));
        expectClosed("add", () -> other.add(t));
        expectClosed("sum", t::sum);
        expectClosed("exp", t::exp);
        expectClosed("matmul", () -> t.matmul(other.t()));
        expectClosed("reshape", () -> t.reshape(6));
        expectClosed("transpose", () -> t.transpose(0, 1));
        expectClosed("item", t::item);
        expectClosed("toFloatArray", t::toFloatArray);
        expectClosed("copyFrom", () -> other.copyFrom(t));
        expectClosed("fill", () -> t.fill(1));
        expectClosed("to", () -> t.to(DType.FLOAT64));
        expectClosed("cat", () -> Tensor.cat(List.of(other, t), 0));
    }

    private static void expectClosed(String op, Executable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call);
        assertTrue(e.getMessage().startsWith(op + ": ") && e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void viewsHoldTheStorageUntilTheLastOneIsClosed() {
        long before = open();
        Tensor base = Tensor.of(new long[] {0, 1, 2, 3, 4, 5}, 2, 3);
        Tensor view = base.t(), flat = base.reshape(6);
        assertEquals(before + 1, open());
        base.close();
        assertEquals(before + 1, open(), "views still hold the elements");
        assertArrayEquals(new long[] {0, 3, 1, 4, 2, 5}, view.toLongArray());
        view.close();
        assertEquals(5, flat.toLongArray()[5]);
        flat.close();
        assertEquals(before, open(), "the last view frees the storage");
    }

    @Test
    void theOpsOwnOperandViewsPinNothing() {
        long before = open();
        Tensor x = Tensor.randn(new Generator(3), 4, 3), bias = Tensor.randn(new Generator(4), 3);
        Tensor y = x.add(bias);                 // bias broadcast through an operand view
        Tensor s = y.sum(0);                    // the reduction's keep-dim result re-shaped in place
        Tensor m = x.matmul(bias);              // 1-D operand seen as a matrix
        Tensor lse = x.logsumexp(new int[] {1}, false);
        for (Tensor t : List.of(x, bias, y, s, m, lse)) t.close();
        assertEquals(before, open(), "every storage is freed once the tensors the caller saw are closed");
    }

    @Test
    void aScopeClosesWhatItMadeExceptWhatIsKept() {
        Tensor outside = Tensor.randn(new Generator(5), 3, 3);
        long before = open();
        Tensor kept, temp;
        try (TensorScope scope = Tensor.scope()) {
            temp = outside.mul(2).relu();
            Tensor view = outside.t();          // a view made inside is closed; the tensor it views is not
            kept = scope.keep(temp.sum(1));
            assertTrue(scope.owns(view));
            assertFalse(scope.owns(kept));
            assertFalse(scope.owns(outside));
        }
        assertTrue(temp.isClosed());
        assertFalse(kept.isClosed());
        assertFalse(outside.isClosed());
        assertEquals(before + 1, open(), "only the kept tensor's storage is left");
        kept.close();
        assertEquals(before, open());
        outside.close();
    }

    @Test
    void aKeptViewKeepsItsStorageAfterTheScopeClosesItsBase() {
        long before = open();
        Tensor row;
        try (TensorScope scope = Tensor.scope()) {
            Tensor base = Tensor.arange(0, 6, 1).reshape(2, 3);
            row = scope.keep(base.select(0, 1));
        }
        assertArrayEquals(new long[] {3, 4, 5}, row.toLongArray());
        assertEquals(before + 1, open());
        row.close();
        assertEquals(before, open());
    }

    @Test
    void nestedScopesFreeTheirOwnAndKeepHandsToTheParent() {
        long before = open();
        Tensor inner, handed, outerTemp;
        try (TensorScope outer = Tensor.scope()) {
            outerTemp = Tensor.ones(4).mul(3);
            try (TensorScope in = Tensor.scope()) {
                inner = Tensor.ones(4).add(1);
                handed = in.keep(inner.mul(2));
            }
            assertTrue(inner.isClosed());
            assertFalse(handed.isClosed());
            assertTrue(outer.owns(handed), "a tensor kept by an inner scope belongs to the outer one");
            assertFalse(outerTemp.isClosed());
        }
        assertTrue(handed.isClosed());
        assertTrue(outerTemp.isClosed());
        assertEquals(before, open());
    }

    @Test
    void closingAnOuterScopeClosesTheScopesLeftOpenInsideIt() {
        long before = open();
        TensorScope outer = Tensor.scope();
        TensorScope inner = Tensor.scope();   // never closed by its own code
        Tensor t = Tensor.ones(3).exp();
        outer.close();
        assertTrue(inner.isClosed());
        assertTrue(t.isClosed());
        assertNull(TensorScope.current());
        assertEquals(before, open());
    }

    @Test
    void anExceptionInsideAScopeStillFreesItsTensors() {
        long before = open();
        AtomicReference<Tensor> made = new AtomicReference<>();
        assertThrows(IllegalArgumentException.class, () -> {
            try (var _ = Tensor.scope()) {
                made.set(Tensor.ones(2, 3).exp());
                made.get().matmul(Tensor.ones(2, 3));   // shapes do not fit
            }
        });
        assertTrue(made.get().isClosed());
        assertEquals(before, open());
        assertNull(TensorScope.current());
    }

    @Test
    void tensorsMadeOnOtherThreadsAreNotRegistered() throws InterruptedException {
        AtomicReference<Tensor> fromWorker = new AtomicReference<>();
        try (var _ = Tensor.scope()) {
            Thread worker = new Thread(() -> fromWorker.set(Tensor.ones(5).mul(2)));
            worker.start();
            worker.join();
        }
        assertFalse(fromWorker.get().isClosed());
        assertEquals(10, fromWorker.get().sum().item());
        fromWorker.get().close();
    }

    @Test
    void aScopeBelongsToItsThread() throws InterruptedException {
        TensorScope scope = Tensor.scope();
        Tensor t = Tensor.ones(2).exp();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                scope.close();
            } catch (Throwable e) {
                error.set(e);
            }
        });
        other.start();
        other.join();
        assertTrue(error.get() instanceof IllegalStateException && error.get().getMessage().contains("thread"), String.valueOf(error.get()));
        assertFalse(t.isClosed());
        scope.close();
        assertTrue(t.isClosed());
    }

    @Test
    void theSupplierFormKeepsWhatTheBodyReturns() {
        long before = open();
        Tensor x = Tensor.ones(3);
        Tensor y = Tensor.scope(() -> x.exp().mul(2).sum());
        List<Tensor> pair = Tensor.scope(() -> List.of(x.add(1), x.add(2)));
        double value = Tensor.scope(() -> x.mul(5).sum().item());
        assertEquals(before + 4, open(), "x, y and the pair");
        assertEquals(6 * Math.E, y.item(), 1e-5);
        assertArrayEquals(new float[] {3, 3, 3}, pair.get(1).toFloatArray());
        assertEquals(15, value);
        y.close();
        for (Tensor t : pair) t.close();
        x.close();
        assertEquals(before, open());
    }

    @Test
    void escapedAndUnscopedTensorsOutliveTheScope() {
        long before = open();
        Tensor escaped, unscoped;
        try (var _ = Tensor.scope()) {
            escaped = TensorScope.escape(Tensor.ones(2).mul(3));
            try (var _ = TensorScope.unscoped()) {
                unscoped = Tensor.ones(2).mul(4);
                assertNull(TensorScope.current());
            }
        }
        assertFalse(escaped.isClosed());
        assertFalse(unscoped.isClosed());
        escaped.close();
        unscoped.close();
        assertTrue(open() <= before + 2, "only the dropped ones() of the unscoped block may remain for the collector");
    }

    @Test
    void gradientsBelongToTheirTensorNotToTheScopeOfTheBackwardPass() {
        Tensor param = Tensor.randn(new Generator(6), 3).requiresGrad(true);
        Tensor first;
        try (var _ = Tensor.scope()) {
            param.accumulateGrad(Tensor.ones(3));   // what the engine does at a leaf
            first = param.grad();
        }
        assertFalse(first.isClosed(), "a parameter made outside every scope keeps its gradient");
        try (var _ = Tensor.scope()) {
            param.accumulateGrad(Tensor.ones(3));
        }
        assertTrue(first.isClosed(), "the gradient the accumulation replaced was the parameter's own: closed");
        assertArrayEquals(new float[] {2, 2, 2}, param.grad().toFloatArray());
        Tensor second = param.grad();
        param.zeroGrad();
        assertTrue(second.isClosed(), "zeroGrad frees an accumulated gradient");

        Tensor given = Tensor.ones(3);
        param.setGrad(given);
        param.zeroGrad();
        assertFalse(given.isClosed(), "a gradient given with setGrad stays the caller's");

        param.accumulateGrad(Tensor.ones(3));
        Tensor third = param.grad();
        param.close();
        assertTrue(third.isClosed(), "closing a tensor closes the gradient it accumulated");
        assertNull(param.grad());
        given.close();
    }

    @Test
    void aGradientOfATensorMadeInAScopeIsClosedWithThatScope() {
        Tensor grad;
        try (var _ = Tensor.scope()) {
            Tensor w = Tensor.ones(2).requiresGrad(true);
            try (var _ = Tensor.scope()) {
                w.accumulateGrad(Tensor.ones(2));
            }
            grad = w.grad();
            assertFalse(grad.isClosed(), "the inner scope (the backward pass) does not own it");
        }
        assertTrue(grad.isClosed());
    }

    @Test
    void reHomingALeafKeepsItsNewElementsAlive() {
        Tensor leaf = Tensor.zeros(3).requiresGrad(true);
        try (var _ = Tensor.scope()) {
            leaf.setData(Tensor.ones(3).mul(7));   // the source is closed with the scope; the leaf holds its elements
        }
        assertArrayEquals(new float[] {7, 7, 7}, leaf.toFloatArray());
        leaf.close();
    }

    @Test
    void aThousandScopedStepsKeepTheOpenCountFlat() {
        Tensor w = Tensor.randn(new Generator(7), 16, 8);
        Tensor x = Tensor.randn(new Generator(8), 32, 16);
        long before = open();
        double sum = 0;
        for (int step = 0; step < 1000; step++) {
            try (var _ = Tensor.scope()) {
                Tensor h = x.matmul(w).relu();
                sum += h.softmax(1).mul(h).sum().item() + h.t().contiguous().reshape(-1).slice(0, 0, 10, 2).sum().item();
            }
            if (step % 100 == 0) assertEquals(before, open(), "step " + step);
        }
        assertEquals(before, open());
        assertTrue(Double.isFinite(sum));
        w.close();
        x.close();
    }

    @Test
    void keepAndEscapeRefuseNullAndAClosedScope() {
        TensorScope scope = Tensor.scope();
        scope.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> scope.keep(Tensor.ones(1)));
        assertTrue(closed.getMessage().startsWith("keep: "), closed.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TensorScope.escape(null));
        assertThrows(IllegalArgumentException.class, () -> Tensor.scope(null));
        try (TensorScope s = Tensor.scope()) {
            assertThrows(IllegalArgumentException.class, () -> s.keep(null));
            assertSame(s, TensorScope.current());
        }
    }
}
