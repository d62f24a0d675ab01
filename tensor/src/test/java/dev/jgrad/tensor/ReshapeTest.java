package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;
import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** reshape is a view when the strides allow and a copy otherwise; view never copies; contiguous. */
class ReshapeTest {

    private static Tensor iota(int... shape) {
        return Tensor.arange(0.0, Shapes.numel(shape), 1.0).reshape(shape);
    }

    /** Whether writing to {@code view} changes {@code base}. */
    private static boolean sharesStorage(Tensor base, Tensor view) {
        float before = base.sum().toFloatArray()[0];
        view.fill(1000);
        return base.sum().toFloatArray()[0] != before;
    }

    @Test
    void reshapeOfAContiguousTensorIsAView() {
        Tensor base = iota(2, 6);
        Tensor r = base.reshape(3, -1, 2);
        assertArrayEquals(shape(3, 2, 2), r.shape());
        assertArrayEquals(new int[] {4, 2, 1}, r.strides());
        assertEquals(0, r.storageOffset());
        assertTrue(r.isContiguous());
        assertTrue(sharesStorage(base, r));
    }

    @Test
    void reshapeToTheSameShapeReturnsTheTensor() {
        Tensor base = iota(2, 3);
        assertSame(base, base.reshape(2, 3));
    }

    @Test
    void reshapeOfANarrowedTensorKeepsTheOffset() {
        Tensor base = iota(4, 6);
        Tensor rows = base.narrow(0, 1, 2);   // rows 1..2, contiguous, offset 6
        Tensor r = rows.reshape(12);
        assertEquals(6, r.storageOffset());
        assertArrayEquals(new int[] {1}, r.strides());
        tensor(r.narrow(0, 0, 3), DType.FLOAT32, shape(3), 6, 7, 8);
        assertTrue(sharesStorage(base, r));
    }

    @Test
    void reshapeSplittingANonContiguousDimensionIsAView() {
        Tensor cols = iota(4, 6).narrow(1, 0, 3);   // shape [4, 3], strides [6, 1]
        Tensor r = cols.reshape(2, 2, 3);
        assertArrayEquals(new int[] {12, 6, 1}, r.strides());
        tensor(r, DType.FLOAT32, shape(2, 2, 3), 0, 1, 2, 6, 7, 8, 12, 13, 14, 18, 19, 20);
    }

    @Test
    void reshapeAcrossAGapCopies() {
        Tensor base = iota(4, 6);
        Tensor cols = base.narrow(1, 0, 3);
        Tensor r = cols.reshape(12);
        tensor(r, DType.FLOAT32, shape(12), 0, 1, 2, 6, 7, 8, 12, 13, 14, 18, 19, 20);
        assertEquals(0, r.storageOffset());
        assertTrue(r.isContiguous());
        float baseSum = base.sum().toFloatArray()[0];
        r.fill(-1);
        assertEquals(baseSum, base.sum().toFloatArray()[0], 0, "the copy does not write through");
    }

    @Test
    void reshapeOfATransposeCopies() {
        Tensor base = iota(2, 3);
        Tensor r = base.t().reshape(6);
        tensor(r, DType.FLOAT32, shape(6), 0, 3, 1, 4, 2, 5);
        assertTrue(r.isContiguous());
        assertFalse(sharesStorage(base, r));
    }

    @Test
    void viewOfATransposeFailsWithAClearMessage() {
        Tensor t = iota(2, 3).t();
        fails(IllegalArgumentException.class, () -> t.view(6),
                "view", "shape [6]", "strides [1, 3]", "tensor of shape [3, 2]", "reshape()");
    }

    @Test
    void viewThatSplitsOrMergesContiguousRunsWorks() {
        Tensor t = iota(2, 3).t();   // [3, 2] strides [1, 3]
        Tensor v = t.view(3, 1, 2);
        assertEquals(1, v.strides()[0]);
        assertEquals(3, v.strides()[2]);
        tensor(v, DType.FLOAT32, shape(3, 1, 2), 0, 3, 1, 4, 2, 5);
        Tensor base = iota(2, 3, 4);
        Tensor merged = base.permute(1, 0, 2).view(3, 2, 2, 2);   // splits the last dimension only
        assertArrayEquals(new int[] {4, 12, 2, 1}, merged.strides());
    }

    @Test
    void reshapeOfScalarsAndSizeOne() {
        Tensor s = Tensor.scalar(5);
        assertArrayEquals(shape(1, 1), s.reshape(1, 1).shape());
        assertArrayEquals(shape(), s.reshape(1, 1).reshape().shape());
        assertArrayEquals(shape(1), s.reshape(-1).shape());
        assertArrayEquals(shape(1), s.flatten().shape());
    }

    @Test
    void reshapeOfAnEmptyTensor() {
        assertArrayEquals(shape(3, 0), Tensor.zeros(0, 3).reshape(3, 0).shape());
        assertArrayEquals(shape(0, 5), Tensor.zeros(5, 0).reshape(0, 5).shape());
    }

    @Test
    void flatten() {
        Tensor base = iota(2, 3, 4);
        assertArrayEquals(shape(24), base.flatten().shape());
        assertArrayEquals(shape(6, 4), base.flatten(0, 1).shape());
        assertArrayEquals(shape(2, 12), base.flatten(1, -1).shape());
        tensor(base.permute(0, 2, 1).flatten(1, 2), DType.FLOAT32, shape(2, 12), base.permute(0, 2, 1).contiguous().toFloatArray());
    }

    @Test
    void contiguousCopiesOnlyWhenNeeded() {
        Tensor base = iota(2, 3);
        assertSame(base, base.contiguous());
        Tensor c = base.t().contiguous();
        assertNotSame(base, c);
        assertTrue(c.isContiguous());
        assertArrayEquals(new int[] {2, 1}, c.strides());
        tensor(c, DType.FLOAT32, shape(3, 2), 0, 3, 1, 4, 2, 5);
        Tensor sliced = iota(6).slice(0, 0, 6, 2);
        assertFalse(sliced.isContiguous());
        assertArrayEquals(new int[] {1}, sliced.contiguous().strides());
    }

    @Test
    void sizeOneDimensionsDoNotBreakContiguity() {
        assertTrue(iota(1, 3).permute(1, 0).reshape(1, 3).isContiguous());
    }
}
