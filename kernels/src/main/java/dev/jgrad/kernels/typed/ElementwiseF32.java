package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Half;
import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.UnaryFn;
import dev.jgrad.kernels.ref.ElementwiseRef;
import dev.jgrad.kernels.simd.ElementwiseVec;
import java.util.Arrays;

/**
 * Fast float32 elementwise kernels over any shape and strides (stride 0 broadcasts), the float32
 * counterparts of {@link ElementwiseRef}.
 *
 * <p>The operands' dimensions are first coalesced: size-1 dimensions drop out and neighbours
 * that every operand walks contiguously merge. What is left is walked as rows of the innermost
 * dimension; a row where the output has stride 1 and each input stride 0 or 1 (contiguous, a
 * scalar, a per-row or a per-column broadcast — {@code x + bias}, {@code x * scale[:, None]}) runs
 * the SIMD loop of {@link ElementwiseVec}, anything else a scalar float loop. Large problems split
 * into row segments over {@link Parallel}.
 *
 * <p>Accuracy against the double-precision definitions of {@link UnaryFn}, measured by the tests on
 * float32 inputs spread over [-10, 10] (exp: [-80, 80]): SIMD exp 6.8e-8 relative (Cephes
 * polynomial), tanh 8.7e-8, sigmoid 1.0e-7; erf 1.9e-7 absolute; gelu 5.8e-7 and gelu_tanh 3.7e-7
 * absolute (relative error grows where 1 + erf or 1 + tanh cancels, for x below about −3, as in
 * any float implementation of the formula); sqrt and the arithmetic are exact IEEE operations.
 * log, sin, cos and pow, and the scalar path, round the double result (within 5.8e-8). Results do
 * not depend on thread count or on JIT state: see {@link ElementwiseVec} for why the Vector API's
 * own transcendentals are not used.
 *
 * <pre>{@code
 * // y = x + bias for x [64, 128] contiguous and bias [128] broadcast over rows
 * ElementwiseF32.binary(BinaryFn.ADD, new int[] {64, 128}, y, 0, new int[] {128, 1},
 *                       x, 0, new int[] {128, 1}, bias, 0, new int[] {0, 1});
 * }</pre>
 */
public final class ElementwiseF32 {
    /** Elements per parallel task (a row segment). */
    static final int SEGMENT = 1 << 14;

    private ElementwiseF32() {}

    /**
     * out = fn(x) elementwise, float result.
     *
     * @param fn       the function
     * @param shape    the index space
     * @param out      the output
     * @param oOff     index in {@code out} of the element at index (0, …, 0)
     * @param oStrides {@code out}'s strides over {@code shape}
     * @param x        the input
     * @param xOff     index in {@code x} of the element at index (0, …, 0)
     * @param xStrides {@code x}'s strides over {@code shape} (0 broadcasts)
     */
    public static void unary(UnaryFn fn, int[] shape, float[] out, int oOff, int[] oStrides, float[] x, int xOff, int[] xStrides) {
        boolean simd = Simd.enabled() && fn.simd() && !fn.isPredicate();
        walk(shape, new int[][] {oStrides, xStrides}, new int[] {oOff, xOff}, cost(fn), (n, o, s) -> {
            int done = 0;
            if (simd && s[0] == 1 && s[1] == 1) done = unaryAligned(fn, n, out, o[0], x, o[1]);
            if (s[1] == 0 && n > 0) {
                float v = (float) fn.apply(x[o[1]]);
                for (int j = done; j < n; j++) out[o[0] + j * s[0]] = v;
                return;
            }
            for (int j = done; j < n; j++) out[o[0] + j * s[0]] = (float) fn.apply(x[o[1] + j * s[1]]);
        });
    }

    /**
     * out = fn(x) as a truth value, for {@link UnaryFn#NOT} and {@link UnaryFn#IS_NONFINITE}.
     *
     * @param fn       the predicate, {@link UnaryFn#NOT} or {@link UnaryFn#IS_NONFINITE}
     * @param shape    the index space
     * @param out      the output
     * @param oOff     index in {@code out} of the element at index (0, …, 0)
     * @param oStrides {@code out}'s strides over {@code shape}
     * @param x        the input
     * @param xOff     index in {@code x} of the element at index (0, …, 0)
     * @param xStrides {@code x}'s strides over {@code shape} (0 broadcasts)
     */
    public static void unaryPredicate(UnaryFn fn, int[] shape, boolean[] out, int oOff, int[] oStrides, float[] x, int xOff, int[] xStrides) {
        boolean simd = Simd.enabled() && fn.simd() && fn.isPredicate();
        walk(shape, new int[][] {oStrides, xStrides}, new int[] {oOff, xOff}, 1, (n, o, s) -> {
            int done = 0;
            if (simd && s[0] == 1 && s[1] == 1) done = ElementwiseVec.unaryPredicate(fn, n, out, o[0], x, o[1]);
            for (int j = done; j < n; j++) out[o[0] + j * s[0]] = fn.apply(x[o[1] + j * s[1]]) != 0;
        });
    }

