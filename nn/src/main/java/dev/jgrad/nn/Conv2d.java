package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * 2-D convolution over NCHW input, with PyTorch's weight layout [out, in/groups, kh, kw] and
 * default initialisation.
 *
 * <pre>{@code
 * Conv2d conv = new Conv2d(1, 32, 3, 1, 1);   // 3x3, stride 1, padding 1
 * Tensor y = conv.forward(Tensor.randn(8, 1, 28, 28));   // [8, 32, 28, 28]
 * }</pre>
 */
public final class Conv2d extends Module {
    /** [out, in/groups, kh, kw]. */
    public final Tensor weight;
    /** [out], or null. */
    public final Tensor bias;
    private final int in, out, groups;
    private final int[] kernel, stride, padding, dilation;

    /**
     * Square kernel, equal stride and padding on both axes, bias.
     *
     * @param in      input channels
     * @param out     output channels
     * @param kernel  the kernel's height and width
     * @param stride  the stride on both axes
     * @param padding the zero padding on both axes
     */
    public Conv2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1}, 1, true);
    }

    /**
     * The general form; each int[] holds (height, width).
     *
     * @param in       input channels
     * @param out      output channels
     * @param kernel   the kernel (height, width)
     * @param stride   the stride (height, width)
     * @param padding  the zero padding (height, width)
     * @param dilation the dilation (height, width)
     * @param groups   the number of channel groups; divides {@code in} and {@code out}
     * @param bias     whether the layer has a bias
     */
    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias) {
        if (in < 1 || out < 1 || groups < 1 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv2d: channels in=" + in + ", out=" + out + " must be positive and divisible by groups=" + groups);
        }
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.kernel = Args.pair("Conv2d", "kernel", kernel);   // kernel[1] of a one-value array was an ArrayIndexOutOfBounds
        this.stride = Args.notNull("Conv2d", "stride", stride).clone();
        this.padding = Args.notNull("Conv2d", "padding", padding).clone();
        this.dilation = Args.notNull("Conv2d", "dilation", dilation).clone();
        weight = registerParameter("weight", Init.kaimingUniform(Tensor.zeros(out, in / groups, this.kernel[0], this.kernel[1]), Math.sqrt(5)));
        double bound = 1 / Math.sqrt(Init.fanIn(weight));
        this.bias = bias ? registerParameter("bias", Init.uniform(Tensor.zeros(out), -bound, bound)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        return x.conv2d(weight, bias, stride, padding, dilation, groups);
    }

    @Override
    protected String extraRepr() {
        return in + ", " + out + ", kernel=" + java.util.Arrays.toString(kernel) + ", stride=" + java.util.Arrays.toString(stride)
                + ", padding=" + java.util.Arrays.toString(padding)
                + (dilation[0] != 1 || dilation[1] != 1 ? ", dilation=" + java.util.Arrays.toString(dilation) : "")
                + (groups != 1 ? ", groups=" + groups : "") + (bias == null ? ", bias=false" : "");
    }
}
