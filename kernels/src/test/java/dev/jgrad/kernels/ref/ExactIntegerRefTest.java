package dev.jgrad.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.UnaryFn;
import org.junit.jupiter.api.Test;

/**
 * The reference kernels compute integer operands in long: exact for every int64 value (not only
 * below 2^53, where a double holds them), wrapping on overflow as Java's long and int arithmetic
 * (and PyTorch's) does.
 */
class ExactIntegerRefTest {
    static final long P53 = 1L << 53;
    static final long P62 = 1L << 62;

    private static Strided i64(long... v) {
        return Strided.contiguous(new Buf.I64(v), new int[] {v.length});
    }

    private static Strided i32(int... v) {
        return Strided.contiguous(new Buf.I32(v), new int[] {v.length});
    }

    private static long[] binary(BinaryFn fn, long[] a, long[] b) {
        long[] out = new long[a.length];
        ElementwiseRef.binary(fn, new int[] {a.length}, i64(out), i64(a), i64(b));
        return out;
    }

    private static boolean[] compare(BinaryFn fn, long[] a, long[] b) {
        boolean[] out = new boolean[a.length];
        ElementwiseRef.binary(fn, new int[] {a.length}, Strided.contiguous(new Buf.Bool(out), new int[] {a.length}), i64(a), i64(b));
        return out;
    }

    private static long[] reduce(ReduceFn fn, long... x) {
        long[] out = new long[1];
        ReduceRef.reduce(fn, new int[0], new Strided(new Buf.I64(out), 0, new int[0]), new int[] {x.length}, i64(x));
        return out;
    }

    @Test
    void comparisonsTellApartValuesADoubleCannot() {
        long[] a = {P53 + 1, P53, Long.MAX_VALUE, Long.MAX_VALUE - 1};
        long[] b = {P53, P53 + 1, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        assertArrayEquals(new boolean[] {false, false, false, false}, compare(BinaryFn.EQ, a, b));
        assertArrayEquals(new boolean[] {true, true, true, true}, compare(BinaryFn.NE, a, b));
        assertArrayEquals(new boolean[] {false, true, false, true}, compare(BinaryFn.LT, a, b));
        assertArrayEquals(new boolean[] {true, false, true, false}, compare(BinaryFn.GE, a, b));
    }

    @Test
    void arithmeticNear2To62IsExactAndWrapsLikeJavaLong() {
        long[] a = {P62 + 1, P62 + 3, Long.MAX_VALUE, 3_037_000_500L};
        long[] b = {P62 - 1, 1, 1, 3_037_000_500L};
        assertArrayEquals(new long[] {P62 + 1 + P62 - 1, P62 + 4, Long.MIN_VALUE, 3_037_000_500L + 3_037_000_500L},
                binary(BinaryFn.ADD, a, b));
        assertArrayEquals(new long[] {2, P62 + 2, Long.MAX_VALUE - 1, 0}, binary(BinaryFn.SUB, a, b));
        assertArrayEquals(new long[] {(P62 + 1) * (P62 - 1), P62 + 3, Long.MAX_VALUE, 3_037_000_500L * 3_037_000_500L},
                binary(BinaryFn.MUL, a, b));
        assertArrayEquals(new long[] {P62 + 1, P62 + 3, Long.MAX_VALUE, 3_037_000_500L}, binary(BinaryFn.MAXIMUM, a, b));
        assertArrayEquals(new long[] {P53}, binary(BinaryFn.MINIMUM, new long[] {P53 + 1}, new long[] {P53}));
    }

    @Test
    void integerPowersAreExactAndFollowPyTorchForNegativeExponents() {
        long threeTo39 = 1;
        for (int i = 0; i < 39; i++) threeTo39 *= 3;
        long threeTo41 = threeTo39 * 9;   // wraps, as PyTorch's int64 pow does
        assertArrayEquals(new long[] {threeTo39, threeTo41, 1, 1, -1, 1, 0, 0},
                binary(BinaryFn.POW, new long[] {3, 3, 7, 1, -1, -1, 2, 0}, new long[] {39, 41, 0, -5, -3, -2, -1, -1}));
    }

    @Test
    void int32ArithmeticWrapsLikeJavaInt() {
        int[] out = new int[3];
        ElementwiseRef.binary(BinaryFn.ADD, new int[] {3}, i32(out), i32(Integer.MAX_VALUE, Integer.MIN_VALUE, 5),
                i32(1, -1, 6));
        assertArrayEquals(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 11}, out);
        ElementwiseRef.binary(BinaryFn.MUL, new int[] {3}, i32(out), i32(65536, 46341, -7), i32(65536, 46341, 3));
        assertArrayEquals(new int[] {0, 46341 * 46341, -21}, out);
    }

