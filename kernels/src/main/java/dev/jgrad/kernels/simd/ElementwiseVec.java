package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.UnaryFn;
import dev.jgrad.kernels.typed.ElementwiseF32;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise float32 rows with the Vector API. Each function and broadcast form has its own
 * loop (no vector is merged across branches, which would make C2 box it). The loops stop at the
 * last whole vector and return how far they got; {@link ElementwiseF32} finishes the row with
 * its scalar loop. Loaded only when {@link Simd#enabled()}.
 *
 * <p>Only IEEE-exact lane operations are used (+, −, ×, ÷, fma, sqrt, min, max, compares, bit
 * operations): their results do not depend on whether C2 has compiled the loop yet. The Vector
 * API's transcendental operators (EXP, LOG, TANH, …, SVML when compiled, Math in the interpreter)
 * and its floating-point {@code reduceLanes(ADD)} (any order) give different bits before and
 * after compilation, which broke bit-for-bit reproducible inference (measured: softmax, layer
 * norm, sum, exp, tanh all changed between the first call and the 3000th). So exp, tanh, sigmoid
 * and gelu are polynomial approximations written out below (Cephes expf and tanhf, Eigen's erf);
 * log, sin, cos and pow take the scalar path, which is exact to the rounded double result.
 */
public final class ElementwiseVec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector MINUS_ONE = FloatVector.broadcast(S, -1f);
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private static final float LOG2E = (float) (1 / Math.log(2));
    /** 1.5·2^23: adding and subtracting it rounds a float below 2^22 to an integer. */
    private static final float ROUND = 12582912f;
    /** ln 2 in two parts (Cody–Waite): n·LN2_HI is exact for |n| ≤ 2^10. */
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;

    private ElementwiseVec() {}

    /** {@return the number of floats in one vector of these loops} */
    public static int lanes() {
        return L;
    }

    /** dx = x &gt; 0 ? g : 0 over {@code n} floats (the masked tail included). */
    public static void reluBackward(float[] x, int xOff, float[] g, int gOff, float[] dx, int dxOff, int n) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            VectorMask<Float> pos = FloatVector.fromArray(S, x, xOff + i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(S, g, gOff + i), pos).intoArray(dx, dxOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            VectorMask<Float> pos = FloatVector.fromArray(S, x, xOff + i, m).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(S, g, gOff + i, m), pos).intoArray(dx, dxOff + i, m);
        }
    }

    /** out[o + j] = fn(x[xi + j]) for j below the last whole vector of n; returns that bound (0 for a function without a vector loop). */
    public static int unary(UnaryFn fn, int n, float[] out, int o, float[] x, int xi) {
        int bound = S.loopBound(n);
        // one method per function: C2 compiles and profiles each loop on its own. In one method
        // of all of them, the order in which the functions were first called decided how well the
        // loops compiled: after relu, tanh and exp ran 3–3.5× slower than when called first
        // (docs/design-notes.md, "One method per elementwise function")
        switch (fn) {
            case NEG -> unaryNeg(bound, out, o, x, xi);
            case EXP -> unaryExp(bound, out, o, x, xi);
            case SQRT -> unarySqrt(bound, out, o, x, xi);
            case ABS -> unaryAbs(bound, out, o, x, xi);
            case SIGN -> unarySign(bound, out, o, x, xi);
            case RELU -> unaryRelu(bound, out, o, x, xi);
            case SIGMOID -> unarySigmoid(bound, out, o, x, xi);
            case TANH -> unaryTanh(bound, out, o, x, xi);
            case ERF -> unaryErf(bound, out, o, x, xi);
            case GELU -> unaryGelu(bound, out, o, x, xi);
            case GELU_TANH -> unaryGeluTanh(bound, out, o, x, xi);
            default -> {
                return 0;
            }
        }
        return bound;
    }

    private static void unaryNeg(int bound, float[] out, int o, float[] x, int xi) {
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, xi + j);
            FloatVector r = v.neg();
            r.intoArray(out, o + j);
        }
    }

    private static void unaryExp(int bound, float[] out, int o, float[] x, int xi) {
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, xi + j);
            FloatVector ex = v.max(-104f).min(89f);
            FloatVector en = ex.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector er = ex.sub(en.mul(LN2_HI)).sub(en.mul(LN2_LO));
            FloatVector ep = er.fma(FloatVector.broadcast(S, 1.9875691500e-4f), FloatVector.broadcast(S, 1.3981999507e-3f));
            ep = ep.fma(er, FloatVector.broadcast(S, 8.3334519073e-3f));
            ep = ep.fma(er, FloatVector.broadcast(S, 4.1665795894e-2f));
            ep = ep.fma(er, FloatVector.broadcast(S, 1.6666665459e-1f));
            ep = ep.fma(er, FloatVector.broadcast(S, 5.0000001201e-1f));
            ep = ep.mul(er.mul(er)).add(er).add(1f);
            IntVector ei = (IntVector) en.convert(VectorOperators.F2I, 0);
            IntVector eh = ei.lanewise(VectorOperators.ASHR, 1);
            FloatVector e = ep.mul(eh.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).mul(ei.sub(eh).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector r = e;
            r.intoArray(out, o + j);
        }
    }

    private static void unarySqrt(int bound, float[] out, int o, float[] x, int xi) {
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, xi + j);
            FloatVector r = v.sqrt();
            r.intoArray(out, o + j);
        }
    }

    private static void unaryAbs(int bound, float[] out, int o, float[] x, int xi) {
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, xi + j);
            FloatVector r = v.abs();
            r.intoArray(out, o + j);
        }
    }

    private static void unarySign(int bound, float[] out, int o, float[] x, int xi) {
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, xi + j);
            FloatVector r = v.blend(ONE, v.compare(VectorOperators.GT, 0f)).blend(MINUS_ONE, v.compare(VectorOperators.LT, 0f));
            r.intoArray(out, o + j);
        }
    }

    private static void unaryRelu(int bound, float[] out, int o, float[] x, int xi) {
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, xi + j);
            FloatVector r = v.max(0f);
            r.intoArray(out, o + j);
        }
    }

    private static void unarySigmoid(int bound, float[] out, int o, float[] x, int xi) {
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, xi + j);
            FloatVector ex = v.neg().max(-104f).min(89f);
            FloatVector en = ex.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector er = ex.sub(en.mul(LN2_HI)).sub(en.mul(LN2_LO));
            FloatVector ep = er.fma(FloatVector.broadcast(S, 1.9875691500e-4f), FloatVector.broadcast(S, 1.3981999507e-3f));
            ep = ep.fma(er, FloatVector.broadcast(S, 8.3334519073e-3f));
            ep = ep.fma(er, FloatVector.broadcast(S, 4.1665795894e-2f));
            ep = ep.fma(er, FloatVector.broadcast(S, 1.6666665459e-1f));
            ep = ep.fma(er, FloatVector.broadcast(S, 5.0000001201e-1f));
            ep = ep.mul(er.mul(er)).add(er).add(1f);
            IntVector ei = (IntVector) en.convert(VectorOperators.F2I, 0);
            IntVector eh = ei.lanewise(VectorOperators.ASHR, 1);
            FloatVector e = ep.mul(eh.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).mul(ei.sub(eh).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector r = ONE.div(e.add(1f));
            r.intoArray(out, o + j);
        }
    }

    private static void unaryTanh(int bound, float[] out, int o, float[] x, int xi) {
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, xi + j);
            FloatVector ta = v;
            FloatVector tz = ta.mul(ta);
            FloatVector ts = tz.fma(FloatVector.broadcast(S, -5.70498872745e-3f), FloatVector.broadcast(S, 2.06390887954e-2f));
            ts = ts.fma(tz, FloatVector.broadcast(S, -5.37397155531e-2f));
            ts = ts.fma(tz, FloatVector.broadcast(S, 1.33314422036e-1f));
            ts = ts.fma(tz, FloatVector.broadcast(S, -3.33332819422e-1f));
            ts = ts.mul(tz).fma(ta, ta);
            FloatVector tex = ta.abs().mul(2f).max(-104f).min(89f);
            FloatVector ten = tex.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector ter = tex.sub(ten.mul(LN2_HI)).sub(ten.mul(LN2_LO));
            FloatVector tep = ter.fma(FloatVector.broadcast(S, 1.9875691500e-4f), FloatVector.broadcast(S, 1.3981999507e-3f));
            tep = tep.fma(ter, FloatVector.broadcast(S, 8.3334519073e-3f));
            tep = tep.fma(ter, FloatVector.broadcast(S, 4.1665795894e-2f));
            tep = tep.fma(ter, FloatVector.broadcast(S, 1.6666665459e-1f));
            tep = tep.fma(ter, FloatVector.broadcast(S, 5.0000001201e-1f));
            tep = tep.mul(ter.mul(ter)).add(ter).add(1f);
            IntVector tei = (IntVector) ten.convert(VectorOperators.F2I, 0);
            IntVector teh = tei.lanewise(VectorOperators.ASHR, 1);
            FloatVector te = tep.mul(teh.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).mul(tei.sub(teh).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector tl = ONE.sub(FloatVector.broadcast(S, 2f).div(te.add(1f)));
            tl = tl.blend(tl.neg(), ta.compare(VectorOperators.LT, 0f));
            FloatVector t = tl.blend(ts, ta.abs().compare(VectorOperators.LT, 0.625f));
            FloatVector r = t;
            r.intoArray(out, o + j);
        }
    }

    private static void unaryErf(int bound, float[] out, int o, float[] x, int xi) {
        int j = 0;
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

    private static void unaryGelu(int bound, float[] out, int o, float[] x, int xi) {
        int j = 0;
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

    private static void unaryGeluTanh(int bound, float[] out, int o, float[] x, int xi) {
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, xi + j);
            FloatVector ta = v.mul(v).mul(v).mul(0.044715f).add(v).mul(SQRT_2_OVER_PI);
            FloatVector tz = ta.mul(ta);
            FloatVector ts = tz.fma(FloatVector.broadcast(S, -5.70498872745e-3f), FloatVector.broadcast(S, 2.06390887954e-2f));
            ts = ts.fma(tz, FloatVector.broadcast(S, -5.37397155531e-2f));
            ts = ts.fma(tz, FloatVector.broadcast(S, 1.33314422036e-1f));
            ts = ts.fma(tz, FloatVector.broadcast(S, -3.33332819422e-1f));
            ts = ts.mul(tz).fma(ta, ta);
            FloatVector tex = ta.abs().mul(2f).max(-104f).min(89f);
            FloatVector ten = tex.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector ter = tex.sub(ten.mul(LN2_HI)).sub(ten.mul(LN2_LO));
            FloatVector tep = ter.fma(FloatVector.broadcast(S, 1.9875691500e-4f), FloatVector.broadcast(S, 1.3981999507e-3f));
            tep = tep.fma(ter, FloatVector.broadcast(S, 8.3334519073e-3f));
            tep = tep.fma(ter, FloatVector.broadcast(S, 4.1665795894e-2f));
            tep = tep.fma(ter, FloatVector.broadcast(S, 1.6666665459e-1f));
            tep = tep.fma(ter, FloatVector.broadcast(S, 5.0000001201e-1f));
            tep = tep.mul(ter.mul(ter)).add(ter).add(1f);
            IntVector tei = (IntVector) ten.convert(VectorOperators.F2I, 0);
            IntVector teh = tei.lanewise(VectorOperators.ASHR, 1);
            FloatVector te = tep.mul(teh.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).mul(tei.sub(teh).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector tl = ONE.sub(FloatVector.broadcast(S, 2f).div(te.add(1f)));
            tl = tl.blend(tl.neg(), ta.compare(VectorOperators.LT, 0f));
            FloatVector t = tl.blend(ts, ta.abs().compare(VectorOperators.LT, 0.625f));
            FloatVector r = v.mul(0.5f).mul(t.add(1f));
            r.intoArray(out, o + j);
        }
    }

    /** out[o + j] = fn(x[xi + j]) as a truth value (NOT, IS_NONFINITE); returns the bound reached. */
    public static int unaryPredicate(UnaryFn fn, int n, boolean[] out, int o, float[] x, int xi) {
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
    public static int binary(BinaryFn fn, int n, float[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int bound = S.loopBound(n);
        switch (fn) {   // one method per function, as in unary
            case ADD -> binaryAdd(bound, out, o, x, xi, xs, y, yi, ys);
            case SUB -> binarySub(bound, out, o, x, xi, xs, y, yi, ys);
            case MUL -> binaryMul(bound, out, o, x, xi, xs, y, yi, ys);
            case DIV -> binaryDiv(bound, out, o, x, xi, xs, y, yi, ys);
            case MAXIMUM -> binaryMaximum(bound, out, o, x, xi, xs, y, yi, ys);
            case MINIMUM -> binaryMinimum(bound, out, o, x, xi, xs, y, yi, ys);
            default -> {
                return 0;
            }
        }
        return bound;
    }

    private static void binaryAdd(int bound, float[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void binarySub(int bound, float[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void binaryMul(int bound, float[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void binaryDiv(int bound, float[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void binaryMaximum(int bound, float[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void binaryMinimum(int bound, float[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    /** As {@link #binary} for the comparisons and logical and/or, into a boolean row. */
    public static int compare(BinaryFn fn, int n, boolean[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int bound = S.loopBound(n);
        switch (fn) {   // one method per function, as in unary
            case EQ -> compareEq(bound, out, o, x, xi, xs, y, yi, ys);
            case NE -> compareNe(bound, out, o, x, xi, xs, y, yi, ys);
            case LT -> compareLt(bound, out, o, x, xi, xs, y, yi, ys);
            case LE -> compareLe(bound, out, o, x, xi, xs, y, yi, ys);
            case GT -> compareGt(bound, out, o, x, xi, xs, y, yi, ys);
            case GE -> compareGe(bound, out, o, x, xi, xs, y, yi, ys);
            case AND -> compareAnd(bound, out, o, x, xi, xs, y, yi, ys);
            case OR -> compareOr(bound, out, o, x, xi, xs, y, yi, ys);
            default -> {
                return 0;
            }
        }
        return bound;
    }

    private static void compareEq(int bound, boolean[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void compareNe(int bound, boolean[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void compareLt(int bound, boolean[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void compareLe(int bound, boolean[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void compareGt(int bound, boolean[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void compareGe(int bound, boolean[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void compareAnd(int bound, boolean[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    private static void compareOr(int bound, boolean[] out, int o, float[] x, int xi, int xs, float[] y, int yi, int ys) {
        int j = 0;
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

    /**
     * dst[dO + j] = exp(src[so + j] − m) for j &lt; n (dst may be src); returns their sum, added in an
     * order that does not depend on compilation (vector partial sums, then lanes in order).
     */
    public static float expShift(float[] src, int so, float[] dst, int dO, int n, float m) {
        int bound = S.loopBound(n), j = 0;
        FloatVector acc = FloatVector.zero(S);
        for (; j < bound; j += L) {
            FloatVector ex = FloatVector.fromArray(S, src, so + j).sub(m).max(-104f).min(89f);
            FloatVector en = ex.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector er = ex.sub(en.mul(LN2_HI)).sub(en.mul(LN2_LO));
            FloatVector ep = er.fma(FloatVector.broadcast(S, 1.9875691500e-4f), FloatVector.broadcast(S, 1.3981999507e-3f));
            ep = ep.fma(er, FloatVector.broadcast(S, 8.3334519073e-3f));
            ep = ep.fma(er, FloatVector.broadcast(S, 4.1665795894e-2f));
            ep = ep.fma(er, FloatVector.broadcast(S, 1.6666665459e-1f));
            ep = ep.fma(er, FloatVector.broadcast(S, 5.0000001201e-1f));
            ep = ep.mul(er.mul(er)).add(er).add(1f);
            IntVector ei = (IntVector) en.convert(VectorOperators.F2I, 0);
            IntVector eh = ei.lanewise(VectorOperators.ASHR, 1);
            FloatVector e = ep.mul(eh.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).mul(ei.sub(eh).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            e.intoArray(dst, dO + j);
            acc = acc.add(e);
        }
        float[] lanes = new float[L];
        acc.intoArray(lanes, 0);
        float sum = 0;
        for (int l = 0; l < L; l++) sum += lanes[l];
        for (; j < n; j++) {
            float e = (float) Math.exp(src[so + j] - m);
            dst[dO + j] = e;
            sum += e;
        }
        return sum;
    }

    // erf (no Vector API operator) is written into the ERF and GELU loops: x·P(x²)/Q(x²) on x
    // clamped to [−4, 4] (erf is ±1 in float beyond), the rational approximation Eigen and XLA use
    // for float32. Inline rather than a helper, for the boxing reason above.
}
