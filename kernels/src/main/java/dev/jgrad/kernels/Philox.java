package dev.jgrad.kernels;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): the
 * counter-based generator behind dropout on both devices. A block is a pure function of a
 * 128-bit counter and a 64-bit key, so any element's random number can be computed alone, in
 * any order, on any thread — a CPU dropout mask equals the GPU's for the same (seed, offset).
 *
 * <p>Element {@code i} of a stream (seed, offset) uses word {@code i % 4} of the block with
 * counter (i / 4, 0, offset_lo, offset_hi) and key (seed_lo, seed_hi); its uniform number is the
 * word's top 24 bits times 2^-24, a float in [0, 1). {@code dropout.cu} draws exactly these.
 *
 * <pre>{@code
 * int[] words = Philox.block(0, 0, 0, 0, 0, 0);   // counter (0,0,0,0), key (0,0)
 * boolean keep = Philox.uniform(Philox.word(seed, offset, i)) >= p;   // element i's dropout decision
 * }</pre>
 */
public final class Philox {
    private Philox() {}

    /** The round multipliers (M0, M1) and the key increments (the Weyl constants W0, W1) of Philox4x32. */
    public static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    private static final long LOW = 0xffffffffL;

    /**
     * {@return the four output words for counter (c0..c3) and key (k0, k1), all read as unsigned 32-bit}
     *
     * @param c0 counter word 0
     * @param c1 counter word 1
     * @param c2 counter word 2
     * @param c3 counter word 3
     * @param k0 key word 0
     * @param k1 key word 1
     */
    public static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & LOW) * (c0 & LOW), p1 = (M1 & LOW) * (c2 & LOW);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0, n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c0 = n0;
            c1 = (int) p1;
            c2 = n2;
            c3 = (int) p0;
            k0 += W0;
            k1 += W1;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /**
     * {@return the word element {@code i} of stream (seed, offset) draws: block i / 4, word i % 4}
     *
     * @param seed   the stream's seed (the key)
     * @param offset the stream's offset (the high counter words)
     * @param i      the element's index
     */
    public static int word(long seed, long offset, long i) {
        return block((int) (i / 4), 0, (int) offset, (int) (offset >>> 32), (int) seed, (int) (seed >>> 32))[(int) (i % 4)];
    }

    /**
     * {@return a word's uniform number in [0, 1): its top 24 bits times 2^-24, as the kernels compute it}
     *
     * @param word a Philox output word
     */
    public static float uniform(int word) {
        return (word >>> 8) * (1.0f / 16777216.0f);
    }

    /**
     * Words {@code 4·first .. 4·(first + blocks)} of stream (seed, offset) into {@code out} from
     * {@code outOff}: whole blocks, no allocation — what the fast kernels loop over.
     *
     * @param seed   the stream's seed (the key)
     * @param offset the stream's offset (the high counter words)
     * @param first  the first block
     * @param blocks the number of blocks
     * @param out    receives 4·blocks words
     * @param outOff the index in {@code out} of the first word
     */
    public static void fill(long seed, long offset, int first, int blocks, int[] out, int outOff) {
        int k0 = (int) seed, k1 = (int) (seed >>> 32), c2 = (int) offset, c3 = (int) (offset >>> 32);
        for (int b = 0; b < blocks; b++) {
            int x0 = first + b, x1 = 0, x2 = c2, x3 = c3, key0 = k0, key1 = k1;
            for (int round = 0; round < 10; round++) {
                long p0 = (M0 & LOW) * (x0 & LOW), p1 = (M1 & LOW) * (x2 & LOW);
                int n0 = (int) (p1 >>> 32) ^ x1 ^ key0, n2 = (int) (p0 >>> 32) ^ x3 ^ key1;
                x0 = n0;
                x1 = (int) p1;
                x2 = n2;
                x3 = (int) p0;
                key0 += W0;
                key1 += W1;
            }
            int o = outOff + 4 * b;
            out[o] = x0;
            out[o + 1] = x1;
            out[o + 2] = x2;
            out[o + 3] = x3;
        }
    }
}
