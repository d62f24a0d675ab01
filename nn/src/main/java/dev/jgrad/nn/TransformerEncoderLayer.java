package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * One Transformer encoder block, PyTorch's {@code nn.TransformerEncoderLayer}: self-attention
 * and a two-layer feed-forward network, each wrapped in dropout, a residual connection and a
 * layer norm — after the residual (post-norm, the default) or before each block with
 * {@code normFirst} (pre-norm):
 * <pre>
 *   post-norm:  x = norm1(x + sa(x));        x = norm2(x + ff(x))
 *   pre-norm:   x = x + sa(norm1(x));        x = x + ff(norm2(x))
 *   sa(x) = dropout1(self_attn(x, x, x))     ff(x) = dropout2(linear2(dropout(act(linear1(x)))))
 * </pre>
 * The submodules have PyTorch's names — {@code self_attn}, {@code linear1}, {@code dropout},
 * {@code linear2}, {@code norm1}, {@code norm2}, {@code dropout1}, {@code dropout2} — so state
 * dicts are interchangeable.
 *
 * <pre>{@code
 * var layer = new TransformerEncoderLayer(64, 4, 256, 0.1, "gelu", 1e-5, true, true);
 * Tensor y = layer.forward(x, null, padding, true);   // x [N, L, 64], causal, padding [N, L] bool
 * }</pre>
 */
public final class TransformerEncoderLayer extends Module {
    /** The self-attention block. */
    public final MultiheadAttention selfAttn;
    /** The feed-forward network's two linear layers: dModel → dimFeedforward → dModel. */
    public final Linear linear1, linear2;
    /** The layer norms of the attention and feed-forward blocks. */
    public final LayerNorm norm1, norm2;
    private final Dropout dropout, dropout1, dropout2;
    private final UnaryOperator<Tensor> activation;
    private final String activationName;
    private final boolean normFirst, batchFirst;

    /**
     * PyTorch's defaults: feed-forward width 2048, dropout 0.1, relu, eps 1e-5, sequence first, post-norm.
     *
     * @param dModel the model's width
     * @param nHead  the number of attention heads; divides {@code dModel}
     */
    public TransformerEncoderLayer(int dModel, int nHead) {
        this(dModel, nHead, 2048, 0.1, "relu", 1e-5, false, false);
    }

    /**
     * An encoder layer with PyTorch's options.
     *
     * @param dModel         the model's width
     * @param nHead          the number of attention heads; divides {@code dModel}
     * @param dimFeedforward width of the feed-forward network
     * @param dropout        dropout probability of the attention weights and the three dropout layers
     * @param activation     "relu" or "gelu" (exact)
     * @param layerNormEps   ε of both layer norms
     * @param batchFirst     inputs are [N, L, dModel] rather than [L, N, dModel]
     * @param normFirst      pre-norm rather than post-norm
     */
    public TransformerEncoderLayer(int dModel, int nHead, int dimFeedforward, double dropout, String activation, double layerNormEps,
                                   boolean batchFirst, boolean normFirst) {
        this(dModel, nHead, dimFeedforward, dropout, activation, activationOf(activation), layerNormEps, batchFirst, normFirst);
    }

    /**
     * With any elementwise activation function, such as {@code x -> x.gelu(true)}.
     *
     * @param dModel         the model's width
     * @param nHead          the number of attention heads; divides {@code dModel}
     * @param dimFeedforward width of the feed-forward network
     * @param dropout        dropout probability of the attention weights and the three dropout layers
     * @param activation     the activation of the feed-forward network
     * @param layerNormEps   ε of both layer norms
     * @param batchFirst     inputs are [N, L, dModel] rather than [L, N, dModel]
     * @param normFirst      pre-norm rather than post-norm
     */
    public TransformerEncoderLayer(int dModel, int nHead, int dimFeedforward, double dropout, UnaryOperator<Tensor> activation,
                                   double layerNormEps, boolean batchFirst, boolean normFirst) {
        this(dModel, nHead, dimFeedforward, dropout, "custom", activation, layerNormEps, batchFirst, normFirst);
    }