    /**
     * out = fn(a, b) elementwise for the arithmetic functions (float result).
     *
     * @param fn       the function
     * @param shape    the index space
     * @param out      the output
     * @param oOff     index in {@code out} of the element at index (0, …, 0)
     * @param oStrides {@code out}'s strides over {@code shape}
     * @param a        the first input
     * @param aOff     index in {@code a} of the element at index (0, …, 0)
     * @param aStrides {@code a}'s strides over {@code shape} (0 broadcasts)
     * @param b        the second input
     * @param bOff     index in {@code b} of the element at index (0, …, 0)
     * @param bStrides {@code b}'s strides over {@code shape} (0 broadcasts)
     */
    public static void binary(BinaryFn fn, int[] shape, float[] out, int oOff, int[] oStrides,
                              float[] a, int aOff, int[] aStrides, float[] b, int bOff, int[] bStrides) {
        if (fn.isPredicate()) throw new IllegalArgumentException("ElementwiseF32.binary: " + fn + " gives a truth value; use compare");
        boolean simd = Simd.enabled() && fn.simd();
        walk(shape, new int[][] {oStrides, aStrides, bStrides}, new int[] {oOff, aOff, bOff}, fn == BinaryFn.POW ? 8 : 1, (n, o, s) -> {
            int done = 0;
            if (simd && s[0] == 1 && (s[1] | s[2]) == 1 && (s[1] & ~1) == 0 && (s[2] & ~1) == 0) {
                done = binaryAligned(fn, n, out, o[0], a, o[1], s[1], b, o[2], s[2]);
            }
            binaryScalar(fn, done, n, out, o[0], s[0], a, o[1], s[1], b, o[2], s[2]);
        });
    }

    /**
     * out = fn(a, b) for the comparisons and logical and/or (truth-valued functions).
     *
     * @param fn       the comparison or logical function
     * @param shape    the index space
     * @param out      the output
     * @param oOff     index in {@code out} of the element at index (0, …, 0)
     * @param oStrides {@code out}'s strides over {@code shape}
     * @param a        the first input
     * @param aOff     index in {@code a} of the element at index (0, …, 0)
     * @param aStrides {@code a}'s strides over {@code shape} (0 broadcasts)
     * @param b        the second input
     * @param bOff     index in {@code b} of the element at index (0, …, 0)
     * @param bStrides {@code b}'s strides over {@code shape} (0 broadcasts)
     */
    public static void compare(BinaryFn fn, int[] shape, boolean[] out, int oOff, int[] oStrides,
                               float[] a, int aOff, int[] aStrides, float[] b, int bOff, int[] bStrides) {
        if (!fn.isPredicate()) throw new IllegalArgumentException("ElementwiseF32.compare: " + fn + " is not a comparison");
        boolean simd = Simd.enabled() && fn.simd();
        walk(shape, new int[][] {oStrides, aStrides, bStrides}, new int[] {oOff, aOff, bOff}, 1, (n, o, s) -> {
            int done = 0;
            if (simd && s[0] == 1 && (s[1] | s[2]) == 1 && (s[1] & ~1) == 0 && (s[2] & ~1) == 0) {
                done = ElementwiseVec.compare(fn, n, out, o[0], a, o[1], s[1], b, o[2], s[2]);
            }
            for (int j = done; j < n; j++) out[o[0] + j * s[0]] = fn.apply(a[o[1] + j * s[1]], b[o[2] + j * s[2]]) != 0;
        });
    }

