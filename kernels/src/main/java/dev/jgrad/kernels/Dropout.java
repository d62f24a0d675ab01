package dev.jgrad.kernels;

/**
 * Inverted dropout with {@link Philox} random numbers, the CPU twin of {@code dropout.cu}: for
 * element i, keep_i = {@code Philox.uniform(Philox.word(seed, offset, i)) >= p} (compared in
 * float), out_i = keep_i ? x_i·scale : 0 and mask_i = keep_i; backward dx_i = mask_i ? dy_i·scale : 0.
 * The caller gives scale (1 / (1 − p), or 0 for p = 1) in the element type, so every device
 * multiplies by the same number.
 *
 * <p>The fast paths work in whole Philox blocks (one block gives four consecutive elements'
 * numbers) and split the elements into chunks at multiples of four, so every chunk draws its own
 * blocks and the result does not depend on the number of threads.
 *
 * <pre>{@code
 * float p = 0.1f;
 * Dropout.forwardF32(x, 0, out, 0, mask, 0, n, p, 1 / (1 - p), seed, offset);
 * Dropout.backwardF32(dy, 0, mask, 0, dx, 0, n, 1 / (1 - p));
 * }</pre>
 */
public final class Dropout {
    private Dropout() {}

    /** Philox blocks drawn into a scratch array at a time: 4 KB of words, then used while in L1. */
    private static final int TILE_BLOCKS = 256;

    /**
     * The reference: element by element from the definition, through {@link Philox#word}.
     * {@code out} and {@code x} are float buffers of one type; {@code mask} (booleans) may be null.
     */
    public static void forwardReference(Buf x, int xOff, Buf out, int outOff, Buf mask, int maskOff, int n, float p, double scale,
                                        long seed, long offset) {
        for (int i = 0; i < n; i++) {
            boolean keep = Philox.uniform(Philox.word(seed, offset, i)) >= p;
            out.set(outOff + i, keep ? x.get(xOff + i) * scale : 0);
            if (mask != null) mask.set(maskOff + i, keep ? 1 : 0);
        }
    }

    /** The reference backward: dx_i = mask_i ? dy_i·scale : 0. */
    public static void backwardReference(Buf dy, int dyOff, Buf mask, int maskOff, Buf dx, int dxOff, int n, double scale) {
        for (int i = 0; i < n; i++) dx.set(dxOff + i, mask.get(maskOff + i) != 0 ? dy.get(dyOff + i) * scale : 0);
    }

    /**
     * out[outOff + i] = keep_i ? x[xOff + i]·scale : 0 and mask[maskOff + i] = keep_i for i &lt; n,
     * keep_i as in the class comment; {@code mask} may be null. Multi-threaded over chunks.
     */
    public static void forwardF32(float[] x, int xOff, float[] out, int outOff, boolean[] mask, int maskOff, int n, float p, float scale,
                                  long seed, long offset) {
        boolean simd = Simd.enabled;
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

    /** {@link #forwardF32} for float64 elements (the same float comparison with p). */
    public static void forwardF64(double[] x, int xOff, double[] out, int outOff, boolean[] mask, int maskOff, int n, float p,
                                  double scale, long seed, long offset) {
        forEachTile(n, seed, offset, (words, first, count) -> {
            for (int j = 0; j < count; j++) {
                int i = first + j;
                boolean keep = Philox.uniform(words[j]) >= p;
                out[outOff + i] = keep ? x[xOff + i] * scale : 0.0;
                if (mask != null) mask[maskOff + i] = keep;
            }
        });
    }

    /** dx[dxOff + i] = mask[maskOff + i] ? dy[dyOff + i]·scale : 0 for i &lt; n; multi-threaded over ranges. */
    public static void backwardF32(float[] dy, int dyOff, boolean[] mask, int maskOff, float[] dx, int dxOff, int n, float scale) {
        boolean simd = Simd.enabled;
        Parallel.forRange(n, n, (from, to) -> {
            int i = from;
            if (simd) i += DropoutVec.backward(dy, dyOff + from, mask, maskOff + from, dx, dxOff + from, to - from, scale);
            for (; i < to; i++) dx[dxOff + i] = mask[maskOff + i] ? dy[dyOff + i] * scale : 0f;
        });
    }

    /** {@link #backwardF32} for float64 elements. */
    public static void backwardF64(double[] dy, int dyOff, boolean[] mask, int maskOff, double[] dx, int dxOff, int n, double scale) {
        Parallel.forRange(n, n, (from, to) -> {
            for (int i = from; i < to; i++) dx[dxOff + i] = mask[maskOff + i] ? dy[dyOff + i] * scale : 0.0;
        });
    }

    /** Consumes the words of elements [first, first + count): {@code words[j]} is element first + j's. */
    @FunctionalInterface
    private interface TileBody {
        void run(int[] words, int first, int count);
    }

    /**
     * Splits the n elements' {@code ceil(n / 4)} Philox blocks over the pool and hands each
     * tile of words to {@code body}. The work estimate counts a block's ten rounds of two
     * 32×32-bit products and four xors, spread over its four elements, in the pool's unit (a
     * float operation of a vector loop): the scalar rounds cost several times the vector ones.
     */
    private static void forEachTile(int n, long seed, long offset, TileBody body) {
        int blocks = (int) ((n + 3L) / 4);
        boolean simd = Simd.enabled;
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
