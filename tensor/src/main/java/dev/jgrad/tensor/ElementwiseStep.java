package dev.jgrad.tensor;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.UnaryFn;
import dev.jgrad.kernels.fused.ElementwiseChain;
import java.util.Arrays;

/**
 * What an elementwise kernel site tells a recording besides its closure ({@link Tape#kernel(Runnable,
 * ElementwiseStep)}): the op and its tensors, when the kernel is pure elementwise float32 work over
 * contiguous runs of one length — each input of the output's shape and contiguous, or one number
 * broadcast — which {@link ChainFusion} may fuse with its neighbours. A {@linkplain #fill fill} is
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
        return op != null && isOutput(out) && isInput(x, out, false) ? new ElementwiseStep(op, out, x, null) : null;
    }

    /** out = fn(a, b), or null when it cannot be fused. */
    static ElementwiseStep binary(BinaryFn fn, Tensor a, Tensor b, Tensor out) {
        ElementwiseChain.Op op = ElementwiseChain.Op.of(fn);
        return op != null && isOutput(out) && isInput(a, out, true) && isInput(b, out, true) && !(isScalar(a) && isScalar(b))
                ? new ElementwiseStep(op, out, a, b) : null;
    }

    /** dx = g where x &gt; 0, else 0, or null when it cannot be fused. */
    static ElementwiseStep reluBackward(Tensor x, Tensor g, Tensor dx) {
        return isOutput(dx) && isInput(x, dx, false) && isInput(g, dx, false) ? new ElementwiseStep(ElementwiseChain.Op.RELU_BACKWARD, dx, x, g) : null;
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

    /** An input of out's shape laid out as out, or (where allowed) one number broadcast. */
    private static boolean isInput(Tensor t, Tensor out, boolean scalarAllowed) {
        if (!(t.storage instanceof CpuStorage) || t.dtype() != DType.FLOAT32) return false;
        if (scalarAllowed && isScalar(t)) return true;
        return Arrays.equals(t.layout.shape, out.layout.shape) && t.layout.isContiguous();
    }

    /** Every stride 0: one element read for all. */
    static boolean isScalar(Tensor t) {
        for (int s : t.layout.strides) if (s != 0) return false;
        return true;
    }
}