    /**
     * out = x elementwise (any strides on both sides).
     *
     * @param shape    the index space
     * @param out      the output
     * @param oOff     index in {@code out} of the element at index (0, …, 0)
     * @param oStrides {@code out}'s strides over {@code shape}
     * @param x        the input
     * @param xOff     index in {@code x} of the element at index (0, …, 0)
     * @param xStrides {@code x}'s strides over {@code shape} (0 broadcasts)
     */
    public static void copy(int[] shape, float[] out, int oOff, int[] oStrides, float[] x, int xOff, int[] xStrides) {
        walk(shape, new int[][] {oStrides, xStrides}, new int[] {oOff, xOff}, 1, (n, o, s) -> {
            if (s[0] == 1 && s[1] == 1) System.arraycopy(x, o[1], out, o[0], n);
            else for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = x[o[1] + j * s[1]];
        });
    }

    /**
     * out = x converted to float (any strides): the cast that lets bool masks and integer
     * operands join the float32 kernels. One typed loop per source type, chosen outside the loop.
     *
     * @param shape    the index space
     * @param out      the output
     * @param oOff     index in {@code out} of the element at index (0, …, 0)
     * @param oStrides {@code out}'s strides over {@code shape}
     * @param x        the input, of any element type
     * @param xOff     index in {@code x} of the element at index (0, …, 0)
     * @param xStrides {@code x}'s strides over {@code shape} (0 broadcasts)
     */
    public static void castToFloat(int[] shape, float[] out, int oOff, int[] oStrides, Buf x, int xOff, int[] xStrides) {
        walk(shape, new int[][] {oStrides, xStrides}, new int[] {oOff, xOff}, 1, (n, o, s) -> {
            switch (x) {
                case Buf.F32 f -> { for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = f.data()[o[1] + j * s[1]]; }
                case Buf.F64 f -> { for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = (float) f.data()[o[1] + j * s[1]]; }
                case Buf.I64 f -> { for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = f.data()[o[1] + j * s[1]]; }
                case Buf.I32 f -> { for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = f.data()[o[1] + j * s[1]]; }
                case Buf.Bool f -> { for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = f.data()[o[1] + j * s[1]] ? 1f : 0f; }
                case Buf.F16 f -> halfRow(Half.Format.F16, n, out, o, s, f.data());
                case Buf.BF16 f -> halfRow(Half.Format.BF16, n, out, o, s, f.data());
            }
        });
    }

    private static void halfRow(Half.Format format, int n, float[] out, int[] o, int[] s, short[] x) {
        if (s[0] == 1 && s[1] == 1) HalfF32.toFloat(format, n, x, o[1], out, o[0]);
        else for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = format.toFloat(x[o[1] + j * s[1]]);
    }

    /**
     * out = value everywhere (any strides).
     *
     * @param shape    the index space
     * @param out      the output
     * @param oOff     index in {@code out} of the element at index (0, …, 0)
     * @param oStrides {@code out}'s strides over {@code shape}
     * @param value    the value to store
     */
    public static void fill(int[] shape, float[] out, int oOff, int[] oStrides, float value) {
        walk(shape, new int[][] {oStrides}, new int[] {oOff}, 1, (n, o, s) -> {
            if (s[0] == 1) Arrays.fill(out, o[0], o[0] + n, value);
            else for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = value;
        });
    }

    /** Runs shorter than this start their vector loop at their first element: their operands mostly sit in L1, where alignment matters little. */
    static final int ALIGN_MIN = 256;

    /**
     * {@link ElementwiseVec#unary} over a contiguous run, with the vector loop started where
     * {@code out} meets a vector boundary in memory ({@link VectorAlignment}). The same elements as
     * {@code ElementwiseVec.unary(fn, n, …)} are computed by the vector code, the elements before
     * the boundary and after the last whole aligned vector through a one-vector scratch copy, so
     * the results are bit for bit those of the unaligned loop; returns that loop's bound (0 for a
     * function without a vector loop).
     */
    private static int unaryAligned(UnaryFn fn, int n, float[] out, int o, float[] x, int xi) {
        int lanes = ElementwiseVec.lanes(), bound = n - n % lanes, h = VectorAlignment.peel(o, lanes);
        if (h == 0 || n < ALIGN_MIN) return ElementwiseVec.unary(fn, n, out, o, x, xi);
        float[] in = new float[lanes], res = new float[lanes];
        System.arraycopy(x, xi, in, 0, h);
        if (ElementwiseVec.unary(fn, lanes, res, 0, in, 0) == 0) return 0;
        System.arraycopy(res, 0, out, o, h);
        int done = h + ElementwiseVec.unary(fn, bound - h, out, o + h, x, xi + h), rest = bound - done;
        if (rest > 0) {
            Arrays.fill(in, 0f);
            System.arraycopy(x, xi + done, in, 0, rest);
            ElementwiseVec.unary(fn, lanes, res, 0, in, 0);
            System.arraycopy(res, 0, out, o + done, rest);
        }
        return bound;
    }

