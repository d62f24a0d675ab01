package dev.jgrad.kernels;

/**
 * Elementwise functions of two arguments. Comparisons and logical functions return 1 or 0.
 *
 * <pre>{@code
 * double z = BinaryFn.POW.apply(2, 10);   // 1024
 * }</pre>
 */
public enum BinaryFn {
    ADD { public double apply(double a, double b) { return a + b; } },
    SUB { public double apply(double a, double b) { return a - b; } },
    MUL { public double apply(double a, double b) { return a * b; } },
    DIV { public double apply(double a, double b) { return a / b; } },
    POW { public double apply(double a, double b) { return Math.pow(a, b); } },
    /** Larger of the two; NaN if either is NaN. */
    MAXIMUM { public double apply(double a, double b) { return Math.max(a, b); } },
    /** Smaller of the two; NaN if either is NaN. */
    MINIMUM { public double apply(double a, double b) { return Math.min(a, b); } },
    EQ { public double apply(double a, double b) { return a == b ? 1 : 0; } },
    NE { public double apply(double a, double b) { return a != b ? 1 : 0; } },
    LT { public double apply(double a, double b) { return a < b ? 1 : 0; } },
    LE { public double apply(double a, double b) { return a <= b ? 1 : 0; } },
    GT { public double apply(double a, double b) { return a > b ? 1 : 0; } },
    GE { public double apply(double a, double b) { return a >= b ? 1 : 0; } },
    AND { public double apply(double a, double b) { return a != 0 && b != 0 ? 1 : 0; } },
    OR { public double apply(double a, double b) { return a != 0 || b != 0 ? 1 : 0; } };

    /** The function's value at ({@code a}, {@code b}). */
    public abstract double apply(double a, double b);

    /** True for the functions whose result is a truth value (comparisons, logical and/or). */
    public boolean isPredicate() {
        return compareTo(EQ) >= 0;
    }
}
