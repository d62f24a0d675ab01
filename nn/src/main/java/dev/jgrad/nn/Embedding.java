package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * A lookup table: row i of the weight [num, dim] (N(0, 1) at start, as PyTorch) for each
 * integer index i. With a padding index (PyTorch's {@code padding_idx}) that row starts at zero
 * and receives no gradient, so it stays what it is (zero, or what a checkpoint loaded) while
 * training: the vector of the padding token.
 *
 * <pre>{@code
 * Embedding emb = new Embedding(65, 32);
 * Tensor vectors = emb.forward(tokens);   // tokens [batch, seq] -> [batch, seq, 32]
 * Embedding padded = new Embedding(65, 32, 0);   // token 0 pads: its row is 0 and never trained
 * }</pre>
 */
public final class Embedding extends Module {
    /** The table of vectors [num, dim], initialised from N(0, 1). */
    public final Tensor weight;
    /** The padding row in [0, num), or −1 for none. */
    private final int paddingIdx;

    /**
     * A table of {@code num} vectors of size {@code dim}.
     *
     * @param num the number of vectors (valid indices are [0, num))
     * @param dim the size of each vector
     */
    public Embedding(int num, int dim) {
        this(num, dim, null);
    }

    /**
     * A table whose row {@code paddingIdx} (in [−num, num); a negative index counts from the end,
     * as in PyTorch) starts at zero and gets no gradient.
     *
     * @param num        the number of vectors (valid indices are [0, num))
     * @param dim        the size of each vector
     * @param paddingIdx the padding row, in [−num, num)
     * @throws IllegalArgumentException for non-positive sizes or a padding index outside [−num, num)
     */
    public Embedding(int num, int dim, int paddingIdx) {
        this(num, dim, Integer.valueOf(paddingIdx));
    }

    private Embedding(int num, int dim, Integer paddingIdx) {
        if (num < 1 || dim < 1) throw new IllegalArgumentException("Embedding: sizes must be positive, got " + num + " x " + dim);
        if (paddingIdx != null && (paddingIdx < -num || paddingIdx >= num)) {
            throw new IllegalArgumentException("Embedding: paddingIdx must be in [" + -num + ", " + num + ") for " + num + " rows, got " + paddingIdx);
        }
        this.paddingIdx = paddingIdx == null ? -1 : paddingIdx < 0 ? paddingIdx + num : paddingIdx;
        Tensor w = Init.normal(Tensor.zeros(num, dim), 0, 1);
        if (this.paddingIdx >= 0) w.select(0, this.paddingIdx).fill(0);
        weight = registerParameter("weight", w);
    }

    /** {@return the padding row in [0, num), or −1 when there is none} */
    public int paddingIdx() {
        return paddingIdx;
    }

    @Override
    public Tensor forward(Tensor indices) {
        Args.input(this, indices);
        Tensor rows = Tensor.embedding(indices, weight);
        if (paddingIdx < 0) return rows;
        // the padding positions read the row's current value as a constant, so no gradient reaches it from them
        Tensor isPadding = indices.eq(paddingIdx).unsqueeze(-1);
        return Tensor.where(isPadding, weight.detach().select(0, paddingIdx), rows);
    }

    @Override
    protected String extraRepr() {
        return weight.size(0) + ", " + weight.size(1) + (paddingIdx >= 0 ? ", paddingIdx=" + paddingIdx : "");
    }
}
