package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Philox;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.DropoutRef;
import dev.jgrad.kernels.simd.DropoutVec;

/**
 * Inverted dropout in float32 with {@link Philox} random numbers, the CPU twin of
 * {@code dropout.cu}: for element i, keep_i = {@code Philox.uniform(Philox.word(seed, offset, i)) >= p}
 * (compared in float), out_i = keep_i ? x_i·scale : 0 and mask_i = keep_i; backward
 * dx_i = mask_i ? dy_i·scale : 0. The caller gives scale (1 / (1 − p), or 0 for p = 1) in the
 * element type, so every device multiplies by the same number. {@link DropoutRef} is the
 * element-by-element definition these loops must match exactly; {@link DropoutF64} is the float64
 * twin.
 *
 * <p>The loops work in whole Philox blocks (one block gives four consecutive elements' numbers)
 * and split the elements into chunks at multiples of four, so every chunk draws its own blocks and
 * the result does not depend on the number of threads.
 *
 * <pre>{@code
 * float p = 0.1f;
 * DropoutF32.forward(x, 0, out, 0, mask, 0, n, p, 1 / (1 - p), seed, offset);
 * DropoutF32.backward(dy, 0, mask, 0, dx, 0, n, 1 / (1 - p));
 * }</pre>
 */
public final class DropoutF32 {
    private DropoutF32() {}

    /** Philox blocks drawn into a scratch array at a time: 4 KB of words, then used while in L1. */
    private static final int TILE_BLOCKS = 256;

    /**
     * out[outOff + i] = keep_i ? x[xOff + i]·scale : 0 and mask[maskOff + i] = keep_i for i &lt; n,
     * keep_i as in the class comment; {@code mask} may be null. Multi-threaded over chunks.
     *
     * @param x       the input
     * @param xOff    index in {@code x} of the first element
     * @param out     receives the output
     * @param outOff  index in {@code out} of the first element
     * @param mask    receives keep_i for each element, or null
     * @param maskOff index in {@code mask} of the first element
     * @param n       number of elements
     * @param p       probability of dropping an element
     * @param scale   factor for the kept elements, 1/(1 − p) as the caller computes it
     * @param seed    the Philox stream's seed
     * @param offset  the Philox stream's offset
     */
    public static void forward(float[] x, int xOff, float[] out, int outOff, boolean[] mask, int maskOff, int n, float p, float scale,
                               long seed, long offset) {
        boolean simd = Simd.enabled();
        forEachTile(n, seed, offset, (words, first, count) -> {
            int j = simd ? DropoutVec.forward(words, x, xOff + first, out, outOff + first, mask, maskOff + first, count, p, scale) : 0;
            for (; j < count; j++) {
                int i = first + j;
                boolean keep = Philox.uniform(words[j]) >= p;
                out[outOff + i] = keep ? x[xOff + i] * scale : 0f;
                if (mask != null) mask[maskOff + i] = keep;
            }
        });
    }

    /**
     * dx[dxOff + i] = mask[maskOff + i] ? dy[dyOff + i]·scale : 0 for i &lt; n; multi-threaded over ranges.
     *
     * @param dy      the output gradient
     * @param dyOff   index in {@code dy} of the first element
     * @param mask    the forward pass's mask (true: kept)
     * @param maskOff index in {@code mask} of the first element
     * @param dx      receives the input gradient
     * @param dxOff   index in {@code dx} of the first element
     * @param n       number of elements
     * @param scale   the forward pass's factor for the kept elements
     */
    public static void backward(float[] dy, int dyOff, boolean[] mask, int maskOff, float[] dx, int dxOff, int n, float scale) {
        boolean simd = Simd.enabled();
        Parallel.forRange(n, n, (from, to) -> {
            int i = from;
            if (simd) i += DropoutVec.backward(dy, dyOff + from, mask, maskOff + from, dx, dxOff + from, to - from, scale);
            for (; i < to; i++) dx[dxOff + i] = mask[maskOff + i] ? dy[dyOff + i] * scale : 0f;
        });
    }

    /** Consumes the words of elements [first, first + count): {@code words[j]} is element first + j's. */
    @FunctionalInterface
    interface TileBody {
        void run(int[] words, int first, int count);
    }

    /**
     * Splits the n elements' {@code ceil(n / 4)} Philox blocks over the pool and hands each
     * tile of words to {@code body}. The work estimate counts a block's ten rounds of two
     * 32×32-bit products and four xors, spread over its four elements, in the pool's unit (a
     * float operation of a vector loop): the scalar rounds cost several times the vector ones.
     */
    static void forEachTile(int n, long seed, long offset, TileBody body) {
        int blocks = (int) ((n + 3L) / 4);
        boolean simd = Simd.enabled();
        Parallel.forRange(blocks, (simd ? 32L : 256L) * n, (fromBlock, toBlock) -> {
            int[] words = new int[4 * TILE_BLOCKS];
            for (int b = fromBlock; b < toBlock; b += TILE_BLOCKS) {
                int count = Math.min(TILE_BLOCKS, toBlock - b);
                int done = simd ? DropoutVec.philox(seed, offset, b, count, words, 0) : 0;
                Philox.fill(seed, offset, b + done, count - done, words, 4 * done);
                int first = 4 * b;
                body.run(words, first, Math.min(4 * count, n - first));
            }
        });
    }
}
