package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.ref.ReduceRef;
import dev.jgrad.kernels.simd.RowsVec;
import java.util.Arrays;

/**
 * Fast float32 reductions (sum, max, min, prod), the float32 counterpart of {@link ReduceRef#reduce}
 * with the same operand convention: {@code x}'s strides list the kept dimensions, then the
 * reduced ones.
 *
 * <p>Kept and reduced dimensions are each coalesced. When the reduced elements of one output are
 * a single contiguous run ({@code sum(dim=-1)}, or all elements) each output is a SIMD row
 * reduction; when the innermost kept dimension is contiguous in x and in out ({@code sum(dim=0)}
 * of a matrix, a batch sum of [N, C, H, W] over N) whole rows of outputs are accumulated with
 * SIMD. Other layouts take a scalar loop. Sums add float partial sums of at most 4096 elements in
 * double, so their error stays near that of a 4096-element float sum whatever the length. Max and
 * min propagate NaN, as {@link ReduceFn} does.
 *
 * <pre>{@code
 * // column sums of a contiguous 64x128 matrix: keep dim 1 (stride 1), reduce dim 0 (stride 128)
 * ReduceF32.reduce(ReduceFn.SUM, new int[] {128}, out, 0, new int[] {1}, new int[] {64}, x, 0, new int[] {1, 128});
 * }</pre>
 */
public final class ReduceF32 {
    private ReduceF32() {}

    /**
     * out[i] = fold of x over the reduced index space (see the class comment for the layout).
     *
     * @param fn           the reduction
     * @param keptShape    the output's index space
     * @param out          the output
     * @param oOff         index in {@code out} of the first output
     * @param oStrides     {@code out}'s strides over {@code keptShape}
     * @param reducedShape the index space folded into each output element
     * @param x            the input
     * @param xOff         index in {@code x} of the first element
     * @param xStrides     {@code x}'s strides over {@code keptShape}, then over {@code reducedShape}
     */
    public static void reduce(ReduceFn fn, int[] keptShape, float[] out, int oOff, int[] oStrides,
                              int[] reducedShape, float[] x, int xOff, int[] xStrides) {
        int kept = keptShape.length;
        int keptCount = Strided.numel(keptShape), redCount = Strided.numel(reducedShape);
        if (keptCount == 0) return;
        ElementwiseF32.Coalesced k = ElementwiseF32.Coalesced.of(keptShape,
                new int[][] {oStrides, Arrays.copyOfRange(xStrides, 0, kept)});
        ElementwiseF32.Coalesced r = ElementwiseF32.Coalesced.of(reducedShape,
                new int[][] {Arrays.copyOfRange(xStrides, kept, xStrides.length)});
        boolean simd = Simd.enabled();
        int kr = k.shape().length, rr = r.shape().length;
        long work = (long) keptCount * Math.max(1, redCount);
        if (redCount == 0) {
            ElementwiseF32.fill(keptShape, out, oOff, oStrides, (float) fn.identity());
            return;
        }
        if (rr <= 1 && (rr == 0 || r.strides()[0][0] == 1)) {
            // each output: one contiguous run of redCount elements
            int threads = Parallel.threads();
            if (keptCount < 2 * threads && redCount >= 4 * ElementwiseF32.SEGMENT && fn != ReduceFn.PROD) {
                // few long runs (a full sum): split each run so that every thread gets a share
                int segs = (int) Math.min(4L * threads, SgemmF32.ceilDiv(redCount, ElementwiseF32.SEGMENT));
                double[] partial = new double[keptCount * segs];
                Parallel.forEach(keptCount * segs, work, t -> {
                    int i = t / segs, seg = t % segs;
                    int from = (int) ((long) redCount * seg / segs), to = (int) ((long) redCount * (seg + 1) / segs);
                    partial[t] = row(simd, fn, x, xOff + offset(k, 1, i) + from, to - from);
                });
                for (int i = 0; i < keptCount; i++) {
                    double acc = fn.identity();
                    for (int seg = 0; seg < segs; seg++) acc = fn.combine(acc, partial[i * segs + seg]);
                    out[oOff + offset(k, 0, i)] = (float) acc;
                }
                return;
            }
            // one kept dimension (sum(dim=-1) of a matrix): offsets by one multiplication, not offset()'s division per output
            int oStep = kr == 1 ? k.strides()[0][0] : 0, xStep = kr == 1 ? k.strides()[1][0] : 0;
            ElementwiseF32.streamChunks(keptCount, work, (from, to) -> {
                for (int i = from; i < to; i++) {
                    int o = oOff + (kr <= 1 ? i * oStep : offset(k, 0, i)), xo = xOff + (kr <= 1 ? i * xStep : offset(k, 1, i));
                    out[o] = (float) row(simd, fn, x, xo, redCount);
                }
            });
            return;
        }
        if (kr >= 1 && k.strides()[0][kr - 1] == 1 && k.strides()[1][kr - 1] == 1) {
            // innermost kept dimension contiguous in out and x: accumulate whole rows of outputs
            int inner = k.shape()[kr - 1], outer = keptCount / inner;
            int width = columnSegment(inner, outer, work);
            int segs = (int) SgemmF32.ceilDiv(inner, width);
            int[] rShape = r.shape(), rStrides = r.strides()[0];
            Parallel.forRange(outer * segs, work, (from, to) -> {
                for (int t = from; t < to; t++) {
                    int row = t / segs, j0 = (t % segs) * width, n = Math.min(width, inner - j0);
                    int rowIndex = row * inner;
                    int o = oOff + offset(k, 0, rowIndex) + j0, xo = xOff + offset(k, 1, rowIndex) + j0;
                    Arrays.fill(out, o, o + n, (float) fn.identity());
                    if (simd && rShape.length == 1) {
                        // one reduced dimension: rows a fixed stride apart, folded a block at a time
                        RowsVec.accumulateRows(fn, out, o, x, xo, rStrides[0], redCount, n);
                        continue;
                    }
                    int[] idx = new int[rShape.length];
                    int xr = xo;
                    for (int c = 0; c < redCount; c++) {
                        if (simd) RowsVec.accumulate(fn, out, o, x, xr, n);
                        else RowsScalar.accumulate(fn, out, o, x, xr, n);
                        for (int d = rShape.length - 1; d >= 0; d--) {
                            xr += rStrides[d];
                            if (++idx[d] < rShape[d]) break;
                            xr -= rStrides[d] * rShape[d];
                            idx[d] = 0;
                        }
                    }
                }
            });
            return;
        }
        // any other layout: a scalar walk per output, accumulating in double
        int[] rShape = r.shape(), rStrides = r.strides()[0];
        Parallel.forRange(keptCount, work, (from, to) -> {
            int[] idx = new int[rShape.length];
            for (int i = from; i < to; i++) {
                int xr = xOff + offset(k, 1, i);
                double acc = fn.identity();
                for (int c = 0; c < redCount; c++) {
                    acc = fn.combine(acc, x[xr]);
                    for (int d = rShape.length - 1; d >= 0; d--) {
                        xr += rStrides[d];
                        if (++idx[d] < rShape[d]) break;
                        xr -= rStrides[d] * rShape[d];
                        idx[d] = 0;
                    }
                }
                out[oOff + offset(k, 0, i)] = (float) acc;
            }
        });
    }

