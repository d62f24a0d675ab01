package dev.jgrad.tensor;

import java.util.Arrays;
import java.util.List;

/**
 * Ops that copy elements into a new order or repeat them: flip (a primitive: a copy through a
 * view with negative strides, whose gradient is the flipped gradient), and roll, repeat and tile,
 * built from narrow, cat, expand and reshape, so their gradients come from those.
 */
final class MovementOps {
    private MovementOps() {}

    /** Wraps and sorts {@code dims}, refusing repeats. */
    private static int[] distinctDims(String op, int[] dims, int rank) {
        Checks.notNull(op, "dims", dims);
        boolean[] seen = new boolean[Math.max(rank, 1)];
        for (int d : dims) {
            int w = Shapes.dim(op, d, rank);
            if (seen[w]) throw new IllegalArgumentException(op + ": dimension " + d + " appears more than once in " + Shapes.str(dims));
            seen[w] = true;
        }
        int[] out = new int[dims.length];
        for (int i = 0, j = 0; i < seen.length; i++) if (seen[i]) out[j++] = i;
        return out;
    }

    /** x with the elements of {@code dims} reversed: a copy read through a view that walks those dimensions backwards. */
    static Tensor flip(Tensor x, int[] dims) {
        Checks.notNull("flip", "the tensor", x);
        int[] d = distinctDims("flip", dims, x.dim());
        Layout l = x.layout;
        int[] strides = l.strides.clone();
        int offset = l.offset;
        for (int k : d) {
            if (k >= l.rank() || l.shape[k] == 0) continue;   // a 0-d tensor accepts dimension 0 and has nothing to reverse
            offset += (l.shape[k] - 1) * strides[k];
            strides[k] = -strides[k];
        }
        Tensor reversed = x.viewOf(new Layout(l.shape, strides, offset));
        return ElementwiseOps.copy(reversed, x.dtype()).record(new Op.Flip(x, d));
    }

    /** Each of {@code dims} rotated by its shift (elements pushed past the end come back at the start); no dims: the flattened tensor. */
    static Tensor roll(Tensor x, int[] shifts, int[] dims) {
        Checks.notNull("roll", "the tensor", x);
        Checks.notNull("roll", "shifts", shifts);
        Checks.notNull("roll", "dims", dims);
        if (dims.length == 0) {
            if (shifts.length != 1) {
                throw new IllegalArgumentException("roll: without dims, expected one shift (of the flattened tensor), got " + Shapes.str(shifts));
            }
            return rollDims(x.flatten(), shifts, new int[] {0}).reshape(x.layout.shape);
        }
        if (shifts.length != dims.length) {
            throw new IllegalArgumentException("roll: expected one shift per dimension, got shifts " + Shapes.str(shifts) + " and dims "
                    + Shapes.str(dims));
        }
        return rollDims(x, shifts, dims);
    }

    private static Tensor rollDims(Tensor x, int[] shifts, int[] dims) {
        Tensor y = x;
        for (int i = 0; i < dims.length; i++) {
            if (x.dim() == 0) {
                Shapes.dim("roll", dims[i], 0);
                continue;
            }
            int d = Shapes.dim("roll", dims[i], x.dim());
            int size = y.layout.shape[d];
            if (size == 0) continue;
            int s = (int) Math.floorMod((long) shifts[i], size);
            if (s == 0) continue;
            y = Tensor.cat(List.of(y.narrow(d, size - s, s), y.narrow(d, 0, size - s)), d);
        }
        return y == x ? x.clone() : y;
    }

    /**
     * PyTorch's repeat: the tensor copied {@code repeats[i]} times along each dimension, after
     * size-1 dimensions are prepended up to {@code repeats.length}. {@code tile} prepends 1s to
     * too-short repeats first; {@code op} names the caller in errors.
     */
    static Tensor repeat(String op, Tensor x, int[] repeats) {
        Checks.notNull(op, "the tensor", x);
        Checks.notNull(op, "repeats", repeats);
        int rank = x.dim();
        if (op.equals("tile") && repeats.length < rank) {
            int[] padded = new int[rank];
            Arrays.fill(padded, 1);
            System.arraycopy(repeats, 0, padded, rank - repeats.length, repeats.length);
            repeats = padded;
        }
        if (repeats.length < rank) {
            throw new IllegalArgumentException(op + ": " + repeats.length + " repeats for a tensor of " + rank + " dimensions (shape "
                    + Shapes.str(x.layout.shape) + "); expected at least " + rank);
        }
        if (repeats.length > Shapes.MAX_RANK) {
            throw new IllegalArgumentException(op + ": " + repeats.length + " repeats give more than " + Shapes.MAX_RANK + " dimensions");
        }
        int lead = repeats.length - rank;
        int[] from = new int[repeats.length];
        long[] to = new long[repeats.length];
        for (int i = 0; i < repeats.length; i++) {
            if (repeats[i] < 0) throw new IllegalArgumentException(op + ": repeats must be non-negative, got " + Shapes.str(repeats));
            from[i] = i < lead ? 1 : x.layout.shape[i - lead];
            to[i] = (long) from[i] * repeats[i];
        }
        int[] target = new int[to.length];
        for (int i = 0; i < to.length; i++) {
            if (to[i] > Checks.MAX_ELEMENTS) {
                throw new IllegalArgumentException(op + ": repeating shape " + Shapes.str(x.layout.shape) + " by " + Shapes.str(repeats)
                        + " gives a dimension of " + to[i] + " elements; a tensor holds at most 2^31-9");
            }
            target[i] = (int) to[i];
        }
        Shapes.checked(op, target);
        Tensor y = x.reshape(from);
        for (int i = 0; i < from.length; i++) {
            if (repeats[i] == 1) continue;
            // [a, s, b] seen as [a, 1, s, b], broadcast to [a, r, s, b] and copied as [a, r·s, b]
            int[] shape = y.layout.shape;
            int a = 1, b = 1;
            for (int j = 0; j < i; j++) a *= shape[j];
            for (int j = i + 1; j < shape.length; j++) b *= shape[j];
            int[] next = shape.clone();
            next[i] = target[i];
            y = y.reshape(a, 1, shape[i], b).expand(a, repeats[i], shape[i], b).reshape(next);
        }
        return y.storage == x.storage ? y.clone() : y;   // every repeat 1: still a copy, as PyTorch's
    }
}
