package dev.jgrad.bench;

import dev.jgrad.nn.Embedding;
import dev.jgrad.nn.Init;
import dev.jgrad.nn.LayerNorm;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.TransformerEncoder;
import dev.jgrad.nn.TransformerEncoderLayer;
import dev.jgrad.nn.optim.AdamW;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;

/**
 * A GPT-2-shaped language model built from jgrad's nn modules: token embedding plus a learned
 * positional embedding, {@code layers} pre-norm {@link TransformerEncoderLayer}s (causal
 * self-attention through the fused attention op, GELU feed-forward of width 4·width, no dropout),
 * a final LayerNorm and the vocabulary head — tied to the token embedding (GPT-2's choice: logits
 * = x·wteᵀ) or an untied bias-free {@link Linear}. Embeddings start as N(0, 0.02²), as GPT-2's.
 * bench/python/gpt_step.py builds the same model in PyTorch.
 *
 * <pre>{@code
 * Gpt model = new Gpt(Gpt.Config.gpt2Small(true));
 * Optimizer opt = model.adamW(6e-4);
 * double loss = model.trainStep(tokens, targets, opt);   // tokens, targets: int64 [batch, seq]
 * }</pre>
 */
public final class Gpt extends Module {
    /** Model sizes; {@code tied}: the head reuses the token embedding. */
    public record Config(int vocab, int context, int layers, int width, int heads, boolean tied) {
        /** GPT-2 small: 50257 tokens, 1024 positions, 12 layers, 768 wide, 12 heads (124M parameters tied, 163M untied). */
        public static Config gpt2Small(boolean tied) {
            return new Config(50257, 1024, 12, 768, 12, tied);
        }
    }

    public final Config config;
    private final Embedding wte, wpe;
    private final TransformerEncoder blocks;
    private final LayerNorm lnF;
    private final Linear head;
    private Tensor positions;

    public Gpt(Config c) {
        this.config = c;
        wte = registerModule("wte", new Embedding(c.vocab(), c.width()));
        wpe = registerModule("wpe", new Embedding(c.context(), c.width()));
        Init.normal(wte.weight, 0, 0.02);
        Init.normal(wpe.weight, 0, 0.02);
        blocks = registerModule("h", new TransformerEncoder(
                i -> new TransformerEncoderLayer(c.width(), c.heads(), 4 * c.width(), 0.0, "gelu", 1e-5, true, true), c.layers()));
        lnF = registerModule("ln_f", new LayerNorm(c.width()));
        head = c.tied() ? null : registerModule("lm_head", new Linear(c.width(), c.vocab(), false));
    }

    /** Logits [batch, seq, vocab] for int64 tokens [batch, seq]; position t sees tokens 0..t only. */
    @Override
    public Tensor forward(Tensor tokens) {
        int t = tokens.size(1);
        if (t > config.context()) throw new IllegalArgumentException("Gpt: sequence of " + t + " tokens is longer than the context " + config.context());
        Tensor x = wte.forward(tokens).add(wpe.forward(positions(t, tokens.device())));
        x = blocks.forward(x, null, null, true);
        x = lnF.forward(x);
        return head == null ? x.matmul(wte.weight.t()) : head.forward(x);
    }

    private Tensor positions(int t, Device d) {
        if (positions == null || positions.size(0) != t || !positions.device().equals(d)) positions = Tensor.arange(t).to(d);
        return positions;
    }

    /** Mean cross-entropy of the next-token predictions: logits of tokens against targets, both [batch, seq]. */
    public Tensor loss(Tensor tokens, Tensor targets) {
        Tensor logits = forward(tokens);
        int n = tokens.size(0) * tokens.size(1);
        return Losses.crossEntropy(logits.reshape(n, config.vocab()), targets.reshape(n));
    }

    /** AdamW as GPT-2 trainings use it: betas (0.9, 0.95), eps 1e-8, weight decay 0.1. */
    public Optimizer adamW(double lr) {
        return new AdamW(parameters(), lr, 0.9, 0.95, 1e-8, 0.1, false);
    }

    /** One training step (zero the gradients, forward, cross-entropy, backward, optimizer step); returns the loss (a device sync). */
    public double trainStep(Tensor tokens, Tensor targets, Optimizer opt) {
        opt.zeroGrad();
        Tensor loss = loss(tokens, targets);
        loss.backward();
        opt.step();
        return loss.item();
    }
}
