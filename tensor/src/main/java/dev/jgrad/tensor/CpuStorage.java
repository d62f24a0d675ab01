package dev.jgrad.tensor;

import dev.jgrad.kernels.Buf;

/**
 * Elements on the Java heap, in a typed array wrapped as a {@link Buf}. A storage that allocated
 * its array itself gives it to the {@link HeapArrayPool} when its last tensor is closed; one over a
 * caller's array never does.
 */
final class CpuStorage extends Storage {
    /** The elements; null once freed, so that the collector may take the array while closed tensors are still referenced. */
    private Buf buf;
    private final DType dtype;
    private final int length;
    /** Whether the array is this storage's own (allocated here, never handed out), so that freeing may pool it. */
    private boolean ownsArray;
    /** The recording that noted this storage ({@link Tape#allocated}), which then owns its array: never pooled, kept when freed. */
    Tape tape;

    CpuStorage(Buf buf, DType dtype) {
        this.buf = buf;
        this.dtype = dtype;
        this.length = buf.length();
        countOpened();
    }

    /** A zero-filled storage of n elements: a pooled array zeroed, or a new one. */
    static CpuStorage allocate(DType dtype, int n) {
        Object pooled = HeapArrayPool.take(dtype, n);
        if (pooled != null) HeapArrayPool.zero(pooled);
        CpuStorage s = owning(dtype, pooled != null ? pooled : newArray(dtype, n));
        Tape.allocated(s, true);
        return s;
    }

    /**
     * A storage of n elements whose values are unspecified (a pooled array keeps what it held):
     * for ops that write every element before anything reads one.
     */
    static CpuStorage allocateUninitialized(DType dtype, int n) {
        Object pooled = HeapArrayPool.take(dtype, n);
        CpuStorage s = owning(dtype, pooled != null ? pooled : newArray(dtype, n));
        Tape.allocated(s, false);
        return s;
    }

    private static Object newArray(DType dtype, int n) {
        return switch (dtype) {
            case FLOAT32 -> new float[n];
            case FLOAT64 -> new double[n];
            case INT64 -> new long[n];
            case INT32 -> new int[n];
            case BOOL -> new boolean[n];
            case FLOAT16, BFLOAT16 -> new short[n];
        };
    }

    private static CpuStorage owning(DType dtype, Object array) {
        Buf buf = switch (dtype) {
            case FLOAT32 -> new Buf.F32((float[]) array);
            case FLOAT64 -> new Buf.F64((double[]) array);
            case INT64 -> new Buf.I64((long[]) array);
            case INT32 -> new Buf.I32((int[]) array);
            case BOOL -> new Buf.Bool((boolean[]) array);
            case FLOAT16 -> new Buf.F16((short[]) array);
            case BFLOAT16 -> new Buf.BF16((short[]) array);
        };
        CpuStorage s = new CpuStorage(buf, dtype);
        s.ownsArray = true;
        return s;
    }

    /**
     * The array itself, for a caller that keeps it ({@code toFloatArray()} and friends): it is
     * no longer this storage's own, so freeing the storage will not pool it.
     */
    Object surrenderArray() {
        Tape.reached(this);
        ownsArray = false;
        return buf().array();
    }

    /** Wraps the raw bits of a 16-bit float type ({@code FLOAT16} or {@code BFLOAT16}) without copying. */
    static CpuStorage wrapHalf(short[] bits, DType dtype) {
        return switch (dtype) {
            case FLOAT16 -> new CpuStorage(new Buf.F16(bits), dtype);
            case BFLOAT16 -> new CpuStorage(new Buf.BF16(bits), dtype);
            default -> throw new IllegalArgumentException("16-bit float bits: dtype must be FLOAT16 or BFLOAT16, got " + dtype);
        };
    }

    /** Wraps a typed Java array without copying. */
    static CpuStorage wrap(Object array) {
        return switch (array) {
            case float[] a -> new CpuStorage(new Buf.F32(a), DType.FLOAT32);
            case double[] a -> new CpuStorage(new Buf.F64(a), DType.FLOAT64);
            case long[] a -> new CpuStorage(new Buf.I64(a), DType.INT64);
            case int[] a -> new CpuStorage(new Buf.I32(a), DType.INT32);
            case boolean[] a -> new CpuStorage(new Buf.Bool(a), DType.BOOL);
            default -> throw new IllegalArgumentException("unsupported array type " + array.getClass().getSimpleName()
                    + " (expected float[], double[], long[], int[] or boolean[])");
        };
    }

    /** Serves from now on the elements of {@code other}, a storage of the same dtype and length (a static memory plan's shared array). */
    void rehome(CpuStorage other) {
        if (other.dtype != dtype || other.length != length) throw new IllegalStateException("rehome: " + dtype + "[" + length + "] onto "
                + other.dtype + "[" + other.length + "]");
        buf = other.buf();
        ownsArray = false;
    }

    /**
     * Lets go of the array of a recorded storage that no replayed kernel reaches (a fused chain keeps
     * its values in registers): a read from now on is the error of a freed storage.
     */
    void dropArray() {
        buf = null;
        ownsArray = false;
    }

    /** The elements. */
    Buf buf() {
        Buf b = buf;
        if (b == null) throw freedError();
        return b;
    }

    @Override
    void releaseMemory() {
        if (tape != null) {   // the replays still run kernels over this array (perhaps shared with others of the plan)
            tape.freed(this);
            return;
        }
        Buf b = buf;
        buf = null;
        if (ownsArray && b != null) HeapArrayPool.give(dtype, b.array());
    }

    @Override
    DType dtype() {
        return dtype;
    }

    @Override
    Device device() {
        return Device.CPU;
    }

    @Override
    int length() {
        return length;
    }

    @Override
    Backend backend() {
        return CpuBackend.INSTANCE;
    }
}
