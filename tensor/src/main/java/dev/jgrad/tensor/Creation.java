package dev.jgrad.tensor;

import java.lang.reflect.Array;
import java.util.function.DoubleSupplier;

/** Factories that need more than an allocation: ranges, random tensors, nested Java arrays. */
final class Creation {
    private Creation() {}

    static Tensor arange(long start, long end, long step) {
        if (step == 0) throw new IllegalArgumentException("arange: step must be non-zero");
        // the span end − start may overflow a long (arange(Long.MIN_VALUE, Long.MAX_VALUE)): count in BigInteger
        java.math.BigInteger span = java.math.BigInteger.valueOf(end).subtract(java.math.BigInteger.valueOf(start));
        java.math.BigInteger[] qr = span.divideAndRemainder(java.math.BigInteger.valueOf(step));
        java.math.BigInteger count = qr[1].signum() != 0 && qr[1].signum() == Long.signum(step) ? qr[0].add(java.math.BigInteger.ONE) : qr[0];
        long n = count.signum() <= 0 ? 0 : count.min(java.math.BigInteger.valueOf(Long.MAX_VALUE)).longValue();
        Checks.heapAllocation("arange", DType.INT64, n, null);
        long[] v = new long[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = start + i * step;
        return Tensor.wrap(v, new int[] {v.length});
    }

    static Tensor arange(double start, double end, double step) {
        if (step == 0 || !Double.isFinite(step) || !Double.isFinite(start) || !Double.isFinite(end)) {
            throw new IllegalArgumentException("arange: start, end and step must be finite and step non-zero, got "
                    + start + ", " + end + ", " + step);
        }
        double n = Math.max(0, Math.ceil((end - start) / step));
        if (!(n <= Checks.MAX_ELEMENTS)) throw new IllegalArgumentException("arange: " + n + " elements is too many (start "
                + start + ", end " + end + ", step " + step + ")");
        Checks.heapAllocation("arange", DType.FLOAT32, (long) n, null);
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (start + i * step);
        return Tensor.wrap(v, new int[] {v.length});
    }

    static Tensor linspace(double start, double end, int steps) {
        if (steps < 0) throw new IllegalArgumentException("linspace: number of steps must be non-negative, got " + steps);
        Checks.heapAllocation("linspace", DType.FLOAT32, steps, null);
        float[] v = new float[steps];
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        // fill from both ends, as PyTorch does, so that the last value is exactly `end`
        for (int i = 0; i < steps; i++) v[i] = (float) (i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step);
        if (steps == 1) v[0] = (float) start;   // one step is the start, as in PyTorch
        return Tensor.wrap(v, new int[] {steps});
    }

    static Tensor eye(int n, int m) {
        if (n < 0 || m < 0) throw new IllegalArgumentException("eye: sizes must be non-negative, got " + n + " x " + m);
        Shapes.checked("eye", new int[] {n, m});
        Checks.heapAllocation("eye", DType.FLOAT32, (long) n * m, new int[] {n, m});
        float[] v = new float[n * m];
        for (int i = 0; i < Math.min(n, m); i++) v[i * m + i] = 1;
        return Tensor.wrap(v, new int[] {n, m});
    }

    static Tensor random(int[] shape, DoubleSupplier next) {
        Checks.heapAllocation("rand", DType.FLOAT32, Shapes.numel(shape), shape);
        if (Tape.capturing()) {   // each replay of a captured step draws anew, in the eager step's order
            Tensor t = Tensor.uninitialized(shape, DType.FLOAT32, Device.CPU);
            Tape.kernel(() -> {
                float[] v = CpuBackend.floats(t);
                for (int i = 0; i < v.length; i++) v[i] = (float) next.getAsDouble();
            });
            return t;
        }
        float[] v = new float[Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) next.getAsDouble();
        return Tensor.wrap(v, shape);
    }

    static Tensor randint(Generator g, long low, long high, int[] shape) {
        if (high <= low) throw new IllegalArgumentException("randint: random range is empty: [" + low + ", " + high + ")");
        Checks.heapAllocation("randint", DType.INT64, Shapes.numel(shape), shape);
        if (Tape.capturing()) {
            Tensor t = Tensor.uninitialized(shape, DType.INT64, Device.CPU);
            Tape.kernel(() -> {
                long[] v = CpuBackend.longs(t);
                for (int i = 0; i < v.length; i++) v[i] = g.nextLong(low, high);
            });
            return t;
        }
        long[] v = new long[Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = g.nextLong(low, high);
        return Tensor.wrap(v, shape);
    }

    static Tensor fromNested(Object nested) {
        if (nested == null || !nested.getClass().isArray()) {
            throw new IllegalArgumentException("fromArray: expected a Java array, got " + (nested == null ? "null" : nested.getClass().getName()));
        }
        Class<?> leaf = leafType(nested.getClass());
        // the rank is the nesting depth of the array type; sizes come from the first row at each
        // level (0 below an empty array), and flatten checks every other row against them
        int rank = 0;
        for (Class<?> c = nested.getClass(); c.isArray(); c = c.getComponentType()) rank++;
        int[] s = new int[rank];
        Object level = nested;
        for (int d = 0; d < rank && level != null; d++) {
            s[d] = Array.getLength(level);
            level = s[d] > 0 ? Array.get(level, 0) : null;
        }
        Shapes.checked("fromArray", s);
        Object flat = Array.newInstance(leaf, Shapes.numel(s));
        int[] at = {0};
        flatten(nested, s, 0, flat, at);
        return Tensor.wrap(flat, s);
    }

    private static Class<?> leafType(Class<?> c) {
        while (c.isArray()) c = c.getComponentType();
        if (c != float.class && c != double.class && c != long.class && c != int.class && c != boolean.class) {
            throw new IllegalArgumentException("fromArray: unsupported element type " + c.getName()
                    + " (expected float, double, long, int or boolean" + (c == short.class ? "; for the bits of 16-bit floats use Tensor.ofHalfBits" : "") + ")");
        }
        return c;
    }

    private static void flatten(Object level, int[] shape, int dim, Object flat, int[] at) {
        if (level == null) throw new IllegalArgumentException("fromArray: a row of dimension " + dim + " is null");
        int len = Array.getLength(level);
        if (len != shape[dim]) {
            throw new IllegalArgumentException("fromArray: ragged array: dimension " + dim + " has length " + len
                    + " where " + shape[dim] + " was expected");
        }
        if (dim == shape.length - 1) {
            System.arraycopy(level, 0, flat, at[0], len);
            at[0] += len;
            return;
        }
        for (int i = 0; i < len; i++) flatten(Array.get(level, i), shape, dim + 1, flat, at);
    }

    static Object toNested(Tensor t) {
        Object flat = switch (t.dtype()) {
            case FLOAT32, FLOAT16, BFLOAT16 -> t.toFloatArray();   // a 16-bit float is exact as a float
            case FLOAT64 -> t.toDoubleArray();
            case INT64 -> t.toLongArray();
            case INT32 -> t.toIntArray();
            case BOOL -> t.toBooleanArray();
        };
        int[] shape = t.layout.shape;
        if (shape.length == 0) return flat;
        return nest(flat, shape, 0, new int[] {0});
    }

    private static Object nest(Object flat, int[] shape, int dim, int[] at) {
        Class<?> leaf = flat.getClass().getComponentType();
        if (dim == shape.length - 1) {
            Object row = Array.newInstance(leaf, shape[dim]);
            System.arraycopy(flat, at[0], row, 0, shape[dim]);
            at[0] += shape[dim];
            return row;
        }
        Class<?> rowType = leaf;
        for (int k = dim + 1; k < shape.length; k++) rowType = rowType.arrayType();
        Object out = Array.newInstance(rowType, shape[dim]);
        for (int i = 0; i < shape[dim]; i++) Array.set(out, i, nest(flat, shape, dim + 1, at));
        return out;
    }
}
