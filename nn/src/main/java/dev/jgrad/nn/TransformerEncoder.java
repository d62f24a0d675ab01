package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A stack of {@link TransformerEncoderLayer}s and an optional final norm, PyTorch's
 * {@code nn.TransformerEncoder}. The layers are children {@code layers.0}, {@code layers.1}, …
 * and the norm is {@code norm}, so parameter names match PyTorch's
 * ({@code layers.0.self_attn.in_proj_weight}, …). PyTorch deep-copies one layer, so its layers
 * start equal; here a factory makes each one, so they start independently initialised.
 *
 * <pre>{@code
 * var encoder = new TransformerEncoder(
 *         i -> new TransformerEncoderLayer(64, 4, 256, 0.1, "gelu", 1e-5, true, true), 3, new LayerNorm(64));
 * Tensor y = encoder.forward(x, null, null, true);   // causal, x [N, L, 64]
 * }</pre>
 */
public final class TransformerEncoder extends Module {
    private final List<TransformerEncoderLayer> layers = new ArrayList<>();
    private final LayerNorm norm;

    /**
     * {@code numLayers} layers made by {@code layer} (given the index), no final norm.
     *
     * @param layer     makes layer i
     * @param numLayers the number of layers
     */
    public TransformerEncoder(IntFunction<TransformerEncoderLayer> layer, int numLayers) {
        this(layer, numLayers, null);
    }

    /**
     * {@code numLayers} layers made by {@code layer} (given the index), then {@code norm} (may be null).
     *
     * @param layer     makes layer i
     * @param numLayers the number of layers
     * @param norm      the final layer norm, or null
     */
    public TransformerEncoder(IntFunction<TransformerEncoderLayer> layer, int numLayers, LayerNorm norm) {
        if (numLayers < 1) throw new IllegalArgumentException("TransformerEncoder: numLayers must be positive, got " + numLayers);
        if (layer == null) throw new IllegalArgumentException("TransformerEncoder: the layer factory is null");
        ModuleList list = registerModule("layers", new ModuleList());
        for (int i = 0; i < numLayers; i++) {
            TransformerEncoderLayer l = layer.apply(i);
            if (l == null) throw new IllegalArgumentException("TransformerEncoder: the layer factory returned null for layer " + i);
            if (i == 0) checkSize(l, numLayers);
            layers.add(list.add(l));
        }
        this.norm = norm == null ? null : registerModule("norm", norm);
    }

    /** Refuses, after the first layer, a stack whose parameters cannot fit in the heap (instead of building layers until OutOfMemoryError). */
    private static void checkSize(TransformerEncoderLayer first, int numLayers) {
        long bytes = 0;
        for (Tensor p : first.parameters()) bytes += (long) p.numel() * p.dtype().byteSize();
        long max = Runtime.getRuntime().maxMemory();
        if ((double) bytes * numLayers > max) {
            throw new IllegalArgumentException("TransformerEncoder: " + numLayers + " layers of " + bytes + " bytes of parameters each are more than"
                    + " the Java heap holds (" + (max >> 20) + " MiB)");
        }
    }

    /** {@return the layers, in order} */
    public List<TransformerEncoderLayer> layers() {
        return List.copyOf(layers);
    }

    /** The encoder on {@code src} with no mask. */
    @Override
    public Tensor forward(Tensor src) {
        return forward(src, null, null, false);
    }

    /**
     * Every layer with the same masks (see {@link TransformerEncoderLayer#forward(Tensor, Tensor, Tensor,
     * boolean)}), then the norm.
     *
     * @param src               the input sequence
     * @param mask              the attention mask, or null
     * @param srcKeyPaddingMask the key-padding mask, or null
     * @param isCausal          forbid attending to later positions
     * @return the encoded sequence
     */
    public Tensor forward(Tensor src, Tensor mask, Tensor srcKeyPaddingMask, boolean isCausal) {
        Args.input(this, src);
        Tensor x = src;
        for (TransformerEncoderLayer l : layers) x = l.forward(x, mask, srcKeyPaddingMask, isCausal);
        return norm == null ? x : norm.call(x);
    }

    /** A plain indexed container, PyTorch's ModuleList: children "0", "1", …. */
    private static final class ModuleList extends Module {
        private int size;

        <M extends Module> M add(M m) {
            return registerModule(Integer.toString(size++), m);
        }

        @Override
        public Tensor forward(Tensor input) {
            throw new UnsupportedOperationException("ModuleList has no forward; call its layers");
        }
    }
}
