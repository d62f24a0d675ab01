package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * 2-D transposed convolution over [N, C, H, W] input (or unbatched [C, H, W]), with PyTorch's
 * weight layout [in, out/groups, kh, kw], parameter names and default initialisation (weight
 * Kaiming-uniform with a = √5, bias U(−1/√fanIn, 1/√fanIn), fanIn = out/groups·kh·kw), as
 * PyTorch's {@code nn.ConvTranspose2d}: the up-sampling layer of decoders and GAN generators.
 * The output height is (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1 (the
 * width likewise); {@link #forward(Tensor, int[])} picks the outputPadding that gives a requested size.
 *
 * <pre>{@code
 * ConvTranspose2d up = new ConvTranspose2d(64, 32, 4, 2, 1);   // doubles height and width
 * Tensor y = up.call(Tensor.randn(8, 64, 7, 7));                // [8, 32, 14, 14]
 * }</pre>
 */
public final class ConvTranspose2d extends Module {
    /** [in, out/groups, kh, kw]. */
    public final Tensor weight;
    /** [out], or null. */
    public final Tensor bias;
    private final int in, out, groups;
    private final int[] kernel, stride, padding, outputPadding, dilation;

    /**
     * Square kernel, equal stride and padding on both axes, no output padding, bias.
     *
     * @param in      input channels
     * @param out     output channels
     * @param kernel  the kernel's height and width
     * @param stride  the stride on both axes
     * @param padding the padding on both axes: removed from each side of the full output
     */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {0}, 1, true, new int[] {1});
    }

    /**
     * The general form, in PyTorch's argument order; each int[] holds one value for both axes or
     * two (height, width).
     *
     * @param in            input channels
     * @param out           output channels
     * @param kernel        the kernel (height, width)
     * @param stride        the stride (height, width)
     * @param padding       the padding (height, width): removed from each side of the full output
     * @param outputPadding extra rows and columns added to one side of the output (height, width)
     * @param groups        the number of channel groups; divides {@code in} and {@code out}
     * @param bias          whether the layer has a bias
     * @param dilation      the spacing between kernel taps (height, width)
     * @throws IllegalArgumentException for non-positive channels or channels that {@code groups} does not divide, a kernel,
     *     stride or dilation below 1, negative padding or outputPadding, or an outputPadding not smaller than the stride or the dilation
     */
    public ConvTranspose2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] outputPadding, int groups, boolean bias,
                           int[] dilation) {
        String l = "ConvTranspose2d";
        ConvArgs.channels(l, in, out, groups);
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.kernel = ConvArgs.pair(l, "kernel", kernel, 1);
        this.stride = ConvArgs.pair(l, "stride", stride, 1);
        this.padding = ConvArgs.pair(l, "padding", padding, 0);
        this.outputPadding = ConvArgs.pair(l, "outputPadding", outputPadding, 0);
        this.dilation = ConvArgs.pair(l, "dilation", dilation, 1);
        for (int a = 0; a < 2; a++) {
            if (this.outputPadding[a] >= this.stride[a] && this.outputPadding[a] >= this.dilation[a]) {
                throw new IllegalArgumentException(l + ": outputPadding must be smaller than either the stride or the dilation, got outputPadding "
                        + Arrays.toString(this.outputPadding) + ", stride " + Arrays.toString(this.stride) + ", dilation "
                        + Arrays.toString(this.dilation));
            }
        }
        weight = registerParameter("weight", Init.kaimingUniform(Tensor.zeros(in, out / groups, this.kernel[0], this.kernel[1]), Math.sqrt(5)));
        double bound = 1 / Math.sqrt(Init.fanIn(weight));
        this.bias = bias ? registerParameter("bias", Init.uniform(Tensor.zeros(out), -bound, bound)) : null;
    }

    /**
     * The transposed convolution with the layer's outputPadding.
     *
     * @throws IllegalArgumentException for input that is not [N, in, H, W] or [in, H, W], or an empty output
     */
    @Override
    public Tensor forward(Tensor x) {
        return run(x, outputPadding);
    }

    /**
     * The transposed convolution with the outputPadding that makes the output's height and width
     * {@code outputSize} (the last two values; PyTorch's {@code forward(input, output_size)}): a
     * stride above 1 maps several input sizes to one output size, and this picks among them.
     *
     * <pre>{@code
     * Tensor y = up.forward(x, new int[] {15, 15});   // x [8, 64, 7, 7], kernel 4, stride 2, padding 1: 14 (the default) or 15
     * }</pre>
     *
     * @param x          input [N, in, H, W] or unbatched [in, H, W]
     * @param outputSize the requested output size, ending in (height, width)
     * @return the output [N, out, height, width] (or [out, height, width] for unbatched input)
     * @throws IllegalArgumentException if a size is outside [minimum, minimum + stride − 1] for this input
     */
    public Tensor forward(Tensor x, int[] outputSize) {
        checkInput(x);
        Args.notNull("ConvTranspose2d.forward", "outputSize", outputSize);
        if (outputSize.length < 2) {
            throw new IllegalArgumentException("ConvTranspose2d.forward: outputSize must end in (height, width), got " + Arrays.toString(outputSize));
        }
        int[] op = new int[2];
        for (int a = 0; a < 2; a++) {
            int size = outputSize[outputSize.length - 2 + a];
            long min = (long) (x.size(-2 + a) - 1) * stride[a] - 2L * padding[a] + (long) dilation[a] * (kernel[a] - 1) + 1;
            long max = min + Math.max(stride[a], dilation[a]) - 1;
            if (size < min || size > max) {
                throw new IllegalArgumentException("ConvTranspose2d.forward: requested output " + (a == 0 ? "height " : "width ") + size
                        + " is not reachable from input " + Arrays.toString(x.shape()) + "; allowed: " + min + " to " + max);
            }
            op[a] = (int) (size - min);
        }
        return run(x, op);
    }

    private void checkInput(Tensor x) {
        Args.input(this, x);
        if ((x.dim() != 4 && x.dim() != 3) || x.size(-3) != in) {
            throw new IllegalArgumentException("ConvTranspose2d: expected input [N, " + in + ", H, W] or unbatched [" + in + ", H, W], got "
                    + Arrays.toString(x.shape()));
        }
    }

    private Tensor run(Tensor x, int[] op) {
        checkInput(x);
        for (int a = 0; a < 2; a++) {
            long size = (long) (x.size(-2 + a) - 1) * stride[a] - 2L * padding[a] + (long) dilation[a] * (kernel[a] - 1) + op[a] + 1;
            if (size < 1 && x.size(-2 + a) > 0) {
                throw new IllegalArgumentException("ConvTranspose2d: input " + Arrays.toString(x.shape()) + " gives an output "
                        + (a == 0 ? "height" : "width") + " of " + size + "; the padding " + Arrays.toString(padding) + " is too large for it");
            }
        }
        Tensor batched = x.dim() == 3 ? x.unsqueeze(0) : x;
        Tensor y = batched.convTranspose2d(weight, bias, stride, padding, op, dilation, groups);
        return x.dim() == 3 ? y.squeeze(0) : y;
    }

    @Override
    protected String extraRepr() {
        return in + ", " + out + ", kernel=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride) + ", padding="
                + Arrays.toString(padding) + (outputPadding[0] != 0 || outputPadding[1] != 0 ? ", outputPadding=" + Arrays.toString(outputPadding) : "")
                + (dilation[0] != 1 || dilation[1] != 1 ? ", dilation=" + Arrays.toString(dilation) : "") + (groups != 1 ? ", groups=" + groups : "")
                + (bias == null ? ", bias=false" : "");
    }
}
