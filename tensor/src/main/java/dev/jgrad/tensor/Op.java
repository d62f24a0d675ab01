package dev.jgrad.tensor;

import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.PoolShape;
import java.util.List;

/**
 * The differentiable primitive that produced a tensor, with its inputs: one node of the graph
 * {@code backward()} walks. The set is small on purpose (composites such as {@code mean},
 * {@code var}, {@code select} or {@code embedding} are built from these), and sealed, so the
 * autograd module's {@code switch} over it must give every primitive a derivative rule. A fused
 * op whose gradient comes from kernels of its own (convolution, pooling, attention, layer norm,
 * the ReLU gate) offers them as its record's {@code backward} method, which that rule calls.
 *
 * <pre>{@code
 * Tensor y = a.mul(b).add(c);
 * y.op();                       // Add[a=…(Mul), b=c]
 * ((Op.Add) y.op()).a().op();   // Mul[a=a, b=b]
 * }</pre>
 */
public sealed interface Op {

    /** {@return the tensors this node was computed from, in the order derivative rules return gradients} */
    List<Tensor> inputs();

    /** {@return the op's name as shown in graphs and error messages ({@code "Add"}, {@code "MatMul"}, …)} */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * The tensors whose values this op's derivative rule reads, besides the upstream gradient:
     * the inputs it uses (an input whose shape alone it needs, as Add's, is not listed), its own
     * output {@code out} when the rule is written in terms of it (eˣ's gradient is g·out), and the
     * tensors a fused op saved (pooling indices, a dropout mask, row statistics). When the node is
     * recorded their versions are recorded with it, and the backward pass refuses to run the rule
     * if any of them was modified in place since — PyTorch's saved-tensor check. So a tensor not
     * listed here may change freely once the op ran.
     *
     * <p>One line per op, matching its rule in the autograd module's {@code Derivatives} (a test
     * changes every tensor not listed and checks that the rule's result does not move).
     *
     * <pre>{@code
     * Tensor y = w.mul(x);
     * y.op().savedTensors(y);   // [w, x]: ∂y/∂w = x and ∂y/∂x = w
     * }</pre>
     *
     * @param out the tensor this op produced
     * @return the tensors the rule reads
     */
    default List<Tensor> savedTensors(Tensor out) {
        return switch (this) {
            // the rule needs shapes, dtypes or devices only
            case Neg _, Cast _, Copy _, Add _, Sub _, Sum _, Reshape _, Permute _, Expand _, Slice _, Cat _, AvgPool2d _ -> List.of();
            case Resample _ -> List.of();   // its taps and weights are the record's own arrays
            // written in terms of the output
            case Exp _, Expm1 _, Sqrt _, Sigmoid _, Tanh _, Softmax _, LogSoftmax _ -> List.of(out);
            // written in terms of the input
            case Log u -> List.of(u.x());
            case Abs u -> List.of(u.x());
            case Relu u -> List.of(u.x());
            case Erf u -> List.of(u.x());
            case Gelu u -> List.of(u.x());
            case Sin u -> List.of(u.x());
            case Cos u -> List.of(u.x());
            case Clamp u -> List.of(u.x());
            case PowScalar p -> p.exponent() == 0 ? List.of() : List.of(p.x());
            case Mul m -> List.of(m.a(), m.b());
            case Maximum m -> List.of(m.a(), m.b());
            case Minimum m -> List.of(m.a(), m.b());
            case MatMul m -> List.of(m.a(), m.b());
            case Div d -> List.of(d.b(), out);
            case Pow p -> List.of(p.a(), p.b(), out);
            case Where w -> List.of(w.cond());
            case Amax r -> List.of(r.x(), out);
            case Amin r -> List.of(r.x(), out);
            case LogSumExp r -> List.of(r.x(), out);
            case Flip _, CumSum _ -> List.of();
            case CumProd c -> List.of(c.x(), out);
            case Prod r -> List.of(r.x(), out);
            case Norm r -> List.of(r.x(), out);
            case Gather g -> List.of(g.index());
            case ScatterAdd s -> List.of(s.index());
            // fused ops: what their backward kernels read
            case Conv2d c -> List.of(c.x(), c.w());
            case ConvTranspose2d c -> List.of(c.x(), c.w());
            case MaxPool2d p -> List.of(p.indices());
            case Attention a -> a.mask() == null ? List.of(a.q(), a.k(), a.v(), a.lse(), out)
                    : List.of(a.q(), a.k(), a.v(), a.mask(), a.lse(), out);
            case LayerNorm l -> l.weight() == null ? List.of(l.x(), l.mean(), l.rstd()) : List.of(l.x(), l.weight(), l.mean(), l.rstd());
            case GroupNorm l -> l.weight() == null ? List.of(l.x(), l.mean(), l.rstd()) : List.of(l.x(), l.weight(), l.mean(), l.rstd());
            case CrossEntropy c -> List.of(c.logits(), c.target(), c.lse());
            case Dropout d -> List.of(d.mask());
        };
    }

    /** An op with one tensor input. */
    sealed interface UnaryOp extends Op {
        /** {@return the input} */
        Tensor x();

        @Override
        default List<Tensor> inputs() {
            return List.of(x());
        }
    }

    /** An op with two tensor inputs (broadcast against each other). */
    sealed interface BinaryOp extends Op {
        /** {@return the first input} */
        Tensor a();

        /** {@return the second input} */
        Tensor b();

        @Override
        default List<Tensor> inputs() {
            return List.of(a(), b());
        }
    }

    // ---- elementwise, one input -------------------------------------------------------------
    /**
     * -x
     *
     * @param x the input
     */
    record Neg(Tensor x) implements UnaryOp {}
    /**
     * eˣ
     *
     * @param x the input
     */
    record Exp(Tensor x) implements UnaryOp {}
    /**
     * eˣ − 1
     *
     * @param x the input
     */
    record Expm1(Tensor x) implements UnaryOp {}
    /**
     * ln x
     *
     * @param x the input
     */
    record Log(Tensor x) implements UnaryOp {}
    /**
     * √x
     *
     * @param x the input
     */
    record Sqrt(Tensor x) implements UnaryOp {}
    /**
     * |x|
     *
     * @param x the input
     */
    record Abs(Tensor x) implements UnaryOp {}
    /**
     * max(x, 0)
     *
     * @param x the input
     */
    record Relu(Tensor x) implements UnaryOp {
        /**
         * ∂L/∂x = g where x &gt; 0, else 0, in one fused pass where the device has it; not itself recorded.
         *
         * @param g the gradient of the output
         * @return the gradient of x
         */
        public Tensor backward(Tensor g) {
            return ElementwiseOps.reluBackward(x, g);
        }
    }
    /**
     * 1 / (1 + e⁻ˣ)
     *
     * @param x the input
     */
    record Sigmoid(Tensor x) implements UnaryOp {}
    /**
     * tanh x
     *
     * @param x the input
     */
    record Tanh(Tensor x) implements UnaryOp {}
    /**
     * erf x
     *
     * @param x the input
     */
    record Erf(Tensor x) implements UnaryOp {}
    /**
     * x·Φ(x), or its tanh approximation
     *
     * @param x                 the input
     * @param tanhApproximation use the tanh approximation
     */
    record Gelu(Tensor x, boolean tanhApproximation) implements UnaryOp {}
    /**
     * sin x
     *
     * @param x the input
     */
    record Sin(Tensor x) implements UnaryOp {}
    /**
     * cos x
     *
     * @param x the input
     */
    record Cos(Tensor x) implements UnaryOp {}
    /**
     * xᵖ for a constant p
     *
     * @param x        the input
     * @param exponent the constant exponent p
     */
    record PowScalar(Tensor x, double exponent) implements UnaryOp {}
    /**
     * min(max(x, min), max); an absent bound is ∓∞
     *
     * @param x   the input
     * @param min the lower bound (−∞ for none)
     * @param max the upper bound (+∞ for none)
     */
    record Clamp(Tensor x, double min, double max) implements UnaryOp {}
    /**
     * The same values in another dtype.
     *
     * @param x    the input
     * @param from the input's dtype
     */
    record Cast(Tensor x, DType from) implements UnaryOp {}
    /**
     * A copy (also what {@code contiguous()} records when it has to copy).
     *
     * @param x the input
     */
    record Copy(Tensor x) implements UnaryOp {}

    // ---- elementwise, two inputs (broadcasting) ------------------------------------------------
    /**
     * a + b
     *
     * @param a the first input
     * @param b the second input
     */
    record Add(Tensor a, Tensor b) implements BinaryOp {}
    /**
     * a − b
     *
     * @param a the first input
     * @param b the second input
     */
    record Sub(Tensor a, Tensor b) implements BinaryOp {}
    /**
     * a · b
     *
     * @param a the first input
     * @param b the second input
     */
    record Mul(Tensor a, Tensor b) implements BinaryOp {}
    /**
     * a / b
     *
     * @param a the dividend
     * @param b the divisor
     */
    record Div(Tensor a, Tensor b) implements BinaryOp {}
    /**
     * aᵇ
     *
     * @param a the base
     * @param b the exponent
     */
    record Pow(Tensor a, Tensor b) implements BinaryOp {}
    /**
     * max(a, b) elementwise
     *
     * @param a the first input
     * @param b the second input
     */
    record Maximum(Tensor a, Tensor b) implements BinaryOp {}
    /**
     * min(a, b) elementwise
     *
     * @param a the first input
     * @param b the second input
     */
    record Minimum(Tensor a, Tensor b) implements BinaryOp {}
    /**
     * cond ? a : b, elementwise with broadcasting
     *
     * @param cond the condition (bool)
     * @param a    the values where the condition holds
     * @param b    the values elsewhere
     */
    record Where(Tensor cond, Tensor a, Tensor b) implements Op {
        @Override
        public List<Tensor> inputs() {
            return List.of(cond, a, b);
        }
    }

    // ---- reductions -----------------------------------------------------------------------------
    /**
     * Σ over {@code dims} (sorted, non-negative)
     *
     * @param x       the input
     * @param dims    the reduced dimensions
     * @param keepDim the reduced dimensions stay, with size 1
     */
    record Sum(Tensor x, int[] dims, boolean keepDim) implements UnaryOp {}
    /**
     * max over {@code dims}; ties share the gradient
     *
     * @param x       the input
     * @param dims    the reduced dimensions
     * @param keepDim the reduced dimensions stay, with size 1
     */
    record Amax(Tensor x, int[] dims, boolean keepDim) implements UnaryOp {}
    /**
     * min over {@code dims}; ties share the gradient
     *
     * @param x       the input
     * @param dims    the reduced dimensions
     * @param keepDim the reduced dimensions stay, with size 1
     */
    record Amin(Tensor x, int[] dims, boolean keepDim) implements UnaryOp {}
    /**
     * softmax along {@code dim}
     *
     * @param x   the input
     * @param dim the dimension normalised over
     */
    record Softmax(Tensor x, int dim) implements UnaryOp {
        /**
         * ∂L/∂x = y·(g − Σ g·y) along {@code dim}, one fused pass per row where the device and layout allow;
         * not itself recorded.
         *
         * @param out the op's output y
         * @param g   the gradient of the output
         * @return the gradient of x
         */
        public Tensor backward(Tensor out, Tensor g) {
            return ReductionOps.softmaxBackward(false, dim, out, g);
        }
    }
    /**
     * log-softmax along {@code dim}
     *
     * @param x   the input
     * @param dim the dimension normalised over
     */
    record LogSoftmax(Tensor x, int dim) implements UnaryOp {
        /**
         * ∂L/∂x = g − exp(y)·Σ g along {@code dim}, one fused pass per row where the device and layout allow;
         * not itself recorded.
         *
         * @param out the op's output y
         * @param g   the gradient of the output
         * @return the gradient of x
         */
        public Tensor backward(Tensor out, Tensor g) {
            return ReductionOps.softmaxBackward(true, dim, out, g);
        }
    }
    /**
     * log Σ eˣ over {@code dims} (sorted, non-negative), fused: neither eˣ nor x − max is stored
     *
     * @param x       the input
     * @param dims    the reduced dimensions
     * @param keepDim the reduced dimensions stay, with size 1
     */
    record LogSumExp(Tensor x, int[] dims, boolean keepDim) implements UnaryOp {}

    // ---- sorting, scans and norms ---------------------------------------------------------------
    /**
     * The elements of {@code dims} (sorted, non-negative) in reverse order: a copy.
     *
     * @param x    the input
     * @param dims the reversed dimensions
     */
    record Flip(Tensor x, int[] dims) implements UnaryOp {}
    /**
     * Running sum along {@code dim}: out[i] = x[0] + … + x[i].
     *
     * @param x   the input
     * @param dim the dimension summed along
     */
    record CumSum(Tensor x, int dim) implements UnaryOp {}
    /**
     * Running product along {@code dim}: out[i] = x[0] · … · x[i].
     *
     * @param x   the input
     * @param dim the dimension multiplied along
     */
    record CumProd(Tensor x, int dim) implements UnaryOp {}
    /**
     * Π over {@code dims} (sorted, non-negative).
     *
     * @param x       the input
     * @param dims    the reduced dimensions
     * @param keepDim the reduced dimensions stay, with size 1
     */
    record Prod(Tensor x, int[] dims, boolean keepDim) implements UnaryOp {}
    /**
     * The vector p-norm over {@code dims} (sorted, non-negative): (Σ|x|ᵖ)^(1/p); max |x| for
     * p = ∞, min |x| for −∞, the count of non-zeros for 0.
     *
     * @param x       the input
     * @param p       the order of the norm
     * @param dims    the reduced dimensions
     * @param keepDim the reduced dimensions stay, with size 1
     */
    record Norm(Tensor x, double p, int[] dims, boolean keepDim) implements UnaryOp {}

    // ---- views and data movement --------------------------------------------------------------
    /**
     * The same elements in a new shape (a view when the strides allow, else a copy).
     *
     * @param x the input
     */
    record Reshape(Tensor x) implements UnaryOp {}
    /**
     * Dimensions reordered: output dim i is input dim {@code dims[i]}.
     *
     * @param x    the input
     * @param dims the input dimension for each output dimension
     */
    record Permute(Tensor x, int[] dims) implements UnaryOp {}
    /**
     * Broadcast view to a larger shape.
     *
     * @param x the input
     */
    record Expand(Tensor x) implements UnaryOp {}
    /**
     * Every {@code step}-th index in [start, end) of {@code dim}.
     *
     * @param x     the input
     * @param dim   the sliced dimension
     * @param start the first index taken
     * @param end   one past the last index
     * @param step  the distance between the indices taken
     */
    record Slice(Tensor x, int dim, int start, int end, int step) implements UnaryOp {}
    /**
     * Concatenation along {@code dim}.
     *
     * @param xs  the inputs, in order
     * @param dim the dimension they are joined along
     */
    record Cat(List<Tensor> xs, int dim) implements Op {
        @Override
        public List<Tensor> inputs() {
            return xs;
        }
    }
    /**
     * out[p] = x[p with coordinate {@code dim} replaced by index[p]]
     *
     * @param x     the source
     * @param dim   the indexed dimension
     * @param index the indices (int64), not differentiable
     */
    record Gather(Tensor x, int dim, Tensor index) implements Op {
        @Override
        public List<Tensor> inputs() {
            return List.of(x, index);
        }
    }
    /**
     * out = x, then out[p with coordinate {@code dim} replaced by index[p]] += src[p]
     *
     * @param x     the tensor added into
     * @param dim   the indexed dimension
     * @param index the indices (int64), not differentiable
     * @param src   the values added
     */
    record ScatterAdd(Tensor x, int dim, Tensor index, Tensor src) implements Op {
        @Override
        public List<Tensor> inputs() {
            return List.of(x, index, src);
        }
    }

    // ---- linear algebra and convolution -------------------------------------------------------
    /**
     * Matrix product over the last two dimensions, batch dimensions broadcast.
     *
     * @param a the left operand
     * @param b the right operand
     */
    record MatMul(Tensor a, Tensor b) implements BinaryOp {}
    /**
     * 2-D convolution of NCHW input with KCRS weights plus an optional bias [K] ({@code b}, null
     * when there is none), added by the kernel while it writes the output: one node, one output
     * array, and a bias gradient summed by a dedicated per-channel reduction.
     *
     * @param x     the input [N, C, H, W]
     * @param w     the weights [K, C/groups, R, S]
     * @param b     the bias [K], or null
     * @param shape the convolution's geometry
     */
    record Conv2d(Tensor x, Tensor w, Tensor b, ConvShape shape) implements Op {
        @Override
        public List<Tensor> inputs() {
            return b == null ? List.of(x, w) : List.of(x, w, b);
        }

        /**
         * ∂L/∂x, ∂L/∂w (and ∂L/∂b) from the convolution's own backward kernels, null for an input
         * that does not require grad; not themselves recorded.
         *
         * @param g the gradient of the output
         * @return the gradients of x, w and b (null where not required)
         */
        public Tensor[] backward(Tensor g) {
            try (var _ = GradMode.noGrad()) {
                return ConvOps.backward(this, g);
            }
        }
    }
    /**
     * 2-D transposed convolution of NCHW input with [C_in, C_out/groups, kH, kW] weights plus an
     * optional bias [C_out] ({@code b}, null when there is none): the input gradient of the
     * convolution {@code shape} describes (whose input is this op's output), computed by that
     * convolution's kernels.
     *
     * @param x     the input [N, C_in, H, W]
     * @param w     the weights [C_in, C_out/groups, kH, kW]
     * @param b     the bias [C_out], or null
     * @param shape the geometry of the convolution whose input gradient this op computes
     */
    record ConvTranspose2d(Tensor x, Tensor w, Tensor b, ConvShape shape) implements Op {
        @Override
        public List<Tensor> inputs() {
            return b == null ? List.of(x, w) : List.of(x, w, b);
        }

        /**
         * ∂L/∂x, ∂L/∂w (and ∂L/∂b) from the convolution kernels, null for an input that does not
         * require grad; not themselves recorded.
         *
         * @param g the gradient of the output
         * @return the gradients of x, w and b (null where not required)
         */
        public Tensor[] backward(Tensor g) {
            try (var _ = GradMode.noGrad()) {
                return ConvTransposeOps.backward(this, g);
            }
        }
    }
    /**
     * 2-D max pooling; {@code indices} (saved for backward) holds each maximum's position in its plane.
     *
     * @param x       the input [N, C, H, W]
     * @param shape   the pooling geometry
     * @param indices each maximum's position in its input plane (int64)
     */
    record MaxPool2d(Tensor x, PoolShape shape, Tensor indices) implements UnaryOp {
        /**
         * ∂L/∂x: g routed to the recorded maxima; not itself recorded.
         *
         * @param g the gradient of the output
         * @return the gradient of x
         */
        public Tensor backward(Tensor g) {
            try (var _ = GradMode.noGrad()) {
                return PoolOps.maxPool2dBackward(this, g);
            }
        }
    }
    /**
     * Fused scaled dot-product attention softmax(scale·q·kᵀ + mask)·v; {@code mask} (a float32
     * [batch·heads, L, S] view, or null) is a constant, and {@code lse} (each query row's
     * log-sum-exp of scores) is saved for the backward pass, which recomputes the weights by tiles.
     *
     * @param q      the queries
     * @param k      the keys
     * @param v      the values
     * @param mask   the additive mask, or null
     * @param causal hide later keys from each query
     * @param scale  the factor on q·kᵀ
     * @param lse    each query row's log-sum-exp of scores
     */
    record Attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor lse) implements Op {
        @Override
        public List<Tensor> inputs() {
            return List.of(q, k, v);
        }

        /**
         * ∂L/∂q, ∂L/∂k, ∂L/∂v, recomputing the weights tile by tile from the saved log-sum-exp; not
         * themselves recorded.
         *
         * @param out this op's output
         * @param g   the gradient of the output
         * @return the gradients of q, k and v
         */
        public Tensor[] backward(Tensor out, Tensor g) {
            try (var _ = GradMode.noGrad()) {
                return AttentionOps.backward(this, out, g);
            }
        }
    }
    /**
     * Fused layer normalisation over the trailing dimensions {@code normalizedShape}: (x − mean)·rstd·weight + bias,
     * rstd = 1/√(var + eps); {@code weight} and {@code bias} may be null (then they are not inputs). {@code mean}
     * and {@code rstd} (one per normalised row, in x's dtype) are saved for the backward pass.
     *
     * @param x               the input
     * @param weight          the scale, or null
     * @param bias            the shift, or null
     * @param normalizedShape the trailing dimensions normalised over
     * @param eps             added to the variance
     * @param mean            each row's mean
     * @param rstd            each row's 1/√(var + eps)
     */
    record LayerNorm(Tensor x, Tensor weight, Tensor bias, int[] normalizedShape, double eps, Tensor mean, Tensor rstd) implements Op {
        @Override
        public List<Tensor> inputs() {
            if (weight == null) return bias == null ? List.of(x) : List.of(x, bias);
            return bias == null ? List.of(x, weight) : List.of(x, weight, bias);
        }

        /**
         * ∂L/∂x, ∂L/∂weight, ∂L/∂bias from the saved mean and rstd, one per {@link #inputs() input}
         * (null for those that do not require grad); not themselves recorded: layer norm has no
         * double-backward rule.
         *
         * @param g the gradient of the output
         * @return the gradients of the inputs, in the order of {@link #inputs()}
         */
        public Tensor[] backward(Tensor g) {
            try (var _ = GradMode.noGrad()) {
                return LayerNormOps.backward(this, g);
            }
        }
    }
    /**
     * Fused group normalisation of x [N, C, *] in {@code groups} groups of channels: (x − mean)·rstd·weight[c] + bias[c]
     * over each group of each sample; {@code weight} and {@code bias} ([C]) may be null (then they are not inputs).
     * {@code mean} and {@code rstd} (one per sample and group, in x's dtype) are saved for the backward pass.
     *
     * @param x      the input [N, C, *]
     * @param weight the per-channel scale [C], or null
     * @param bias   the per-channel shift [C], or null
     * @param groups the number of channel groups; divides C
     * @param eps    added to the variance
     * @param mean   each (sample, group)'s mean
     * @param rstd   each (sample, group)'s 1/√(var + eps)
     */
    record GroupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps, Tensor mean, Tensor rstd) implements Op {
        @Override
        public List<Tensor> inputs() {
            if (weight == null) return bias == null ? List.of(x) : List.of(x, bias);
            return bias == null ? List.of(x, weight) : List.of(x, weight, bias);
        }

