package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool of heap arrays behind CPU storages ({@link HeapArrayPool}): a closed tensor's array
 * serves the next storage of its dtype and length, never while a view still holds it, never one a
 * caller owns; the pool stays within its bounds, zeroes what must be zeros, is safe across threads,
 * and a closed tensor still refuses every op after its array went to another.
 */
class HeapArrayPoolTest {
    /** 64 Ki floats, 256 KiB: at the default smallest pooled size. */
    private static final int N = 1 << 16;

    private boolean wasEnabled;
    private long wasMax, wasMin;

    @BeforeEach
    void freshPool() {
        wasEnabled = HeapArrayPool.setEnabled(true);
        wasMax = HeapArrayPool.setMaxBytes(64L << 20);
        wasMin = HeapArrayPool.setMinBytes(256 << 10);
        HeapArrayPool.clear();
    }

    @AfterEach
    void restore() {
        HeapArrayPool.clear();
        HeapArrayPool.setMaxBytes(wasMax);
        HeapArrayPool.setMinBytes(wasMin);
        HeapArrayPool.setEnabled(wasEnabled);
    }

    private static float[] array(Tensor t) {
        return CpuBackend.floats(t);
    }

    @Test
    void aClosedResultsArrayServesTheNextResultOfItsSize() {
        Tensor a = Tensor.randn(new Generator(1), N);
        Tensor y = a.exp();
        float[] first = array(y);
        y.close();
        assertEquals(4L * N, HeapArrayPool.pooledBytes());
        long hits = HeapArrayPool.hits();
        Tensor z = a.add(a);
        assertSame(first, array(z), "the closed result's array is reused");
        assertEquals(hits + 1, HeapArrayPool.hits());
        assertEquals(0, HeapArrayPool.pooledBytes());
        assertArrayEquals(a.mul(2).toFloatArray(), z.toFloatArray());   // every element overwritten
    }

    @Test
    void aScopeReturnsTheArraysOfWhatItCloses() {
        Tensor a = Tensor.randn(new Generator(2), N);
        try (var scope = Tensor.scope()) {
            a.exp().relu().neg();
        }
        assertEquals(3, HeapArrayPool.pooledArrays());
        try (var scope = Tensor.scope()) {
            long hits = HeapArrayPool.hits();
            Tensor y = a.sigmoid();
            assertEquals(hits + 1, HeapArrayPool.hits());
            assertArrayEquals(sigmoid(a.toFloatArray()), y.toFloatArray(), 1e-6f);
        }
    }

    private static float[] sigmoid(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) (1 / (1 + Math.exp(-x[i])));
        return y;
    }

    @Test
    void noArrayIsReusedWhileAViewStillHoldsIt() {
        Tensor t = Tensor.randn(new Generator(3), 2, N / 2).exp();
        float[] values = t.toFloatArray();
        Tensor view = t.reshape(N);
        t.close();
        assertEquals(0, HeapArrayPool.pooledArrays(), "the view still holds the storage");
        Tensor other = Tensor.ones(N).mul(5);
        assertNotSame(array(view), array(other));
        assertArrayEquals(values, view.toFloatArray());
        float[] held = array(view);
        Tensor ones = Tensor.ones(N);
        view.close();
        assertEquals(1, HeapArrayPool.pooledArrays());
        assertSame(held, array(ones.neg()));
    }

    @Test
    void aClosedTensorStillFailsAfterItsArrayWentToAnother() {
        Tensor a = Tensor.randn(new Generator(4), N);
        Tensor y = a.exp();
        float[] arr = array(y);
        y.close();
        Tensor z = a.neg();
        assertSame(arr, array(z));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.add(a));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, y::toFloatArray);
        assertThrows(IllegalStateException.class, () -> CpuBackend.floats(y));
    }

    @Test
    void zerosFromThePoolAreZeros() {
        Tensor dirty = Tensor.full(7, N);
        dirty.close();
        long hits = HeapArrayPool.hits();
        Tensor z = Tensor.zeros(N);
        assertEquals(hits + 1, HeapArrayPool.hits());
        assertArrayEquals(new float[N], z.toFloatArray());
        Tensor d = Tensor.full(3.0, DType.FLOAT64, N);
        d.close();
        assertArrayEquals(new double[N], Tensor.zeros(DType.FLOAT64, N).toDoubleArray());
    }

    @Test
    void arraysCallersOwnAreNeverPooled() {
        float[] mine = new float[N];
        Tensor wrapped = Tensor.of(mine);
        wrapped.close();
        Tensor y = Tensor.randn(new Generator(5), N).exp();
        float[] out = y.toFloatArray();   // the caller's now
        y.close();
        assertEquals(1, HeapArrayPool.pooledArrays(), "only y's own array");
        Tensor a = Tensor.randn(new Generator(6), N);
        for (int i = 0; i < 3; i++) a.add(1).neg().close();
        assertArrayEquals(new float[N], mine);
        float[] again = Tensor.randn(new Generator(5), N).exp().toFloatArray();
        assertArrayEquals(again, out);
    }

    @Test
    void smallArraysAreNotKept() {
        Tensor small = Tensor.randn(new Generator(7), 100).exp();
        small.close();
        assertEquals(0, HeapArrayPool.pooledArrays());
    }

    @Test
    void thePoolStaysWithinItsBoundDroppingTheOldestFirst() {
        HeapArrayPool.setMaxBytes(3L * 4 * N);
        Tensor a = Tensor.randn(new Generator(8), N);
        List<Tensor> ts = new ArrayList<>();
        for (int i = 0; i < 5; i++) ts.add(a.mul(i));
        List<float[]> arrays = ts.stream().map(HeapArrayPoolTest::array).toList();
        ts.forEach(Tensor::close);
        assertEquals(3L * 4 * N, HeapArrayPool.pooledBytes());
        assertEquals(3, HeapArrayPool.pooledArrays());
        // the newest come back first; the two oldest were dropped
        assertSame(arrays.get(4), array(a.neg()));
        assertSame(arrays.get(3), array(a.neg()));
        assertSame(arrays.get(2), array(a.neg()));
        Tensor fresh = a.neg();
        assertNotSame(arrays.get(1), array(fresh));
        assertNotSame(arrays.get(0), array(fresh));
        HeapArrayPool.setMaxBytes(4L * N - 1);   // no array of N floats fits at all
        fresh.close();
        assertEquals(0, HeapArrayPool.pooledBytes());
    }

    @Test
    void offTheArraysAreLeftToTheCollector() {
        HeapArrayPool.setEnabled(false);
        Tensor a = Tensor.randn(new Generator(9), N);
        a.exp().close();
        assertEquals(0, HeapArrayPool.pooledArrays());
        long hits = HeapArrayPool.hits();
        a.neg().close();
        assertEquals(hits, HeapArrayPool.hits());
    }

    @Test
    void threadsNeverShareAnArray() throws Exception {
        HeapArrayPool.setMaxBytes(8L * 4 * N);
        Set<float[]> live = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        Tensor a = Tensor.randn(new Generator(10), N);
        float[] expected = a.toFloatArray();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                float k = w + 1;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        Tensor y = a.mul(k);
                        float[] arr = array(y);
                        assertTrue(live.add(arr), "an array handed to two live tensors");
                        float[] got = y.toFloatArray();
                        for (int j = 0; j < N; j += 997) assertEquals(expected[j] * k, got[j]);
                        live.remove(arr);
                        y.close();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdown();
        }
        assertTrue(HeapArrayPool.pooledBytes() <= 8L * 4 * N);
    }
}
