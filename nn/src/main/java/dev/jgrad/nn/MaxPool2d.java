package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * Max pooling over NCHW input.
 *
 * <pre>{@code
 * Tensor y = new MaxPool2d(2).forward(x);   // halves height and width
 * }</pre>
 */
public final class MaxPool2d extends Module {
    private final int[] kernel, stride, padding, dilation;
    private final boolean ceilMode;

    /**
     * Square window, stride equal to the window.
     *
     * @param kernel the window's size and stride
     */
    public MaxPool2d(int kernel) {
        this(new int[] {kernel}, null, new int[] {0}, new int[] {1}, false);
    }

    /**
     * The general form; {@code stride} null means the window size.
     *
     * @param kernel   the window, one value or (height, width)
     * @param stride   the stride, one value or (height, width), or null
     * @param padding  the implicit padding, one value or (height, width)
     * @param dilation the dilation, one value or (height, width)
     * @param ceilMode round the output size up, as PyTorch's {@code ceil_mode}
     */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        this.kernel = Args.notNull("MaxPool2d", "kernel", kernel).clone();
        this.stride = stride == null ? null : stride.clone();
        this.padding = Args.notNull("MaxPool2d", "padding", padding).clone();
        this.dilation = Args.notNull("MaxPool2d", "dilation", dilation).clone();
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        return x.maxPool2d(kernel, stride, padding, dilation, ceilMode);
    }

    @Override
    protected String extraRepr() {
        return "kernel=" + java.util.Arrays.toString(kernel) + (stride == null ? "" : ", stride=" + java.util.Arrays.toString(stride));
    }
}
