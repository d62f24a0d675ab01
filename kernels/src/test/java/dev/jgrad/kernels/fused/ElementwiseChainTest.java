package dev.jgrad.kernels.fused;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.UnaryFn;
import dev.jgrad.kernels.fused.ElementwiseChain.Op;
import dev.jgrad.kernels.typed.ElementwiseF32;
import dev.jgrad.kernels.typed.ReluF32;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Fused chains against the eager kernels run one after another: the same bits, generated or interpreted. */
class ElementwiseChainTest {
    private static final int[] LENGTHS = {1, 3, 15, 16, 17, 255, 1000, 4099, 70_001};
    private static final UnaryFn[] UNARY = {UnaryFn.NEG, UnaryFn.ABS, UnaryFn.SQRT, UnaryFn.RELU};
    private static final BinaryFn[] BINARY = {BinaryFn.ADD, BinaryFn.SUB, BinaryFn.MUL, BinaryFn.DIV, BinaryFn.MAXIMUM, BinaryFn.MINIMUM};

    /** One random chain: its program over its buffers (the inputs first, then one buffer per op's value). */
    private record Case(ElementwiseChain chain, float[][] buffers, float[] scalars) {}

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(40);
            a[i] = k == 0 ? 0f : k == 1 ? -0f : k == 2 ? Float.NaN : (float) (r.nextGaussian() * 3);
        }
        return a;
    }

    /** Three input buffers, ops on random earlier values (unary, binary, with the scalar, relu's gradient), each op's value stored. */
    private static Case randomCase(Random r, int n, int ops) {
        int inputs = 3, buffers = inputs + ops;
        ElementwiseChain.Builder b = ElementwiseChain.builder(buffers, 1);
        float[][] bufs = new float[buffers][];
        List<Integer> values = new ArrayList<>();
        for (int k = 0; k < inputs; k++) {
            bufs[k] = random(r, n);
            values.add(b.load(k));
        }
        for (int o = 0; o < ops; o++) {
            int va = values.get(r.nextInt(values.size())), vb = values.get(r.nextInt(values.size()));
            int v = switch (r.nextInt(4)) {
                case 0 -> b.apply(Op.of(UNARY[r.nextInt(UNARY.length)]), va);
                case 1 -> b.apply(Op.RELU_BACKWARD, va, vb);
                case 2 -> b.apply(Op.of(BINARY[r.nextInt(BINARY.length)]), va, b.scalar(0));
                default -> b.apply(Op.of(BINARY[r.nextInt(BINARY.length)]), va, vb);
            };
            bufs[inputs + o] = new float[n];
            b.store(v, inputs + o);
            values.add(v);
        }
        return new Case(b.build(), bufs, new float[] {(float) r.nextGaussian()});
    }

    private static void assertBitIdentical(ChainKernelFactory factory, String label) {
        Random r = new Random(42);
        for (int n : LENGTHS) {
            for (int trial = 0; trial < 6; trial++) {
                Case c = randomCase(r, n, 1 + r.nextInt(6));
                float[][] expected = eager(c, n);
                ElementwiseChain.run(factory.of(c.chain()), c.buffers(), new int[c.buffers().length], c.scalars(), n, c.chain().opCount());
                for (int k = 0; k < expected.length; k++) {
                    if (expected[k] == null) continue;
                    for (int i = 0; i < n; i++) {
                        int kk = k, ii = i;
                        assertEquals(Float.floatToRawIntBits(expected[k][i]), Float.floatToRawIntBits(c.buffers()[k][i]),
                                () -> label + " " + c.chain() + " n=" + n + ": buffer " + kk + " element " + ii + " differs from the eager kernels");
                    }
                }
            }
        }
    }

    /** What the eager kernels store into each stored buffer: every op a whole-array kernel call of its own, in order. */
    private static float[][] eager(Case c, int n) {
        float[][] out = new float[c.buffers().length][];
        ElementwiseChain ch = c.chain();
        float[][] vals = new float[ch.kind.length][];
        for (int x = 0; x < ch.kind.length; x++) {
            switch (ch.kind[x]) {
                case ElementwiseChain.LOAD -> vals[x] = c.buffers()[ch.what[x]].clone();
                case ElementwiseChain.SCALAR -> vals[x] = new float[] {c.scalars()[ch.what[x]]};
                default -> {
                    Op op = Op.values()[ch.what[x]];
                    float[] r = new float[n], a = vals[ch.argA[x]];
                    float[] bArr = op.arity() == 1 ? null : vals[ch.argB[x]];
                    int[] bs = bArr != null && ch.kind[ch.argB[x]] == ElementwiseChain.SCALAR ? new int[] {0} : new int[] {1};
                    switch (op) {
                        case NEG, ABS, SQRT, RELU -> ElementwiseF32.unary(UnaryFn.valueOf(op.name()), new int[] {n}, r, 0, new int[] {1}, a, 0, new int[] {1});
                        case RELU_BACKWARD -> ReluF32.backward(a, 0, bArr, 0, r, 0, n);
                        default -> ElementwiseF32.binary(BinaryFn.valueOf(op.name()), new int[] {n}, r, 0, new int[] {1}, a, 0, new int[] {1}, bArr, 0, bs);
                    }
                    vals[x] = r;
                }
            }
        }
        for (int k = 0; k < ch.storeValue.length; k++) out[ch.storeBuffer[k]] = vals[ch.storeValue[k]];
        return out;
    }

    @FunctionalInterface
    private interface ChainKernelFactory {
        ChainKernel of(ElementwiseChain chain);
    }

    @Test
    void aGeneratedChainGivesTheEagerKernelsBits() {
        assertBitIdentical(ElementwiseChain::compiled, "generated");
    }

    @Test
    void anInterpretedChainGivesTheEagerKernelsBits() {
        assertBitIdentical(ElementwiseChain::interpreted, "interpreted");
    }

    @Test
    void chainsOfOneShapeShareOneGeneratedClass() {
        ElementwiseChain a = mulAddRelu(), b = mulAddRelu();
        assertTrue(a.isGenerated(), "a generated class, not the interpreter");
        assertEquals(a.compiled().getClass(), b.compiled().getClass());
        assertTrue(a.compiled().getClass().isHidden());
        assertEquals("mul→add→relu", a.describe());
        assertEquals(3, a.opCount());
    }

    @Test
    void inputsAtOffsetsAndInPlaceStores() {
        int n = 1001;
        float[] x = new float[n + 7], y = new float[n + 3];
        for (int i = 0; i < x.length; i++) x[i] = i * 0.5f - 200;
        for (int i = 0; i < y.length; i++) y[i] = 1.5f - i * 0.25f;
        ElementwiseChain c = mulAddRelu();
        float[] yBefore = y.clone();
        ElementwiseChain.run(c.compiled(), new float[][] {x, y, y}, new int[] {7, 3, 3}, new float[] {1f}, n, 3);   // y = relu(x·y + 1) in place
        for (int i = 0; i < n; i++) assertEquals(Math.max(x[7 + i] * yBefore[3 + i] + 1f, 0f), y[3 + i]);
        for (int i = 0; i < 3; i++) assertEquals(yBefore[i], y[i], "elements before the offset untouched");
    }

    @Test
    void aRowOperandRepeatsOverTheLeadingDimensionAsTheEagerBroadcast() {
        Random r = new Random(7);
        int lanes = ElementwiseChain.lanes();
        for (int period : new int[] {lanes, 3 * lanes, 128}) {
            for (int rows : new int[] {1, 3, 37, 130}) {
                int n = rows * period;
                float[] x = random(r, n), bias = random(r, period), y = new float[n], z = new float[n];
                ElementwiseChain.Builder b = ElementwiseChain.builder(4, 0);
                int sum = b.apply(Op.ADD, b.load(0), b.loadRow(1, period));
                b.store(b.apply(Op.RELU, sum), 2);
                b.store(b.apply(Op.MUL, b.loadRow(1, period), sum), 3);
                ElementwiseChain c = b.build();
                float[] eSum = new float[n], eY = new float[n], eZ = new float[n];
                int[] shape = {rows, period}, dense = {period, 1}, row = {0, 1};
                ElementwiseF32.binary(BinaryFn.ADD, shape, eSum, 0, dense, x, 0, dense, bias, 0, row);
                ElementwiseF32.unary(UnaryFn.RELU, shape, eY, 0, dense, eSum, 0, dense);
                ElementwiseF32.binary(BinaryFn.MUL, shape, eZ, 0, dense, bias, 0, row, eSum, 0, dense);
                for (ChainKernel k : List.of(c.compiled(), c.interpreted())) {
                    java.util.Arrays.fill(y, 0f);
                    java.util.Arrays.fill(z, 0f);
                    ElementwiseChain.run(k, new float[][] {x, bias, y, z}, new int[4], new float[0], n, 3);
                    for (int i = 0; i < n; i++) {
                        assertEquals(Float.floatToRawIntBits(eY[i]), Float.floatToRawIntBits(y[i]), k + " relu(x + bias) at " + i);
                        assertEquals(Float.floatToRawIntBits(eZ[i]), Float.floatToRawIntBits(z[i]), k + " bias·(x + bias) at " + i);
                    }
                }
            }
        }
        var e = assertThrows(IllegalArgumentException.class, () -> ElementwiseChain.builder(1, 0).loadRow(0, 0));
        assertTrue(e.getMessage().contains("period must be a positive multiple"), e.getMessage());
    }

    @Test
    void badProgramsAreClearErrors() {
        ElementwiseChain.Builder b = ElementwiseChain.builder(2, 0);
        int v = b.load(0);
        var e = assertThrows(IllegalArgumentException.class, () -> b.apply(Op.ADD, v));
        assertTrue(e.getMessage().contains("ADD takes 2 operands"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.load(2));
        assertTrue(e.getMessage().contains("out of range [0, 2)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.scalar(0));
        assertTrue(e.getMessage().contains("scalar"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("store at least one value"), e.getMessage());
    }

    private static ElementwiseChain mulAddRelu() {
        ElementwiseChain.Builder b = ElementwiseChain.builder(3, 1);
        int v = b.apply(Op.MUL, b.load(0), b.load(1));
        v = b.apply(Op.RELU, b.apply(Op.ADD, v, b.scalar(0)));
        b.store(v, 2);
        return b.build();
    }
}
