package dev.jgrad.tensor;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.UnaryFn;

/**
 * The primitives one device provides and many ops share: allocation, copies, elementwise
 * functions, reductions, softmax, matrix products, gather and scatter. Ops validate arguments,
 * compute output shapes and dtypes, allocate outputs, then call one of these per kernel; a
 * backend only computes. Fused op families (convolution, pooling, attention, layer norm, losses,
 * dropout, optimizers) are not here: each of those switches over the sealed {@link Storage} in its
 * own file, so a device it forgets is a compile error there.
 *
 * <p>Conventions: every tensor passed lives on this backend's device; {@code out} tensors are
 * freshly allocated and contiguous unless said otherwise; elementwise operands are already
 * broadcast (expanded) to the output's shape.
 */
sealed interface Backend permits CpuBackend, CudaBackend {

    /** A zero-filled storage of {@code numel} elements. */
    Storage allocate(DType dtype, int numel);

    /** dst = src elementwise (same shape, any strides on both sides, converting dtype). */
    void copy(Tensor src, Tensor dst);

    /** Every element of {@code dst} (any strides) set to {@code value}. */
    void fill(Tensor dst, double value);

    void unary(UnaryFn fn, Tensor x, Tensor out);

    void binary(BinaryFn fn, Tensor a, Tensor b, Tensor out);

    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    /** out (x's shape with {@code dims} set to 1) = fold of x over {@code dims}. */
    void reduce(ReduceFn fn, Tensor x, int[] dims, Tensor out);

    /** out (int64) = position of the max (or min) along {@code dim}, or over all elements when {@code dim < 0}. */
    void argReduce(boolean max, Tensor x, int dim, Tensor out);

    void softmax(boolean log, Tensor x, int dim, Tensor out);

    /** out[b] = a[b] · b[b] with a: [batch, m, k], b: [batch, k, n] (any strides; batch stride 0 broadcasts), out: [batch, m, n]. */
    void matmul(Tensor a, Tensor b, Tensor out);

    /** out = x gathered along {@code dim} by {@code index} (index and out share a shape; any strides). */
    void gather(int dim, Tensor x, Tensor index, Tensor out);

    /** out (any strides, accumulated in place) += src scattered along {@code dim} by {@code index}. */
    void scatterAdd(int dim, Tensor index, Tensor src, Tensor out);
}
