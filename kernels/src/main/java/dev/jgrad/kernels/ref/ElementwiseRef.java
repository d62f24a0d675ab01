package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.StridedWalk;
import dev.jgrad.kernels.UnaryFn;

/**
 * Reference elementwise kernels over any dtype and any strides (stride 0 broadcasts).
 * Values are computed in double and rounded on store.
 *
 * <pre>{@code
 * int[] shape = {2, 3};
 * ElementwiseRef.binary(BinaryFn.ADD, shape, out, a, bRowBroadcast);  // bRowBroadcast strides {0, 1}
 * }</pre>
 */
public final class ElementwiseRef {
    private ElementwiseRef() {}

    /** out[i] = fn(x[i]) over {@code shape}. */
    public static void unary(UnaryFn fn, int[] shape, Strided out, Strided x) {
        Buf o = out.buf(), xb = x.buf();
        StridedWalk it = new StridedWalk(shape, out, x);
        for (int n = Strided.numel(shape); n > 0; n--, it.next()) {
            o.set(it.offset(0), fn.apply(xb.get(it.offset(1))));
        }
    }

    /** out[i] = fn(a[i], b[i]) over {@code shape}. */
    public static void binary(BinaryFn fn, int[] shape, Strided out, Strided a, Strided b) {
        Buf o = out.buf(), ab = a.buf(), bb = b.buf();
        StridedWalk it = new StridedWalk(shape, out, a, b);
        for (int n = Strided.numel(shape); n > 0; n--, it.next()) {
            o.set(it.offset(0), fn.apply(ab.get(it.offset(1)), bb.get(it.offset(2))));
        }
    }

    /** out[i] = cond[i] ? a[i] : b[i] over {@code shape}. */
    public static void where(int[] shape, Strided out, Strided cond, Strided a, Strided b) {
        Buf o = out.buf(), cb = cond.buf(), ab = a.buf(), bb = b.buf();
        StridedWalk it = new StridedWalk(shape, out, cond, a, b);
        for (int n = Strided.numel(shape); n > 0; n--, it.next()) {
            o.set(it.offset(0), cb.get(it.offset(1)) != 0 ? ab.get(it.offset(2)) : bb.get(it.offset(3)));
        }
    }

    /** out[i] = x[i], converting between element types (int64 copied exactly). */
    public static void copy(int[] shape, Strided out, Strided x) {
        Buf o = out.buf(), xb = x.buf();
        StridedWalk it = new StridedWalk(shape, out, x);
        boolean exactLongs = o instanceof Buf.I64 && (xb instanceof Buf.I64 || xb instanceof Buf.I32);
        for (int n = Strided.numel(shape); n > 0; n--, it.next()) {
            if (exactLongs) ((Buf.I64) o).data()[it.offset(0)] = xb.getLong(it.offset(1));
            else o.set(it.offset(0), xb.get(it.offset(1)));
        }
    }

    /** out[i] = value over {@code shape}. */
    public static void fill(int[] shape, Strided out, double value) {
        Buf o = out.buf();
        StridedWalk it = new StridedWalk(shape, out);
        for (int n = Strided.numel(shape); n > 0; n--, it.next()) {
            o.set(it.offset(0), value);
        }
    }
}
