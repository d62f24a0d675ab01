package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ConvShape;

/**
 * Reference 2-D convolution (cross-correlation, as in PyTorch) and its two backward passes,
 * over contiguous NCHW input x, KCRS weights w and NKPQ output y (P×Q = outH×outW).
 *
 * <p>All three passes visit the same taps — every (output element, weight element, input
 * element) triple that one multiply-add of the forward pass touches — and differ only in
 * which two they multiply and which one they accumulate into. Accumulation is in double.
 *
 * <pre>{@code
 * ConvShape cs = new ConvShape(1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1);
 * Conv2dRef.forward(cs, x, w, y);   // y is 1x1x3x3
 * }</pre>
 */
public final class Conv2dRef {
    private Conv2dRef() {}

    /**
     * y[n,k,p,q] = Σ_{c,r,s} x[n, group(k)·C/g + c, p·sh − ph + r·dh, q·sw − pw + s·dw] · w[k,c,r,s].
     *
     * @param cs the convolution's geometry
     * @param x  input [n, c, h, w], contiguous
     * @param w  weights [k, c/groups, r, s], contiguous
     * @param y  receives the output [n, k, outH, outW]
     */
    public static void forward(ConvShape cs, Buf x, Buf w, Buf y) {
        forward(cs, x, w, null, y);
    }

    /**
     * {@link #forward(ConvShape, Buf, Buf, Buf)} plus {@code bias[k]} on every output of channel k (null: no
     * bias).
     *
     * @param cs   the convolution's geometry
     * @param x    input [n, c, h, w], contiguous
     * @param w    weights [k, c/groups, r, s], contiguous
     * @param bias one value per output channel, or null
     * @param y    receives the output [n, k, outH, outW]
     */
    public static void forward(ConvShape cs, Buf x, Buf w, Buf bias, Buf y) {
        double[] acc = new double[y.length()];
        if (bias != null) {
            int pq = cs.outH() * cs.outW();
            for (int i = 0; i < acc.length; i++) acc[i] = bias.get(i / pq % cs.k());
        }
        visitTaps(cs, (yi, xi, wi) -> acc[yi] += x.get(xi) * w.get(wi));
        y.setAll(acc);
    }

    /**
     * dx = Σ over the taps that read each input element of dy · w (a transposed convolution).
     *
     * @param cs the convolution's geometry
     * @param dy output gradient [n, k, outH, outW]
     * @param w  weights [k, c/groups, r, s]
     * @param dx receives the input gradient [n, c, h, w]
     */
    public static void backwardInput(ConvShape cs, Buf dy, Buf w, Buf dx) {
        double[] acc = new double[dx.length()];
        visitTaps(cs, (yi, xi, wi) -> acc[xi] += dy.get(yi) * w.get(wi));
        dx.setAll(acc);
    }

    /**
     * dw = Σ over the taps that use each weight of dy · x.
     *
     * @param cs the convolution's geometry
     * @param x  input [n, c, h, w]
     * @param dy output gradient [n, k, outH, outW]
     * @param dw receives the weight gradient [k, c/groups, r, s]
     */
    public static void backwardWeight(ConvShape cs, Buf x, Buf dy, Buf dw) {
        double[] acc = new double[dw.length()];
        visitTaps(cs, (yi, xi, wi) -> acc[wi] += dy.get(yi) * x.get(xi));
        dw.setAll(acc);
    }

    /** One multiply-add of the forward pass, named by the flat positions of its three operands. */
    private interface Tap {
        void at(int yIndex, int xIndex, int wIndex);
    }

    /** Calls {@code tap} once per multiply-add of the forward pass; taps that fall in the zero padding are skipped. */
    private static void visitTaps(ConvShape cs, Tap tap) {
        int P = cs.outH(), Q = cs.outW(), cg = cs.cPerGroup(), kg = cs.kPerGroup();
        for (int n = 0; n < cs.n(); n++)
            for (int k = 0; k < cs.k(); k++) {
                int firstChannel = (k / kg) * cg;
                for (int p = 0; p < P; p++)
                    for (int q = 0; q < Q; q++) {
                        int yi = ((n * cs.k() + k) * P + p) * Q + q;
                        for (int c = 0; c < cg; c++)
                            for (int r = 0; r < cs.r(); r++) {
                                int ih = p * cs.strideH() - cs.padH() + r * cs.dilH();
                                if (ih < 0 || ih >= cs.h()) continue;
                                for (int s = 0; s < cs.s(); s++) {
                                    int iw = q * cs.strideW() - cs.padW() + s * cs.dilW();
                                    if (iw < 0 || iw >= cs.w()) continue;
                                    int xi = ((n * cs.c() + firstChannel + c) * cs.h() + ih) * cs.w() + iw;
                                    int wi = ((k * cg + c) * cs.r() + r) * cs.s() + s;
                                    tap.at(yi, xi, wi);
                                }
                            }
                    }
            }
    }

}
