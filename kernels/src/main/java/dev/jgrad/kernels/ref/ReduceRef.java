package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.StridedWalk;
import java.util.Arrays;

/**
 * Reference reductions. The input's dimensions are split into kept dimensions (one output
 * element each) followed by reduced dimensions (folded into it); the caller orders the
 * strides that way, so reducing over any set of dimensions is one call.
 *
 * <pre>{@code
 * // column sums of a contiguous 2x3 matrix: keep dim 1 (stride 1), reduce dim 0 (stride 3)
 * ReduceRef.reduce(ReduceFn.SUM, new int[] {3}, out, new int[] {2}, new Strided(x, 0, new int[] {1, 3}));
 * }</pre>
 */
public final class ReduceRef {
    private ReduceRef() {}

    /**
     * out[i] = fold of x over the reduced index space, accumulated in long when x and out are
     * integral (exact; sums and products wrap like Java's long), else in double.
     *
     * @param fn           the reduction
     * @param keptShape    the output's index space
     * @param out          output, strides over {@code keptShape}
     * @param reducedShape the index space folded into each output element
     * @param x            input, strides over {@code keptShape} then {@code reducedShape}
     */
    public static void reduce(ReduceFn fn, int[] keptShape, Strided out, int[] reducedShape, Strided x) {
        Strided[] split = split(keptShape.length, x);
        Buf xb = x.buf(), o = out.buf();
        boolean integral = xb.integral() && o.integral();
        int reducedCount = Strided.numel(reducedShape);
        StridedWalk outer = new StridedWalk(keptShape, out, split[0]);
        for (int n = Strided.numel(keptShape); n > 0; n--, outer.next()) {
            StridedWalk inner = new StridedWalk(reducedShape,
                    new Strided(xb, outer.offset(1), split[1].strides()));
            if (integral) {
                long acc = fn.identityLong();
                for (int r = reducedCount; r > 0; r--, inner.next()) acc = fn.combineLong(acc, xb.getLong(inner.offset(0)));
                o.setLong(outer.offset(0), acc);
            } else {
                double acc = fn.identity();
                for (int r = reducedCount; r > 0; r--, inner.next()) acc = fn.combine(acc, xb.get(inner.offset(0)));
                o.set(outer.offset(0), acc);
            }
        }
    }

    /**
     * out[i] = the row-major position, within the reduced index space, of the largest (or smallest)
     * element; the first one wins ties and NaN counts as largest and smallest, as in PyTorch.
     * Integer inputs are compared in long (exactly).
     *
     * @param max          find the largest element rather than the smallest
     * @param keptShape    the output's index space
     * @param out          output, strides over {@code keptShape}
     * @param reducedShape the index space searched for each output element
     * @param x            input, strides over {@code keptShape} then {@code reducedShape}
     */
    public static void argReduce(boolean max, int[] keptShape, Strided out, int[] reducedShape, Strided x) {
        Strided[] split = split(keptShape.length, x);
        Buf xb = x.buf(), o = out.buf();
        int reducedCount = Strided.numel(reducedShape);
        if (reducedCount == 0) throw new IllegalArgumentException("arg" + (max ? "max" : "min") + " over an empty dimension");
        StridedWalk outer = new StridedWalk(keptShape, out, split[0]);
        for (int n = Strided.numel(keptShape); n > 0; n--, outer.next()) {
            StridedWalk inner = new StridedWalk(reducedShape,
                    new Strided(xb, outer.offset(1), split[1].strides()));
            o.setLong(outer.offset(0), xb.integral() ? argOfLongs(max, xb, inner, reducedCount) : argOfDoubles(max, xb, inner, reducedCount));
        }
    }

    private static int argOfDoubles(boolean max, Buf xb, StridedWalk inner, int count) {
        double best = xb.get(inner.offset(0));
        int bestAt = 0;
        inner.next();
        for (int r = 1; r < count && !Double.isNaN(best); r++, inner.next()) {
            double v = xb.get(inner.offset(0));
            if (Double.isNaN(v) || (max ? v > best : v < best)) {
                best = v;
                bestAt = r;
            }
        }
        return bestAt;
    }

    private static int argOfLongs(boolean max, Buf xb, StridedWalk inner, int count) {
        long best = xb.getLong(inner.offset(0));
        int bestAt = 0;
        inner.next();
        for (int r = 1; r < count; r++, inner.next()) {
            long v = xb.getLong(inner.offset(0));
            if (max ? v > best : v < best) {
                best = v;
                bestAt = r;
            }
        }
        return bestAt;
    }

    private static Strided[] split(int kept, Strided x) {
        int[] s = x.strides();
        return new Strided[] {
            new Strided(x.buf(), x.offset(), Arrays.copyOfRange(s, 0, kept)),
            new Strided(x.buf(), x.offset(), Arrays.copyOfRange(s, kept, s.length))
        };
    }
}
