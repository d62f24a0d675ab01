package dev.jgrad.cuda;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the
 * counter-based generator of dropout.cu, in Java: the reference the GPU's masks are tested
 * against, and a way to reproduce a GPU dropout mask on the CPU.
 *
 * <pre>{@code
 * int[] words = Philox.block(0, 0, 0, 0, 0, 0);   // counter (0,0,0,0), key (0,0)
 * boolean keep = Philox.uniform(Philox.word(seed, offset, i)) >= p;   // element i's dropout decision
 * }</pre>
 */
public final class Philox {
    private Philox() {}

    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /** The four output words for counter (c0..c3) and key (k0, k1). */
    public static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xffffffffL) * (c0 & 0xffffffffL);
            long p1 = (M1 & 0xffffffffL) * (c2 & 0xffffffffL);
            int hi0 = (int) (p0 >>> 32), lo0 = (int) p0, hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
            int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
            c0 = n0;
            c1 = lo1;
            c2 = n2;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /** The word dropout.cu draws for element {@code i}: block i / 4, word i % 4, counter (i/4, 0, offset), key seed. */
    public static int word(long seed, long offset, long i) {
        int[] r = block((int) (i / 4), 0, (int) offset, (int) (offset >>> 32), (int) seed, (int) (seed >>> 32));
        return r[(int) (i % 4)];
    }

    /** A word's uniform number in [0, 1): its top 24 bits times 2^-24, as the kernels compute it. */
    public static float uniform(int word) {
        return (word >>> 8) * (1.0f / 16777216.0f);
    }
}
