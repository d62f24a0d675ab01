package dev.jgrad.autograd;

import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The derivative rule of every primitive op, in one place.
 *
 * <p>Given an op, the tensor it produced ({@code out}) and the gradient of the loss with
 * respect to that tensor ({@code g}), each rule returns the gradient with respect to each of the
 * op's {@link Op#inputs() inputs}, in order (null for inputs that are not differentiable, such
 * as indices and masks). A broadcast input's gradient is summed back to its shape with
 * {@link Tensor#sumTo}. Because {@link Op} is sealed, the compiler rejects an op without a rule.
 * The table reads one rule per line, its math in the comment; where the code needs more than a
 * line (a special case, a faster layout), a helper below the table does it.
 *
 * <pre>{@code
 * // y = a · b  ⇒  ∂L/∂a = g · b,  ∂L/∂b = g · a
 * Tensor[] grads = Derivatives.inputGrads(y.op(), y, g);
 * }</pre>
 */
public final class Derivatives {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    private Derivatives() {}

    /**
     * ∂L/∂input for each input of {@code op}, given g = ∂L/∂out. Runs outside the graph.
     *
     * @param op  the op the output was computed by
     * @param out the op's output
     * @param g   ∂L/∂out
     * @return one gradient per input of {@code op}, in {@link Op#inputs()} order; null for an input that gets
     *         none
     */
    public static Tensor[] inputGrads(Op op, Tensor out, Tensor g) {
        return switch (op) {
            // ---- one input ------------------------------------------------------------------------------------------------------
            case Op.Neg _ -> grads(g.neg());                                                         // −g
            case Op.Exp _ -> grads(g.mul(out));                                                      // g·eˣ = g·out
            case Op.Expm1 _ -> grads(g.mul(out.add(1)));                                             // g·eˣ = g·(out + 1)
            case Op.Log(var x) -> grads(g.div(x));                                                   // g/x
            case Op.Sqrt _ -> grads(g.div(out.mul(2)));                                              // g/(2√x)
            case Op.Abs(var x) -> grads(g.mul(x.sign()));                                            // g·sign x (0 at 0)
            case Op.Relu r -> grads(r.backward(g));                                                  // g·[x > 0], one fused pass
            case Op.Sigmoid _ -> grads(g.mul(out).mul(out.neg().add(1)));                            // g·σ(1 − σ)
            case Op.Tanh _ -> grads(g.mul(out.square().neg().add(1)));                               // g·(1 − tanh²)
            case Op.Erf(var x) -> grads(g.mul(x.square().neg().exp().mul(TWO_OVER_SQRT_PI)));        // g·(2/√π)e^(−x²)
            case Op.Gelu(var x, var tanh) -> grads(g.mul(tanh ? geluTanhSlope(x) : geluSlope(x)));   // g·GELU′(x)
            case Op.Sin(var x) -> grads(g.mul(x.cos()));                                             // g·cos x
            case Op.Cos(var x) -> grads(g.mul(x.sin()).neg());                                       // −g·sin x
            case Op.PowScalar(var x, var p) -> grads(p == 0 ? Tensor.zerosLike(g) : g.mul(x.pow(p - 1)).mul(p));  // g·p·xᵖ⁻¹
            case Op.Clamp(var x, var lo, var hi) -> grads(g.mul(x.ge(lo).logicalAnd(x.le(hi))));     // g·[lo ≤ x ≤ hi]
            case Op.Cast(_, var from) -> grads(g.to(from));                                          // g, in x's dtype
            case Op.Copy(var x) -> grads(g.to(x.device()));                                          // g, on x's device

            // ---- two inputs, broadcast: each gradient summed back to its input's shape ---------------------------------------------
            case Op.Add(var a, var b) -> grads(g.sumTo(a.shape()), g.sumTo(b.shape()));              // g, g
            case Op.Sub(var a, var b) -> grads(g.sumTo(a.shape()), g.neg().sumTo(b.shape()));        // g, −g
            case Op.Mul(var a, var b) -> grads(g.mul(b).sumTo(a.shape()), g.mul(a).sumTo(b.shape()));  // g·b, g·a
            case Op.Div(var a, var b) -> grads(g.div(b).sumTo(a.shape()), g.mul(out).div(b).neg().sumTo(b.shape()));  // g/b, −g·a/b²
            case Op.Pow(var a, var b) -> grads(powBase(g, a, b), powExponent(g, out, a, b));         // g·b·aᵇ⁻¹, g·aᵇ·ln a
            case Op.Maximum(var a, var b) -> tieSplit(g, a.gt(b), a.eq(b), a, b);                    // g to the larger, ½ each on a tie
            case Op.Minimum(var a, var b) -> tieSplit(g, a.lt(b), a.eq(b), a, b);                    // g to the smaller, ½ each on a tie
            case Op.Where(var cond, var a, var b) -> grads(null, masked(g, cond, true, a), masked(g, cond, false, b));  // g where cond, g where not

            // ---- reductions: g spread back over the reduced dimensions ------------------------------------------------------------
            case Op.Sum(var x, var dims, var keepDim) -> grads(keepDims(g, x, dims, keepDim).expand(x.shape()));  // g copied back
            case Op.Amax(var x, var dims, var keepDim) -> grads(extremumGrad(x, out, g, dims, keepDim));  // g at the maximum
            case Op.Amin(var x, var dims, var keepDim) -> grads(extremumGrad(x, out, g, dims, keepDim));  // g at the minimum
            case Op.Softmax s -> grads(s.backward(out, g));                                          // s ⊙ (g − Σ g·s), one fused pass per row
            case Op.LogSoftmax s -> grads(s.backward(out, g));                                       // g − softmax·Σ g, one fused pass per row
            case Op.LogSumExp(var x, var dims, var keepDim) -> grads(keepDims(g, x, dims, keepDim).mul(x.sub(keepDims(out, x, dims, keepDim)).exp()));  // g·softmax(x)

            case Op.Prod(var x, var dims, var keepDim) -> grads(prodGrad(x, out, g, dims, keepDim));  // g·Π of the others (zeros exactly)
            case Op.Norm(var x, var p, var dims, var keepDim) -> grads(normGrad(x, out, g, p, dims, keepDim));  // g·sign x·|x|ᵖ⁻¹/outᵖ⁻¹, 0 at out = 0

            // ---- scans: g summed over every later position ------------------------------------------------------------------------
            case Op.CumSum(_, var dim) -> grads(reverseCumsum(g, dim));                               // Σ_{j ≥ i} g_j
            case Op.CumProd(var x, var dim) -> grads(cumprodGrad(x, out, g, dim));                   // Σ_{j ≥ i} g_j·out_j/x_i (zeros exactly)

            // ---- views and data movement: g routed back to where each element came from ------------------------------------------
            case Op.Flip(_, var dims) -> grads(g.flip(dims));                                        // g flipped back
            case Op.Reshape(var x) -> grads(g.reshape(x.shape()));                                   // g in x's shape
            case Op.Permute(_, var dims) -> grads(g.permute(inverse(dims)));                         // g un-permuted
            case Op.Expand(var x) -> grads(g.sumTo(x.shape()));                                      // g summed over the copies
            case Op.Resample r -> grads(r.backward(g));                                               // g added back to each output's taps, times their weights
            case Op.Slice s -> grads(sliceGrad(s, g));                                               // g at the slice, 0 elsewhere
            case Op.Cat(var xs, var dim) -> catGrads(xs, dim, g);                                    // each x's part of g
            case Op.Gather(var x, var dim, var index) -> grads(Tensor.zerosLike(x).scatterAdd(dim, index, g), null);  // g scattered back
            case Op.ScatterAdd(_, var dim, var index, var src) -> grads(g, null, padTo(g.gather(dim, index), src));  // g, g gathered

            // ---- linear algebra, convolution and fused ops with kernels of their own ----------------------------------------------
            case Op.MatMul(var a, var b) -> grads(g.matmul(b.transpose(-1, -2)).sumTo(a.shape()), matmulRight(g, a, b));  // g·bᵀ, aᵀ·g
            case Op.Conv2d c -> c.backward(g);                                                       // g ⋆ᵀ w, x ⋆ g, Σ g per channel
            case Op.ConvTranspose2d c -> c.backward(g);                                              // g ⋆ w, g ⋆ x (weight grad), Σ g per channel
            case Op.MaxPool2d p -> grads(p.backward(g));                                             // g to each window's maximum
            case Op.AvgPool2d p -> grads(p.backward(g));                                             // g / window size, over each window
            case Op.Attention a -> a.backward(out, g);                                               // FlashAttention-2, recomputed by tiles
            case Op.LayerNorm l -> l.backward(g);                                                    // rstd·(ĝ − mean ĝ − x̂·mean(ĝ·x̂)), Σ g·x̂, Σ g
            case Op.GroupNorm n -> n.backward(g);                                                    // layer norm's rule per group, ĝ = g·w[c]; Σ g·x̂, Σ g per channel
            case Op.CrossEntropy c -> c.backward(g);                                                 // g·(softmax − one-hot), per row
            case Op.Dropout d -> grads(d.backward(g));                                               // g/(1 − p) where kept, else 0
        };
    }

    // ---- how some rules compute what their line says -----------------------------------------------------------------------------

    /** ∂/∂a of aᵇ: g·b·aᵇ⁻¹, and 0 where b = 0 (even at a = 0, where aᵇ⁻¹ is infinite). */
    private static Tensor powBase(Tensor g, Tensor a, Tensor b) {
        return Tensor.where(b.eq(0), Tensor.zerosLike(g), g.mul(b).mul(a.pow(b.sub(1)))).sumTo(a.shape());
    }

    /** ∂/∂b of aᵇ: g·aᵇ·ln a, and 0 where a = 0 and b ≥ 0 (where ln a is −∞ but aᵇ does not depend on b). */
    private static Tensor powExponent(Tensor g, Tensor out, Tensor a, Tensor b) {
        return Tensor.where(a.eq(0).logicalAnd(b.ge(0)), Tensor.zerosLike(g), g.mul(out).mul(a.log())).sumTo(b.shape());
    }

    /** g where {@code cond} equals {@code where}, 0 elsewhere, summed back to {@code like}'s shape. */
    private static Tensor masked(Tensor g, Tensor cond, boolean where, Tensor like) {
        Tensor zero = Tensor.zerosLike(g);
        return (where ? Tensor.where(cond, g, zero) : Tensor.where(cond, zero, g)).sumTo(like.shape());
    }

    /** Zeros shaped like the sliced input, with g written into the slice. */
    private static Tensor sliceGrad(Op.Slice s, Tensor g) {
        Tensor dx = Tensor.zerosLike(s.x());
        dx.slice(s.dim(), s.start(), s.end(), s.step()).copyFrom(g);
        return dx;
    }

    /** The stretch of g along {@code dim} where each concatenated input was placed. */
    private static Tensor[] catGrads(List<Tensor> xs, int dim, Tensor g) {
        Tensor[] parts = new Tensor[xs.size()];
        for (int i = 0, at = 0; i < parts.length; at += xs.get(i).size(dim), i++) parts[i] = g.narrow(dim, at, xs.get(i).size(dim));
        return parts;
    }

    /**
     * aᵀ·g, the right operand's gradient. When b is a transposed view of a contiguous matrix
     * (Linear's x·Wᵀ) and a a matrix, bᵀ's gradient gᵀ·a is computed contiguous and handed back
     * transposed, so the gradient reaching W through the transpose is contiguous and the leaf's
     * gradient copy is a plain copy rather than a transposing one (docs/design-notes.md).
     */
    private static Tensor matmulRight(Tensor g, Tensor a, Tensor b) {
        boolean transposedMatrix = a.dim() == 2 && b.dim() == 2 && !b.isContiguous() && b.transpose(0, 1).isContiguous();
        return transposedMatrix ? g.transpose(0, 1).matmul(a).transpose(0, 1) : a.transpose(-1, -2).matmul(g).sumTo(b.shape());
    }

    private static Tensor[] grads(Tensor... g) {
        return g;
    }

    /** max/min of two tensors: the gradient goes to the winner, half to each side of a tie. */
    private static Tensor[] tieSplit(Tensor g, Tensor aWins, Tensor tie, Tensor a, Tensor b) {
        Tensor shareA = aWins.to(g.dtype()).add(tie.to(g.dtype()).mul(0.5));
        return grads(g.mul(shareA).sumTo(a.shape()), g.mul(shareA.neg().add(1)).sumTo(b.shape()));
    }

    /** A reduction's output or gradient with the reduced dimensions present as size 1. */
    private static Tensor keepDims(Tensor t, Tensor x, int[] dims, boolean keepDim) {
        if (keepDim) return t;
        int[] shape = x.shape();
        for (int d : dims) shape[d] = 1;
        return t.reshape(shape);
    }

    /** amax/amin: g goes to the elements equal to the extremum, split evenly among ties. */
    private static Tensor extremumGrad(Tensor x, Tensor out, Tensor g, int[] dims, boolean keepDim) {
        Tensor hit = x.eq(keepDims(out, x, dims, keepDim)).to(g.dtype());
        return keepDims(g, x, dims, keepDim).mul(hit).div(hit.sum(dims, true));
    }

    /**
     * ∂/∂x of Π over dims: g·Π of the other elements. Computed without dividing by a zero: where
     * a group has no zero it is out/x; where it has one zero, that element gets the product of
     * the others and the rest 0; with two or more zeros every element gets 0 (PyTorch's rule).
     */
    private static Tensor prodGrad(Tensor x, Tensor out, Tensor g, int[] dims, boolean keepDim) {
        if (x.dim() == 0) return g;   // the op of a 0-d tensor is the identity
        Tensor zero = x.eq(0);
        Tensor safe = Tensor.where(zero, 1.0, x);
        Tensor zeros = zero.sum(dims, true), others = prodOver(safe, dims);   // per group: how many zeros, Π of the non-zeros
        Tensor atZero = Tensor.where(zeros.eq(1), others, 0.0), elsewhere = Tensor.where(zeros.eq(0), others.div(safe), 0.0);
        return keepDims(g, x, dims, keepDim).mul(Tensor.where(zero, atZero, elsewhere));
    }

    /** Π over dims, kept as size 1, one dimension at a time (the public prod takes one). */
    private static Tensor prodOver(Tensor t, int[] dims) {
        for (int d : dims) t = t.prod(d, true);
        return t;
    }

    /** Σ_{j ≥ i} t_j along dim: the cumulative sum from the end. */
    private static Tensor reverseCumsum(Tensor t, int dim) {
        return t.flip(dim).cumsum(dim).flip(dim);
    }

    /**
     * ∂/∂x_i of cumprod: Σ_{j ≥ i} g_j·Π_{m ≤ j, m ≠ i} x_m. Before the first zero of a row that is
     * Σ_{j ≥ i} g_j·out_j / x_i; at the first zero it is the same sum over the products with that
     * zero left out; after it, 0 (every product there holds the first zero).
     */
    private static Tensor cumprodGrad(Tensor x, Tensor out, Tensor g, int dim) {
        if (x.dim() == 0) return g;   // the op of a 0-d tensor is the identity
        Tensor zero = x.eq(0), zerosSoFar = zero.cumsum(dim);
        Tensor before = zerosSoFar.eq(0), first = zero.logicalAnd(zerosSoFar.eq(1));
        Tensor beforePart = reverseCumsum(g.mul(out), dim).div(Tensor.where(zero, 1.0, x));
        Tensor firstPart = reverseCumsum(g.mul(Tensor.where(first, 1.0, x).cumprod(dim)), dim);
        return Tensor.where(before, beforePart, Tensor.where(first, firstPart, 0.0));
    }

    /** PyTorch's norm_backward: by p, with the gradient set to 0 where the norm is 0. */
    private static Tensor normGrad(Tensor x, Tensor out, Tensor g, double p, int[] dims, boolean keepDim) {
        Tensor gk = keepDims(g, x, dims, keepDim), norm = keepDims(out, x, dims, keepDim);
        if (p == 0) return Tensor.zerosLike(x);
        if (p == 1) return gk.mul(x.sign());
        if (p == 2) return gk.mul(Tensor.where(norm.eq(0), 0.0, x.div(norm)));
        Tensor a = x.abs();
        if (Double.isInfinite(p)) {   // amax/amin of |x|: shared among the elements at the norm (NaN ones included)
            Tensor hit = a.eq(norm).logicalOr(a.ne(a)).to(x.dtype());
            return x.sign().mul(gk.div(hit.sum(dims, true)).mul(hit));
        }
        if (p < 1) return x.sign().mul(Tensor.where(x.eq(0), 0.0, a.pow(p - 1))).mul(gk).mul(norm.pow(1 - p));
        Tensor scale = Tensor.where(norm.eq(0), 0.0, gk.div(norm.pow(p - 1)));
        return (p < 2 ? x.sign().mul(a.pow(p - 1)) : x.mul(a.pow(p - 2))).mul(scale);
    }

    /** GELU′(x) = Φ(x) + x·φ(x). */
    private static Tensor geluSlope(Tensor x) {
        Tensor cdf = x.mul(1 / Math.sqrt(2)).erf().add(1).mul(0.5);
        Tensor pdf = x.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
        return cdf.add(x.mul(pdf));
    }

    /** Derivative of ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³). */
    private static Tensor geluTanhSlope(Tensor x) {
        Tensor x2 = x.square();
        Tensor t = x.add(x.mul(x2).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
        Tensor du = x2.mul(3 * 0.044715).add(1).mul(SQRT_2_OVER_PI);
        return t.add(1).mul(0.5).add(x.mul(0.5).mul(t.square().neg().add(1)).mul(du));
    }

    private static int[] inverse(int[] dims) {
        int[] inv = new int[dims.length];
        for (int i = 0; i < dims.length; i++) inv[dims[i]] = i;
        return inv;
    }

    /** {@code part} placed at the origin of a zero tensor shaped like {@code like} (scatter's src may exceed its index). */
    private static Tensor padTo(Tensor part, Tensor like) {
        if (Arrays.equals(part.shape(), like.shape())) return part;
        Tensor full = Tensor.zeros(part.dtype(), like.shape());
        Tensor corner = full;
        for (int d = 0; d < part.dim(); d++) corner = corner.narrow(d, 0, part.size(d));
        corner.copyFrom(part);
        return full;
    }
}
