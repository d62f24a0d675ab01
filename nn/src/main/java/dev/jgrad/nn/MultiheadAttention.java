package dev.jgrad.nn;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Multi-head attention, PyTorch's {@code nn.MultiheadAttention}: the query, key and value are
 * projected, split into {@code numHeads} heads of embedDim/numHeads features, each head attends
 * with softmax(q·kᵀ/√headDim + mask)·v, and the heads are concatenated and projected by
 * {@code out_proj}.
 *
 * <p>Parameters have PyTorch's names and layout, so state dicts are interchangeable:
 * {@code in_proj_weight} [3E, E] (the q, k and v projections stacked) when kdim = vdim = E,
 * otherwise {@code q_proj_weight} [E, E], {@code k_proj_weight} [E, kdim] and
 * {@code v_proj_weight} [E, vdim]; {@code in_proj_bias} [3E] and {@code out_proj.bias} [E] with
 * bias; {@code out_proj.weight} [E, E]; {@code bias_k}, {@code bias_v} [1, 1, E] with
 * addBiasKv. They start as PyTorch's: Xavier-uniform projections, zero biases, out_proj.weight
 * as a {@link Linear}'s, Xavier-normal bias_k/bias_v.
 *
 * <p>Shapes: query [L, N, E], key [S, N, kdim], value [S, N, vdim] ([N, L, E] … with
 * batchFirst; [L, E] … unbatched); output like the query; weights [N, L, S] averaged over the
 * heads, or [N, numHeads, L, S]. Masks follow PyTorch's MultiheadAttention: a boolean
 * {@code keyPaddingMask} [N, S] and boolean {@code attnMask} ([L, S] or [N·numHeads, L, S])
 * are <em>true where attention is not allowed</em>; float masks of those shapes are added to
 * the scores (use −∞ to forbid). {@code isCausal} forbids each position to attend to later
 * ones (and may be combined with the other masks; PyTorch treats it only as a hint about
 * attnMask). A query that may attend to no key at all gets zero weights and a zero attention
 * result (then out_proj's bias), as PyTorch's scaled_dot_product_attention does since 2.5,
 * rather than NaN.
 *
 * <pre>{@code
 * MultiheadAttention mha = new MultiheadAttention(64, 8, 0.0, true, true);   // batch first
 * Tensor y = mha.forward(x);                                                // self-attention, x [N, L, 64]
 * MultiheadAttention.Output o = mha.forward(x, memory, memory, padding, null, false, true, true);
 * // o.output() [N, L, 64], o.weights() [N, L, S]
 * }</pre>
 */
public final class MultiheadAttention extends Module {
    /**
     * The attention output and, when asked for, the attention weights (after dropout), else null.
     *
     * @param output  the attention output
     * @param weights the attention weights, or null
     */
    public record Output(Tensor output, Tensor weights) {}

    private final int embedDim, numHeads, headDim, kdim, vdim;
    private final double dropout;
    private final boolean bias, batchFirst, sameEmbedDim, addBiasKv, addZeroAttn;
    /** [3E, E] when kdim = vdim = E, else null. */
    public final Tensor inProjWeight;
    /** [E, E], [E, kdim], [E, vdim] when kdim or vdim differs from E, else null. */
    public final Tensor qProjWeight, kProjWeight, vProjWeight;
    /** [3E], or null without bias. */
    public final Tensor inProjBias;
    /** [1, 1, E] each with addBiasKv, else null. */
    public final Tensor biasK, biasV;
    /** The output projection E → E. */
    public final Linear outProj;

    /**
     * No dropout, with bias, sequence first.
     *
     * @param embedDim the model's width, split over the heads
     * @param numHeads the number of heads; divides {@code embedDim}
     */
    public MultiheadAttention(int embedDim, int numHeads) {
        this(embedDim, numHeads, 0, true, false);
    }

    /**
     * kdim = vdim = embedDim.
     *
     * @param embedDim   the model's width, split over the heads
     * @param numHeads   the number of heads; divides {@code embedDim}
     * @param dropout    probability of zeroing each attention weight, in training mode only
     * @param bias       whether the projections have biases
     * @param batchFirst inputs and outputs are [N, L, E] rather than [L, N, E]
     */
    public MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias, boolean batchFirst) {
        this(embedDim, numHeads, dropout, bias, false, false, embedDim, embedDim, batchFirst);
    }

    /**
     * All of PyTorch's options.
     *
     * @param embedDim    the model's width, split over the heads
     * @param numHeads    the number of heads; divides {@code embedDim}
     * @param dropout     probability of zeroing each attention weight, in training mode only
     * @param bias        whether the projections have biases
     * @param addBiasKv   append the learned bias_k / bias_v to the projected keys and values
     * @param addZeroAttn append a zero key and value to every head
     * @param kdim        features of the key (before projection)
     * @param vdim        features of the value (before projection)
     * @param batchFirst  inputs and outputs are [N, L, E] rather than [L, N, E]
     */
    public MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias, boolean addBiasKv, boolean addZeroAttn,
                              int kdim, int vdim, boolean batchFirst) {
        if (embedDim < 1 || numHeads < 1 || kdim < 1 || vdim < 1 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("MultiheadAttention: embedDim must be a positive multiple of numHeads and kdim, vdim positive; got embedDim="
                    + embedDim + ", numHeads=" + numHeads + ", kdim=" + kdim + ", vdim=" + vdim);
        }
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("MultiheadAttention: dropout must be in [0, 1), got " + dropout);
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.headDim = embedDim / numHeads;
        this.kdim = kdim;
        this.vdim = vdim;
        this.dropout = dropout;
        this.bias = bias;
        this.batchFirst = batchFirst;
        this.addBiasKv = addBiasKv;
        this.addZeroAttn = addZeroAttn;
        this.sameEmbedDim = kdim == embedDim && vdim == embedDim;
        int e = embedDim;
        if (sameEmbedDim) {
            inProjWeight = registerParameter("in_proj_weight", Init.xavierUniform(Tensor.zeros(3 * e, e), 1));
            qProjWeight = kProjWeight = vProjWeight = null;
        } else {
            inProjWeight = null;
            qProjWeight = registerParameter("q_proj_weight", Init.xavierUniform(Tensor.zeros(e, e), 1));
            kProjWeight = registerParameter("k_proj_weight", Init.xavierUniform(Tensor.zeros(e, kdim), 1));
            vProjWeight = registerParameter("v_proj_weight", Init.xavierUniform(Tensor.zeros(e, vdim), 1));
        }
        inProjBias = bias ? registerParameter("in_proj_bias", Tensor.zeros(3 * e)) : null;
        biasK = addBiasKv ? registerParameter("bias_k", Init.xavierNormal(Tensor.zeros(1, 1, e), 1)) : null;
        biasV = addBiasKv ? registerParameter("bias_v", Init.xavierNormal(Tensor.zeros(1, 1, e), 1)) : null;
        outProj = registerModule("out_proj", new Linear(e, e, bias));
        if (bias) Init.zeros(outProj.bias);
    }

    /** Self-attention of {@code x} with no mask; the output only. */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, x, x, null, null, false, false, true).output();
    }

    /**
     * Attention of {@code query} over {@code key}/{@code value} with no mask, returning the head-averaged
     * weights too (PyTorch's defaults).
     *
     * @param query the queries
     * @param key   the keys
     * @param value the values
     * @return the output and the head-averaged weights
     */
    public Output forward(Tensor query, Tensor key, Tensor value) {
        return forward(query, key, value, null, null, false, true, true);
    }

    /**
     * Attention with every option.
     *
     * @param query              the queries [L, N, E] ([N, L, E] batch first, [L, E] unbatched)
     * @param key                the keys [S, N, kdim]
     * @param value              the values [S, N, vdim]
     * @param keyPaddingMask     [N, S] ([S] unbatched), bool (true = ignore that key) or float (added); or null
     * @param attnMask           [L, S] or [N·numHeads, L, S], bool (true = not allowed) or float (added); or null
     * @param isCausal           also forbid attending to later positions (key j &gt; query i)
     * @param needWeights        return the attention weights
     * @param averageAttnWeights average the weights over the heads ([N, L, S]) rather than return each head's ([N, numHeads, L, S])
     * @return the output and, when {@code needWeights}, the weights
     */
    public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask, boolean isCausal,
                          boolean needWeights, boolean averageAttnWeights) {
        return attend(query, key, value, keyPaddingMask, attnMask, isCausal, needWeights, averageAttnWeights, namedParameters()::get);
    }

    /** {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, boolean, boolean, boolean)} with the parameters looked up through {@code p} by their state-dict names. */
    Output attend(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask, boolean isCausal,
                  boolean needWeights, boolean averageAttnWeights, Function<String, Tensor> p) {
        Args.notNull("MultiheadAttention", "query", query);
        Args.notNull("MultiheadAttention", "key", key);
        Args.notNull("MultiheadAttention", "value", value);
        int qd = query.dim();
        if (qd != 2 && qd != 3 || key.dim() != qd || value.dim() != qd) {
            throw new IllegalArgumentException("MultiheadAttention: expected query, key and value all 3-D (batched) or all 2-D (unbatched), got shapes "
                    + shapes(query, key, value));
        }
        boolean batched = qd == 3;
        Tensor q = batched ? (batchFirst ? query.transpose(0, 1) : query) : query.unsqueeze(1);   // [L, N, E]
        Tensor k = batched ? (batchFirst ? key.transpose(0, 1) : key) : key.unsqueeze(1);         // [S, N, kdim]
        Tensor v = batched ? (batchFirst ? value.transpose(0, 1) : value) : value.unsqueeze(1);   // [S, N, vdim]
        int l = q.size(0), n = q.size(1), s = k.size(0), e = embedDim;
        if (q.size(2) != e || k.size(2) != kdim || v.size(2) != vdim || k.size(1) != n || v.size(1) != n || v.size(0) != s) {
            String layout = batched ? (batchFirst ? "[N, L, " + e + "], [N, S, " + kdim + "], [N, S, " + vdim + "]" : "[L, N, " + e + "], [S, N, " + kdim + "], [S, N, " + vdim + "]")
                    : "[L, " + e + "], [S, " + kdim + "], [S, " + vdim + "]";
            throw new IllegalArgumentException("MultiheadAttention: expected query, key, value of shapes " + layout + ", got " + shapes(query, key, value));
        }
        DType dtype = q.dtype();

        // projections, [L|S, N, E]
        Tensor wq, wk, wv;
        if (sameEmbedDim) {
            Tensor w = p.apply("in_proj_weight");
            wq = w.narrow(0, 0, e);
            wk = w.narrow(0, e, e);
            wv = w.narrow(0, 2 * e, e);
        } else {
            wq = p.apply("q_proj_weight");
            wk = p.apply("k_proj_weight");
            wv = p.apply("v_proj_weight");
        }
        q = q.matmul(wq.t());
        k = k.matmul(wk.t());
        v = v.matmul(wv.t());
        if (bias) {
            Tensor b = p.apply("in_proj_bias");
            q = q.add(b.narrow(0, 0, e));
            k = k.add(b.narrow(0, e, e));
            v = v.add(b.narrow(0, 2 * e, e));
        }

        // masks, as one additive float mask broadcastable to [N, H, L, S] (null when there is none)
        Tensor mask = null;
        if (attnMask != null) {
            boolean twoD = attnMask.dim() == 2 && attnMask.size(0) == l && attnMask.size(1) == s;
            boolean threeD = attnMask.dim() == 3 && attnMask.size(0) == n * numHeads && attnMask.size(1) == l && attnMask.size(2) == s;
            if (!twoD && !threeD) {
                throw new IllegalArgumentException("MultiheadAttention: expected attnMask of shape [" + l + ", " + s + "] or [" + n * numHeads + ", " + l + ", " + s
                        + "] (N·numHeads, L, S), got " + Arrays.toString(attnMask.shape()));
            }
            mask = additive("attnMask", attnMask, dtype);
            if (threeD) mask = mask.reshape(n, numHeads, l, s);
        }
        if (keyPaddingMask != null) {
            int[] expected = batched ? new int[] {n, s} : new int[] {s};
            if (!Arrays.equals(keyPaddingMask.shape(), expected)) {
                throw new IllegalArgumentException("MultiheadAttention: expected keyPaddingMask of shape " + Arrays.toString(expected) + ", got "
                        + Arrays.toString(keyPaddingMask.shape()));
            }
            Tensor kpm = additive("keyPaddingMask", keyPaddingMask, dtype).reshape(n, 1, 1, s);
            mask = mask == null ? kpm : mask.add(kpm);
        }
        // causal masking as the kernels' flag (no [L, S] mask in memory, and whole tiles above the
        // diagonal skipped), unless appended keys (bias_k/v, zero attention) must stay visible
        boolean causalFlag = isCausal && !addBiasKv && !addZeroAttn;
        if (isCausal && !causalFlag) {
            Tensor causal = causalMask(l, s, dtype).to(q.device());
            mask = mask == null ? causal : mask.add(causal);
        }

        if (addBiasKv) {
            k = Tensor.cat(List.of(k, p.apply("bias_k").expand(1, n, e)), 0);
            v = Tensor.cat(List.of(v, p.apply("bias_v").expand(1, n, e)), 0);
        }
        // heads: [N, H, L|S, headDim]
        q = q.reshape(l, n, numHeads, headDim).permute(1, 2, 0, 3);
        k = k.reshape(k.size(0), n, numHeads, headDim).permute(1, 2, 0, 3);
        v = v.reshape(v.size(0), n, numHeads, headDim).permute(1, 2, 0, 3);
        if (addZeroAttn) {
            k = Tensor.cat(List.of(k, Tensor.zeros(dtype, n, numHeads, 1, headDim).to(k.device())), 2);
            v = Tensor.cat(List.of(v, Tensor.zeros(dtype, n, numHeads, 1, headDim).to(v.device())), 2);
        }
        int extra = k.size(2) - s;
        if (mask != null && extra > 0) {   // the appended keys may always be attended to
            int[] padShape = mask.shape().clone();
            padShape[padShape.length - 1] = extra;
            mask = Tensor.cat(List.of(mask, Tensor.zeros(dtype, padShape).to(mask.device())), -1);
        }

        double pDrop = isTraining() ? dropout : 0;
        // without weights to return or dropout to apply, the fused kernel runs (no score matrix in memory)
        Tensor[] r = needWeights || pDrop > 0 ? attention(q, k, v, mask, causalFlag, 1 / Math.sqrt(headDim), pDrop, Generator.getDefault())
                : new Tensor[] {Tensor.scaledDotProductAttention(q, k, v, mask, causalFlag, 1 / Math.sqrt(headDim)), null};
        Tensor out = r[0].permute(2, 0, 1, 3).reshape(l, n, e);   // heads concatenated: [L, N, E]
        out = out.matmul(p.apply("out_proj.weight").t());
        if (bias) out = out.add(p.apply("out_proj.bias"));
        if (!batched) out = out.squeeze(1);
        else if (batchFirst) out = out.transpose(0, 1);

        Tensor weights = null;
        if (needWeights) {
            weights = r[1];                                  // [N, H, L, S']
            if (averageAttnWeights) weights = weights.mean(1);
            if (!batched) weights = weights.squeeze(0);
        }
        return new Output(out, weights);
    }

    private static String shapes(Tensor... ts) {
        StringBuilder sb = new StringBuilder();
        for (Tensor t : ts) sb.append(sb.isEmpty() ? "" : ", ").append(Arrays.toString(t.shape()));
        return sb.toString();
    }

    /** A bool mask (true = forbidden) as 0 / −∞, or a float mask as is, in {@code dtype}. */
    private static Tensor additive(String what, Tensor mask, DType dtype) {
        if (mask.dtype() == DType.BOOL) {
            return Tensor.where(mask, Tensor.scalar(Double.NEGATIVE_INFINITY, dtype).to(mask.device()), Tensor.scalar(0, dtype).to(mask.device()));
        }
        if (!mask.dtype().isFloating()) throw new IllegalArgumentException("MultiheadAttention: " + what + " must be bool or floating, got " + mask.dtype());
        return mask.to(dtype);
    }

    /** [l, s] with 0 where key j ≤ query i and −∞ above the diagonal (top-left aligned, as PyTorch). */
    static Tensor causalMask(int l, int s, DType dtype) {
        Tensor above = Tensor.arange(s).unsqueeze(0).gt(Tensor.arange(l).unsqueeze(1));
        return Tensor.where(above, Tensor.scalar(Double.NEGATIVE_INFINITY, dtype), Tensor.scalar(0, dtype));
    }

    /**
     * Scaled dot-product attention as PyTorch's {@code F.scaled_dot_product_attention}:
     * softmax(q·kᵀ·scale + mask)·v with scale = 1/√E, by {@link Tensor#scaledDotProductAttention}
     * (the fused kernel where it applies).
     *
     * @param q      [..., L, E]
     * @param k      [..., S, E]
     * @param v      [..., S, Ev]
     * @param mask   null, or broadcastable to [..., L, S]: <em>bool with true where attention is
     *               allowed</em> (PyTorch's convention for this function — the opposite of
     *               MultiheadAttention's masks), or float, added to the scores
     * @param causal forbid key j &gt; query i (top-left aligned); may be combined with {@code mask}
     * @return [..., L, Ev]; a query row that may attend to nothing gives zeros (as PyTorch ≥ 2.5)
     *
     * <pre>{@code
     * Tensor y = MultiheadAttention.scaledDotProductAttention(q, k, v, null, true);   // causal
     * }</pre>
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal) {
        return scaledDotProductAttention(q, k, v, mask, causal, Double.NaN);
    }

    /**
     * As {@link #scaledDotProductAttention(Tensor, Tensor, Tensor, Tensor, boolean)} with the given {@code
     * scale} (NaN: 1/√E).
     *
     * @param q      the queries [..., L, E]
     * @param k      the keys [..., S, E]
     * @param v      the values [..., S, Ev]
     * @param mask   null, a bool mask (true: allowed) or an additive float mask
     * @param causal hide key j from query i when j &gt; i
     * @param scale  the factor on q·kᵀ, NaN for 1/√E
     * @return the output [..., L, Ev]
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale) {
        return Tensor.scaledDotProductAttention(q, k, v, mask, causal, scale);
    }

    /**
     * The attention core: {output, weights} for q [..., L, E], k [..., S, E], v [..., S, Ev] with
     * an optional additive mask, optional causal masking and dropout on the weights.
     */
    static Tensor[] attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, double dropoutP, Generator generator) {
        Tensor weights = Tensor.attentionWeights(q, k, mask, causal, scale);
        if (dropoutP > 0) {
            Tensor keep = Tensor.rand(generator, weights.shape()).ge(dropoutP).to(weights.device());
            weights = weights.mul(keep).mul(1 / (1 - dropoutP));
        }
        return new Tensor[] {weights.matmul(v), weights};
    }

    @Override
    protected String extraRepr() {
        return "embedDim=" + embedDim + ", numHeads=" + numHeads + (dropout != 0 ? ", dropout=" + dropout : "") + (bias ? "" : ", bias=false")
                + (sameEmbedDim ? "" : ", kdim=" + kdim + ", vdim=" + vdim) + (addBiasKv ? ", add_bias_kv=true" : "")
                + (addZeroAttn ? ", add_zero_attn=true" : "") + (batchFirst ? ", batch_first=true" : "");
    }
}