    /**
     * {@link ElementwiseVec#binary} over a contiguous output run (each input contiguous or a
     * broadcast scalar, strides 1 or 0), with the vector loop started where {@code out} meets a
     * vector boundary in memory ({@link VectorAlignment}); returns how far it got (the caller's
     * scalar loop finishes the run). The elements before the boundary take the scalar loop: every
     * function with a vector loop here (+, −, ×, ÷, maximum, minimum) is exact in both forms, a
     * float operation and the double one rounded to float giving the same bits, so the results are
     * those of the unaligned loop. No scratch copies: a broadcast form runs one call per row (2048
     * floats for {@code x + bias} on [2048, 2048]), where a per-row set-up shows.
     */
    private static int binaryAligned(BinaryFn fn, int n, float[] out, int o, float[] a, int ai, int as, float[] b, int bi, int bs) {
        int h = VectorAlignment.peel(o, ElementwiseVec.lanes());
        if (h == 0 || n < ALIGN_MIN) return ElementwiseVec.binary(fn, n, out, o, a, ai, as, b, bi, bs);
        binaryScalar(fn, 0, h, out, o, 1, a, ai, as, b, bi, bs);
        return h + ElementwiseVec.binary(fn, n - h, out, o + h, a, ai + h * as, as, b, bi + h * bs, bs);
    }

    /**
     * out[o + j·os] = fn(a[ai + j·as], b[bi + j·bs]) for j in [from, to): the scalar loop of a row
     * (the head before the vector boundary, the tail after the last whole vector, or a row the
     * vector loop does not take). The arithmetic functions get a loop of their own with the
     * function written out: {@code fn.apply} is a call to one of fifteen enum bodies, which C2
     * cannot inline once several have run, and a broadcast form pays it for each of the 16 head and
     * tail elements of every 2048-element row. Each loop computes exactly {@code (float)
     * fn.apply(a, b)}: the operation in double, rounded once to float.
     */
    private static void binaryScalar(BinaryFn fn, int from, int to, float[] out, int o, int os, float[] a, int ai, int as, float[] b, int bi, int bs) {
        switch (fn) {
            case ADD -> { for (int j = from; j < to; j++) out[o + j * os] = (float) ((double) a[ai + j * as] + b[bi + j * bs]); }
            case SUB -> { for (int j = from; j < to; j++) out[o + j * os] = (float) ((double) a[ai + j * as] - b[bi + j * bs]); }
            case MUL -> { for (int j = from; j < to; j++) out[o + j * os] = (float) ((double) a[ai + j * as] * b[bi + j * bs]); }
            case DIV -> { for (int j = from; j < to; j++) out[o + j * os] = (float) ((double) a[ai + j * as] / b[bi + j * bs]); }
            case MAXIMUM -> { for (int j = from; j < to; j++) out[o + j * os] = (float) Math.max((double) a[ai + j * as], b[bi + j * bs]); }
            case MINIMUM -> { for (int j = from; j < to; j++) out[o + j * os] = (float) Math.min((double) a[ai + j * as], b[bi + j * bs]); }
            default -> { for (int j = from; j < to; j++) out[o + j * os] = (float) fn.apply(a[ai + j * as], b[bi + j * bs]); }
        }
    }

    /** Rough cost of one element, in simple float operations, for the parallel threshold. */
    private static int cost(UnaryFn fn) {
        return switch (fn) {
            case NEG, ABS, RELU, SIGN, NOT, IS_NONFINITE, SQRT -> 1;
            default -> 10;
        };
    }

    /** A run of {@code n} elements: operand k starts at {@code offsets[k]} and steps by {@code strides[k]}. */
    interface Row {
        void run(int n, int[] offsets, int[] strides);
    }

