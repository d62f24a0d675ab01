package dev.jgrad.kernels;

/**
 * Walks an N-d index space in row-major order and keeps the flat offset of the current
 * element in each of several operands. Kernels use it as their outer loop:
 *
 * <pre>{@code
 * StridedWalk it = new StridedWalk(shape, out, x);
 * for (int n = Strided.numel(shape); n > 0; n--, it.next()) {
 *     out.buf().set(it.offset(0), f(x.buf().get(it.offset(1))));
 * }
 * }</pre>
 *
 * {@link #next()} usually touches only the last dimension, so the walk costs a few
 * additions per element.
 */
public final class StridedWalk {
    private final int[] shape;
    private final int[][] strides;
    private final int[] index;
    private final int[] offsets;

    /**
     * Starts at index (0, …, 0) of {@code shape}; operand {@code k}'s strides must have {@code shape.length}
     * entries.
     *
     * @param shape    the index space to walk
     * @param operands the operands whose offsets are tracked
     */
    public StridedWalk(int[] shape, Strided... operands) {
        this.shape = shape;
        this.index = new int[shape.length];
        this.strides = new int[operands.length][];
        this.offsets = new int[operands.length];
        for (int k = 0; k < operands.length; k++) {
            if (operands[k].strides().length != shape.length) {
                throw new IllegalArgumentException("operand " + k + " has " + operands[k].strides().length
                        + " strides for a " + shape.length + "-d index space");
            }
            strides[k] = operands[k].strides();
            offsets[k] = operands[k].offset();
        }
    }

    /**
     * {@return flat offset of the current element in operand {@code k}}
     *
     * @param k the operand's position in the constructor's list
     */
    public int offset(int k) {
        return offsets[k];
    }

    /**
     * {@return current index along dimension {@code d}}
     *
     * @param d the dimension
     */
    public int index(int d) {
        return index[d];
    }

    /** Advances to the next element in row-major order (past the last one it wraps to the start). */
    public void next() {
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d]++;
            for (int k = 0; k < offsets.length; k++) offsets[k] += strides[k][d];
            if (index[d] < shape[d]) return;
            for (int k = 0; k < offsets.length; k++) offsets[k] -= strides[k][d] * shape[d];
            index[d] = 0;
        }
    }
}
