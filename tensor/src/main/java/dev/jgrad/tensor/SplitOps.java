package dev.jgrad.tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * split, chunk and unbind: a tensor cut along one dimension into views (narrowed or selected
 * slices of the same storage), each recorded as a slice, so gradients flow back to the parts of
 * the input they came from.
 */
final class SplitOps {
    private SplitOps() {}

    /** The wrapped dimension, refusing a 0-d tensor, which has nothing to cut. */
    private static int dim(String op, Tensor x, int dim) {
        Checks.notNull(op, "the tensor", x);
        if (x.dim() == 0) throw new IllegalArgumentException(op + ": a 0-d tensor has no dimension " + dim + " to cut along");
        return Shapes.dim(op, dim, x.dim());
    }

    static List<Tensor> split(Tensor x, int splitSize, int dim) {
        int d = dim("split", x, dim);
        int size = x.layout.shape[d];
        if (splitSize < 0 || (splitSize == 0 && size != 0)) {
            throw new IllegalArgumentException("split: split size must be positive (0 only for an empty dimension), got " + splitSize
                    + " for dimension " + dim + " of size " + size);
        }
        List<Tensor> parts = new ArrayList<>();
        if (size == 0) {
            parts.add(x.narrow(d, 0, 0));
            return parts;
        }
        for (int start = 0; start < size; start += Math.min(splitSize, size - start)) parts.add(x.narrow(d, start, Math.min(splitSize, size - start)));
        return parts;
    }

    static List<Tensor> split(Tensor x, int[] sizes, int dim) {
        int d = dim("split", x, dim);
        Checks.notNull("split", "sizes", sizes);
        int size = x.layout.shape[d];
        long total = 0;
        for (int s : sizes) {
            if (s < 0) throw new IllegalArgumentException("split: sizes must be non-negative, got " + Shapes.str(sizes));
            total += s;
        }
        if (total != size) {
            throw new IllegalArgumentException("split: sizes " + Shapes.str(sizes) + " sum to " + total + " but dimension " + dim
                    + " has size " + size + " (shape " + Shapes.str(x.layout.shape) + "); they must sum to " + size);
        }
        List<Tensor> parts = new ArrayList<>(sizes.length);
        for (int i = 0, start = 0; i < sizes.length; start += sizes[i], i++) parts.add(x.narrow(d, start, sizes[i]));
        return parts;
    }

    /** PyTorch's chunk: parts of ⌈size / chunks⌉ (the last smaller), so possibly fewer than {@code chunks}. */
    static List<Tensor> chunk(Tensor x, int chunks, int dim) {
        int d = dim("chunk", x, dim);
        if (chunks <= 0) throw new IllegalArgumentException("chunk: the number of chunks must be positive, got " + chunks);
        int size = x.layout.shape[d];
        if (size == 0) return Collections.nCopies(chunks, x.narrow(d, 0, 0));   // PyTorch gives `chunks` empty parts
        return split(x, (int) Math.ceilDiv((long) size, chunks), d);
    }

    static List<Tensor> unbind(Tensor x, int dim) {
        int d = dim("unbind", x, dim);
        int size = x.layout.shape[d];
        List<Tensor> parts = new ArrayList<>(size);
        for (int i = 0; i < size; i++) parts.add(x.select(d, i));
        return parts;
    }
}
