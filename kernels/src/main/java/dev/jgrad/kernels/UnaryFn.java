package dev.jgrad.kernels;

/**
 * Elementwise functions of one argument, each with its double-precision definition.
 *
 * <pre>{@code
 * double y = UnaryFn.SIGMOID.apply(0.0);   // 0.5
 * }</pre>
 */
public enum UnaryFn {
    NEG { public double apply(double x) { return -x; } },
    EXP { public double apply(double x) { return Math.exp(x); } },
    LOG { public double apply(double x) { return Math.log(x); } },
    SQRT { public double apply(double x) { return Math.sqrt(x); } },
    ABS { public double apply(double x) { return Math.abs(x); } },
    /** -1, 0 or 1 (0 for ±0, NaN for NaN). */
    SIGN { public double apply(double x) { return Math.signum(x); } },
    RELU { public double apply(double x) { return x > 0 ? x : (Double.isNaN(x) ? x : 0); } },
    /** 1 / (1 + e^-x), written so that neither branch overflows. */
    SIGMOID {
        public double apply(double x) {
            if (x >= 0) return 1 / (1 + Math.exp(-x));
            double e = Math.exp(x);
            return e / (1 + e);
        }
    },
    TANH { public double apply(double x) { return Math.tanh(x); } },
    ERF { public double apply(double x) { return Erf.erf(x); } },
    /** Exact GELU: x·Φ(x) = ½x(1 + erf(x/√2)). */
    GELU { public double apply(double x) { return 0.5 * x * (1 + Erf.erf(x * INV_SQRT2)); } },
    /** GELU with the tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
    GELU_TANH {
        public double apply(double x) {
            return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
        }
    },
    SIN { public double apply(double x) { return Math.sin(x); } },
    COS { public double apply(double x) { return Math.cos(x); } },
    /** Logical not: 1 where x == 0, else 0. */
    NOT { public double apply(double x) { return x == 0 ? 1 : 0; } },
    /** 1 where x is NaN or infinite, else 0. */
    IS_NONFINITE { public double apply(double x) { return Double.isFinite(x) ? 0 : 1; } };

    static final double INV_SQRT2 = 1 / Math.sqrt(2);
    static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    /** The function's value at {@code x}. */
    public abstract double apply(double x);
}
