package dev.jgrad.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise float32 rows with the Vector API. Each function and broadcast form has its own
 * loop (no vector is merged across branches, which would make C2 box it). The loops stop at the
 * last whole vector and return how far they got; {@link ElementwiseF32} finishes the row with
 * its scalar loop. Transcendentals use the Vector API's lanewise operators (SVML on x86); erf, which
 * the Vector API lacks, is a rational approximation (below). Loaded only when
 * {@link Simd#enabled}.
 */
final class ElementwiseVec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector MINUS_ONE = FloatVector.broadcast(S, -1f);
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private ElementwiseVec() {}

    /** Whether {@link #unary} has a vector loop for {@code fn} (float result). */
    static boolean hasUnary(UnaryFn fn) {
        return switch (fn) {
            case NEG, EXP, LOG, SQRT, ABS, SIGN, RELU, SIGMOID, TANH, ERF, GELU, GELU_TANH, SIN, COS -> true;
            default -> false;
        };
    }

    /** out[o + j] = fn(x[xi + j]) for j below the last whole vector of n; returns that bound. */
    static int unary(UnaryFn fn, int n, float[] out, int o, float[] x, int xi) {
        int bound = S.loopBound(n), j = 0;
        switch (fn) {
            case NEG -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = v.neg();
                    r.intoArray(out, o + j);
                }
            }
            case EXP -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = v.lanewise(VectorOperators.EXP);
                    r.intoArray(out, o + j);
                }
            }
            case LOG -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = v.lanewise(VectorOperators.LOG);
                    r.intoArray(out, o + j);
                }
            }
            case SQRT -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = v.sqrt();
                    r.intoArray(out, o + j);
                }
            }
            case ABS -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = v.abs();
                    r.intoArray(out, o + j);
                }
            }
            case SIGN -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = v.blend(ONE, v.compare(VectorOperators.GT, 0f)).blend(MINUS_ONE, v.compare(VectorOperators.LT, 0f));
                    r.intoArray(out, o + j);
                }
            }
            case RELU -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = v.max(0f);
                    r.intoArray(out, o + j);
                }
            }
            case SIGMOID -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = ONE.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
                    r.intoArray(out, o + j);
                }
            }
            case TANH -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = v.lanewise(VectorOperators.TANH);
                    r.intoArray(out, o + j);
                }
            }
            case ERF -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector ex = v.max(-4f).min(4f);
                    FloatVector ex2 = ex.mul(ex);
                    FloatVector ep = ex2.fma(-2.72614225801306e-10f, 2.77068142495902e-08f);
                    ep = ep.fma(ex2, FloatVector.broadcast(S, -2.10102402082508e-06f));
                    ep = ep.fma(ex2, FloatVector.broadcast(S, -5.69250639462346e-05f));
                    ep = ep.fma(ex2, FloatVector.broadcast(S, -7.34990630326855e-04f));
                    ep = ep.fma(ex2, FloatVector.broadcast(S, -2.95459980854025e-03f));
                    ep = ep.fma(ex2, FloatVector.broadcast(S, -1.60960333262415e-02f)).mul(ex);
                    FloatVector eq = ex2.fma(-1.45660718464996e-05f, -2.13374055278905e-04f);
                    eq = eq.fma(ex2, FloatVector.broadcast(S, -1.68282697438203e-03f));
                    eq = eq.fma(ex2, FloatVector.broadcast(S, -7.37332916720468e-03f));
                    eq = eq.fma(ex2, FloatVector.broadcast(S, -1.42647390514189e-02f));
                    FloatVector erf = ep.div(eq);
                    FloatVector r = erf;
                    r.intoArray(out, o + j);
                }
            }
            case GELU -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector ex = v.mul(INV_SQRT2).max(-4f).min(4f);
                    FloatVector ex2 = ex.mul(ex);
                    FloatVector ep = ex2.fma(-2.72614225801306e-10f, 2.77068142495902e-08f);
                    ep = ep.fma(ex2, FloatVector.broadcast(S, -2.10102402082508e-06f));
                    ep = ep.fma(ex2, FloatVector.broadcast(S, -5.69250639462346e-05f));
                    ep = ep.fma(ex2, FloatVector.broadcast(S, -7.34990630326855e-04f));
                    ep = ep.fma(ex2, FloatVector.broadcast(S, -2.95459980854025e-03f));
                    ep = ep.fma(ex2, FloatVector.broadcast(S, -1.60960333262415e-02f)).mul(ex);
                    FloatVector eq = ex2.fma(-1.45660718464996e-05f, -2.13374055278905e-04f);
                    eq = eq.fma(ex2, FloatVector.broadcast(S, -1.68282697438203e-03f));
                    eq = eq.fma(ex2, FloatVector.broadcast(S, -7.37332916720468e-03f));
                    eq = eq.fma(ex2, FloatVector.broadcast(S, -1.42647390514189e-02f));
                    FloatVector erf = ep.div(eq);
                    FloatVector r = v.mul(0.5f).mul(erf.add(1f));
                    r.intoArray(out, o + j);
                }
            }
            case GELU_TANH -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = v.mul(0.5f).mul(v.mul(v).mul(v).mul(0.044715f).add(v).mul(SQRT_2_OVER_PI).lanewise(VectorOperators.TANH).add(1f));
                    r.intoArray(out, o + j);
                }
            }
            case SIN -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = v.lanewise(VectorOperators.SIN);
                    r.intoArray(out, o + j);
                }
            }
            case COS -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    FloatVector r = v.lanewise(VectorOperators.COS);
                    r.intoArray(out, o + j);
                }
            }
            default -> {
                return 0;
            }
        }
        return bound;
    }

    /** out[o + j] = fn(x[xi + j]) as a truth value (NOT, IS_NONFINITE); returns the bound reached. */
    static int unaryPredicate(UnaryFn fn, int n, boolean[] out, int o, float[] x, int xi) {
        int bound = S.loopBound(n), j = 0;
        switch (fn) {
            case NOT -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    VectorMask<Float> m = v.compare(VectorOperators.EQ, 0f);
                    m.intoArray(out, o + j);
                }
            }
            case IS_NONFINITE -> {
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xi + j);
                    VectorMask<Float> m = v.test(VectorOperators.IS_FINITE).not();
                    m.intoArray(out, o + j);
                }
            }
            default -> {
                return 0;
            }
        }
        return bound;
    }

    /**
     * out[o + j] = fn(x[xi + j·xs], y[yi + j·ys]) with xs, ys ∈ {0, 1} (not both 0) for j below the
     * last whole vector of n; returns that bound.
     */
    static int binary(BinaryFn fn, int n, float[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int bound = S.loopBound(n), j = 0;
        switch (fn) {
            case ADD -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.add(b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.add(b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.add(b).intoArray(out, o + j);
                    }
                }
            }
            case SUB -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.sub(b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.sub(b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.sub(b).intoArray(out, o + j);
                    }
                }
            }
            case MUL -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.mul(b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.mul(b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.mul(b).intoArray(out, o + j);
                    }
                }
            }
            case DIV -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.div(b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.div(b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.div(b).intoArray(out, o + j);
                    }
                }
            }
            case POW -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.lanewise(VectorOperators.POW, b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.lanewise(VectorOperators.POW, b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.lanewise(VectorOperators.POW, b).intoArray(out, o + j);
                    }
                }
            }
            case MAXIMUM -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.max(b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.max(b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.max(b).intoArray(out, o + j);
                    }
                }
            }
            case MINIMUM -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.min(b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.min(b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.min(b).intoArray(out, o + j);
                    }
                }
            }
            default -> {
                return 0;
            }
        }
        return bound;
    }

    /** As {@link #binary} for the comparisons and logical and/or, into a boolean row. */
    static int compare(BinaryFn fn, int n, boolean[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int bound = S.loopBound(n), j = 0;
        switch (fn) {
            case EQ -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.EQ, b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.compare(VectorOperators.EQ, b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.EQ, b).intoArray(out, o + j);
                    }
                }
            }
            case NE -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.NE, b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.compare(VectorOperators.NE, b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.NE, b).intoArray(out, o + j);
                    }
                }
            }
            case LT -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.LT, b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.compare(VectorOperators.LT, b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.LT, b).intoArray(out, o + j);
                    }
                }
            }
            case LE -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.LE, b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.compare(VectorOperators.LE, b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.LE, b).intoArray(out, o + j);
                    }
                }
            }
            case GT -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.GT, b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.compare(VectorOperators.GT, b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.GT, b).intoArray(out, o + j);
                    }
                }
            }
            case GE -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.GE, b).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.compare(VectorOperators.GE, b).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.GE, b).intoArray(out, o + j);
                    }
                }
            }
            case AND -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.NE, 0f).and(b.compare(VectorOperators.NE, 0f)).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.compare(VectorOperators.NE, 0f).and(b.compare(VectorOperators.NE, 0f)).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.NE, 0f).and(b.compare(VectorOperators.NE, 0f)).intoArray(out, o + j);
                    }
                }
            }
            case OR -> {
                if (xs == 1 && ys == 1) {
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.NE, 0f).or(b.compare(VectorOperators.NE, 0f)).intoArray(out, o + j);
                    }
                } else if (xs == 1) {
                    FloatVector b = FloatVector.broadcast(S, y[yi]);
                    for (; j < bound; j += L) {
                        FloatVector a = FloatVector.fromArray(S, x, xi + j); a.compare(VectorOperators.NE, 0f).or(b.compare(VectorOperators.NE, 0f)).intoArray(out, o + j);
                    }
                } else {
                    FloatVector a = FloatVector.broadcast(S, x[xi]);
                    for (; j < bound; j += L) {
                        FloatVector b = FloatVector.fromArray(S, y, yi + j); a.compare(VectorOperators.NE, 0f).or(b.compare(VectorOperators.NE, 0f)).intoArray(out, o + j);
                    }
                }
            }
            default -> {
                return 0;
            }
        }
        return bound;
    }

    // erf (no Vector API operator) is written into the ERF and GELU loops: x·P(x²)/Q(x²) on x
    // clamped to [−4, 4] (erf is ±1 in float beyond), the rational approximation Eigen and XLA use
    // for float32. Inline rather than a helper, for the boxing reason above.
}
