package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Channel primitives with the Vector API for group normalisation: the per-channel affine map of
 * the forward pass, the two sums of the backward pass, and its input gradient, each over one
 * channel's contiguous positions with per-channel scalars. Same conventions as {@link RowsVec}
 * (arrays and scalars in and out, whole runs with their tails, no operation whose result changes
 * once C2 compiles it). Loaded only when {@link Simd#enabled()}.
 */
public final class GroupNormVec {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private GroupNormVec() {}

    /** y[yo..yo+n) = (x[xo..] − mean)·scale + shift. */
    public static void affine(float[] x, int xo, float[] y, int yo, int n, float mean, float scale, float shift) {
        int bound = S.loopBound(n), j = 0;
        FloatVector sc = FloatVector.broadcast(S, scale), sh = FloatVector.broadcast(S, shift);
        for (; j < bound; j += L) FloatVector.fromArray(S, x, xo + j).sub(mean).fma(sc, sh).intoArray(y, yo + j);
        for (; j < n; j++) y[yo + j] = Math.fma(x[xo + j] - mean, scale, shift);
    }

    /**
     * out[0] += Σ dy and out[1] += Σ dy·(x − mean) over n positions: float vectors over blocks of
     * {@link RowsVec#SUM_BLOCK}, blocks added in double.
     */
    public static void sums(float[] dy, int go, float[] x, int xo, int n, float mean, double[] out) {
        double total = 0, totalX = 0;
        for (int start = 0; start < n; start += RowsVec.SUM_BLOCK) {
            int len = Math.min(RowsVec.SUM_BLOCK, n - start), bound = S.loopBound(len), j = 0;
            FloatVector a = FloatVector.zero(S), ax = a;
            for (; j < bound; j += L) {
                FloatVector d = FloatVector.fromArray(S, dy, go + start + j);
                a = a.add(d);
                ax = d.fma(FloatVector.fromArray(S, x, xo + start + j).sub(mean), ax);
            }
            float s = lanes(a), sx = lanes(ax);
            for (; j < len; j++) {
                float d = dy[go + start + j];
                s += d;
                sx = Math.fma(d, x[xo + start + j] - mean, sx);
            }
            total += s;
            totalX += sx;
        }
        out[0] += total;
        out[1] += totalX;
    }

    /** dx[dxo..dxo+n) = dy·a + (x − mean)·b + c. */
    public static void inputGradient(float[] dy, int go, float[] x, int xo, float[] dx, int dxo, int n, float mean, float a, float b, float c) {
        int bound = S.loopBound(n), j = 0;
        FloatVector va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, b), vc = FloatVector.broadcast(S, c);
        for (; j < bound; j += L) {
            FloatVector t = FloatVector.fromArray(S, x, xo + j).sub(mean).fma(vb, vc);
            FloatVector.fromArray(S, dy, go + j).fma(va, t).intoArray(dx, dxo + j);
        }
        for (; j < n; j++) dx[dxo + j] = Math.fma(dy[go + j], a, Math.fma(x[xo + j] - mean, b, c));
    }

    /** v's lanes summed in lane order (see {@link RowsVec}: not reduceLanes, whose order changes under C2). */
    private static float lanes(FloatVector v) {
        float[] t = new float[L];
        v.intoArray(t, 0);
        float s = 0;
        for (int i = 0; i < L; i++) s += t[i];
        return s;
    }
}
