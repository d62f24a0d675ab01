package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct (non-GEMM) forward of a stride-1 3×3 convolution over a single input channel (a first
 * layer on grey images, MNIST conv1). The reduction is only 9 deep, too shallow for a GEMM tile to
 * pay off, so each output vector is 9 FMAs over a zero-padded copy of the image (in L1), written
 * once with its bias. Loaded only when {@link Simd#enabled()}.
 */
public final class Conv2dDirectVec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private Conv2dDirectVec() {}

    /** The padded plane: (H + 2ph) rows of (W + 2pw) floats, plus slack for whole-vector reads past the end. */
    public static int paddedLength(ConvShape cs) {
        return (cs.h() + 2 * cs.padH()) * (cs.w() + 2 * cs.padW()) + 2 * L;
    }

    /** Zero-padded copy of plane {@code xOff} of x into {@code pad}, row stride W + 2pw. */
    public static void pad(ConvShape cs, float[] x, int xOff, float[] pad) {
        int H = cs.h(), W = cs.w(), ph = cs.padH(), pw = cs.padW(), wp = W + 2 * pw;
        java.util.Arrays.fill(pad, 0, paddedLength(cs), 0f);
        CopyVec.copyRows(x, xOff, W, pad, ph * wp + pw, wp, H, W);
    }

    /**
     * Output planes k0..k0+7 of image n (rows {@code yOff + k·P·Q}) of a 3×3 kernel from the padded
     * input plane: y[k] = bias[k] + Σ_t w[k, t]·x(p + r·dh, q + s·dw). Each input vector loaded is
     * used by eight output channels (eight independent accumulators, weights broadcast from memory);
     * channels past {@code kEnd} repeat the last one, columns past Q are computed and not stored.
     */
    public static void forwardBlock3x3(ConvShape cs, float[] pad, float[] w, float[] bias, int k0, int kEnd, float[] y, int yOff) {
        int P = cs.outH(), Q = cs.outW(), PQ = P * Q, wp = cs.w() + 2 * cs.padW(), rs = cs.dilH() * wp, dw = cs.dilW();
        int k1 = Math.min(k0 + 1, kEnd - 1), k2 = Math.min(k0 + 2, kEnd - 1), k3 = Math.min(k0 + 3, kEnd - 1);
        int k4 = Math.min(k0 + 4, kEnd - 1), k5 = Math.min(k0 + 5, kEnd - 1), k6 = Math.min(k0 + 6, kEnd - 1);
        int k7 = Math.min(k0 + 7, kEnd - 1);
        int o0 = k0 * 9, o1 = k1 * 9, o2 = k2 * 9, o3 = k3 * 9, o4 = k4 * 9, o5 = k5 * 9, o6 = k6 * 9, o7 = k7 * 9;
        float b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, b7 = 0;
        if (bias != null) {
            b0 = bias[k0]; b1 = bias[k1]; b2 = bias[k2]; b3 = bias[k3]; b4 = bias[k4]; b5 = bias[k5]; b6 = bias[k6]; b7 = bias[k7];
        }
        for (int p = 0; p < P; p++) {
            for (int q = 0; q < Q; q += L) {
                FloatVector a0 = FloatVector.broadcast(S, b0), a1 = FloatVector.broadcast(S, b1), a2 = FloatVector.broadcast(S, b2),
                        a3 = FloatVector.broadcast(S, b3), a4 = FloatVector.broadcast(S, b4), a5 = FloatVector.broadcast(S, b5),
                        a6 = FloatVector.broadcast(S, b6), a7 = FloatVector.broadcast(S, b7);
                int base = p * wp + q;
                for (int t = 0; t < 9; t++) {
                    int r = t / 3, sc = t - 3 * r;
                    FloatVector x = FloatVector.fromArray(S, pad, base + r * rs + sc * dw);
                    a0 = x.fma(FloatVector.broadcast(S, w[o0 + t]), a0);
                    a1 = x.fma(FloatVector.broadcast(S, w[o1 + t]), a1);
                    a2 = x.fma(FloatVector.broadcast(S, w[o2 + t]), a2);
                    a3 = x.fma(FloatVector.broadcast(S, w[o3 + t]), a3);
                    a4 = x.fma(FloatVector.broadcast(S, w[o4 + t]), a4);
                    a5 = x.fma(FloatVector.broadcast(S, w[o5 + t]), a5);
                    a6 = x.fma(FloatVector.broadcast(S, w[o6 + t]), a6);
                    a7 = x.fma(FloatVector.broadcast(S, w[o7 + t]), a7);
                }
                int yo = yOff + p * Q + q;
                if (q + L <= Q) {
                    a0.intoArray(y, yo + k0 * PQ);
                    a1.intoArray(y, yo + k1 * PQ);
                    a2.intoArray(y, yo + k2 * PQ);
                    a3.intoArray(y, yo + k3 * PQ);
                    a4.intoArray(y, yo + k4 * PQ);
                    a5.intoArray(y, yo + k5 * PQ);
                    a6.intoArray(y, yo + k6 * PQ);
                    a7.intoArray(y, yo + k7 * PQ);
                } else {
                    VectorMask<Float> m = S.indexInRange(q, Q);
                    a0.intoArray(y, yo + k0 * PQ, m);
                    a1.intoArray(y, yo + k1 * PQ, m);
                    a2.intoArray(y, yo + k2 * PQ, m);
                    a3.intoArray(y, yo + k3 * PQ, m);
                    a4.intoArray(y, yo + k4 * PQ, m);
                    a5.intoArray(y, yo + k5 * PQ, m);
                    a6.intoArray(y, yo + k6 * PQ, m);
                    a7.intoArray(y, yo + k7 * PQ, m);
                }
            }
        }
    }
}
