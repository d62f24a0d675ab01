package dev.jgrad.kernels;

/**
 * A flat typed Java array read and written through double-precision accessors.
 *
 * <p>Reference kernels are written once against this interface and so serve every dtype;
 * they compute in double and round on store. Integer values above 2^53 lose precision through
 * {@link #get}; kernels that move indices use {@link #getLong}.
 *
 * <pre>{@code
 * Buf b = new Buf.F32(new float[] {1, 2});
 * b.set(0, b.get(1) * 3);   // b = [6, 2]
 * }</pre>
 */
public sealed interface Buf permits Buf.F32, Buf.F64, Buf.I64, Buf.I32, Buf.Bool {

    /** Number of elements. */
    int length();

    /** Element {@code i} as a double (booleans read as 0 or 1). */
    double get(int i);

    /** Stores {@code v} at {@code i}, rounding (floats), truncating (integers) or testing {@code v != 0} (bool). */
    void set(int i, double v);

    /** Element {@code i} as a long; exact for integer buffers. */
    default long getLong(int i) {
        return (long) get(i);
    }

    /** Stores {@code values[i]} at every {@code i < values.length} (kernels accumulate in double, then store once). */
    default void setAll(double[] values) {
        for (int i = 0; i < values.length; i++) set(i, values[i]);
    }

    /** A zero-filled buffer of the same element type. */
    Buf allocate(int n);

    /** The backing Java array ({@code float[]}, {@code double[]}, {@code long[]}, {@code int[]} or {@code boolean[]}). */
    Object array();

    /** float32 elements. */
    record F32(float[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return data[i]; }
        public void set(int i, double v) { data[i] = (float) v; }
        public Buf allocate(int n) { return new F32(new float[n]); }
        public Object array() { return data; }
    }

    /** float64 elements. */
    record F64(double[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return data[i]; }
        public void set(int i, double v) { data[i] = v; }
        public Buf allocate(int n) { return new F64(new double[n]); }
        public Object array() { return data; }
    }

    /** int64 elements. */
    record I64(long[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return data[i]; }
        public void set(int i, double v) { data[i] = (long) v; }
        @Override public long getLong(int i) { return data[i]; }
        public Buf allocate(int n) { return new I64(new long[n]); }
        public Object array() { return data; }
    }

    /** int32 elements. */
    record I32(int[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return data[i]; }
        public void set(int i, double v) { data[i] = (int) v; }
        @Override public long getLong(int i) { return data[i]; }
        public Buf allocate(int n) { return new I32(new int[n]); }
        public Object array() { return data; }
    }

    /** Boolean elements (masks). */
    record Bool(boolean[] data) implements Buf {
        public int length() { return data.length; }
        public double get(int i) { return data[i] ? 1 : 0; }
        public void set(int i, double v) { data[i] = v != 0; }
        public Buf allocate(int n) { return new Bool(new boolean[n]); }
        public Object array() { return data; }
    }
}
