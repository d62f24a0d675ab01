package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.typed.VectorAlignment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row primitives with the Vector API for the reductions, softmax and layer norm kernels: every
 * method takes and returns plain arrays and scalars (no vector crosses a method boundary, so C2
 * never has to box one). Each handles its whole row, tail included. Like {@link ElementwiseVec},
 * they use only operations whose results do not change once C2 compiles them (see there).
 * Loaded only when {@link Simd#enabled()}.
 */
public final class RowsVec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    public static final int L = S.length();
    /** Elements summed in float before the partial sum is added to a double. */
    public static final int SUM_BLOCK = 4096;
    /** Rows shorter than this are summed from their first element (see {@link #sum}): their loads mostly hit L1. */
    static final int ALIGN_MIN = 256;

    private RowsVec() {}

    /**
     * The sum of v's lanes in lane order. Not {@code reduceLanes(ADD)}, whose order (and so its
     * rounding) differs between the interpreter and C2: results must not depend on compilation.
     * Small enough that C2 always inlines it (a vector argument of a call it did not inline would
     * be boxed).
     */
    private static float lanes(FloatVector v) {
        float[] a = new float[L];
        v.intoArray(a, 0);
        float s = 0;
        for (int i = 0; i < L; i++) s += a[i];
        return s;
    }

    /**
     * Σ x[o..o+n): float vectors over blocks of {@link #SUM_BLOCK}, blocks added in double. A long
     * run first adds its elements before a vector boundary in memory ({@link VectorAlignment}) in
     * float, so that every vector load reads one cache line.
     */
    public static double sum(float[] x, int o, int n) {
        int h = n >= ALIGN_MIN ? VectorAlignment.peel(o, L) : 0;
        float head = 0;
        for (int j = 0; j < h; j++) head += x[o + j];
        double total = head;
        o += h;
        n -= h;
        for (int b = 0; b < n; b += SUM_BLOCK) {
            int len = Math.min(SUM_BLOCK, n - b), base = o + b;
            int bound = S.loopBound(len), unrolled = len - len % (4 * L), j = 0;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (; j < unrolled; j += 4 * L) {
                a0 = a0.add(FloatVector.fromArray(S, x, base + j));
                a1 = a1.add(FloatVector.fromArray(S, x, base + j + L));
                a2 = a2.add(FloatVector.fromArray(S, x, base + j + 2 * L));
                a3 = a3.add(FloatVector.fromArray(S, x, base + j + 3 * L));
            }
            for (; j < bound; j += L) a0 = a0.add(FloatVector.fromArray(S, x, base + j));
            float s = lanes(a0.add(a1).add(a2.add(a3)));
            for (; j < len; j++) s += x[base + j];
            total += s;
        }
        return total;
    }

    /** max (or min) of x[o..o+n), NaN if any element is NaN; ±infinity for an empty row. */
    public static float max(boolean max, float[] x, int o, int n) {
        int bound = S.loopBound(n), j = 0;
        float r;
        if (max) {
            FloatVector a = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; j < bound; j += L) a = a.max(FloatVector.fromArray(S, x, o + j));
            r = a.reduceLanes(VectorOperators.MAX);
            for (; j < n; j++) r = Math.max(r, x[o + j]);
        } else {
            FloatVector a = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
            for (; j < bound; j += L) a = a.min(FloatVector.fromArray(S, x, o + j));
            r = a.reduceLanes(VectorOperators.MIN);
            for (; j < n; j++) r = Math.min(r, x[o + j]);
        }
        return r;
    }

    /** acc[ao + j] (+, max or min)= x[xo + j] for j &lt; n. */
    public static void accumulate(ReduceFn fn, float[] acc, int ao, float[] x, int xo, int n) {
        int bound = S.loopBound(n), j = 0;
        switch (fn) {
            case SUM -> {
                for (; j < bound; j += L) FloatVector.fromArray(S, acc, ao + j).add(FloatVector.fromArray(S, x, xo + j)).intoArray(acc, ao + j);
                for (; j < n; j++) acc[ao + j] += x[xo + j];
            }
            case MAX -> {
                for (; j < bound; j += L) FloatVector.fromArray(S, acc, ao + j).max(FloatVector.fromArray(S, x, xo + j)).intoArray(acc, ao + j);
                for (; j < n; j++) acc[ao + j] = Math.max(acc[ao + j], x[xo + j]);
            }
            case MIN -> {
                for (; j < bound; j += L) FloatVector.fromArray(S, acc, ao + j).min(FloatVector.fromArray(S, x, xo + j)).intoArray(acc, ao + j);
                for (; j < n; j++) acc[ao + j] = Math.min(acc[ao + j], x[xo + j]);
            }
            case PROD -> {
                for (; j < bound; j += L) FloatVector.fromArray(S, acc, ao + j).mul(FloatVector.fromArray(S, x, xo + j)).intoArray(acc, ao + j);
                for (; j < n; j++) acc[ao + j] *= x[xo + j];
            }
        }
    }

    /** Rows that {@link #accumulateRows} folds into the accumulator per pass over it. */
    static final int ROW_BLOCK = 8;

    /**
     * acc[ao + j] = fold of acc[ao + j] and x[xo + r·ld + j] over rows r = 0, 1, …, rows − 1 in
     * that order, for j &lt; n: the same operations in the same order per column as {@code rows}
     * calls of {@link #accumulate}, so the same bits. Rows are taken {@link #ROW_BLOCK} at a time
     * with the accumulator held in a register: one load and store of it per block instead of per
     * row, and a block's rows stream side by side, which keeps more cache misses in flight than one
     * short run per row ({@code sum(dim=0)} split by columns over threads reads half a row per row).
     */
    public static void accumulateRows(ReduceFn fn, float[] acc, int ao, float[] x, int xo, int ld, int rows, int n) {
        int r = 0;
        for (; r + ROW_BLOCK <= rows; r += ROW_BLOCK) {
            int x0 = xo + r * ld;
            int bound = S.loopBound(n), j = 0;
            switch (fn) {
                case SUM -> {
                    for (; j < bound; j += L) {
                        FloatVector v = FloatVector.fromArray(S, acc, ao + j);
                        for (int k = 0; k < ROW_BLOCK; k++) v = v.add(FloatVector.fromArray(S, x, x0 + k * ld + j));
                        v.intoArray(acc, ao + j);
                    }
                }
                case MAX -> {
                    for (; j < bound; j += L) {
                        FloatVector v = FloatVector.fromArray(S, acc, ao + j);
                        for (int k = 0; k < ROW_BLOCK; k++) v = v.max(FloatVector.fromArray(S, x, x0 + k * ld + j));
                        v.intoArray(acc, ao + j);
                    }
                }
                case MIN -> {
                    for (; j < bound; j += L) {
                        FloatVector v = FloatVector.fromArray(S, acc, ao + j);
                        for (int k = 0; k < ROW_BLOCK; k++) v = v.min(FloatVector.fromArray(S, x, x0 + k * ld + j));
                        v.intoArray(acc, ao + j);
                    }
                }
                case PROD -> {
                    for (; j < bound; j += L) {
                        FloatVector v = FloatVector.fromArray(S, acc, ao + j);
                        for (int k = 0; k < ROW_BLOCK; k++) v = v.mul(FloatVector.fromArray(S, x, x0 + k * ld + j));
                        v.intoArray(acc, ao + j);
                    }
                }
            }
            // the tail columns, as accumulate's scalar tail, row by row
            for (int k = 0; k < ROW_BLOCK; k++) tail(fn, acc, ao, x, x0 + k * ld, j, n);
        }
        for (; r < rows; r++) accumulate(fn, acc, ao, x, xo + r * ld, n);
    }

    /** The scalar tail of {@link #accumulate}: columns j0 to n of one row. */
    private static void tail(ReduceFn fn, float[] acc, int ao, float[] x, int xo, int j0, int n) {
        switch (fn) {
            case SUM -> { for (int j = j0; j < n; j++) acc[ao + j] += x[xo + j]; }
            case MAX -> { for (int j = j0; j < n; j++) acc[ao + j] = Math.max(acc[ao + j], x[xo + j]); }
            case MIN -> { for (int j = j0; j < n; j++) acc[ao + j] = Math.min(acc[ao + j], x[xo + j]); }
            case PROD -> { for (int j = j0; j < n; j++) acc[ao + j] *= x[xo + j]; }
        }
    }

    /**
     * One row of softmax (or log-softmax when {@code log}) of x[xo..xo+n) into out[oo..oo+n), for
     * rows of at least {@link #L} elements (the caller runs shorter ones as scalar rows).
     */
    public static void softmax(boolean log, float[] x, int xo, float[] out, int oo, int n) {
        float m = max(true, x, xo, n);
        if (m == Float.NEGATIVE_INFINITY) m = 0; // an all −∞ row: exp gives 0s, the sum 0, the result NaN, as the reference
        // exp(x − m) into out (log-softmax overwrites it below), and its sum
        double sum = ElementwiseVec.expShift(x, xo, out, oo, n, m);
        int bound = S.loopBound(n), j = 0;
        if (log) {
            float logSum = (float) Math.log(sum);
            for (; j < bound; j += L) FloatVector.fromArray(S, x, xo + j).sub(m).sub(logSum).intoArray(out, oo + j);
            for (; j < n; j++) out[oo + j] = (x[xo + j] - m) - logSum;
        } else {
            float total = (float) sum;
            for (; j < bound; j += L) FloatVector.fromArray(S, out, oo + j).div(total).intoArray(out, oo + j);
            for (; j < n; j++) out[oo + j] /= total;
        }
    }

    /**
     * One row of the softmax gradient: dx = y·(dy − Σ dy·y); for log-softmax (y = log p)
     * dx = dy − exp(y)·Σ dy.
     */
    public static void softmaxBackward(boolean log, float[] y, int yo, float[] dy, int go, float[] dx, int xo, int n) {
        int bound = S.loopBound(n), j = 0;
        FloatVector acc = FloatVector.zero(S);
        if (log) {
            for (; j < bound; j += L) acc = acc.add(FloatVector.fromArray(S, dy, go + j));
        } else {
            for (; j < bound; j += L) acc = FloatVector.fromArray(S, dy, go + j).fma(FloatVector.fromArray(S, y, yo + j), acc);
        }
        float s = lanes(acc);
        for (; j < n; j++) s += log ? dy[go + j] : dy[go + j] * y[yo + j];
        j = 0;
        if (log) {
            ElementwiseVec.expShift(y, yo, dx, xo, n, 0f); // dx = exp(y) = p
            for (; j < bound; j += L) {
                FloatVector.fromArray(S, dy, go + j).sub(FloatVector.fromArray(S, dx, xo + j).mul(s)).intoArray(dx, xo + j);
            }
            for (; j < n; j++) dx[xo + j] = dy[go + j] - dx[xo + j] * s;
        } else {
            for (; j < bound; j += L) {
                FloatVector.fromArray(S, dy, go + j).sub(s).mul(FloatVector.fromArray(S, y, yo + j)).intoArray(dx, xo + j);
            }
            for (; j < n; j++) dx[xo + j] = (dy[go + j] - s) * y[yo + j];
        }
    }

    /** Σ (x − mean)² over the row (the second pass of a two-pass variance). */
    public static double squaredDeviations(float[] x, int o, int n, float mean) {
        int bound = S.loopBound(n), j = 0;
        FloatVector acc = FloatVector.zero(S);
        for (; j < bound; j += L) {
            FloatVector d = FloatVector.fromArray(S, x, o + j).sub(mean);
            acc = d.fma(d, acc);
        }
        double s = lanes(acc);
        for (; j < n; j++) {
            float d = x[o + j] - mean;
            s += d * d;
        }
        return s;
    }

    /** out = (x − mean)·rstd·w + b over the row; w and b may be null (1 and 0). */
    public static void normalize(float[] x, int xo, float[] out, int oo, int n, float mean, float rstd, float[] w, float[] b) {
        int bound = S.loopBound(n), j = 0;
        if (w != null && b != null) {
            for (; j < bound; j += L) {
                FloatVector.fromArray(S, x, xo + j).sub(mean).mul(rstd).fma(FloatVector.fromArray(S, w, j), FloatVector.fromArray(S, b, j))
                        .intoArray(out, oo + j);
            }
        } else if (w != null) {
            for (; j < bound; j += L) {
                FloatVector.fromArray(S, x, xo + j).sub(mean).mul(rstd).mul(FloatVector.fromArray(S, w, j)).intoArray(out, oo + j);
            }
        } else {
            for (; j < bound; j += L) FloatVector.fromArray(S, x, xo + j).sub(mean).mul(rstd).intoArray(out, oo + j);
        }
        for (; j < n; j++) {
            float v = (x[xo + j] - mean) * rstd;
            if (w != null) v *= w[j];
            if (b != null) v += b[j];
            out[oo + j] = v;
        }
    }

    /**
     * Layer norm backward for one row: with x̂ = (x − mean)·rstd and g = dy·w,
     * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)); dw += dy·x̂ and db += dy when they are not null.
     * {@code w} must not be null (the caller passes ones): a vector chosen by a branch would be boxed.
     */
    public static void layerNormBackward(float[] x, int xo, float[] dy, int go, float[] dx, int dxo, int n, float mean, float rstd,
                                         float[] w, float[] dw, float[] db) {
        int bound = S.loopBound(n), j = 0;
        FloatVector sg = FloatVector.zero(S), sgx = sg;
        for (; j < bound; j += L) {
            FloatVector xh = FloatVector.fromArray(S, x, xo + j).sub(mean).mul(rstd);
            FloatVector d = FloatVector.fromArray(S, dy, go + j);
            FloatVector g = d.mul(FloatVector.fromArray(S, w, j));
            sg = sg.add(g);
            sgx = g.fma(xh, sgx);
            if (dw != null) d.fma(xh, FloatVector.fromArray(S, dw, j)).intoArray(dw, j);
            if (db != null) d.add(FloatVector.fromArray(S, db, j)).intoArray(db, j);
        }
        float sumG = lanes(sg), sumGx = lanes(sgx);
        for (; j < n; j++) {
            float xh = (x[xo + j] - mean) * rstd, d = dy[go + j], g = d * w[j];
            sumG += g;
            sumGx += g * xh;
            if (dw != null) dw[j] += d * xh;
            if (db != null) db[j] += d;
        }
        float meanG = sumG / n, meanGx = sumGx / n;
        j = 0;
        for (; j < bound; j += L) {
            FloatVector xh = FloatVector.fromArray(S, x, xo + j).sub(mean).mul(rstd);
            FloatVector d = FloatVector.fromArray(S, dy, go + j);
            FloatVector g = d.mul(FloatVector.fromArray(S, w, j));
            g.sub(meanG).sub(xh.mul(meanGx)).mul(rstd).intoArray(dx, dxo + j);
        }
        for (; j < n; j++) {
            float xh = (x[xo + j] - mean) * rstd, d = dy[go + j], g = d * w[j];
            dx[dxo + j] = (g - meanG - xh * meanGx) * rstd;
        }
    }

    /** s[o..o+n) = exp(s − m) in place; returns the sum of the new values. */
    public static float expShiftSum(float[] s, int o, int n, float m) {
        return ElementwiseVec.expShift(s, o, s, o, n, m);
    }

    /** a[o..o+n) *= f. */
    public static void scale(float[] a, int o, int n, float f) {
        int bound = S.loopBound(n), j = 0;
        for (; j < bound; j += L) FloatVector.fromArray(S, a, o + j).mul(f).intoArray(a, o + j);
        for (; j < n; j++) a[o + j] *= f;
    }

    /** Σ a[ao + j]·b[bo + j] for j &lt; n. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int bound = S.loopBound(n), j = 0;
        FloatVector acc = FloatVector.zero(S);
        for (; j < bound; j += L) acc = FloatVector.fromArray(S, a, ao + j).fma(FloatVector.fromArray(S, b, bo + j), acc);
        float s = lanes(acc);
        for (; j < n; j++) s += a[ao + j] * b[bo + j];
        return s;
    }

    /** ds[o + j] = p[o + j]·(dp[o + j] − d) for j &lt; n (ds may be dp). */
    public static void softmaxGrad(float[] p, float[] dp, float[] ds, int o, int n, float d) {
        int bound = S.loopBound(n), j = 0;
        for (; j < bound; j += L) {
            FloatVector.fromArray(S, dp, o + j).sub(d).mul(FloatVector.fromArray(S, p, o + j)).intoArray(ds, o + j);
        }
        for (; j < n; j++) ds[o + j] = p[o + j] * (dp[o + j] - d);
    }
}
