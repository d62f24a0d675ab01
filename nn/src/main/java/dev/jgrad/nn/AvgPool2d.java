package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * Average pooling over NCHW input.
 *
 * <pre>{@code
 * Tensor y = new AvgPool2d(2).forward(x);
 * }</pre>
 */
public final class AvgPool2d extends Module {
    private final int[] kernel, stride, padding;
    private final boolean ceilMode, countIncludePad;

    /**
     * Square window, stride equal to the window.
     *
     * @param kernel the window's size and stride
     */
    public AvgPool2d(int kernel) {
        this(new int[] {kernel}, null, new int[] {0}, false, true);
    }

    /**
     * The general form; {@code stride} null means the window size.
     *
     * @param kernel          the window, one value or (height, width)
     * @param stride          the stride, one value or (height, width), or null
     * @param padding         the implicit padding, one value or (height, width)
     * @param ceilMode        round the output size up, as PyTorch's {@code ceil_mode}
     * @param countIncludePad count the padding in each window's divisor
     */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        this.kernel = Args.notNull("AvgPool2d", "kernel", kernel).clone();
        this.stride = stride == null ? null : stride.clone();
        this.padding = Args.notNull("AvgPool2d", "padding", padding).clone();
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        return x.avgPool2d(kernel, stride, padding, ceilMode, countIncludePad);
    }

    @Override
    protected String extraRepr() {
        return "kernel=" + java.util.Arrays.toString(kernel) + (stride == null ? "" : ", stride=" + java.util.Arrays.toString(stride));
    }
}
