package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * Adds the sinusoidal position encoding of "Attention Is All You Need" to a sequence, then
 * applies dropout: PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)).
 * As in the PyTorch tutorial's module of the same name, the table is a buffer {@code pe} of
 * shape [maxLen, 1, d] (so it moves with the module and appears in its state dict).
 *
 * <pre>{@code
 * var pos = new PositionalEncoding(64, 512, 0.1, true);
 * Tensor h = pos.forward(embedding.forward(tokens).mul(Math.sqrt(64)));   // [N, L, 64]
 * }</pre>
 */
public final class PositionalEncoding extends Module {
    private final Tensor pe;
    private final Dropout dropout;
    private final int dModel, maxLen;
    private final boolean batchFirst;

    /**
     * Sequences up to 5000 long, dropout 0.1, sequence first (the tutorial's defaults).
     *
     * @param dModel the model's width
     */
    public PositionalEncoding(int dModel) {
        this(dModel, 5000, 0.1, false);
    }

    /**
     * A sinusoidal positional encoding added to the input, then dropout.
     *
     * @param dModel     the model's width
     * @param maxLen     the longest sequence
     * @param dropout    probability of zeroing each output element, in training mode only
     * @param batchFirst inputs are [N, L, d] rather than [L, N, d] (an unbatched [L, d] works either way)
     */
    public PositionalEncoding(int dModel, int maxLen, double dropout, boolean batchFirst) {
        if (dModel < 1 || maxLen < 1) throw new IllegalArgumentException("PositionalEncoding: dModel and maxLen must be positive, got " + dModel + ", " + maxLen);
        if ((long) maxLen * dModel > Integer.MAX_VALUE - 8 || 12L * maxLen * dModel > Runtime.getRuntime().maxMemory()) {
            // maxLen * dModel overflowed an int: NegativeArraySizeException or ArrayIndexOutOfBounds
            throw new IllegalArgumentException("PositionalEncoding: a table of " + maxLen + " x " + dModel + " positions is more than the heap holds");
        }
        this.dModel = dModel;
        this.maxLen = maxLen;
        this.batchFirst = batchFirst;
        double[] table = new double[maxLen * dModel];
        for (int pos = 0; pos < maxLen; pos++) {
            for (int i = 0; i < dModel; i++) {
                double angle = pos * Math.exp((i / 2 * 2) * -Math.log(10000.0) / dModel);
                table[pos * dModel + i] = i % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
            }
        }
        pe = registerBuffer("pe", Tensor.of(table, maxLen, 1, dModel).to(dev.jgrad.tensor.DType.FLOAT32));
        this.dropout = registerModule("dropout", new Dropout(dropout));
    }

    /**
     * {@return the encoding table of the first {@code length} positions, [length, d]}
     *
     * @param length the number of positions, at most the maximum length
     */
    public Tensor table(int length) {
        return pe.narrow(0, 0, length).squeeze(1);
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        int d = x.dim();
        boolean ok = (d == 2 || d == 3) && x.size(-1) == dModel;
        int length = !ok ? -1 : d == 2 || !batchFirst ? x.size(0) : x.size(1);
        if (!ok || length > maxLen) {
            throw new IllegalArgumentException("PositionalEncoding: expected input " + (batchFirst ? "[N, L, " : "[L, N, ") + dModel + "] or [L, " + dModel
                    + "] with L <= " + maxLen + ", got " + Arrays.toString(x.shape()));
        }
        Tensor enc = table(length).to(x.dtype());                 // [L, d]
        if (d == 3) enc = batchFirst ? enc.unsqueeze(0) : enc.unsqueeze(1);
        return dropout.call(x.add(enc));
    }

    @Override
    protected String extraRepr() {
        return "dModel=" + dModel + ", maxLen=" + maxLen + (batchFirst ? ", batch_first=true" : "");
    }
}
