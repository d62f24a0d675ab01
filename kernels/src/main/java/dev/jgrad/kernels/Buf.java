package dev.jgrad.kernels;

/**
 * A flat typed Java array read and written through double-precision or long accessors.
 *
 * <p>Reference kernels are written once against this interface and so serve every dtype. Floating
 * operands compute in double and round on store; integer and bool operands ({@link #integral()})
 * compute in long through {@link #getLong}/{@link #setLong}, so every int64 value is exact (a
 * double holds integers exactly only up to 2^53) and overflow wraps as Java's (and PyTorch's)
 * two's-complement integers do.
 *
 * <pre>{@code
 * Buf b = new Buf.F32(new float[] {1, 2});
 * b.set(0, b.get(1) * 3);   // b = [6, 2]
 * Buf n = new Buf.I64(new long[] {(1L << 53) + 1});
 * n.setLong(0, n.getLong(0) + 1);   // 2^53 + 2, exactly
 * Buf h = new Buf.BF16(new short[1]);
 * h.set(0, 1.0 / 3);   // stored as the bfloat16 nearest (float) (1.0 / 3): 0.333984375
 * }</pre>
 *
 * <p>The 16-bit floats ({@link F16}, {@link BF16}) hold raw bits in a {@code short[]}; they read
 * as the exact float value and store through float32, rounded by {@link Half} as PyTorch rounds.
 */
public sealed interface Buf permits Buf.F32, Buf.F64, Buf.I64, Buf.I32, Buf.Bool, Buf.F16, Buf.BF16 {

    /** {@return number of elements} */
    int length();

    /**
     * {@return element {@code i} as a double (booleans read as 0 or 1; int64 values above 2^53 are rounded)}
     *
     * @param i the element's index
     */
    double get(int i);

    /**
     * Stores {@code v} at {@code i}, rounding (floats), truncating toward zero (integers, saturating as
     * Java's casts) or testing {@code v != 0} (bool).
     *
     * @param i the element's index
     * @param v the value to store
     */
    void set(int i, double v);

    /**
     * {@return element {@code i} as a long: exact for the integer and bool buffers; floats truncate toward
     * zero as Java's {@code (long)} cast does}
     *
     * @param i the element's index
     */
    long getLong(int i);

    /**
     * Stores {@code v} at {@code i}: int64 exactly; int32 keeps the low 32 bits (two's-complement
     * wrap, as Java's {@code (int)} and PyTorch's cast); bool tests {@code v != 0}; floats round
     * once to the nearest value.
     *
     * @param i the element's index
     * @param v the value to store
     */
    void setLong(int i, long v);

    /** {@return true for int64, int32 and bool: every element is exact as a long, so kernels compute these in long} */
    boolean integral();

    /**
     * Stores {@code values[i]} at every {@code i < values.length} (kernels accumulate in double, then store
     * once).
     *
     * @param values one value per element, at least {@link #length()} of them
     */
    default void setAll(double[] values) {
        for (int i = 0; i < values.length; i++) set(i, values[i]);
    }

    /**
     * {@return a zero-filled buffer of the same element type}
     *
     * @param n the number of elements
     */
    Buf allocate(int n);

    /**
     * {@return the backing Java array ({@code float[]}, {@code double[]}, {@code long[]}, {@code int[]},
     * {@code boolean[]}, or {@code short[]} of 16-bit float bits)}
     */
    Object array();

    /**
     * float32 elements.
     *
     * @param data the elements
     */
    record F32(float[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return data[i]; }
        public void set(int i, double v) { data[i] = (float) v; }
        public long getLong(int i) { return (long) data[i]; }
        public void setLong(int i, long v) { data[i] = v; }
        public boolean integral() { return false; }
        public Buf allocate(int n) { return new F32(new float[n]); }
        public Object array() { return data; }
    }

    /**
     * float64 elements.
     *
     * @param data the elements
     */
    record F64(double[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return data[i]; }
        public void set(int i, double v) { data[i] = v; }
        public long getLong(int i) { return (long) data[i]; }
        public void setLong(int i, long v) { data[i] = v; }
        public boolean integral() { return false; }
        public Buf allocate(int n) { return new F64(new double[n]); }
        public Object array() { return data; }
    }

    /**
     * int64 elements.
     *
     * @param data the elements
     */
    record I64(long[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return data[i]; }
        public void set(int i, double v) { data[i] = (long) v; }
        public long getLong(int i) { return data[i]; }
        public void setLong(int i, long v) { data[i] = v; }
        public boolean integral() { return true; }
        public Buf allocate(int n) { return new I64(new long[n]); }
        public Object array() { return data; }
    }

    /**
     * int32 elements.
     *
     * @param data the elements
     */
    record I32(int[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return data[i]; }
        public void set(int i, double v) { data[i] = (int) v; }
        public long getLong(int i) { return data[i]; }
        public void setLong(int i, long v) { data[i] = (int) v; }
        public boolean integral() { return true; }
        public Buf allocate(int n) { return new I32(new int[n]); }
        public Object array() { return data; }
    }

    /**
     * Boolean elements (masks).
     *
     * @param data the elements
     */
    record Bool(boolean[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return data[i] ? 1 : 0; }
        public void set(int i, double v) { data[i] = v != 0; }
        public long getLong(int i) { return data[i] ? 1 : 0; }
        public void setLong(int i, long v) { data[i] = v != 0; }
        public boolean integral() { return true; }
        public Buf allocate(int n) { return new Bool(new boolean[n]); }
        public Object array() { return data; }
    }

    /**
     * float16 elements, as IEEE binary16 bits; stores round through float32 to nearest even ({@link Half#floatToF16}).
     *
     * @param data the bits, one element each
     */
    record F16(short[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return Half.f16ToFloat(data[i]); }
        public void set(int i, double v) { data[i] = Half.floatToF16((float) v); }
        public long getLong(int i) { return (long) Half.f16ToFloat(data[i]); }
        public void setLong(int i, long v) { data[i] = Half.floatToF16((float) v); }
        public boolean integral() { return false; }
        public Buf allocate(int n) { return new F16(new short[n]); }
        public Object array() { return data; }
    }

    /**
     * bfloat16 elements, as the upper 16 bits of a float32; stores round through float32 to nearest even ({@link Half#floatToBf16}).
     *
     * @param data the bits, one element each
     */
    record BF16(short[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return Half.bf16ToFloat(data[i]); }
        public void set(int i, double v) { data[i] = Half.floatToBf16((float) v); }
        public long getLong(int i) { return (long) Half.bf16ToFloat(data[i]); }
        public void setLong(int i, long v) { data[i] = Half.floatToBf16((float) v); }
        public boolean integral() { return false; }
        public Buf allocate(int n) { return new BF16(new short[n]); }
        public Object array() { return data; }
    }
}