        /**
         * ∂L/∂x, ∂L/∂weight, ∂L/∂bias from the saved mean and rstd, one per {@link #inputs() input}
         * (null for those that do not require grad); not themselves recorded.
         *
         * @param g the gradient of the output
         * @return the gradients of the inputs, in the order of {@link #inputs()}
         */
        public Tensor[] backward(Tensor g) {
            try (var _ = GradMode.noGrad()) {
                return GroupNormOps.backward(this, g);
            }
        }
    }
    /**
     * Fused softmax cross-entropy of logits [N, C] against class indices [N], per sample:
     * ln Σ e^x − x[target], 0 where the target is {@code ignoreIndex}; {@code lse} (each row's
     * log-sum-exp) is saved for the backward pass. The target is not differentiable.
     *
     * @param logits      the scores [N, C]
     * @param target      the class indices [N] (int64)
     * @param ignoreIndex the target value whose samples give 0
     * @param lse         each row's log-sum-exp
     */
    record CrossEntropy(Tensor logits, Tensor target, long ignoreIndex, Tensor lse) implements Op {
        @Override
        public List<Tensor> inputs() {
            return List.of(logits, target);
        }

        /**
         * ∂L/∂logits = (softmax − one-hot)·g per row, and null for the target; not themselves recorded.
         *
         * @param g the gradient of the per-sample losses
         * @return the gradients of the logits and of the target (null)
         */
        public Tensor[] backward(Tensor g) {
            try (var _ = GradMode.noGrad()) {
                return LossOps.backward(this, g);
            }
        }
    }
    /**
     * Inverted dropout with probability {@code p}; {@code mask} (bool, true = kept) is saved for the backward
     * pass.
     *
     * @param x    the input
     * @param p    the probability of dropping an element
     * @param mask true where an element was kept
     */
    record Dropout(Tensor x, double p, Tensor mask) implements UnaryOp {
        /**
         * ∂L/∂x = g / (1 − p) where kept, else 0; not itself recorded.
         *
         * @param g the gradient of the output
         * @return the gradient of x
         */
        public Tensor backward(Tensor g) {
            try (var _ = GradMode.noGrad()) {
                return DropoutOps.backward(this, g);
            }
        }
    }
    /**
     * One dimension {@code dim} of x resampled (a step of {@code interpolate}): output position j
     * reads x at {@code index0[j]} with weight {@code weight0[j]}, plus {@code index1[j]} with
     * {@code weight1[j]} for the linear modes; nearest-neighbour has one tap and no weights (null).
     *
     * @param x       the input
     * @param dim     the dimension resampled
     * @param index0  each output position's first source position
     * @param index1  each output position's second source position, or null (one tap)
     * @param weight0 the first tap's weights, or null (weight 1)
     * @param weight1 the second tap's weights, or null
     */
    record Resample(Tensor x, int dim, int[] index0, int[] index1, double[] weight0, double[] weight1) implements UnaryOp {
        /**
         * ∂L/∂x: each output's gradient added to its taps, times their weights; not itself recorded.
         *
         * @param g the gradient of the output
         * @return the gradient of x
         */
        public Tensor backward(Tensor g) {
            try (var _ = GradMode.noGrad()) {
                return InterpolateOps.backward(this, g);
            }
        }
    }
    /**
     * 2-D average pooling.
     *
     * @param x               the input [N, C, H, W]
     * @param shape           the pooling geometry
     * @param countIncludePad count the padding in each window's divisor
     */
    record AvgPool2d(Tensor x, PoolShape shape, boolean countIncludePad) implements UnaryOp {
        /**
         * ∂L/∂x: g spread evenly over each window; not itself recorded.
         *
         * @param g the gradient of the output
         * @return the gradient of x
         */
        public Tensor backward(Tensor g) {
            try (var _ = GradMode.noGrad()) {
                return PoolOps.avgPool2dBackward(this, g);
            }
        }
    }
}