    /**
     * Calls {@code row} over every element of {@code shape} in runs along the innermost coalesced
     * dimension, in parallel segments when the problem is large. Offsets and strides arrays handed
     * to {@code row} are fresh per task, so the body may keep them.
     */
    static void walk(int[] shape, int[][] strides, int[] offsets, int costPerElement, Row row) {
        int numel = Strided.numel(shape);
        if (numel == 0) return;
        Coalesced c = Coalesced.of(shape, strides);
        int rank = c.shape.length, ops = strides.length;
        int inner = rank == 0 ? 1 : c.shape[rank - 1];
        int rows = numel / inner;
        int segs = (int) SgemmF32.ceilDiv(inner, SEGMENT);
        int[] innerStrides = new int[ops];
        for (int k = 0; k < ops; k++) innerStrides[k] = rank == 0 ? 0 : c.strides[k][rank - 1];
        long tasks = (long) rows * segs;
        // a task is a segment of one row; group tasks so that each parallel chunk does enough work
        streamChunks((int) Math.min(tasks, Integer.MAX_VALUE), (long) numel * costPerElement, (from, to) -> {
            int[] offs = new int[ops], st = innerStrides.clone(), rowStart = offsets.clone();
            // the outer index of the chunk's first row, then stepped row by row (no division per task:
            // the broadcast forms run one task per row)
            int outer = Math.max(rank - 1, 0), seg = from % segs;
            int[] idx = new int[outer];
            for (int d = outer - 1, rem = from / segs; d >= 0 && rem > 0; d--) {
                idx[d] = rem % c.shape[d];
                rem /= c.shape[d];
                for (int k = 0; k < ops; k++) rowStart[k] += idx[d] * c.strides[k][d];
            }
            for (int t = from; t < to; t++) {
                int j0 = seg * SEGMENT, n = Math.min(SEGMENT, inner - j0);
                for (int k = 0; k < ops; k++) offs[k] = rowStart[k] + j0 * innerStrides[k];
                row.run(n, offs, st);
                if (++seg < segs) continue;
                seg = 0;
                for (int d = outer - 1; d >= 0; d--) {
                    for (int k = 0; k < ops; k++) rowStart[k] += c.strides[k][d];
                    if (++idx[d] < c.shape[d]) break;
                    for (int k = 0; k < ops; k++) rowStart[k] -= c.strides[k][d] * c.shape[d];
                    idx[d] = 0;
                }
            }
        });
    }

    /** Chunks per thread of a streaming loop ({@link #streamChunks}). */
    static final int CHUNKS_PER_THREAD = 16;

    /**
     * {@link Parallel#forRange} with finer chunks: up to {@link #CHUNKS_PER_THREAD} per thread
     * (still none under {@link Parallel#INLINE_WORK} work), each thread starting on its own part
     * ({@link Parallel#forRangeChunks}), then taking the chunks the other has not started. A streaming op
     * is one pass over memory, so the loop ends when the slowest thread's last chunk does: with
     * forRange's 4 chunks per thread, a 2048² add gave each thread chunks of about 100 µs, and the
     * thread that finished first waited up to that long (parking, then being woken) whenever the
     * other had started late or run slower. The chunk bounds do not change what any element gets.
     */
    static void streamChunks(int n, long work, Parallel.RangeBody body) {
        int chunks = (int) Math.min(n, Math.min((long) CHUNKS_PER_THREAD * Parallel.threads(), Math.max(1, work / Parallel.INLINE_WORK)));
        if (chunks <= 1 || Parallel.threads() == 1 || Parallel.inParallel()) {
            body.run(0, n);
            return;
        }
        Parallel.forRangeChunks(n, chunks, work, body);
    }

    /** Shape and strides with size-1 dimensions dropped and mergeable neighbours merged. */
    record Coalesced(int[] shape, int[][] strides) {
        static Coalesced of(int[] shape, int[][] strides) {
            int ops = strides.length;
            int[] s = new int[shape.length];
            int[][] st = new int[ops][shape.length];
            int rank = 0;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] == 1) continue;
                if (rank > 0) {
                    boolean merge = true;
                    for (int k = 0; k < ops && merge; k++) merge = st[k][rank - 1] == strides[k][d] * shape[d];
                    if (merge) {
                        s[rank - 1] *= shape[d];
                        for (int k = 0; k < ops; k++) st[k][rank - 1] = strides[k][d];
                        continue;
                    }
                }
                s[rank] = shape[d];
                for (int k = 0; k < ops; k++) st[k][rank] = strides[k][d];
                rank++;
            }
            int[][] outStrides = new int[ops][];
            for (int k = 0; k < ops; k++) outStrides[k] = Arrays.copyOf(st[k], rank);
            return new Coalesced(Arrays.copyOf(s, rank), outStrides);
        }
    }
}
