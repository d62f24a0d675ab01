package dev.jgrad.cuda.launch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The index space of a kernel over strided operands, and the {@code Indexer<N>} struct the
 * kernels take by value (see common.cuh): {@code int ndim; int sizes[8]; int strides[N][8]},
 * innermost dimension first.
 *
 * <p>{@link #coalesce} first drops size-1 dimensions and merges neighbours that every operand
 * walks contiguously (a contiguous tensor of any rank becomes one dimension), so most launches
 * decode one or two dimensions per element. Index spaces still deeper than {@value #MAX_DIMS}
 * are split: {@link Plan#chunks()} iterates the outer dimensions on the host.
 *
 * <pre>{@code
 * Indexing.Plan p = Indexing.coalesce(new int[] {4, 5}, new int[] {5, 1}, new int[] {0, 1});
 * p.shape();   // {4, 5}: operand 1 broadcasts along dimension 0, so nothing merges
 * }</pre>
 */
public final class Indexing {
    private Indexing() {}

    /** Dimensions the kernels decode. */
    public static final int MAX_DIMS = 8;

    /** Bytes of an {@code Indexer<operands>}. */
    public static int structBytes(int operands) {
        return 4 * (1 + MAX_DIMS + MAX_DIMS * operands);
    }

    /**
     * An index space, outermost dimension first, with each operand's element strides.
     *
     * @param shape   sizes
     * @param strides strides[k][d] of operand k along dimension d
     */
    public record Plan(int[] shape, int[][] strides) {
        public int ndim() {
            return shape.length;
        }

        public int operands() {
            return strides.length;
        }

        public long numel() {
            long n = 1;
            for (int s : shape) n *= s;
            return n;
        }

        /** True when every operand walks the space contiguously with unit stride (one dimension). */
        public boolean dense() {
            if (shape.length > 1) return false;
            if (shape.length == 0) return true;
            for (int[] s : strides) if (s[0] != 1) return false;
            return true;
        }

        /**
         * Pieces of at most {@value #MAX_DIMS} dimensions covering the space: the outer
         * dimensions beyond that are iterated here, each piece with the element offset to add to
         * each operand's base. One piece (offsets 0) when the space already fits.
         */
        public List<Chunk> chunks() {
            int n = strides.length;
            if (shape.length <= MAX_DIMS) return List.of(new Chunk(new long[n], this));
            int outer = shape.length - MAX_DIMS;
            int[] innerShape = java.util.Arrays.copyOfRange(shape, outer, shape.length);
            int[][] innerStrides = new int[n][];
            for (int k = 0; k < n; k++) innerStrides[k] = java.util.Arrays.copyOfRange(strides[k], outer, shape.length);
            Plan inner = new Plan(innerShape, innerStrides);
            List<Chunk> out = new ArrayList<>();
            int[] idx = new int[outer];
            long count = 1;
            for (int d = 0; d < outer; d++) count *= shape[d];
            for (long c = 0; c < count; c++) {
                long[] off = new long[n];
                for (int d = 0; d < outer; d++)
                    for (int k = 0; k < n; k++) off[k] += (long) idx[d] * strides[k][d];
                out.add(new Chunk(off, inner));
                for (int d = outer - 1; d >= 0; d--) {
                    if (++idx[d] < shape[d]) break;
                    idx[d] = 0;
                }
            }
            return out;
        }

        /** Writes this plan (at most {@value #MAX_DIMS} dims) as an {@code Indexer<operands()>} at {@code offset}. */
        public void write(MemorySegment seg, long offset) {
            if (shape.length > MAX_DIMS) throw new IllegalStateException("plan of " + shape.length + " dims must be chunked first");
            ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;
            seg.set(I, offset, shape.length);
            int nd = shape.length;
            for (int d = 0; d < MAX_DIMS; d++) seg.set(I, offset + 4L * (1 + d), d < nd ? shape[nd - 1 - d] : 1);
            for (int k = 0; k < strides.length; k++)
                for (int d = 0; d < MAX_DIMS; d++)
                    seg.set(I, offset + 4L * (1 + MAX_DIMS + k * MAX_DIMS + d), d < nd ? strides[k][nd - 1 - d] : 0);
        }

        /** The struct's bytes (for tests and debugging). */
        public int[] toInts() {
            MemorySegment s = MemorySegment.ofArray(new int[structBytes(strides.length) / 4]);
            write(s, 0);
            return s.toArray(ValueLayout.JAVA_INT);
        }
    }

    /** A piece of a plan: element offsets per operand and the ≤ 8-d plan to run from there. */
    public record Chunk(long[] offsets, Plan plan) {}

    /**
     * Drops size-1 dimensions and merges each dimension into its inner neighbour when, for every
     * operand, stride[outer] == stride[inner] · size[inner]. A space with a 0-size dimension
     * keeps it (numel 0: callers launch nothing).
     */
    public static Plan coalesce(int[] shape, int[]... strides) {
        for (int[] s : strides) {
            if (s.length != shape.length) {
                throw new IllegalArgumentException("operand has " + s.length + " strides for a " + shape.length + "-d index space");
            }
        }
        int n = strides.length;
        for (int size : shape) {
            if (size == 0) {
                int[][] z = new int[n][1];
                return new Plan(new int[] {0}, z);
            }
        }
        // innermost first while merging
        int[] sz = new int[shape.length];
        int[][] st = new int[n][shape.length];
        int nd = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 1) continue;
            if (nd > 0) {
                boolean merge = true;
                for (int k = 0; k < n && merge; k++) merge = strides[k][d] == st[k][nd - 1] * sz[nd - 1];
                if (merge) {
                    sz[nd - 1] *= shape[d];
                    continue;
                }
            }
            sz[nd] = shape[d];
            for (int k = 0; k < n; k++) st[k][nd] = strides[k][d];
            nd++;
        }
        int[] outShape = new int[nd];
        int[][] outStrides = new int[n][nd];
        for (int i = 0; i < nd; i++) {
            outShape[i] = sz[nd - 1 - i];
            for (int k = 0; k < n; k++) outStrides[k][i] = st[k][nd - 1 - i];
        }
        return new Plan(outShape, outStrides);
    }
}