    @Test
    void unaryIntegerFunctionsAreExact() {
        long[] out = new long[3];
        ElementwiseRef.unary(UnaryFn.NEG, new int[] {3}, i64(out), i64(P53 + 1, Long.MIN_VALUE, -5));
        assertArrayEquals(new long[] {-(P53 + 1), Long.MIN_VALUE, 5}, out);
        ElementwiseRef.unary(UnaryFn.ABS, new int[] {3}, i64(out), i64(-(P53 + 1), Long.MIN_VALUE, 5));
        assertArrayEquals(new long[] {P53 + 1, Long.MIN_VALUE, 5}, out);
        ElementwiseRef.unary(UnaryFn.RELU, new int[] {3}, i64(out), i64(P53 + 1, -1, 0));
        assertArrayEquals(new long[] {P53 + 1, 0, 0}, out);
    }

    @Test
    void sumsAccumulateInLongAndWrap() {
        assertArrayEquals(new long[] {P62 + (1L << 61) + (1L << 60) + 1}, reduce(ReduceFn.SUM, P62, 1L << 61, 1L << 60, 1));
        assertArrayEquals(new long[] {Long.MIN_VALUE}, reduce(ReduceFn.SUM, Long.MAX_VALUE, 1));
        assertArrayEquals(new long[] {(P53 + 1) * 3}, reduce(ReduceFn.PROD, P53 + 1, 3));
        // int32 input summed into int64, as sum(int32) returns int64
        long[] out = new long[1];
        ReduceRef.reduce(ReduceFn.SUM, new int[0], new Strided(new Buf.I64(out), 0, new int[0]), new int[] {3},
                i32(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE));
        assertArrayEquals(new long[] {3L * Integer.MAX_VALUE}, out);
    }

    @Test
    void maxMinAndArgMaxTellApart2To53And2To53Plus1() {
        assertArrayEquals(new long[] {P53 + 1}, reduce(ReduceFn.MAX, P53, P53 + 1, P53));
        assertArrayEquals(new long[] {P53}, reduce(ReduceFn.MIN, P53 + 1, P53, P53 + 1));
        long[] at = new long[1];
        ReduceRef.argReduce(true, new int[0], new Strided(new Buf.I64(at), 0, new int[0]), new int[] {3}, i64(P53, P53 + 1, P53));
        assertArrayEquals(new long[] {1}, at);
        ReduceRef.argReduce(false, new int[0], new Strided(new Buf.I64(at), 0, new int[0]), new int[] {3}, i64(P53 + 1, P53 + 1, P53));
        assertArrayEquals(new long[] {2}, at);
    }

    @Test
    void gatherScatterAddWhereAndCopyMoveInt64Exactly() {
        long[] out = new long[2];
        GatherRef.gather(new int[] {2}, 0, 3, i64(out), i64(P53 + 1, P53 + 3, Long.MAX_VALUE), i64(2, 0));
        assertArrayEquals(new long[] {Long.MAX_VALUE, P53 + 1}, out);

        long[] acc = {P53, 1};
        GatherRef.scatterAdd(new int[] {3}, 0, 2, i64(acc), i64(0, 0, 1), i64(1, 2, Long.MAX_VALUE));
        assertArrayEquals(new long[] {P53 + 3, Long.MIN_VALUE}, acc);

        ElementwiseRef.where(new int[] {2}, i64(out), Strided.contiguous(new Buf.Bool(new boolean[] {true, false}), new int[] {2}),
                i64(P53 + 1, 0), i64(0, Long.MAX_VALUE - 2));
        assertArrayEquals(new long[] {P53 + 1, Long.MAX_VALUE - 2}, out);

        int[] narrow = new int[2];
        ElementwiseRef.copy(new int[] {2}, i32(narrow), i64((1L << 32) + 5, -(1L << 33) - 7));
        assertArrayEquals(new int[] {5, -7}, narrow, "int64 -> int32 keeps the low 32 bits, as PyTorch's cast");
    }

    @Test
    void int64ToFloatRoundsOnceAndFloatToInt64Truncates() {
        // 2^60 + 2^36 + 1 is just above the midpoint of two floats: rounding it once goes up; through
        // double first it lands on the midpoint and rounds to even (down)
        long v = (1L << 60) + (1L << 36) + 1;
        float[] f = new float[1];
        ElementwiseRef.copy(new int[] {1}, Strided.contiguous(new Buf.F32(f), new int[] {1}), i64(v));
        assertArrayEquals(new float[] {(float) v}, f);
        long[] back = new long[3];
        ElementwiseRef.copy(new int[] {3}, i64(back), Strided.contiguous(new Buf.F64(new double[] {-2.7, 2.7, 1e30}), new int[] {3}));
        assertArrayEquals(new long[] {-2, 2, Long.MAX_VALUE}, back);
    }

    @Test
    void int64MatmulIsExact() {
        // [[2^53 + 1, 1], [MAX, 1]] · [[3], [7]]: the second row wraps
        long[] c = new long[2];
        MatMulRef.matmul(1, 2, 1, 2, Strided.contiguous(new Buf.I64(c), new int[] {1, 2, 1}),
                Strided.contiguous(new Buf.I64(new long[] {P53 + 1, 1, Long.MAX_VALUE, 1}), new int[] {1, 2, 2}),
                Strided.contiguous(new Buf.I64(new long[] {3, 7}), new int[] {1, 2, 1}));
        assertArrayEquals(new long[] {3 * (P53 + 1) + 7, Long.MAX_VALUE * 3 + 7}, c);
    }
}
