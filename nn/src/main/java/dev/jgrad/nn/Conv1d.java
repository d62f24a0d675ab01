package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * 1-D convolution over [N, C, L] input (or unbatched [C, L]), with PyTorch's weight layout
 * [out, in/groups, kernel], parameter names and default initialisation (weight Kaiming-uniform
 * with a = √5, bias U(−1/√fanIn, 1/√fanIn)), as PyTorch's {@code nn.Conv1d}. It runs as a 2-D
 * convolution of height 1 (views, no copies), so it has the 2-D convolution's kernels on every
 * device and their exact results.
 *
 * <pre>{@code
 * Conv1d conv = new Conv1d(16, 32, 5, 1, 2);           // kernel 5, stride 1, padding 2
 * Tensor y = conv.call(Tensor.randn(8, 16, 100));      // [8, 32, 100]
 * }</pre>
 */
public final class Conv1d extends Module {
    /** [out, in/groups, kernel]. */
    public final Tensor weight;
    /** [out], or null. */
    public final Tensor bias;
    private final int in, out, kernel, stride, padding, dilation, groups;

    /**
     * Kernel {@code kernel}, stride 1, no padding, bias: PyTorch's defaults.
     *
     * @param in     input channels
     * @param out    output channels
     * @param kernel the kernel's length
     */
    public Conv1d(int in, int out, int kernel) {
        this(in, out, kernel, 1, 0, 1, 1, true);
    }

    /**
     * Kernel, stride and padding; dilation 1, one group, bias.
     *
     * @param in      input channels
     * @param out     output channels
     * @param kernel  the kernel's length
     * @param stride  the stride
     * @param padding the zero padding on each side
     */
    public Conv1d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, 1, 1, true);
    }

    /**
     * The general form, in PyTorch's argument order.
     *
     * @param in       input channels
     * @param out      output channels
     * @param kernel   the kernel's length
     * @param stride   the stride
     * @param padding  the zero padding on each side
     * @param dilation the spacing between kernel taps
     * @param groups   the number of channel groups; divides {@code in} and {@code out}
     * @param bias     whether the layer has a bias
     * @throws IllegalArgumentException for non-positive channels or channels that {@code groups} does not divide, a kernel,
     *     stride or dilation below 1, or negative padding
     */
    public Conv1d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias) {
        ConvArgs.channels("Conv1d", in, out, groups);
        ConvArgs.atLeast("Conv1d", "kernel", kernel, 1);
        ConvArgs.atLeast("Conv1d", "stride", stride, 1);
        ConvArgs.atLeast("Conv1d", "padding", padding, 0);
        ConvArgs.atLeast("Conv1d", "dilation", dilation, 1);
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        weight = registerParameter("weight", Init.kaimingUniform(Tensor.zeros(out, in / groups, kernel), Math.sqrt(5)));
        double bound = 1 / Math.sqrt(Init.fanIn(weight));
        this.bias = bias ? registerParameter("bias", Init.uniform(Tensor.zeros(out), -bound, bound)) : null;
    }

    /**
     * y [N, out, L_out] with L_out = ⌊(L + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.
     *
     * @throws IllegalArgumentException for input that is not [N, in, L] or [in, L], or shorter than the dilated kernel
     */
    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        if ((x.dim() != 3 && x.dim() != 2) || x.size(-2) != in) {
            throw new IllegalArgumentException("Conv1d: expected input [N, " + in + ", L] or unbatched [" + in + ", L], got "
                    + Arrays.toString(x.shape()));
        }
        int extent = dilation * (kernel - 1) + 1;
        if ((long) x.size(-1) + 2L * padding < extent) {
            throw new IllegalArgumentException("Conv1d: input length " + x.size(-1) + " padded by " + padding + " on each side is shorter than the "
                    + (dilation > 1 ? "dilated " : "") + "kernel (" + extent + ")");
        }
        Tensor batched = x.dim() == 2 ? x.unsqueeze(0) : x;
        Tensor y = batched.unsqueeze(2).conv2d(weight.unsqueeze(2), bias, new int[] {1, stride}, new int[] {0, padding},
                new int[] {1, dilation}, groups).squeeze(2);
        return x.dim() == 2 ? y.squeeze(0) : y;
    }

    @Override
    protected String extraRepr() {
        return in + ", " + out + ", kernel=" + kernel + ", stride=" + stride + (padding != 0 ? ", padding=" + padding : "")
                + (dilation != 1 ? ", dilation=" + dilation : "") + (groups != 1 ? ", groups=" + groups : "") + (bias == null ? ", bias=false" : "");
    }
}
