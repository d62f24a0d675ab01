package dev.jgrad.tensor;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.PoolShape;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.UnaryFn;

/**
 * The kernels one device provides. Ops validate arguments, compute output shapes and dtypes,
 * allocate outputs and then call exactly one of these per kernel; a backend only computes.
 *
 * <p>Conventions: every tensor passed lives on this backend's device; {@code out} tensors are
 * freshly allocated and contiguous unless said otherwise; elementwise operands are already
 * broadcast (expanded) to the output's shape; convolution and pooling operands are contiguous.
 */
interface Backend {

    /** A zero-filled storage of {@code numel} elements. */
    Storage allocate(DType dtype, int numel);

    void unary(UnaryFn fn, Tensor x, Tensor out);

    void binary(BinaryFn fn, Tensor a, Tensor b, Tensor out);

    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    /** dst = src elementwise (same shape, any strides on both sides, converting dtype). */
    void copy(Tensor src, Tensor dst);

    /** Every element of {@code dst} (any strides) set to {@code value}. */
    void fill(Tensor dst, double value);

    /** out (x's shape with {@code dims} set to 1) = fold of x over {@code dims}. */
    void reduce(ReduceFn fn, Tensor x, int[] dims, Tensor out);

    /** out (int64) = position of the max (or min) along {@code dim}, or over all elements when {@code dim < 0}. */
    void argReduce(boolean max, Tensor x, int dim, Tensor out);

    void softmax(boolean log, Tensor x, int dim, Tensor out);

    /** out[b] = a[b] · b[b] with a: [batch, m, k], b: [batch, k, n] (any strides; batch stride 0 broadcasts), out: [batch, m, n]. */
    void matmul(Tensor a, Tensor b, Tensor out);

    /** y = x ⋆ w, plus {@code b[k]} (contiguous [K], or null for no bias) on every output of channel k. */
    void conv2d(ConvShape cs, Tensor x, Tensor w, Tensor b, Tensor y);

    /** db [K] = Σ of dy (contiguous [N, K, P, Q]) over n, p, q: the bias gradient of a convolution. */
    void conv2dBackwardBias(ConvShape cs, Tensor dy, Tensor db);

    void conv2dBackwardInput(ConvShape cs, Tensor dy, Tensor w, Tensor dx);

    void conv2dBackwardWeight(ConvShape cs, Tensor x, Tensor dy, Tensor dw);

    void maxPool2d(PoolShape ps, Tensor x, Tensor y, Tensor indices);

    void maxPool2dBackward(PoolShape ps, Tensor dy, Tensor indices, Tensor dx);

    void avgPool2d(PoolShape ps, boolean countIncludePad, Tensor x, Tensor y);

    void avgPool2dBackward(PoolShape ps, boolean countIncludePad, Tensor dy, Tensor dx);

    /** out = x gathered along {@code dim} by {@code index} (index and out share a shape; any strides). */
    void gather(int dim, Tensor x, Tensor index, Tensor out);

    /** out (any strides, accumulated in place) += src scattered along {@code dim} by {@code index}. */
    void scatterAdd(int dim, Tensor index, Tensor src, Tensor out);

    /** Whether {@link #attention} and {@link #attentionBackward} exist for {@code dtype} on this backend. */
    default boolean hasFusedAttention(DType dtype) {
        return false;
    }

    /** Whether {@link #attention} and {@link #attentionBackward} take {@code dtype} with head size {@code headDim}. */
    default boolean hasFusedAttention(DType dtype, int headDim) {
        return hasFusedAttention(dtype);
    }

    /**
     * Fused attention: out = softmax(scale·q·kᵀ + mask, causal)·v without the score matrix, and
     * lse = the rows' log-sum-exp. q, out: [bh, L, d]; k, v: [bh, S, d]; lse: [bh, L] float32
     * (all contiguous); mask: null or a float32 [bh, L, S] view (any strides).
     */
    default void attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor out, Tensor lse) {
        throw new UnsupportedOperationException("fused attention is not available on " + this);
    }

    /** dq, dk, dv of {@link #attention} by recomputation from q, k, v, out, dout and lse. */
    default void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor out, Tensor dout,
                                   Tensor lse, Tensor dq, Tensor dk, Tensor dv) {
        throw new UnsupportedOperationException("fused attention is not available on " + this);
    }

    /**
     * Layer normalisation of {@code rows} contiguous rows of {@code n} elements: out = (x − mean)·rstd·w + b and, per
     * row, mean and rstd = 1/√(var + eps) (biased variance). x, out: [rows·n]; w, b: [n] or null (1 and 0); mean,
     * rstd: [rows]; all contiguous from offset 0 and of one floating dtype.
     */
    void layerNorm(int rows, int n, double eps, Tensor x, Tensor w, Tensor b, Tensor out, Tensor mean, Tensor rstd);

    /**
     * Gradients of {@link #layerNorm} given dy and the forward pass's mean and rstd: dx, and dw = Σ dy·x̂ and db = Σ dy
     * over rows. Any of dx, dw, db may be null (not wanted); those given are fresh zero-filled tensors. Same layout
     * rules as {@link #layerNorm}.
     */
    void layerNormBackward(int rows, int n, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor dx, Tensor dw, Tensor db);
}
