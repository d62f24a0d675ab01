package dev.jgrad.tensor;

/**
 * A seedable source of random numbers for {@code rand}, {@code randn}, {@code randint},
 * dropout masks and shuffling. The algorithm is fixed (SplitMix64), so a seed gives the same
 * numbers on every JVM and platform. Methods are synchronized: one generator may be shared by
 * threads, but the interleaving then decides who gets which numbers.
 *
 * <pre>{@code
 * Generator g = new Generator(42);
 * Tensor x = Tensor.randn(g, 2, 3);   // the same values on every run
 * }</pre>
 */
public final class Generator {
    /** The seed the default generator starts from, so programs are reproducible unless seeded otherwise. */
    public static final long DEFAULT_SEED = 0x5EED_2026L;

    private static final Generator DEFAULT = new Generator(DEFAULT_SEED);

    private long state;
    private double spareNormal = Double.NaN;

    /**
     * A generator starting from {@code seed}.
     *
     * @param seed the starting seed
     */
    public Generator(long seed) {
        manualSeed(seed);
    }

    /** {@return the process-wide generator that ops use when none is given} */
    public static Generator getDefault() {
        return DEFAULT;
    }

    /**
     * Restarts the sequence from {@code seed}.
     *
     * @param seed the new seed
     * @return this generator
     */
    public synchronized Generator manualSeed(long seed) {
        state = seed;
        spareNormal = Double.NaN;
        return this;
    }

    /**
     * The generator's whole state, to save and {@link #setState restore} later (PyTorch's
     * {@code get_state}): two longs, the SplitMix64 counter and the raw bits of the normal value
     * that {@link #nextGaussian} keeps from its last pair (a NaN when none is kept). A generator
     * restored from it continues with exactly the numbers this one would have given next.
     *
     * <pre>{@code
     * long[] saved = g.getState();
     * double a = g.nextGaussian();
     * g.setState(saved);
     * double b = g.nextGaussian();   // a == b
     * }</pre>
     *
     * @return the state, two longs
     */
    public synchronized long[] getState() {
        return new long[] {state, Double.doubleToRawLongBits(spareNormal)};
    }

    /**
     * Restores a state from {@link #getState()}; returns this.
     *
     * @param state a state from {@link #getState()}
     * @return this generator
     * @throws IllegalArgumentException when {@code state} is null, not two longs, or keeps a normal
     *                                  value that Box–Muller cannot produce (infinite)
     */
    public synchronized Generator setState(long[] state) {
        if (state == null) throw new IllegalArgumentException("Generator.setState: state is null");
        if (state.length != 2) {
            throw new IllegalArgumentException("Generator.setState: expected the 2 longs getState() gives (counter, kept normal), got " + state.length);
        }
        double spare = Double.longBitsToDouble(state[1]);
        if (Double.isInfinite(spare)) throw new IllegalArgumentException("Generator.setState: the kept normal value is " + spare + "; it must be finite or NaN (none)");
        this.state = state[0];
        this.spareNormal = Double.isNaN(spare) ? Double.NaN : spare;
        return this;
    }

    /** {@return 64 uniformly random bits (SplitMix64 step)} */
    public synchronized long nextLong() {
        Tape.hostRandom();
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Uniform in [0, 1), with 53 random bits.
     *
     * @return the number
     */
    public synchronized double nextDouble() {
        Tape.hostRandom();
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * Standard normal, by the Box–Muller transform (two values per pair of uniforms).
     *
     * @return the number
     */
    public synchronized double nextGaussian() {
        Tape.hostRandom();
        if (!Double.isNaN(spareNormal)) {
            double v = spareNormal;
            spareNormal = Double.NaN;
            return v;
        }
        double u1 = 1 - nextDouble();  // in (0, 1], so log is finite
        double u2 = nextDouble();
        double r = Math.sqrt(-2 * Math.log(u1));
        spareNormal = r * Math.sin(2 * Math.PI * u2);
        return r * Math.cos(2 * Math.PI * u2);
    }

    /**
     * {@return a uniformly random permutation of 0…n−1 (Fisher–Yates), like PyTorch's {@code randperm}}
     *
     * @param n the number of elements
     */
    public synchronized int[] permutation(int n) {
        Tape.hostRandom();
        if (n < 0) throw new IllegalArgumentException("permutation: n must be >= 0, got " + n);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int) nextLong(0, i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * Uniform integer in [low, high).
     *
     * @param low  the smallest value
     * @param high one past the largest value
     * @return the number
     */
    public synchronized long nextLong(long low, long high) {
        Tape.hostRandom();
        if (high <= low) throw new IllegalArgumentException("random range is empty: [" + low + ", " + high + ")");
        long span = high - low;
        if (span > 0) return low + Math.floorMod(nextLong(), span);
        // the span overflows a long (e.g. [Long.MIN_VALUE, Long.MAX_VALUE)): draw until a value falls inside
        while (true) {
            long v = nextLong();
            if (v >= low && v < high) return v;
        }
    }
}
