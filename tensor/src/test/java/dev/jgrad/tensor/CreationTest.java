package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.longs;
import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Factories: of, zeros/ones/full, arange, linspace, eye, scalar and item. */
class CreationTest {

    @Test
    void ofEachDtype() {
        tensor(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), DType.FLOAT32, shape(2, 3), 1, 2, 3, 4, 5, 6);
        assertArrayEquals(new double[] {0.1, 0.2}, Tensor.of(new double[] {0.1, 0.2}).toDoubleArray(), 0);
        assertEquals(DType.FLOAT64, Tensor.of(new double[] {0.1}).dtype());
        longs(Tensor.of(new long[] {Long.MAX_VALUE, -1}), DType.INT64, shape(2), Long.MAX_VALUE, -1);
        longs(Tensor.of(new int[] {7, -8}, 2, 1), DType.INT32, shape(2, 1), 7, -8);
        Tensor b = Tensor.of(new boolean[] {true, false});
        assertEquals(DType.BOOL, b.dtype());
        assertArrayEquals(new boolean[] {true, false}, b.toBooleanArray());
    }

    @Test
    void ofCopiesItsData() {
        float[] data = {1, 2};
        Tensor t = Tensor.of(data);
        data[0] = 99;
        assertArrayEquals(new float[] {1, 2}, t.toFloatArray());
    }

    @Test
    void zerosOnesFull() {
        tensor(Tensor.zeros(2, 2), DType.FLOAT32, shape(2, 2), 0, 0, 0, 0);
        tensor(Tensor.ones(3), DType.FLOAT32, shape(3), 1, 1, 1);
        longs(Tensor.ones(DType.INT64, 2), DType.INT64, shape(2), 1, 1);
        tensor(Tensor.full(-2.5, 1, 2), DType.FLOAT32, shape(1, 2), -2.5f, -2.5f);
        longs(Tensor.full(7, DType.INT32, 2), DType.INT32, shape(2), 7, 7);
        assertArrayEquals(new boolean[] {true, true}, Tensor.full(1, DType.BOOL, 2).toBooleanArray());
        tensor(Tensor.zeros(0, 3), DType.FLOAT32, shape(0, 3));
        tensor(Tensor.zeros(), DType.FLOAT32, shape(), 0);
        Tensor like = Tensor.of(new int[] {1, 2, 3});
        longs(Tensor.fullLike(like, 4), DType.INT32, shape(3), 4, 4, 4);
        longs(Tensor.zerosLike(like), DType.INT32, shape(3), 0, 0, 0);
    }

    @Test
    void arangeOfIntegers() {
        longs(Tensor.arange(5), DType.INT64, shape(5), 0, 1, 2, 3, 4);
        longs(Tensor.arange(2, 11, 3), DType.INT64, shape(3), 2, 5, 8);
        longs(Tensor.arange(10, 0, -3), DType.INT64, shape(4), 10, 7, 4, 1);
        longs(Tensor.arange(3, 3, 1), DType.INT64, shape(0));
        longs(Tensor.arange(5, 0, 1), DType.INT64, shape(0));
    }

    @Test
    void arangeOfFloats() {
        tensor(Tensor.arange(0.0, 1.0, 0.25), DType.FLOAT32, shape(4), 0, 0.25f, 0.5f, 0.75f);
        tensor(Tensor.arange(1.0, 0.0, -0.5), DType.FLOAT32, shape(2), 1, 0.5f);
        // ceil((1 - 0) / 0.1) = 10 elements, the last one 0.9
        Tensor t = Tensor.arange(0.0, 1.0, 0.1);
        assertArrayEquals(shape(10), t.shape());
        assertEquals(0.9f, t.toFloatArray()[9]);
    }

    @Test
    void linspaceHitsBothEndpointsExactly() {
        float[] v = Tensor.linspace(-3.3, 7.7, 11).toFloatArray();
        assertEquals(11, v.length);
        assertEquals((float) -3.3, v[0]);
        assertEquals((float) 7.7, v[10]);
        assertEquals((float) 2.2, v[5], 1e-6f);
        for (int i = 0; i < 11; i++) assertEquals((float) (-3.3 + 1.1 * i), v[i], 1e-6f);
        tensor(Tensor.linspace(0, 1, 5), DType.FLOAT32, shape(5), 0, 0.25f, 0.5f, 0.75f, 1);
        tensor(Tensor.linspace(0, 1, 3), DType.FLOAT32, shape(3), 0, 0.5f, 1);
        tensor(Tensor.linspace(0.1, 0.7, 7), DType.FLOAT32, shape(7),
                0.1f, 0.2f, (float) 0.30000000000000004, 0.4f, 0.5f, 0.6f, 0.7f);
        tensor(Tensor.linspace(2, 9, 1), DType.FLOAT32, shape(1), 2);
        tensor(Tensor.linspace(2, 9, 0), DType.FLOAT32, shape(0));
    }

    @Test
    void eye() {
        tensor(Tensor.eye(3), DType.FLOAT32, shape(3, 3), 1, 0, 0, 0, 1, 0, 0, 0, 1);
        tensor(Tensor.eye(2, 3), DType.FLOAT32, shape(2, 3), 1, 0, 0, 0, 1, 0);
        tensor(Tensor.eye(3, 1), DType.FLOAT32, shape(3, 1), 1, 0, 0);
        tensor(Tensor.eye(0), DType.FLOAT32, shape(0, 0));
    }

    @Test
    void scalarItemAndItemLong() {
        Tensor s = Tensor.scalar(2.5);
        assertEquals(0, s.dim());
        assertArrayEquals(new int[0], s.shape());
        assertEquals(1, s.numel());
        assertEquals(DType.FLOAT32, s.dtype());
        assertEquals(2.5, s.item(), 0);
        Tensor i = Tensor.scalar(-3, DType.INT32);
        assertEquals(DType.INT32, i.dtype());
        assertEquals(-3L, i.itemLong());
        // itemLong is exact past 2^53, where item (a double) cannot be
        long big = (1L << 53) + 1;
        assertEquals(big, Tensor.of(new long[] {big}).itemLong());
        assertEquals(7.0, Tensor.of(new float[] {7}, 1, 1, 1).item(), 0);
        assertEquals(1.0, Tensor.scalar(1, DType.BOOL).item(), 0);
    }

    @Test
    void toDtypeConvertsAndReturnsItselfWhenUnchanged() {
        Tensor t = Tensor.of(new float[] {-1.5f, 0, 2.9f});
        assertSame(t, t.to(DType.FLOAT32));
        longs(t.to(DType.INT64), DType.INT64, shape(3), -1, 0, 2);
        assertArrayEquals(new boolean[] {true, false, true}, t.to(DType.BOOL).toBooleanArray());
        assertArrayEquals(new double[] {-1.5, 0, 2.9000000953674316}, t.to(DType.FLOAT64).toDoubleArray(), 0);
    }
}
