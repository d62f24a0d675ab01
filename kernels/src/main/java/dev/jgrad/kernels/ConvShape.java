package dev.jgrad.kernels;

/**
 * The geometry of a 2-D convolution over NCHW input and KCRS weights (PyTorch's layout):
 * batch {@code n}, input channels {@code c}, input height/width {@code h}/{@code w}, output
 * channels {@code k}, kernel height/width {@code r}/{@code s}, and per-axis stride, zero
 * padding and dilation. With {@code groups = g} the channels split into g independent
 * convolutions of c/g inputs and k/g outputs each.
 *
 * <pre>{@code
 * ConvShape cs = new ConvShape(64, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1);
 * cs.outH();   // 28
 * }</pre>
 *
 * @param n       batch size
 * @param c       input channels
 * @param h       input height
 * @param w       input width
 * @param k       output channels
 * @param r       kernel height
 * @param s       kernel width
 * @param strideH vertical stride, at least 1
 * @param strideW horizontal stride, at least 1
 * @param padH    zero padding above and below, at least 0
 * @param padW    zero padding left and right, at least 0
 * @param dilH    vertical dilation, at least 1
 * @param dilW    horizontal dilation, at least 1
 * @param groups  number of channel groups; divides {@code c} and {@code k}
 */
public record ConvShape(int n, int c, int h, int w, int k, int r, int s,
                        int strideH, int strideW, int padH, int padW, int dilH, int dilW, int groups) {

    /**
     * Checks that the groups divide the channels, strides and dilations are at least 1 and padding is not
     * negative.
     */
    public ConvShape {
        if (groups < 1 || c % groups != 0 || k % groups != 0) {
            throw new IllegalArgumentException("conv2d: groups=" + groups + " must divide input channels " + c
                    + " and output channels " + k);
        }
        if (strideH < 1 || strideW < 1 || dilH < 1 || dilW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d: stride and dilation must be >= 1 and padding >= 0, got stride ("
                    + strideH + ", " + strideW + "), padding (" + padH + ", " + padW + "), dilation (" + dilH + ", " + dilW + ")");
        }
    }

    /** {@return output height: ⌊(h + 2·padH − dilH·(r−1) − 1) / strideH⌋ + 1, below 1 when the kernel does not fit} */
    public int outH() {
        return Math.floorDiv(h + 2 * padH - dilH * (r - 1) - 1, strideH) + 1;
    }

    /** {@return output width: ⌊(w + 2·padW − dilW·(s−1) − 1) / strideW⌋ + 1, below 1 when the kernel does not fit} */
    public int outW() {
        return Math.floorDiv(w + 2 * padW - dilW * (s - 1) - 1, strideW) + 1;
    }

    /** {@return input channels per group} */
    public int cPerGroup() {
        return c / groups;
    }

    /** {@return output channels per group} */
    public int kPerGroup() {
        return k / groups;
    }
}
