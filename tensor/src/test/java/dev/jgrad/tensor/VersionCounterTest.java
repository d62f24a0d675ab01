package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Version counters: what bumps a tensor's {@link Tensor#version()} (every in-place write, through
 * any view of the storage, the optimizers' fused updates, re-homing a leaf onto other elements)
 * and what does not (ops that make new tensors, arguments refused before the write), and what a
 * recorded node keeps (the versions of exactly its op's saved tensors, and only when it is recorded).
 */
class VersionCounterTest {

    @Test
    void everyInPlaceMethodBumpsTheVersionOnce() {
        Tensor x = Tensor.zeros(2, 3);
        assertEquals(0, x.version());
        x.fill(1);
        assertEquals(1, x.version());
        x.zero();
        assertEquals(2, x.version());
        x.copyFrom(Tensor.ones(3));
        assertEquals(3, x.version());
        x.addInPlace(Tensor.ones(2, 3), 0.5);
        assertEquals(4, x.version());
        x.mulInPlace(2);
        assertEquals(5, x.version());
    }

    @Test
    void opsThatMakeNewTensorsLeaveTheVersionAlone() {
        Tensor x = Tensor.randn(new Generator(1), 2, 3);
        Tensor y = x.add(1).mul(x).exp().sum(0).reshape(3, 1).t().contiguous();
        x.clone().fill(0);
        x.to(DType.FLOAT64).fill(0);
        assertEquals(0, x.version());
        assertEquals(0, y.version());
        assertEquals(0, Tensor.full(3, 4).version(), "creation fills a fresh storage: not an in-place write");
    }

    @Test
    void viewsShareOneCounterWithTheirBase() {
        Tensor base = Tensor.zeros(4, 4);
        List<Tensor> views = List.of(base.slice(0, 1, 3, 1), base.reshape(16), base.t(), base.detach(), base.select(1, 2),
                base.unsqueeze(0).expand(2, 4, 4), base.view(2, 8));
        int v = 0;
        for (Tensor view : views) {
            view.fill(++v);
            assertEquals(v, base.version());
            for (Tensor other : views) assertEquals(v, other.version());
        }
        base.mulInPlace(2);
        for (Tensor view : views) assertEquals(v + 1, view.version());
        Tensor copy = base.clone();
        copy.fill(0);
        assertEquals(v + 1, base.version(), "a clone has its own storage");
    }

    @Test
    void aWriteRefusedBeforeItStartsDoesNotCount() {
        Tensor x = Tensor.zeros(2, 3);
        assertThrows(IllegalArgumentException.class, () -> x.copyFrom(Tensor.ones(4)));
        assertThrows(IllegalArgumentException.class, () -> x.addInPlace(Tensor.ones(3, 3), 1));
        Tensor p = Tensor.zeros(2).requiresGrad(true);
        assertThrows(IllegalStateException.class, () -> p.fill(1));
        assertEquals(0, x.version());
        assertEquals(0, p.version());
    }

    @Test
    void aRecordedNodeKeepsTheVersionsOfItsSavedTensors() {
        Tensor w = Tensor.ones(3).requiresGrad(true);
        Tensor x = Tensor.ones(3);
        x.fill(2);
        x.fill(3);
        Tensor y = w.mul(x);
        assertEquals(List.of(w, x), y.op().savedTensors(y));
        assertArrayEquals(new int[] {0, 2}, y.savedVersions());
        Tensor e = w.exp();
        assertEquals(List.of(e), e.op().savedTensors(e));
        assertArrayEquals(new int[] {0}, e.savedVersions());
        Tensor s = w.add(x);
        assertEquals(0, s.savedVersions().length, "Add's rule reads no tensor");
        assertSame(s.savedVersions(), w.sum().savedVersions(), "nodes that save nothing share one empty array");
    }

    @Test
    void nothingIsRecordedWhenNoGraphIs() {
        Tensor x = Tensor.ones(3);
        assertNull(x.exp().savedVersions(), "no input requires grad");
        Tensor w = Tensor.ones(3).requiresGrad(true);
        try (var _ = GradMode.noGrad()) {
            assertNull(w.mul(x).savedVersions(), "under noGrad");
        }
    }

    @Test
    void theFusedOptimizerUpdatesCountAsWrites() {
        Tensor p = Tensor.ones(4), g = Tensor.ones(4), m = Tensor.zeros(4), v = Tensor.zeros(4), buf = Tensor.zeros(4);
        assertTrue(OptimOps.adam(p, g, m, v, 0.1, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001));
        assertEquals(List.of(1, 0, 1, 1), List.of(p.version(), g.version(), m.version(), v.version()));
        assertTrue(OptimOps.sgd(p, g, buf, 0.1, 0.9, 0, 0, false, true));
        assertEquals(List.of(2, 0, 1), List.of(p.version(), g.version(), buf.version()));
        assertTrue(OptimOps.sgd(p, g, null, 0.1, 0, 0, 0, false, false));
        assertEquals(3, p.version());
        Tensor strided = Tensor.ones(4, 2).t();
        assertTrue(!OptimOps.sgd(strided, Tensor.ones(2, 4), null, 0.1, 0, 0, 0, false, false));
        assertEquals(0, strided.version(), "an update that does not apply touches nothing");
    }

    @Test
    void reHomingALeafOntoOtherElementsCountsAsAWrite() {
        Tensor leaf = Tensor.ones(2).requiresGrad(true);
        Tensor other = Tensor.of(new float[] {5, 6});
        other.fill(5);
        other.fill(6);
        leaf.setData(leaf.detach());   // its own elements, its own layout: nothing changes
        assertEquals(0, leaf.version());
        leaf.setData(other);
        assertEquals(3, leaf.version(), "past both counters: 0 (the leaf's) and 2 (the source's)");
        Tensor square = Tensor.ones(2, 2).requiresGrad(true);
        int before = square.version();
        square.setData(square.detach().t());   // same elements, another layout: the values it holds change
        assertTrue(square.version() > before);
    }
}
