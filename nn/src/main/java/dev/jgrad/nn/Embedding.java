package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * A lookup table: row i of the weight [num, dim] (N(0, 1) at start, as PyTorch) for each
 * integer index i.
 *
 * <pre>{@code
 * Embedding emb = new Embedding(65, 32);
 * Tensor vectors = emb.forward(tokens);   // tokens [batch, seq] -> [batch, seq, 32]
 * }</pre>
 */
public final class Embedding extends Module {
    /** The table of vectors [num, dim], initialised from N(0, 1). */
    public final Tensor weight;

    /**
     * A table of {@code num} vectors of size {@code dim}.
     *
     * @param num the number of vectors (valid indices are [0, num))
     * @param dim the size of each vector
     */
    public Embedding(int num, int dim) {
        if (num < 1 || dim < 1) throw new IllegalArgumentException("Embedding: sizes must be positive, got " + num + " x " + dim);
        weight = registerParameter("weight", Init.normal(Tensor.zeros(num, dim), 0, 1));
    }

    @Override
    public Tensor forward(Tensor indices) {
        Args.input(this, indices);
        return Tensor.embedding(indices, weight);
    }

    @Override
    protected String extraRepr() {
        return weight.size(0) + ", " + weight.size(1);
    }
}
