package dev.jgrad.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by the ops: broadcasting, dimension wrapping, reshape inference. */
final class Shapes {
    private Shapes() {}

    /** The most dimensions a tensor may have. */
    static final int MAX_RANK = 16;

    static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    static int numel(int[] shape) {
        return numel(null, shape);
    }

    /** As {@link #numel(int[])}, naming {@code op} (when not null) in the error. */
    static int numel(String op, int[] shape) {
        for (int d : shape) if (d == 0) return 0;   // [huge, huge, 0] is a valid empty shape
        long n = 1;
        for (int d : shape) {
            n *= d;   // stops before it could overflow: |n| <= 2^31 before each step
            if (n > Checks.MAX_ELEMENTS) {
                java.math.BigInteger exact = java.math.BigInteger.ONE;
                for (int x : shape) exact = exact.multiply(java.math.BigInteger.valueOf(x));
                throw new IllegalArgumentException((op == null ? "" : op + ": ") + "shape " + str(shape) + " has " + exact
                        + " elements; jgrad tensors hold at most 2^31-9 (the largest Java array)");
            }
        }
        return (int) n;
    }

    /** Validates a user-given shape: no negative sizes, not too many dimensions. */
    static int[] checked(String op, int[] shape) {
        Checks.notNull(op, "shape", shape);
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException(op + ": shape " + str(shape) + " has more than " + MAX_RANK + " dimensions");
        }
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException(op + ": negative dimension in shape " + str(shape));
        }
        numel(op, shape);
        return shape.clone();
    }

    /** NumPy/PyTorch broadcasting: align from the right; each pair of sizes must match or one be 1. */
    static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast together (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Wraps a possibly negative dimension into [0, rank); rank 0 accepts -1 and 0 as PyTorch does. */
    static int dim(String op, int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IllegalArgumentException(op + ": dimension " + dim + " is out of range for a tensor of "
                    + rank + " dimension" + (rank == 1 ? "" : "s") + " (expected " + -r + " to " + (r - 1) + ")");
        }
        return dim < 0 ? dim + r : dim;
    }

    /**
     * Wraps each of {@code dims}; rejects repeats. An empty or null array means all dimensions.
     * A 0-d tensor accepts 0 and -1, as PyTorch does, but has no dimension to reduce: the result
     * is then empty.
     */
    static int[] dims(String op, int[] dims, int rank) {
        if (dims == null || dims.length == 0) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        int[] out = new int[dims.length];
        boolean[] seen = new boolean[Math.max(rank, 1)];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dim(op, dims[i], rank);
            if (seen[out[i]]) throw new IllegalArgumentException(op + ": dimension " + dims[i] + " appears more than once in " + str(dims));
            seen[out[i]] = true;
        }
        if (rank == 0) return new int[0];
        Arrays.sort(out);
        return out;
    }

    /** Resolves one {@code -1} in a reshape target from the element count. */
    static int[] inferReshape(String op, int[] from, int[] to) {
        Checks.notNull(op, "shape", to);
        int numel = numel(from);
        int[] out = to.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException(op + ": only one dimension can be -1, got " + str(to));
                infer = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid size " + out[i] + " in shape " + str(to));
            } else {
                known *= out[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException(op + ": shape " + str(to) + " is invalid for input of size " + numel
                        + " (shape " + str(from) + ")");
            }
            out[infer] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException(op + ": shape " + str(to) + " is invalid for input of size " + numel
                    + " (shape " + str(from) + ")");
        }
        return checked(op, out);
    }

    /** {@code shape} with {@code dims} (sorted, wrapped) set to 1, or removed when not {@code keepDim}. */
    static int[] reduced(int[] shape, int[] dims, boolean keepDim) {
        boolean[] reduce = new boolean[shape.length];
        for (int d : dims) reduce[d] = true;
        int[] out = new int[keepDim ? shape.length : shape.length - dims.length];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (!reduce[i]) out[j++] = shape[i];
            else if (keepDim) out[j++] = 1;
        }
        return out;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
