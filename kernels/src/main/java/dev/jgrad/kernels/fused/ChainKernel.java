package dev.jgrad.kernels.fused;

/**
 * One pass of an {@link ElementwiseChain} over a range of elements: every op of the chain for
 * element i before element i + 1, each input buffer read once, only the stored values written.
 * Made by {@link ElementwiseChain#compiled()} (a class generated for the chain) or
 * {@link ElementwiseChain#interpreted()} (block-wise); called by {@link ElementwiseChain#run}.
 *
 * <pre>{@code
 * ChainKernel k = chain.compiled();
 * k.run(buffers, offsets, scalars, 0, n - n % 16, n);   // elements [0, n): vectors, then a scalar tail
 * }</pre>
 */
public interface ChainKernel {
    /**
     * Runs the chain over elements {@code [from, to)}: {@code [from, vectorEnd)} with vector code
     * (a whole number of vectors; {@code vectorEnd == from} for none), the rest one by one.
     *
     * @param buffers   the chain's buffers, by index
     * @param offsets   the index of element 0 in each buffer
     * @param scalars   the chain's scalar operands, by index
     * @param from      the first element
     * @param vectorEnd where the vector part ends
     * @param to        one past the last element
     */
    void run(float[][] buffers, int[] offsets, float[] scalars, int from, int vectorEnd, int to);
}
