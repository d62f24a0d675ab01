package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;

import org.junit.jupiter.api.Test;

/** Bad convolution and pooling arguments. */
class BadConvInputTest {
    private static final Tensor X = Tensor.zeros(1, 3, 5, 5);

    @Test
    void channelMismatch() {
        fails(IllegalArgumentException.class, () -> X.conv2d(Tensor.zeros(2, 2, 3, 3), null), "conv2d", "[1, 3, 5, 5]", "3 channels",
                "[2, 2, 3, 3]", "expects 2");
        fails(IllegalArgumentException.class, () -> X.conv2d(Tensor.zeros(4, 1, 3, 3), null, new int[] {1}, new int[] {0}, new int[] {1}, 2),
                "conv2d", "3 channels", "groups (2) = 2");
    }

    @Test
    void groupsThatDoNotDivideTheOutputChannels() {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(1, 4, 5, 5).conv2d(Tensor.zeros(3, 2, 3, 3), null, new int[] {1},
                new int[] {0}, new int[] {1}, 2), "conv2d", "groups=2", "output channels 3");
    }

    @Test
    void wrongRank() {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(3, 5, 5).conv2d(Tensor.zeros(2, 3, 3, 3), null), "conv2d", "4-D",
                "[3, 5, 5]", "[2, 3, 3, 3]");
        fails(IllegalArgumentException.class, () -> X.conv2d(Tensor.zeros(3, 3, 3), null), "conv2d", "4-D", "[3, 3, 3]");
    }

    @Test
    void kernelLargerThanTheInput() {
        Tensor small = Tensor.zeros(1, 1, 2, 2);
        Tensor w = Tensor.zeros(1, 1, 3, 3);
        fails(IllegalArgumentException.class, () -> small.conv2d(w, null), "conv2d", "[1, 1, 2, 2]", "smaller than the dilated kernel 3x3");
        fails(IllegalArgumentException.class, () -> small.conv2d(w, null, 2, 0), "conv2d", "[1, 1, 2, 2]", "kernel 3x3");
        fails(IllegalArgumentException.class, () -> small.conv2d(w, null, 3, 0), "conv2d", "kernel 3x3");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(1, 1, 4, 4).conv2d(Tensor.zeros(1, 1, 2, 2), null, new int[] {2},
                new int[] {0}, new int[] {4}, 1), "conv2d", "kernel 5x5");
    }

    @Test
    void badStridePaddingBiasAndDtype() {
        Tensor w = Tensor.zeros(2, 3, 3, 3);
        fails(IllegalArgumentException.class, () -> X.conv2d(w, null, new int[] {1, 1, 1}, new int[] {0}, new int[] {1}, 1), "conv2d",
                "stride must have 1 or 2 values", "[1, 1, 1]");
        fails(IllegalArgumentException.class, () -> X.conv2d(w, null, 0, 0), "conv2d", "stride", "(0, 0)");
        fails(IllegalArgumentException.class, () -> X.conv2d(w, null, 1, -1), "conv2d", "padding (-1, -1)");
        fails(IllegalArgumentException.class, () -> X.conv2d(w, Tensor.zeros(3)), "conv2d", "bias must have shape [2]", "[3]");
        fails(IllegalArgumentException.class, () -> X.to(DType.INT64).conv2d(w.to(DType.INT64), null), "conv2d", "floating-point", "int64");
    }

    @Test
    void poolInputTooSmall() {
        Tensor small = Tensor.zeros(1, 1, 2, 2);
        fails(IllegalArgumentException.class, () -> small.maxPool2d(3), "max_pool2d", "[1, 1, 2, 2]", "too small", "kernel [3, 3]");
        fails(IllegalArgumentException.class, () -> small.avgPool2d(3), "avg_pool2d", "[1, 1, 2, 2]", "too small");
        fails(IllegalArgumentException.class, () -> small.maxPool2d(new int[] {2}, new int[] {1}, new int[] {0}, new int[] {2}, false),
                "max_pool2d", "too small", "dilation [2, 2]");
    }

    @Test
    void poolBadPadding() {
        fails(IllegalArgumentException.class, () -> X.maxPool2d(new int[] {2}, null, new int[] {2}, new int[] {1}, false), "pool2d",
                "padding must be between 0 and half the kernel size", "padding (2, 2)", "kernel (2, 2)");
        fails(IllegalArgumentException.class, () -> X.avgPool2d(new int[] {3}, null, new int[] {-1}, false, true), "pool2d",
                "padding (-1, -1)");
        fails(IllegalArgumentException.class, () -> X.maxPool2d(new int[] {2}, null, new int[] {0, 0, 0}, new int[] {1}, false),
                "max_pool2d", "padding must have 1 or 2 values");
    }

    @Test
    void poolBadRankOrDtype() {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(3, 4, 4).maxPool2d(2), "max_pool2d", "4-D", "[3, 4, 4]");
        fails(IllegalArgumentException.class, () -> X.to(DType.INT32).avgPool2d(2), "avg_pool2d", "floating-point", "int32");
        fails(IllegalArgumentException.class, () -> X.maxPool2d(0), "pool2d", "kernel (0, 0)");
    }
}
