package dev.jgrad.tensor;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.ReluF32;
import dev.jgrad.kernels.PoolShape;

/**
 * Gradient kernels that derivative rules need but that are not forward ops of their own: the
 * two backward passes of convolution and those of pooling. They run outside the graph.
 *
 * <pre>{@code
 * Op.Conv2d c = (Op.Conv2d) y.op();
 * Tensor dx = BackwardOps.conv2dInput(c.shape(), dy, c.w());
 * }</pre>
 */
public final class BackwardOps {
    private BackwardOps() {}

    /** ∂L/∂x of {@code conv2d}: the transposed convolution of dy with w. */
    public static Tensor conv2dInput(ConvShape cs, Tensor dy, Tensor w) {
        try (var _ = GradMode.noGrad()) {
            return ConvOps.conv2dBackwardInput(cs, dy, w);
        }
    }

    /** ∂L/∂w of {@code conv2d}: the correlation of x with dy. */
    public static Tensor conv2dWeight(ConvShape cs, Tensor x, Tensor dy) {
        try (var _ = GradMode.noGrad()) {
            return ConvOps.conv2dBackwardWeight(cs, x, dy);
        }
    }

    /** ∂L/∂b of {@code conv2d}: dy summed over images and output positions, per output channel. */
    public static Tensor conv2dBias(ConvShape cs, Tensor dy) {
        try (var _ = GradMode.noGrad()) {
            return ConvOps.conv2dBackwardBias(cs, dy);
        }
    }

    /**
     * ∂L/∂x of {@code relu}: g where x &gt; 0, else 0. Contiguous float32 CPU operands take one fused
     * pass ({@link ReluF32}); written as g·(x &gt; 0) it cost a bool mask, its float32 copy and the
     * product (~7 ms of a 32–41 ms MNIST-CNN step; see ReluF32). Other cases use that product.
     */
    public static Tensor reluInput(Tensor x, Tensor g) {
        try (var _ = GradMode.noGrad()) {
            if (x.device().type() == Device.Type.CPU && g.device().type() == Device.Type.CPU && x.dtype() == DType.FLOAT32
                    && g.dtype() == DType.FLOAT32 && x.layout.isContiguous() && g.layout.isContiguous()
                    && java.util.Arrays.equals(x.layout.shape, g.layout.shape)) {
                Tensor dx = Tensor.empty(x.layout.shape, DType.FLOAT32, x.device());
                ReluF32.backward(floats(x), x.layout.offset, floats(g), g.layout.offset, floats(dx), 0, x.numel());
                return dx;
            }
            return g.mul(x.gt(0));
        }
    }

    private static float[] floats(Tensor t) {
        return ((Buf.F32) ((CpuStorage) t.storage).buf()).data();
    }

    /** ∂L/∂x of {@code max_pool2d}: dy routed to the recorded maxima. */
    public static Tensor maxPool2dInput(PoolShape ps, Tensor dy, Tensor indices) {
        try (var _ = GradMode.noGrad()) {
            return ConvOps.maxPool2dBackward(ps, dy, indices);
        }
    }

    /** ∂L/∂x of {@code avg_pool2d}: dy spread evenly over each window. */
    public static Tensor avgPool2dInput(PoolShape ps, boolean countIncludePad, Tensor dy) {
        try (var _ = GradMode.noGrad()) {
            return ConvOps.avgPool2dBackward(ps, countIncludePad, dy);
        }
    }

    /** ∂L/∂q, ∂L/∂k, ∂L/∂v of a fused attention node, recomputing the weights tile by tile from the saved log-sum-exp. */
    public static Tensor[] attention(Op.Attention op, Tensor out, Tensor g) {
        try (var _ = GradMode.noGrad()) {
            return AttentionOps.backward(op, out, g);
        }
    }

    /**
     * ∂L/∂x, ∂L/∂weight, ∂L/∂bias of a fused layer-norm node from the saved mean and rstd, one per
     * {@link Op.LayerNorm#inputs() input} (null for those that do not require grad). The result is
     * not itself differentiable: layer norm has no double-backward rule.
     */
    public static Tensor[] layerNorm(Op.LayerNorm op, Tensor g) {
        try (var _ = GradMode.noGrad()) {
            return LayerNormOps.backward(op, g);
        }
    }
}
