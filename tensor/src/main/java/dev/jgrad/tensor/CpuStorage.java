package dev.jgrad.tensor;

import dev.jgrad.kernels.Buf;

/** Elements on the Java heap, in a typed array wrapped as a {@link Buf}. */
final class CpuStorage extends Storage {
    /** The elements; null once freed, so that the collector may take the array while closed tensors are still referenced. */
    private Buf buf;
    private final DType dtype;
    private final int length;

    CpuStorage(Buf buf, DType dtype) {
        this.buf = buf;
        this.dtype = dtype;
        this.length = buf.length();
        countOpened();
    }

    static CpuStorage allocate(DType dtype, int n) {
        Buf buf = switch (dtype) {
            case FLOAT32 -> new Buf.F32(new float[n]);
            case FLOAT64 -> new Buf.F64(new double[n]);
            case INT64 -> new Buf.I64(new long[n]);
            case INT32 -> new Buf.I32(new int[n]);
            case BOOL -> new Buf.Bool(new boolean[n]);
            case FLOAT16 -> new Buf.F16(new short[n]);
            case BFLOAT16 -> new Buf.BF16(new short[n]);
        };
        return new CpuStorage(buf, dtype);
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

    /** The elements. */
    Buf buf() {
        Buf b = buf;
        if (b == null) throw freedError();
        return b;
    }

    @Override
    void releaseMemory() {
        buf = null;
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
