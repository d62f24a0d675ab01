package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.StridedWalk;
import dev.jgrad.kernels.UnaryFn;

/**
 * Reference elementwise kernels over any dtype and any strides (stride 0 broadcasts). Integer
 * and bool operands are computed in long ({@link BinaryFn#applyLong}): exact for every int64
 * value, int64 results wrapping like Java's long and int32 results like Java's int, as PyTorch's
 * integers do. Floating operands are computed in double and rounded on store.
 *
 * <pre>{@code
 * int[] shape = {2, 3};
 * ElementwiseRef.binary(BinaryFn.ADD, shape, out, a, bRowBroadcast);  // bRowBroadcast strides {0, 1}
 * }</pre>
 */
public final class ElementwiseRef {
    private ElementwiseRef() {}

    /**
     * out[i] = fn(x[i]) over {@code shape}; in long when x and out are integral (integer or bool).
     *
     * @param fn    the function
     * @param shape the index space
     * @param out   the output operand
     * @param x     the input operand
     */
    public static void unary(UnaryFn fn, int[] shape, Strided out, Strided x) {
        Buf o = out.buf(), xb = x.buf();
        StridedWalk it = new StridedWalk(shape, out, x);
        int n = Strided.numel(shape);
        if (xb.integral() && o.integral()) {
            for (; n > 0; n--, it.next()) o.setLong(it.offset(0), fn.applyLong(xb.getLong(it.offset(1))));
        } else {
            for (; n > 0; n--, it.next()) o.set(it.offset(0), fn.apply(xb.get(it.offset(1))));
        }
    }

    /**
     * out[i] = fn(a[i], b[i]) over {@code shape}; in long when a, b and out are integral (a
     * comparison of two integer tensors too: its bool output is integral), except true division,
     * which divides in double (PyTorch's {@code /} gives a float) and stores as {@link Buf#set} does.
     *
     * @param fn    the function
     * @param shape the index space
     * @param out   the output operand
     * @param a     the first input operand
     * @param b     the second input operand
     */
    public static void binary(BinaryFn fn, int[] shape, Strided out, Strided a, Strided b) {
        Buf o = out.buf(), ab = a.buf(), bb = b.buf();
        StridedWalk it = new StridedWalk(shape, out, a, b);
        int n = Strided.numel(shape);
        if (fn != BinaryFn.DIV && ab.integral() && bb.integral() && o.integral()) {
            for (; n > 0; n--, it.next()) o.setLong(it.offset(0), fn.applyLong(ab.getLong(it.offset(1)), bb.getLong(it.offset(2))));
        } else {
            for (; n > 0; n--, it.next()) o.set(it.offset(0), fn.apply(ab.get(it.offset(1)), bb.get(it.offset(2))));
        }
    }

    /**
     * out[i] = cond[i] ? a[i] : b[i] over {@code shape}, each picked element converted as {@link #copy}
     * converts.
     *
     * @param shape the index space
     * @param out   the output operand
     * @param cond  the condition operand (non-zero: take {@code a})
     * @param a     the operand taken where the condition holds
     * @param b     the operand taken elsewhere
     */
    public static void where(int[] shape, Strided out, Strided cond, Strided a, Strided b) {
        Buf o = out.buf(), cb = cond.buf(), ab = a.buf(), bb = b.buf();
        StridedWalk it = new StridedWalk(shape, out, cond, a, b);
        int n = Strided.numel(shape);
        if (ab.integral() && bb.integral()) {
            for (; n > 0; n--, it.next()) {
                o.setLong(it.offset(0), cb.get(it.offset(1)) != 0 ? ab.getLong(it.offset(2)) : bb.getLong(it.offset(3)));
            }
        } else {
            for (; n > 0; n--, it.next()) {
                if (cb.get(it.offset(1)) != 0) move(ab, it.offset(2), o, it.offset(0));
                else move(bb, it.offset(3), o, it.offset(0));
            }
        }
    }

    /**
     * out[i] = x[i], converting between element types: integers to integers exactly (int64 to
     * int32 keeps the low 32 bits, as PyTorch's cast), integers to floats rounded once, floats to
     * integers truncated toward zero (saturating, NaN to 0: Java's casts).
     *
     * @param shape the index space
     * @param out   the output operand
     * @param x     the input operand
     */
    public static void copy(int[] shape, Strided out, Strided x) {
        Buf o = out.buf(), xb = x.buf();
        StridedWalk it = new StridedWalk(shape, out, x);
        int n = Strided.numel(shape);
        if (xb.integral()) {
            for (; n > 0; n--, it.next()) o.setLong(it.offset(0), xb.getLong(it.offset(1)));
        } else {
            for (; n > 0; n--, it.next()) o.set(it.offset(0), xb.get(it.offset(1)));
        }
    }

    /** dst[j] = src[i], converted as {@link #copy} converts. */
    static void move(Buf src, int i, Buf dst, int j) {
        if (src.integral()) dst.setLong(j, src.getLong(i));
        else dst.set(j, src.get(i));
    }

    /**
     * out[i] = value over {@code shape} (stored as {@link Buf#set} stores: exact for every integer a double
     * holds).
     *
     * @param shape the index space
     * @param out   the output operand
     * @param value the value to store
     */
    public static void fill(int[] shape, Strided out, double value) {
        Buf o = out.buf();
        StridedWalk it = new StridedWalk(shape, out);
        for (int n = Strided.numel(shape); n > 0; n--, it.next()) {
            o.set(it.offset(0), value);
        }
    }
}
