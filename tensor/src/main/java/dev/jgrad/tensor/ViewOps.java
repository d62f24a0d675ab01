package dev.jgrad.tensor;

import java.util.Arrays;
import java.util.List;

/** Forward passes of the view and data-movement ops. Views share storage; the rest copy. */
final class ViewOps {
    private ViewOps() {}

    /** A view when the strides allow it, else a contiguous copy. */
    static Tensor reshape(Tensor x, int[] shape) {
        x.checkUsable("reshape");
        int[] target = Shapes.inferReshape("reshape", x.layout.shape, shape);
        Layout view = x.layout.view(target);
        if (view != null) return x.viewOf(view);
        return ElementwiseOps.copy(x, x.dtype()).withLayout(Layout.contiguous(target));
    }

    static Tensor view(Tensor x, int[] shape) {
        x.checkUsable("view");
        int[] target = Shapes.inferReshape("view", x.layout.shape, shape);
        Layout view = x.layout.view(target);
        if (view == null) {
            throw new IllegalArgumentException("view: shape " + Shapes.str(target) + " is not compatible with the strides "
                    + Shapes.str(x.layout.strides) + " of a tensor of shape " + Shapes.str(x.layout.shape)
                    + " (at least one dimension spans across two contiguous subspaces); use reshape(), which copies when needed");
        }
        return x.viewOf(view);
    }

    static int[] checkPermutation(String op, int[] dims, int rank) {
        Checks.notNull(op, "dims", dims);
        if (dims.length != rank) {
            throw new IllegalArgumentException(op + ": expected " + rank + " dimensions for a tensor of shape of rank " + rank
                    + ", got " + Shapes.str(dims));
        }
        int[] out = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = Shapes.dim(op, dims[i], rank);
            if (seen[out[i]]) throw new IllegalArgumentException(op + ": dimension " + dims[i] + " repeats in " + Shapes.str(dims));
            seen[out[i]] = true;
        }
        return out;
    }

    static int[] inversePermutation(int[] dims) {
        int[] inv = new int[dims.length];
        for (int i = 0; i < dims.length; i++) inv[dims[i]] = i;
        return inv;
    }

    /** Checks an expand target (−1 keeps a size) and returns it with the −1s resolved. */
    static int[] expandTarget(int[] from, int[] to) {
        Checks.notNull("expand", "shape", to);
        String msg = "expand: cannot expand shape " + Shapes.str(from) + " to " + Shapes.str(to);
        if (to.length < from.length) throw new IllegalArgumentException(msg + " (the target has fewer dimensions)");
        int lead = to.length - from.length;
        int[] out = to.clone();
        for (int i = 0; i < to.length; i++) {
            if (i < lead) {
                if (to[i] < 0) throw new IllegalArgumentException(msg + " (-1 is not allowed for a new leading dimension)");
                continue;
            }
            int f = from[i - lead];
            if (to[i] == -1) out[i] = f;
            else if (f != to[i] && f != 1) {
                throw new IllegalArgumentException(msg + " (dimension " + i + ": size " + f + " can only expand if it is 1)");
            }
        }
        return Shapes.checked("expand", out);
    }

    /** Python slice semantics: negative positions count from the end; out-of-range positions clamp. */
    static int[] sliceBounds(int size, int start, int end, int step) {
        if (step < 1) throw new IllegalArgumentException("slice: step must be positive, got " + step);
        int s = start < 0 ? Math.max(start + size, 0) : Math.min(start, size);
        int e = end < 0 ? Math.max(end + size, 0) : Math.min(end, size);
        return new int[] {s, Math.max(e, s)};
    }

    static Tensor cat(List<Tensor> xs, int dim) {
        if (xs.isEmpty()) throw new IllegalArgumentException("cat: expected a non-empty list of tensors");
        Tensor first = xs.get(0);
        int rank = first.dim();
        if (rank == 0) throw new IllegalArgumentException("cat: zero-dimensional tensors cannot be concatenated");
        int d = Shapes.dim("cat", dim, rank);
        int[] shape = first.layout.shape.clone();
        shape[d] = 0;
        DType dtype = first.dtype();
        for (int i = 0; i < xs.size(); i++) {
            Tensor t = xs.get(i);
            Tensor.checkSameDevice("cat", first, t);
            t.checkUsable("cat");
            if (t.dim() != rank) {
                throw new IllegalArgumentException("cat: tensor 0 has shape " + Shapes.str(first.layout.shape) + " but tensor " + i
                        + " has shape " + Shapes.str(t.layout.shape) + " (expected the same number of dimensions)");
            }
            for (int k = 0; k < rank; k++) {
                if (k != d && t.layout.shape[k] != first.layout.shape[k]) {
                    throw new IllegalArgumentException("cat: sizes must match except in dimension " + d + "; tensor 0 has shape "
                            + Shapes.str(first.layout.shape) + ", tensor " + i + " has shape " + Shapes.str(t.layout.shape));
                }
            }
            shape[d] += t.layout.shape[d];
            dtype = DType.promote(dtype, t.dtype());
        }
        Tensor out = Tensor.empty(shape, dtype, first.device());
        int at = 0;
        for (Tensor t : xs) {
            int len = t.layout.shape[d];
            ElementwiseOps.copyInto(t, out.borrowView(out.layout.slice(d, at, at + len, 1)));
            at += len;
        }
        return out;
    }

    /** Validates that every tensor of a stack has the same shape. */
    static void checkStack(List<Tensor> xs) {
        if (xs.isEmpty()) throw new IllegalArgumentException("stack: expected a non-empty list of tensors");
        int[] s0 = xs.get(0).layout.shape;
        for (int i = 1; i < xs.size(); i++) {
            if (!Arrays.equals(s0, xs.get(i).layout.shape)) {
                throw new IllegalArgumentException("stack: expects each tensor to be equal size, but got " + Shapes.str(s0)
                        + " at entry 0 and " + Shapes.str(xs.get(i).layout.shape) + " at entry " + i);
            }
        }
    }
}
