package dev.jgrad.tensor;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.UnaryFn;
import dev.jgrad.kernels.fused.ElementwiseChain;
import java.util.Arrays;

/**
 * What an elementwise kernel site tells a recording besides its closure ({@link Tape#kernel(Runnable,
 * ElementwiseStep)}): the op and its tensors, when the kernel is pure elementwise float32 work over
 * contiguous runs of one length — each input of the output's shape and contiguous, or (for a
 * binary op) one number or one row broadcast over the leading dimensions (a bias) — which {@link ChainFusion} may fuse with its neighbours. A {@linkplain #fill fill} is
 * no link of a chain but may run ahead of one (it writes a scalar operand of the next link, say).
 * The factories return null for anything else: the closure alone then replays it.
 *
 * @param op  the fused op, or null for a fill
 * @param out the output (contiguous)
 * @param a   the first input (null for a fill)
 * @param b   the second input, or null
 */
record ElementwiseStep(ElementwiseChain.Op op, Tensor out, Tensor a, Tensor b) {
    /** out = fn(x), or null when it cannot be fused. */
    static ElementwiseStep unary(UnaryFn fn, Tensor x, Tensor out) {
        ElementwiseChain.Op op = ElementwiseChain.Op.of(fn);
        return op != null && isOutput(out) && pattern(x, out) == FULL ? new ElementwiseStep(op, out, x, null) : null;
    }

    /** out = fn(a, b), or null when it cannot be fused. */
    static ElementwiseStep binary(BinaryFn fn, Tensor a, Tensor b, Tensor out) {
        ElementwiseChain.Op op = ElementwiseChain.Op.of(fn);
        return op != null && isOutput(out) && pattern(a, out) != NONE && pattern(b, out) != NONE && (pattern(a, out) == FULL || pattern(b, out) == FULL)
                ? new ElementwiseStep(op, out, a, b) : null;
    }

    /** dx = g where x &gt; 0, else 0, or null when it cannot be fused. */
    static ElementwiseStep reluBackward(Tensor x, Tensor g, Tensor dx) {
        return isOutput(dx) && pattern(x, dx) == FULL && pattern(g, dx) == FULL ? new ElementwiseStep(ElementwiseChain.Op.RELU_BACKWARD, dx, x, g) : null;
    }

    /** dst = a value everywhere: not fusable, but free to run ahead of a chain (it writes dst alone). */
    static ElementwiseStep fill(Tensor dst) {
        return dst.storage instanceof CpuStorage ? new ElementwiseStep(null, dst, null, null) : null;
    }

    /** {@return whether this is a link of a chain (not a fill)} */
    boolean fusable() {
        return op != null;
    }

    /** {@return the number of elements} */
    int numel() {
        return out.layout.numel();
    }

    /** A contiguous float32 CPU tensor of at least 2 elements (one element is cheaper unfused). */
    private static boolean isOutput(Tensor t) {
        return t.storage instanceof CpuStorage && t.dtype() == DType.FLOAT32 && t.layout.isContiguous() && t.layout.numel() > 1;
    }

    /** How an input meets the output's elements: laid out as the output. */
    static final int FULL = 0;
    /** One element for all (every stride 0). */
    static final int SCALAR = -1;
    /** Not as a chain can read it. */
    static final int NONE = -2;

    /**
     * How input {@code t} meets the elements of {@code out} (contiguous, of t's shape): {@link #FULL},
     * {@link #SCALAR}, a period p &gt; 0 when element i reads row element {@code i % p} (stride 0 over
     * the leading dimensions, contiguous over the rest, p a whole number of vectors), or {@link #NONE}.
     */
    static int pattern(Tensor t, Tensor out) {
        if (!(t.storage instanceof CpuStorage) || t.dtype() != DType.FLOAT32 || !Arrays.equals(t.layout.shape, out.layout.shape)) return NONE;
        int[] shape = t.layout.shape, strides = t.layout.strides;
        int lead = 0;
        while (lead < shape.length && (strides[lead] == 0 || shape[lead] == 1)) lead++;
        if (lead == shape.length) return SCALAR;
        int period = 1;
        for (int d = shape.length - 1; d >= lead; d--) {
            if (shape[d] != 1 && strides[d] != period) return NONE;
            period *= shape[d];
        }
        if (period == t.layout.numel()) return FULL;
        return period % ElementwiseChain.lanes() == 0 ? period : NONE;
    }
}
