package dev.jgrad.tensor;

import dev.jgrad.kernels.Strided;
import java.util.Arrays;

/**
 * How a tensor's elements sit in its storage: shape, one stride per dimension (in elements)
 * and the offset of element (0, …, 0). Views change only the layout and share the storage.
 */
final class Layout {
    final int[] shape;
    final int[] strides;
    final int offset;

    Layout(int[] shape, int[] strides, int offset) {
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    static Layout contiguous(int[] shape) {
        return new Layout(shape, Strided.contiguousStrides(shape), 0);
    }

    int rank() {
        return shape.length;
    }

    int numel() {
        return Shapes.numel(shape);
    }

    /** Row-major with no gaps (size-1 dimensions may have any stride). */
    boolean isContiguous() {
        int expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) return true;
            if (shape[d] != 1 && strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    Layout permute(int[] dims) {
        int[] s = new int[dims.length], st = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            s[i] = shape[dims[i]];
            st[i] = strides[dims[i]];
        }
        return new Layout(s, st, offset);
    }

    /** Broadcast view: new leading dimensions and expanded size-1 dimensions get stride 0. */
    Layout expand(int[] target) {
        int lead = target.length - shape.length;
        int[] st = new int[target.length];
        for (int i = 0; i < target.length; i++) {
            if (i < lead) continue;
            int from = shape[i - lead];
            st[i] = from == target[i] ? strides[i - lead] : 0;
        }
        return new Layout(target.clone(), st, offset);
    }

    Layout slice(int dim, int start, int end, int step) {
        int[] s = shape.clone(), st = strides.clone();
        s[dim] = end <= start ? 0 : (int) ((end - start + (long) step - 1) / step);   // long: a huge step must not overflow
        st[dim] = strides[dim] * step;
        return new Layout(s, st, s[dim] == 0 ? offset : offset + start * strides[dim]);
    }

    Layout select(int dim, int index) {
        int[] s = new int[shape.length - 1], st = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i == dim) continue;
            s[j] = shape[i];
            st[j++] = strides[i];
        }
        return new Layout(s, st, offset + index * strides[dim]);
    }

    /**
     * The layout of the same elements under {@code target} shape without copying, or null when
     * the strides do not allow it (as PyTorch's {@code view}): each run of target dimensions must
     * fall inside a run of source dimensions that are contiguous with one another.
     */
    Layout view(int[] target) {
        if (numel() == 0 || shape.length == 0 || target.length == 0) {
            return numel() <= 1 || isContiguous() ? new Layout(target, Strided.contiguousStrides(target), offset) : null;
        }
        int[] st = new int[target.length];
        int ti = target.length - 1;
        int chunkBase = strides[shape.length - 1];  // stride of the innermost dimension of the current chunk
        int chunkElems = 1;
        int targetElems = 1;
        for (int si = shape.length - 1; si >= 0; si--) {
            chunkElems *= shape[si];
            // the chunk ends where the next-outer source dimension does not continue it without a gap
            boolean chunkEnds = si == 0 || (shape[si - 1] != 1 && strides[si - 1] != chunkElems * chunkBase);
            if (!chunkEnds) continue;
            while (ti >= 0 && (targetElems < chunkElems || target[ti] == 1)) {
                st[ti] = targetElems * chunkBase;
                targetElems *= target[ti];
                ti--;
            }
            if (targetElems != chunkElems) return null;
            if (si > 0) {
                chunkBase = strides[si - 1];
                chunkElems = 1;
                targetElems = 1;
            }
        }
        if (ti >= 0) return null;
        return new Layout(target.clone(), st, offset);
    }

    Strided strided(dev.jgrad.kernels.Buf buf) {
        return new Strided(buf, offset, strides);
    }

    @Override
    public String toString() {
        return "Layout(shape=" + Arrays.toString(shape) + ", strides=" + Arrays.toString(strides) + ", offset=" + offset + ")";
    }
}
