package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.StridedWalk;

/**
 * Reference gather and scatter-add along one dimension. {@code index_select} and embedding
 * lookups are gathers whose index is broadcast (stride 0) over the other dimensions. Indices
 * must lie in [0, size); integer values move and accumulate exactly, in long.
 *
 * <pre>{@code
 * // out[i][j] = x[i][index[i][j]]   (gather along dim 1)
 * GatherRef.gather(indexShape, 1, xSizeAlongDim, out, x, index);
 * }</pre>
 */
public final class GatherRef {
    private GatherRef() {}

    /**
     * out[p] = x[p with coordinate {@code dim} replaced by index[p]] for every position p of
     * {@code shape}. {@code x}'s stride at {@code dim} steps along the indexed dimension; its
     * other strides walk {@code shape}.
     *
     * @param shape   the index space (the shape of {@code index} and {@code out})
     * @param dim     the indexed dimension
     * @param dimSize size of {@code x} along {@code dim}: indices must lie in [0, dimSize)
     * @param out     the output operand
     * @param x       the source operand
     * @param index   the index operand (integers)
     */
    public static void gather(int[] shape, int dim, int dimSize, Strided out, Strided x, Strided index) {
        int dimStride = x.strides()[dim];
        Strided xWalk = withZeroStride(x, dim);
        Buf o = out.buf(), xb = x.buf(), ib = index.buf();
        StridedWalk it = new StridedWalk(shape, out, xWalk, index);
        for (int n = Strided.numel(shape); n > 0; n--, it.next()) {
            long i = checked(ib.getLong(it.offset(2)), dim, dimSize);
            ElementwiseRef.move(xb, it.offset(1) + (int) i * dimStride, o, it.offset(0));
        }
    }

    /**
     * out[p with coordinate {@code dim} replaced by index[p]] += src[p] for every position p of
     * {@code shape}: the adjoint of {@link #gather}. Repeated indices accumulate.
     *
     * @param shape   the index space (the shape of {@code index} and {@code src})
     * @param dim     the indexed dimension
     * @param dimSize size of {@code out} along {@code dim}: indices must lie in [0, dimSize)
     * @param out     the operand added into
     * @param index   the index operand (integers)
     * @param src     the values to add
     */
    public static void scatterAdd(int[] shape, int dim, int dimSize, Strided out, Strided index, Strided src) {
        int dimStride = out.strides()[dim];
        Strided outWalk = withZeroStride(out, dim);
        Buf o = out.buf(), ib = index.buf(), sb = src.buf();
        StridedWalk it = new StridedWalk(shape, outWalk, index, src);
        boolean integral = o.integral() && sb.integral();
        for (int n = Strided.numel(shape); n > 0; n--, it.next()) {
            long i = checked(ib.getLong(it.offset(1)), dim, dimSize);
            int at = it.offset(0) + (int) i * dimStride;
            if (integral) o.setLong(at, o.getLong(at) + sb.getLong(it.offset(2)));
            else o.set(at, o.get(at) + sb.get(it.offset(2)));
        }
    }

    /**
     * The index itself when it is in [0, size); anything else, negative ones included, is an error,
     * as in PyTorch's gather and scatter_add (negative indices do not count from the end there).
     */
    private static long checked(long i, int dim, int size) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("index " + i + " is out of bounds for dimension " + dim + " with size " + size);
        }
        return i;
    }

    private static Strided withZeroStride(Strided s, int dim) {
        int[] strides = s.strides().clone();
        strides[dim] = 0;
        return new Strided(s.buf(), s.offset(), strides);
    }
}
