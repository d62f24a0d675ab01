package dev.jgrad.kernels;

/**
 * The geometry of 2-D pooling over contiguous NCHW input: window {@code kh×kw}, stride,
 * implicit padding and dilation per axis, and PyTorch's {@code ceil_mode} for the output size.
 *
 * <pre>{@code
 * PoolShape ps = new PoolShape(64, 32, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, false);
 * ps.outH();   // 14
 * }</pre>
 *
 * @param n        batch size
 * @param c        channels
 * @param h        input height
 * @param w        input width
 * @param kh       window height
 * @param kw       window width
 * @param strideH  vertical stride, at least 1
 * @param strideW  horizontal stride, at least 1
 * @param padH     implicit padding above and below, between 0 and half the window height
 * @param padW     implicit padding left and right, between 0 and half the window width
 * @param dilH     vertical dilation, at least 1
 * @param dilW     horizontal dilation, at least 1
 * @param ceilMode round the output size up rather than down, as PyTorch's {@code ceil_mode}
 */
public record PoolShape(int n, int c, int h, int w, int kh, int kw, int strideH, int strideW,
                        int padH, int padW, int dilH, int dilW, boolean ceilMode) {

    /** Checks the window, stride, padding and dilation, as PyTorch does. */
    public PoolShape {
        if (kh < 1 || kw < 1 || strideH < 1 || strideW < 1 || dilH < 1 || dilW < 1) {
            throw new IllegalArgumentException("pool2d: kernel, stride and dilation must be >= 1, got kernel ("
                    + kh + ", " + kw + "), stride (" + strideH + ", " + strideW + "), dilation (" + dilH + ", " + dilW + ")");
        }
        if (padH < 0 || padW < 0 || 2 * padH > kh || 2 * padW > kw) {
            throw new IllegalArgumentException("pool2d: padding must be between 0 and half the kernel size, got padding ("
                    + padH + ", " + padW + ") for kernel (" + kh + ", " + kw + ")");
        }
    }

    /** {@return output height, as PyTorch computes it} */
    public int outH() {
        return outSize(h, kh, strideH, padH, dilH);
    }

    /** {@return output width, as PyTorch computes it} */
    public int outW() {
        return outSize(w, kw, strideW, padW, dilW);
    }

    private int outSize(int in, int k, int stride, int pad, int dil) {
        int span = in + 2 * pad - dil * (k - 1) - 1;
        int out = (ceilMode ? Math.ceilDiv(span, stride) : Math.floorDiv(span, stride)) + 1;
        // In ceil mode the last window must start inside the input or the left padding.
        if (ceilMode && (out - 1) * stride >= in + pad) out--;
        return out;
    }
}