    /**
     * Width of the column segments that the row-accumulating path splits its {@code outer} rows of
     * {@code inner} outputs into: {@link ElementwiseF32#SEGMENT}, or narrower when that would leave
     * fewer tasks than threads ({@code sum(dim=0)} of a matrix has one row of outputs: one task
     * would run it single-threaded). Each output column is still accumulated in row order by one
     * task, so the result does not depend on the split.
     */
    static int columnSegment(int inner, int outer, long work) {
        int threads = Parallel.threads();
        long tasks = (long) outer * SgemmF32.ceilDiv(inner, ElementwiseF32.SEGMENT);
        if (threads == 1 || tasks >= threads || work < 2 * Parallel.INLINE_WORK) return ElementwiseF32.SEGMENT;
        int perRow = (int) SgemmF32.ceilDiv(threads, outer);
        // whole cache lines per task (16 floats), at least 64 floats so that each row's run streams
        int width = (int) SgemmF32.ceilDiv(SgemmF32.ceilDiv(inner, perRow), 16) * 16;
        return Math.max(64, width);
    }

    /** Fold of the contiguous run x[o..o+n) (a sum is returned unrounded). */
    private static double row(boolean simd, ReduceFn fn, float[] x, int o, int n) {
        switch (fn) {
            case SUM:
                return simd ? RowsVec.sum(x, o, n) : RowsScalar.sum(x, o, n);
            case MAX:
            case MIN:
                return simd ? RowsVec.max(fn == ReduceFn.MAX, x, o, n) : RowsScalar.max(fn == ReduceFn.MAX, x, o, n);
            default:
                double acc = fn.identity();
                for (int j = 0; j < n; j++) acc = fn.combine(acc, x[o + j]);
                return acc;
        }
    }

    /** Offset of flat index i of a coalesced index space in operand k. */
    static int offset(ElementwiseF32.Coalesced c, int k, int i) {
        int off = 0;
        int[] shape = c.shape(), strides = c.strides()[k];
        for (int d = shape.length - 1; d >= 0 && i > 0; d--) {
            off += (i % shape[d]) * strides[d];
            i /= shape[d];
        }
        return off;
    }
}
