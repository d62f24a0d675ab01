package dev.jgrad.kernels;

/**
 * Elementwise functions of one argument: each with its double-precision definition (the
 * reference every kernel is tested against), the name of its CUDA kernels in elementwise.cu
 * ({@code unary_<cudaName>_<type>}) and whether {@code ElementwiseVec} has a vector loop for it.
 * A test checks both against the compiled kernels and the vector loops.
 *
 * <pre>{@code
 * double y = UnaryFn.SIGMOID.apply(0.0);   // 0.5
 * UnaryFn.SIGMOID.cudaName();              // "sigmoid": unary_sigmoid_f32, unary_sigmoid_f64
 * }</pre>
 */
public enum UnaryFn {
    /** On integers: wraps at the most negative value (−MIN == MIN), as PyTorch. */
    NEG("neg", true) {
        public double apply(double x) { return -x; }
        @Override public long applyLong(long x) { return -x; }
    },
    /** eˣ. */
    EXP("exp", true) { public double apply(double x) { return Math.exp(x); } },
    /** eˣ − 1, exact near 0 where exp(x) − 1 cancels. */
    EXPM1("expm1", false) { public double apply(double x) { return Math.expm1(x); } },
    /** Natural logarithm. */
    LOG("log", false) { public double apply(double x) { return Math.log(x); } },
    /** Square root. */
    SQRT("sqrt", true) { public double apply(double x) { return Math.sqrt(x); } },
    /** On integers: |MIN| wraps to MIN, as PyTorch. */
    ABS("abs", true) {
        public double apply(double x) { return Math.abs(x); }
        @Override public long applyLong(long x) { return Math.abs(x); }
    },
    /** -1, 0 or 1 (0 for ±0, NaN for NaN). */
    SIGN("sign", true) {
        public double apply(double x) { return Math.signum(x); }
        @Override public long applyLong(long x) { return Long.signum(x); }
    },
    /** max(x, 0); NaN stays NaN. */
    RELU("relu", true) {
        public double apply(double x) { return x > 0 ? x : (Double.isNaN(x) ? x : 0); }
        @Override public long applyLong(long x) { return Math.max(x, 0); }
    },
    /** 1 / (1 + e^-x), written so that neither branch overflows. */
    SIGMOID("sigmoid", true) {
        public double apply(double x) {
            if (x >= 0) return 1 / (1 + Math.exp(-x));
            double e = Math.exp(x);
            return e / (1 + e);
        }
    },
    /** Hyperbolic tangent. */
    TANH("tanh", true) { public double apply(double x) { return Math.tanh(x); } },
    /** The error function. */
    ERF("erf", true) { public double apply(double x) { return Erf.erf(x); } },
    /** Exact GELU: x·Φ(x) = ½x(1 + erf(x/√2)). */
    GELU("gelu", true) { public double apply(double x) { return 0.5 * x * (1 + Erf.erf(x * INV_SQRT2)); } },
    /** GELU with the tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
    GELU_TANH("gelu_tanh", true) {
        public double apply(double x) {
            return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
        }
    },
    /** Sine. */
    SIN("sin", false) { public double apply(double x) { return Math.sin(x); } },
    /** Cosine. */
    COS("cos", false) { public double apply(double x) { return Math.cos(x); } },
    /** Logical not: 1 where x == 0, else 0. */
    NOT("not", true) {
        public double apply(double x) { return x == 0 ? 1 : 0; }
        @Override public long applyLong(long x) { return x == 0 ? 1 : 0; }
    },
    /** 1 where x is NaN or infinite, else 0. */
    IS_NONFINITE("is_nonfinite", true) {
        public double apply(double x) { return Double.isFinite(x) ? 0 : 1; }
        @Override public long applyLong(long x) { return 0; }
    };

    static final double INV_SQRT2 = 1 / Math.sqrt(2);
    static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    private final String cudaName;
    private final boolean simd;

    UnaryFn(String cudaName, boolean simd) {
        this.cudaName = cudaName;
        this.simd = simd;
    }

    /**
     * {@return the function's value at {@code x}}
     *
     * @param x the argument
     */
    public abstract double apply(double x);

    /**
     * The function's value at an integer {@code x}, for the kernels that compute integer tensors
     * in long: exact (wrapping on overflow) for the functions that keep an integer an integer
     * (neg, abs, sign, relu, not, is_nonfinite); the others compute in double and truncate.
     *
     * @param x the argument
     * @return the result as a long
     */
    public long applyLong(long x) {
        return (long) apply(x);
    }

    /** {@return the function's part of its CUDA kernels' names: {@code unary_<cudaName>_<type suffix>}} */
    public String cudaName() {
        return cudaName;
    }

    /** {@return whether the float32 kernels have a vector loop for it (else they loop over {@link #apply})} */
    public boolean simd() {
        return simd;
    }

    /** {@return true for the functions whose result is a truth value (a bool tensor)} */
    public boolean isPredicate() {
        return this == NOT || this == IS_NONFINITE;
    }
}
