package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;
import java.util.Map;

/**
 * The small causal Transformer language model of {@code tools/oracle/generate_checkpoint.py}, built from
 * jgrad's modules under the names PyTorch's model uses, so its checkpoint loads by name:
 * {@code tok_emb}, {@code pos_emb} (learned positions), {@code encoder} (a pre-norm
 * {@link TransformerEncoder} with a final norm) and {@code head}.
 */
final class TinyLM extends Module {
    final Embedding tokEmb;
    final Embedding posEmb;
    final TransformerEncoder encoder;
    final Linear head;

    /** The model the checkpoint's metadata describes (the sizes PyTorch's model was built with). */
    TinyLM(Map<String, String> meta) {
        int vocab = integer(meta, "vocab_size"), context = integer(meta, "context"), d = integer(meta, "d_model");
        int heads = integer(meta, "nhead"), ff = integer(meta, "dim_feedforward"), layers = integer(meta, "num_layers");
        double eps = Double.parseDouble(meta.get("layer_norm_eps"));
        boolean normFirst = Boolean.parseBoolean(meta.get("norm_first"));
        String activation = meta.get("activation");
        tokEmb = registerModule("tok_emb", new Embedding(vocab, d));
        posEmb = registerModule("pos_emb", new Embedding(context, d));
        encoder = registerModule("encoder", new TransformerEncoder(
                i -> new TransformerEncoderLayer(d, heads, ff, 0.0, activation, eps, true, normFirst), layers, new LayerNorm(new int[] {d}, eps, true)));
        head = registerModule("head", new Linear(d, vocab));
    }

    private static int integer(Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null) throw new IllegalArgumentException("TinyLM: the checkpoint's metadata has no \"" + key + "\"");
        return Integer.parseInt(v);
    }

    /** Logits [N, L, vocab] of token ids [N, L], each position attending to itself and the ones before. */
    @Override
    public Tensor forward(Tensor tokens) {
        int length = tokens.size(1);
        Tensor h = tokEmb.call(tokens).add(posEmb.call(Tensor.arange(length)));
        return head.call(encoder.forward(h, null, null, true));
    }
}
