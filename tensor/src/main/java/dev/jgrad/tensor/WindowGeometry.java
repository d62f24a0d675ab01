package dev.jgrad.tensor;

/**
 * The argument checks convolution and pooling share: one or two values per spatial axis, and
 * window geometry whose index arithmetic fits the kernels' ints.
 */
final class WindowGeometry {
    private WindowGeometry() {}

    /** {@code v} as (height, width): one value for both axes, or two. */
    static int[] pair(String op, String what, int[] v) {
        Checks.notNull(op, what, v);
        if (v.length == 1) return new int[] {v[0], v[0]};
        if (v.length == 2) return v.clone();
        throw new IllegalArgumentException(op + ": " + what + " must have 1 or 2 values, got " + Shapes.str(v));
    }

    /**
     * Refuses geometry whose index arithmetic would overflow an int inside the kernels (huge
     * padding, dilation or stride), and, for pooling, windows larger than the padded input, whose
     * cost would grow with the window rather than the input. Sizes are computed in long here; the
     * kernels compute in int.
     */
    static void check(String op, int[] xs, int[] k, int[] s, int[] p, int[] d, boolean pool) {
        final long limit = Integer.MAX_VALUE / 4;
        for (int axis = 0; axis < 2; axis++) {
            String name = axis == 0 ? "height" : "width";
            long in = xs[2 + axis], kernel = k[axis], stride = s[axis], pad = p[axis], dil = d[axis];
            if (kernel < 1 || stride < 1 || dil < 1 || pad < 0) continue;   // the shape records report these
            long padded = in + 2 * pad, extent = dil * (kernel - 1) + 1;
            if (padded > limit || extent > limit || stride > limit) {
                throw new IllegalArgumentException(op + ": " + name + " geometry is too large (input " + in + ", padding " + pad
                        + ", kernel " + kernel + ", dilation " + dil + ", stride " + stride + "); sizes must stay below " + limit);
            }
            if (pool && extent > padded) {
                throw new IllegalArgumentException(op + ": input " + Shapes.str(xs) + " is too small for the window: its " + name
                        + " (" + extent + " with dilation " + dil + ") is larger than the padded input (" + in + " + 2 x " + pad + " = "
                        + padded + "); jgrad, unlike PyTorch's ceil mode, does not pool with a window overhanging the whole padded input");
            }
        }
    }

    static void checkFloating(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (!t.dtype().isFloating()) throw new IllegalArgumentException(op + ": expected floating-point tensors, got " + t.dtype());
        }
    }
}
