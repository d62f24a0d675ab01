package dev.jgrad.kernels.fused;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.UnaryFn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A chain of float32 elementwise ops over buffers of one length, run as one pass: for each
 * element every op in order, the values in registers, each input buffer read once and only the
 * values someone reads later written back. A captured training step builds one per chain of
 * elementwise kernels it recorded ({@code dev.jgrad.tensor.Tape}).
 *
 * <p>A chain is a small program of values: loads of buffer elements, loads of a row repeated
 * over the leading dimensions (a bias: element {@code i % period}), scalar operands (a broadcast
 * number), and ops over earlier values; stores write values into buffers. The ops are
 * those whose vector and scalar forms give the same bits (IEEE +, −, ×, ÷, √, max, min, neg, abs,
 * relu and relu's gradient), so a fused pass equals the eager kernels wherever they split vector
 * and scalar code. {@link #compiled()} generates a class for the chain with the JDK's
 * {@code java.lang.classfile} API (one per chain shape, shared by every chain of that shape);
 * {@link #interpreted()} runs the same program one cache-sized block per op, the fallback when a
 * class cannot be generated.
 *
 * <pre>{@code
 * // y = relu(a * b + 1), one pass over a, b and y
 * ElementwiseChain.Builder c = ElementwiseChain.builder(3, 1);
 * int v = c.apply(Op.MUL, c.load(0), c.load(1));
 * v = c.apply(Op.RELU, c.apply(Op.ADD, v, c.scalar(0)));
 * c.store(v, 2);
 * ElementwiseChain chain = c.build();
 * ElementwiseChain.run(chain.compiled(), new float[][] {a, b, y}, new int[3], new float[] {1f}, n, chain.opCount());
 * }</pre>
 */
public final class ElementwiseChain {
    /** The fusable ops: each exact, so any split of a run into vector and scalar code gives the same bits. */
    public enum Op {
        /** −x. */
        NEG(1, "neg"),
        /** |x|. */
        ABS(1, "abs"),
        /** √x, correctly rounded. */
        SQRT(1, "sqrt"),
        /** max(x, 0), NaN kept. */
        RELU(1, "relu"),
        /** a + b. */
        ADD(2, "add"),
        /** a − b. */
        SUB(2, "sub"),
        /** a · b. */
        MUL(2, "mul"),
        /** a / b. */
        DIV(2, "div"),
        /** max(a, b), NaN if either is. */
        MAXIMUM(2, "maximum"),
        /** min(a, b), NaN if either is. */
        MINIMUM(2, "minimum"),
        /** ReLU's gradient: b where a &gt; 0, else 0 (a the ReLU's input, b the output's gradient). */
        RELU_BACKWARD(2, "reluBackward");

        private final int arity;
        private final String method;

        Op(int arity, String method) {
            this.arity = arity;
            this.method = method;
        }

        /** {@return 1 or 2: the number of operands} */
        public int arity() {
            return arity;
        }

        /** The name of its helper in {@link ChainLanes} and {@link ChainScalars}. */
        String method() {
            return method;
        }

        /**
         * {@return the op computing {@code fn}, or null when {@code fn} cannot be fused (its vector
         * and scalar forms may differ in the last bit, or it has no float result)}
         *
         * @param fn a function of one argument
         */
        public static Op of(UnaryFn fn) {
            return switch (fn) {
                case NEG -> NEG;
                case ABS -> ABS;
                case SQRT -> SQRT;
                case RELU -> RELU;
                default -> null;
            };
        }

        /**
         * {@return the op computing {@code fn}, or null when {@code fn} cannot be fused}
         *
         * @param fn a function of two arguments
         */
        public static Op of(BinaryFn fn) {
            return switch (fn) {
                case ADD -> ADD;
                case SUB -> SUB;
                case MUL -> MUL;
                case DIV -> DIV;
                case MAXIMUM -> MAXIMUM;
                case MINIMUM -> MINIMUM;
                default -> null;
            };
        }
    }

    static final int LOAD = 0, SCALAR = 1, OP = 2;
    /** Elements per unit of the parallel split: chunk boundaries stay whole vectors apart. */
    static final int UNIT = 64;
    private static final Map<String, ChainKernel> GENERATED = new ConcurrentHashMap<>();

    final int buffers, scalars;
    /** Per value: LOAD, SCALAR or OP; its buffer, scalar or op (ordinal); its operands (a load: its row period, 0 for none). */
    final int[] kind, what, argA, argB;
    /** Per store: the value and the buffer it goes to. */
    final int[] storeValue, storeBuffer;
    private final String key;

    private ElementwiseChain(Builder b) {
        buffers = b.buffers;
        scalars = b.scalars;
        int n = b.kind.size();
        kind = new int[n];
        what = new int[n];
        argA = new int[n];
        argB = new int[n];
        for (int i = 0; i < n; i++) {
            kind[i] = b.kind.get(i);
            what[i] = b.what.get(i);
            argA[i] = b.argA.get(i);
            argB[i] = b.argB.get(i);
        }
        storeValue = b.storeValue.stream().mapToInt(Integer::intValue).toArray();
        storeBuffer = b.storeBuffer.stream().mapToInt(Integer::intValue).toArray();
        key = buffers + "/" + scalars + ":" + Arrays.toString(kind) + Arrays.toString(what) + Arrays.toString(argA) + Arrays.toString(argB)
                + Arrays.toString(storeValue) + Arrays.toString(storeBuffer);
    }

    /**
     * {@return a builder of a chain over {@code buffers} buffers and {@code scalars} scalar operands}
     *
     * @param buffers the number of buffers the chain loads from or stores to
     * @param scalars the number of scalar operands
     */
    public static Builder builder(int buffers, int scalars) {
        return new Builder(buffers, scalars);
    }

    /** Builds a chain value by value; every value must be defined before it is used. */
    public static final class Builder {
        private final int buffers, scalars;
        private final List<Integer> kind = new ArrayList<>(), what = new ArrayList<>(), argA = new ArrayList<>(), argB = new ArrayList<>();
        private final List<Integer> storeValue = new ArrayList<>(), storeBuffer = new ArrayList<>();

        private Builder(int buffers, int scalars) {
            if (buffers < 1 || scalars < 0) throw new IllegalArgumentException("ElementwiseChain: need at least 1 buffer and no negative scalar count, got "
                    + buffers + " buffers, " + scalars + " scalars");
            this.buffers = buffers;
            this.scalars = scalars;
        }

        private int add(int k, int w, int a, int b) {
            kind.add(k);
            what.add(w);
            argA.add(a);
            argB.add(b);
            return kind.size() - 1;
        }

        /**
         * {@return a value: the element of buffer {@code buffer}}
         *
         * @param buffer the buffer's index
         * @throws IllegalArgumentException when out of range
         */
        public int load(int buffer) {
            check("load: buffer", buffer, buffers);
            return add(LOAD, buffer, 0, -1);
        }

        /**
         * {@return a value: element {@code i % period} of buffer {@code buffer} for element i — a row
         * broadcast over the leading dimensions, such as a bias}
         *
         * @param buffer the buffer's index
         * @param period the row's length, a multiple of {@link #lanes()}
         * @throws IllegalArgumentException when out of range or the period is not a whole number of vectors
         */
        public int loadRow(int buffer, int period) {
            check("loadRow: buffer", buffer, buffers);
            if (period < 1 || period % lanes() != 0) {
                throw new IllegalArgumentException("ElementwiseChain loadRow: period must be a positive multiple of " + lanes() + " (the vector length), got " + period);
            }
            return add(LOAD, buffer, period, -1);
        }

        /**
         * {@return a value: scalar operand {@code index}, the same for every element}
         *
         * @param index the scalar's index
         * @throws IllegalArgumentException when out of range
         */
        public int scalar(int index) {
            check("scalar: index", index, scalars);
            return add(SCALAR, index, -1, -1);
        }

        /**
         * {@return a value: the one-operand op applied to value {@code a}}
         *
         * @param op an op of arity 1
         * @param a  an earlier value
         * @throws IllegalArgumentException when the op needs two operands or {@code a} is not a value yet
         */
        public int apply(Op op, int a) {
            if (op.arity() != 1) throw new IllegalArgumentException("ElementwiseChain: " + op + " takes 2 operands, got 1");
            check("apply " + op + ": operand", a, kind.size());
            return add(OP, op.ordinal(), a, -1);
        }

        /**
         * {@return a value: the two-operand op applied to values {@code a} and {@code b}}
         *
         * @param op an op of arity 2
         * @param a  an earlier value
         * @param b  an earlier value
         * @throws IllegalArgumentException when the op takes one operand or an operand is not a value yet
         */
        public int apply(Op op, int a, int b) {
            if (op.arity() != 2) throw new IllegalArgumentException("ElementwiseChain: " + op + " takes 1 operand, got 2");
            check("apply " + op + ": first operand", a, kind.size());
            check("apply " + op + ": second operand", b, kind.size());
            return add(OP, op.ordinal(), a, b);
        }

        /**
         * Stores {@code value} into buffer {@code buffer} (after every op of the element).
         *
         * @param value  a value
         * @param buffer the buffer's index
         * @throws IllegalArgumentException when either is out of range
         */
        public void store(int value, int buffer) {
            check("store: value", value, kind.size());
            check("store: buffer", buffer, buffers);
            storeValue.add(value);
            storeBuffer.add(buffer);
        }

        /**
         * {@return the chain}
         *
         * @throws IllegalArgumentException when it stores nothing
         */
        public ElementwiseChain build() {
            if (storeValue.isEmpty()) throw new IllegalArgumentException("ElementwiseChain: a chain must store at least one value");
            return new ElementwiseChain(this);
        }

        private static void check(String what, int i, int bound) {
            if (i < 0 || i >= bound) throw new IllegalArgumentException("ElementwiseChain " + what + " " + i + " out of range [0, " + bound + ")");
        }
    }

    /** {@return the floats in one vector of the fused loops (1 without the Vector API): a row operand's period is a multiple of it} */
    public static int lanes() {
        return Simd.enabled() ? ChainLanes.lanes() : 1;
    }

    /** {@return the number of ops (not loads, scalars or stores)} */
    public int opCount() {
        int n = 0;
        for (int k : kind) if (k == OP) n++;
        return n;
    }

    /** {@return the number of buffers} */
    public int bufferCount() {
        return buffers;
    }

    /** {@return the ops in order, such as {@code mul→add→relu}} */
    public String describe() {
        StringJoiner j = new StringJoiner("→");
        for (int i = 0; i < kind.length; i++) if (kind[i] == OP) j.add(Op.values()[what[i]].method());
        return j.toString();
    }

    /**
     * {@return a kernel of a class generated for this chain's shape (ops, operands, stores), made
     * once per shape; the {@linkplain #interpreted() interpreter} when a class cannot be generated}
     */
    public ChainKernel compiled() {
        return GENERATED.computeIfAbsent(key, _ -> {
            try {
                return ChainClassWriter.define(this);
            } catch (RuntimeException | LinkageError e) {
                System.getLogger(ElementwiseChain.class.getName()).log(System.Logger.Level.WARNING,
                        "fused chain " + describe() + ": no class generated (" + e + "); it runs block by block");
                return interpreted();
            }
        });
    }

    /** {@return whether {@link #compiled()} gives a generated class (false: the interpreter)} */
    public boolean isGenerated() {
        return !(compiled() instanceof ChainInterpreter);
    }

    /** {@return a kernel that runs this chain one cache-sized block per op (the second tier)} */
    public ChainKernel interpreted() {
        return new ChainInterpreter(this);
    }

    /**
     * Runs {@code kernel} over elements {@code [0, n)}, in parallel ranges of whole vectors, each
     * with a scalar tail only at its end.
     *
     * @param kernel  a kernel of this chain
     * @param buffers its buffers
     * @param offsets index of element 0 in each buffer
     * @param scalars its scalar operands
     * @param n       the number of elements
     * @param cost    the estimated float operations per element, for the parallel threshold
     */
    public static void run(ChainKernel kernel, float[][] buffers, int[] offsets, float[] scalars, int n, int cost) {
        boolean vector = Simd.enabled();
        int lanes = vector ? ChainLanes.lanes() : 1;
        int units = (n + UNIT - 1) / UNIT;
        Parallel.forRange(units, (long) n * Math.max(1, cost), (u0, u1) -> {
            int from = u0 * UNIT, to = Math.min(n, u1 * UNIT);
            int vectorEnd = vector ? from + (to - from) / lanes * lanes : from;
            kernel.run(buffers, offsets, scalars, from, vectorEnd, to);
        });
    }

    @Override
    public String toString() {
        return "chain " + describe() + " over " + buffers + " buffers";
    }
}
