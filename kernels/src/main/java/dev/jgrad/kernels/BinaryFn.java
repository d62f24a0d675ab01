package dev.jgrad.kernels;

/**
 * Elementwise functions of two arguments: each with its double-precision definition, the name of
 * its CUDA kernels in elementwise.cu ({@code binary_<cudaName>_<type>}) and whether
 * {@code ElementwiseVec} has a vector loop for it, and its long form for integer tensors.
 * Comparisons and logical functions return 1 or 0.
 *
 * <pre>{@code
 * double z = BinaryFn.POW.apply(2, 10);   // 1024
 * BinaryFn.POW.simd();                     // false: the float32 kernel calls Math.pow per element
 * long w = BinaryFn.ADD.applyLong(Long.MAX_VALUE, 1);   // Long.MIN_VALUE: integers wrap
 * }</pre>
 */
public enum BinaryFn {
    /** a + b. */
    ADD("add", true) {
        public double apply(double a, double b) { return a + b; }
        public long applyLong(long a, long b) { return a + b; }
    },
    /** a − b. */
    SUB("sub", true) {
        public double apply(double a, double b) { return a - b; }
        public long applyLong(long a, long b) { return a - b; }
    },
    /** a · b. */
    MUL("mul", true) {
        public double apply(double a, double b) { return a * b; }
        public long applyLong(long a, long b) { return a * b; }
    },
    /**
     * True division. Integer operands divide in double (PyTorch's {@code /} gives a float): the
     * kernels never take the long form of this one, which only truncates that quotient.
     */
    DIV("div", true) {
        public double apply(double a, double b) { return a / b; }
        public long applyLong(long a, long b) { return (long) ((double) a / (double) b); }
    },
    /**
     * On integers: exact by repeated squaring, wrapping on overflow; a negative exponent gives 1
     * for base 1, ±1 for base −1 and 0 otherwise, as PyTorch's integer pow.
     */
    POW("pow", false) {
        public double apply(double a, double b) { return Math.pow(a, b); }
        public long applyLong(long a, long b) { return powLong(a, b); }
    },
    /** Larger of the two; NaN if either is NaN. */
    MAXIMUM("maximum", true) {
        public double apply(double a, double b) { return Math.max(a, b); }
        public long applyLong(long a, long b) { return Math.max(a, b); }
    },
    /** Smaller of the two; NaN if either is NaN. */
    MINIMUM("minimum", true) {
        public double apply(double a, double b) { return Math.min(a, b); }
        public long applyLong(long a, long b) { return Math.min(a, b); }
    },
    /** 1 where a == b, else 0. */
    EQ("eq", true) {
        public double apply(double a, double b) { return a == b ? 1 : 0; }
        public long applyLong(long a, long b) { return a == b ? 1 : 0; }
    },
    /** 1 where a != b, else 0. */
    NE("ne", true) {
        public double apply(double a, double b) { return a != b ? 1 : 0; }
        public long applyLong(long a, long b) { return a != b ? 1 : 0; }
    },
    /** 1 where a &lt; b, else 0. */
    LT("lt", true) {
        public double apply(double a, double b) { return a < b ? 1 : 0; }
        public long applyLong(long a, long b) { return a < b ? 1 : 0; }
    },
    /** 1 where a ≤ b, else 0. */
    LE("le", true) {
        public double apply(double a, double b) { return a <= b ? 1 : 0; }
        public long applyLong(long a, long b) { return a <= b ? 1 : 0; }
    },
    /** 1 where a &gt; b, else 0. */
    GT("gt", true) {
        public double apply(double a, double b) { return a > b ? 1 : 0; }
        public long applyLong(long a, long b) { return a > b ? 1 : 0; }
    },
    /** 1 where a ≥ b, else 0. */
    GE("ge", true) {
        public double apply(double a, double b) { return a >= b ? 1 : 0; }
        public long applyLong(long a, long b) { return a >= b ? 1 : 0; }
    },
    /** Logical and: 1 where both are non-zero, else 0. */
    AND("and", true) {
        public double apply(double a, double b) { return a != 0 && b != 0 ? 1 : 0; }
        public long applyLong(long a, long b) { return a != 0 && b != 0 ? 1 : 0; }
    },
    /** Logical or: 1 where either is non-zero, else 0. */
    OR("or", true) {
        public double apply(double a, double b) { return a != 0 || b != 0 ? 1 : 0; }
        public long applyLong(long a, long b) { return a != 0 || b != 0 ? 1 : 0; }
    };

    private final String cudaName;
    private final boolean simd;

    BinaryFn(String cudaName, boolean simd) {
        this.cudaName = cudaName;
        this.simd = simd;
    }

    /**
     * {@return the function's value at ({@code a}, {@code b})}
     *
     * @param a the first argument
     * @param b the second argument
     */
    public abstract double apply(double a, double b);

    /**
     * The function's value at integers ({@code a}, {@code b}), for the kernels that compute integer
     * tensors in long: exact, with two's-complement wrapping on overflow (a long result stored
     * into int32 keeps its low 32 bits, which is the int32 result).
     *
     * @param a the first argument
     * @param b the second argument
     * @return the result as a long
     */
    public abstract long applyLong(long a, long b);

    /** a to the power b in long arithmetic (see {@link #POW}). */
    static long powLong(long a, long b) {
        if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) == 0 ? 1 : -1) : 0;
        long result = 1;
        for (long base = a, e = b; e != 0; e >>>= 1) {
            if ((e & 1) != 0) result *= base;
            base *= base;
        }
        return result;
    }

    /** {@return the function's part of its CUDA kernels' names: {@code binary_<cudaName>_<type suffix>}} */
    public String cudaName() {
        return cudaName;
    }

    /** {@return whether the float32 kernels have a vector loop for it (else they loop over {@link #apply})} */
    public boolean simd() {
        return simd;
    }

    /** {@return true for the functions whose result is a truth value (comparisons, logical and/or)} */
    public boolean isPredicate() {
        return compareTo(EQ) >= 0;
    }
}