    private TransformerEncoderLayer(int dModel, int nHead, int dimFeedforward, double dropout, String activationName,
                                    UnaryOperator<Tensor> activation, double layerNormEps, boolean batchFirst, boolean normFirst) {
        if (dimFeedforward < 1) throw new IllegalArgumentException("TransformerEncoderLayer: dimFeedforward must be positive, got " + dimFeedforward);
        Args.notNull("TransformerEncoderLayer", "activation", activation);
        selfAttn = registerModule("self_attn", new MultiheadAttention(dModel, nHead, dropout, true, batchFirst));
        linear1 = registerModule("linear1", new Linear(dModel, dimFeedforward));
        this.dropout = registerModule("dropout", new Dropout(dropout));
        linear2 = registerModule("linear2", new Linear(dimFeedforward, dModel));
        norm1 = registerModule("norm1", new LayerNorm(new int[] {dModel}, layerNormEps, true));
        norm2 = registerModule("norm2", new LayerNorm(new int[] {dModel}, layerNormEps, true));
        dropout1 = registerModule("dropout1", new Dropout(dropout));
        dropout2 = registerModule("dropout2", new Dropout(dropout));
        this.activation = Args.notNull("TransformerEncoderLayer", "activation", activation);
        this.activationName = activationName;
        this.normFirst = normFirst;
        this.batchFirst = batchFirst;
    }

    private static UnaryOperator<Tensor> activationOf(String name) {
        if (name == null) throw new IllegalArgumentException("TransformerEncoderLayer: activation is null");
        return switch (name) {
            case "relu" -> Tensor::relu;
            case "gelu" -> Tensor::gelu;
            default -> throw new IllegalArgumentException("TransformerEncoderLayer: activation must be \"relu\" or \"gelu\", got \"" + name + "\"");
        };
    }

    /** The layer on {@code src} with no mask. */
    @Override
    public Tensor forward(Tensor src) {
        return forward(src, null, null, false);
    }

    /**
     * The layer with masks, as {@link MultiheadAttention}'s: {@code srcMask} [L, L] or
     * [N·nHead, L, L] and {@code srcKeyPaddingMask} [N, L], bool (true = not allowed) or float
     * (added); {@code isCausal} forbids attending to later positions.
     *
     * @param src               the input sequence
     * @param srcMask           the attention mask, or null
     * @param srcKeyPaddingMask the key-padding mask, or null
     * @param isCausal          forbid attending to later positions
     * @return the output, of the input's shape
     */
    public Tensor forward(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask, boolean isCausal) {
        Args.input(this, src);
        int dModel = linear1.weight.size(1);
        if (src.dim() != 2 && src.dim() != 3 || src.size(-1) != dModel) {
            throw new IllegalArgumentException("TransformerEncoderLayer: expected src of shape " + (batchFirst ? "[N, L, " : "[L, N, ") + dModel
                    + "] or unbatched [L, " + dModel + "], got " + java.util.Arrays.toString(src.shape()));
        }
        Tensor x = src;
        if (normFirst) {
            x = x.add(selfAttention(norm1.call(x), srcMask, srcKeyPaddingMask, isCausal));
            x = x.add(feedForward(norm2.call(x)));
        } else {
            x = norm1.call(x.add(selfAttention(x, srcMask, srcKeyPaddingMask, isCausal)));
            x = norm2.call(x.add(feedForward(x)));
        }
        return x;
    }

    private Tensor selfAttention(Tensor x, Tensor mask, Tensor padding, boolean causal) {
        return dropout1.call(selfAttn.forward(x, x, x, padding, mask, causal, false, true).output());
    }

    private Tensor feedForward(Tensor x) {
        return dropout2.call(linear2.call(dropout.call(activation.apply(linear1.call(x)))));
    }

    @Override
    protected String extraRepr() {
        return "activation=" + activationName + (normFirst ? ", norm_first=true" : "") + (batchFirst ? ", batch_first=true" : "");
    }
}
