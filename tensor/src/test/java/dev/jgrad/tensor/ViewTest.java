package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Views share their base's storage: writes through a view (fill, copyFrom) show in the base. */
class ViewTest {

    /** 0, 1, …, n−1 as float32 in {@code shape}. */
    private static Tensor iota(int... shape) {
        return Tensor.arange(0.0, Shapes.numel(shape), 1.0).reshape(shape);
    }

    @Test
    void sliceWithStep() {
        Tensor base = iota(10);
        Tensor s = base.slice(0, 1, 8, 3);
        tensor(s, DType.FLOAT32, shape(3), 1, 4, 7);
        assertArrayEquals(new int[] {3}, s.strides());
        assertEquals(1, s.storageOffset());
        s.fill(-1);
        tensor(base, DType.FLOAT32, shape(10), 0, -1, 2, 3, -1, 5, 6, -1, 8, 9);
    }

    @Test
    void sliceWithNegativeAndOutOfRangeBounds() {
        Tensor base = iota(6);
        tensor(base.slice(0, -4, -1, 1), DType.FLOAT32, shape(3), 2, 3, 4);
        tensor(base.slice(0, 4, 100, 1), DType.FLOAT32, shape(2), 4, 5);
        tensor(base.slice(0, 5, 2, 1), DType.FLOAT32, shape(0));
        tensor(base.slice(0, -100, 2, 1), DType.FLOAT32, shape(2), 0, 1);
    }

    @Test
    void sliceOfAMatrixColumnRange() {
        Tensor base = iota(3, 4);
        Tensor cols = base.slice(1, 1, 4, 2);   // columns 1 and 3
        tensor(cols, DType.FLOAT32, shape(3, 2), 1, 3, 5, 7, 9, 11);
        assertArrayEquals(new int[] {4, 2}, cols.strides());
        cols.copyFrom(Tensor.of(new float[] {-1, -2}));   // broadcast over the rows
        tensor(base, DType.FLOAT32, shape(3, 4), 0, -1, 2, -2, 4, -1, 6, -2, 8, -1, 10, -2);
    }

    @Test
    void permuteSwapsStridesAndWritesThrough() {
        Tensor base = iota(2, 3, 4);
        Tensor p = base.permute(2, 0, 1);
        assertArrayEquals(shape(4, 2, 3), p.shape());
        assertArrayEquals(new int[] {1, 12, 4}, p.strides());
        assertFalse(p.isContiguous());
        assertEquals(13f, p.toFloatArray()[1 * 6 + 1 * 3 + 0]);   // p[1][1][0] = base[1][0][1]
        p.select(0, 3).fill(100);   // base[:, :, 3]
        float[] v = base.toFloatArray();
        for (int i = 0; i < 24; i++) assertEquals(i % 4 == 3 ? 100 : i, v[i], 0, "element " + i);
    }

    @Test
    void transposeAndT() {
        Tensor base = iota(2, 3);
        Tensor t = base.t();
        tensor(t, DType.FLOAT32, shape(3, 2), 0, 3, 1, 4, 2, 5);
        assertArrayEquals(new int[] {1, 3}, t.strides());
        t.select(1, 0).copyFrom(Tensor.of(new float[] {7, 8, 9}));
        tensor(base, DType.FLOAT32, shape(2, 3), 7, 8, 9, 3, 4, 5);
        assertArrayEquals(base.transpose(0, 1).toFloatArray(), base.transpose(-1, -2).toFloatArray());
    }

    @Test
    void expandHasStrideZero() {
        Tensor col = Tensor.of(new float[] {1, 2, 3}, 3, 1);
        Tensor e = col.expand(2, 3, 4);
        assertArrayEquals(shape(2, 3, 4), e.shape());
        assertArrayEquals(new int[] {0, 1, 0}, e.strides());
        // 2·4 copies of each of 1, 2, 3
        assertEquals(48, e.sum().item(), 0);
        float[] v = e.toFloatArray();
        for (int i = 0; i < 24; i++) assertEquals(1 + (i / 4) % 3, v[i], 0);
    }

    @Test
    void expandWithMinusOneKeepsASize() {
        Tensor col = Tensor.of(new float[] {1, 2}, 2, 1);
        Tensor e = col.expand(-1, 3);
        tensor(e, DType.FLOAT32, shape(2, 3), 1, 1, 1, 2, 2, 2);
        col.fill(5);
        tensor(e, DType.FLOAT32, shape(2, 3), 5, 5, 5, 5, 5, 5);
    }

    @Test
    void selectRemovesTheDimension() {
        Tensor base = iota(3, 4);
        Tensor row = base.select(0, -1);
        tensor(row, DType.FLOAT32, shape(4), 8, 9, 10, 11);
        assertEquals(8, row.storageOffset());
        Tensor col = base.select(1, 2);
        tensor(col, DType.FLOAT32, shape(3), 2, 6, 10);
        assertArrayEquals(new int[] {4}, col.strides());
        col.fill(0);
        tensor(base, DType.FLOAT32, shape(3, 4), 0, 1, 0, 3, 4, 5, 0, 7, 8, 9, 0, 11);
        Tensor scalar = base.select(0, 1).select(0, 3);
        assertEquals(0, scalar.dim());
        assertEquals(7, scalar.item(), 0);
        scalar.fill(-7);
        assertEquals(-7, base.toFloatArray()[7], 0);
    }

    @Test
    void narrowIsAContiguousRange() {
        Tensor base = iota(4, 2);
        Tensor n = base.narrow(0, 1, 2);
        tensor(n, DType.FLOAT32, shape(2, 2), 2, 3, 4, 5);
        assertEquals(2, n.storageOffset());
        assertTrue(n.isContiguous());
        n.copyFrom(Tensor.of(new float[] {-1, -2, -3, -4}, 2, 2));
        tensor(base, DType.FLOAT32, shape(4, 2), 0, 1, -1, -2, -3, -4, 6, 7);
        tensor(base.narrow(1, -1, 1), DType.FLOAT32, shape(4, 1), 1, -2, -4, 7);
    }

    @Test
    void unsqueezeAndSqueezeShareStorage() {
        Tensor base = iota(3);
        Tensor u = base.unsqueeze(0);
        assertArrayEquals(shape(1, 3), u.shape());
        assertArrayEquals(shape(3, 1), base.unsqueeze(-1).shape());
        Tensor s = u.unsqueeze(2).squeeze();
        assertArrayEquals(shape(3), s.shape());
        assertArrayEquals(shape(1, 3), base.unsqueeze(1).unsqueeze(0).squeeze(2).shape());
        assertArrayEquals(shape(1, 3), u.squeeze(1).shape(), "squeezing a dimension that is not 1 leaves the tensor");
        u.fill(4);
        s.select(0, 1).fill(9);
        tensor(base, DType.FLOAT32, shape(3), 4, 9, 4);
        assertArrayEquals(shape(), Tensor.scalar(1).unsqueeze(0).squeeze().shape());
    }

    @Test
    void transposeOfAZeroDimensionalTensorIsItself() {
        Tensor s = Tensor.scalar(3);
        assertEquals(0, s.transpose(0, -1).dim());
        assertEquals(3, s.t().item(), 0);
    }

    @Test
    void detachSharesStorage() {
        Tensor base = iota(2);
        base.detach().fill(3);
        tensor(base, DType.FLOAT32, shape(2), 3, 3);
    }

    @Test
    void copyFromConvertsDtype() {
        Tensor base = Tensor.zeros(DType.INT64, 3);
        base.copyFrom(Tensor.of(new float[] {1.9f, -2.9f, 3}));
        assertArrayEquals(new long[] {1, -2, 3}, base.toLongArray());
    }
}
