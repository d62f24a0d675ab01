package dev.jgrad.nn;

import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;

/**
 * Weight initialisation, in place, with PyTorch's formulas (so fresh layers start from the same
 * distributions as PyTorch's defaults).
 *
 * <pre>{@code
 * Init.xavierUniform(layer.weight, 1.0);
 * Init.zeros(layer.bias);
 * }</pre>
 */
public final class Init {
    private Init() {}

    /**
     * Fills with U(low, high).
     *
     * @param t    the tensor, filled in place
     * @param low  the lower bound
     * @param high the upper bound
     * @return {@code t}
     */
    public static Tensor uniform(Tensor t, double low, double high) {
        Args.notNull("Init.uniform", "tensor", t);
        Args.notNaN("Init.uniform", "low", low);
        Args.notNaN("Init.uniform", "high", high);
        return set(t, Tensor.rand(Generator.getDefault(), t.shape()).mul(high - low).add(low));
    }

    /**
     * Fills with N(mean, std²).
     *
     * @param t    the tensor, filled in place
     * @param mean the mean
     * @param std  the standard deviation
     * @return {@code t}
     */
    public static Tensor normal(Tensor t, double mean, double std) {
        Args.notNull("Init.normal", "tensor", t);
        Args.notNaN("Init.normal", "mean", mean);
        Args.notNaN("Init.normal", "std", std);
        return set(t, Tensor.randn(Generator.getDefault(), t.shape()).mul(std).add(mean));
    }

    /**
     * Fills with a constant.
     *
     * @param t     the tensor, filled in place
     * @param value the value
     * @return {@code t}
     */
    public static Tensor constant(Tensor t, double value) {
        Args.notNull("Init.constant", "tensor", t);
        try (var _ = GradMode.noGrad()) {
            return t.fill(value);
        }
    }

    /**
     * Fills with zeros.
     *
     * @param t the tensor, filled in place
     * @return {@code t}
     */
    public static Tensor zeros(Tensor t) {
        return constant(t, 0);
    }

    /**
     * Fills with ones.
     *
     * @param t the tensor, filled in place
     * @return {@code t}
     */
    public static Tensor ones(Tensor t) {
        return constant(t, 1);
    }

    /**
     * Kaiming (He) uniform, fan-in mode: U(−b, b) with b = gain·√(3/fanIn) and gain = √(2/(1+a²))
     * (a is the negative slope of the rectifier that follows; PyTorch's layers use a = √5).
     *
     * @param t the tensor, filled in place (at least 2-D)
     * @param a the negative slope of the rectifier that follows (0 for ReLU)
     * @return {@code t}
     */
    public static Tensor kaimingUniform(Tensor t, double a) {
        Args.notNull("Init.kaimingUniform", "tensor", t);
        Args.notNaN("Init.kaimingUniform", "a", a);
        double bound = Math.sqrt(2.0 / (1 + a * a)) * Math.sqrt(3.0 / fanIn(t));
        return uniform(t, -bound, bound);
    }

    /**
     * Kaiming (He) normal, fan-in mode: N(0, (gain/√fanIn)²).
     *
     * @param t the tensor, filled in place (at least 2-D)
     * @param a the negative slope of the rectifier that follows (0 for ReLU)
     * @return {@code t}
     */
    public static Tensor kaimingNormal(Tensor t, double a) {
        Args.notNull("Init.kaimingNormal", "tensor", t);
        Args.notNaN("Init.kaimingNormal", "a", a);
        return normal(t, 0, Math.sqrt(2.0 / (1 + a * a)) / Math.sqrt(fanIn(t)));
    }

    /**
     * Xavier (Glorot) uniform: U(−b, b) with b = gain·√(6/(fanIn + fanOut)).
     *
     * @param t    the tensor, filled in place (at least 2-D)
     * @param gain the scale factor
     * @return {@code t}
     */
    public static Tensor xavierUniform(Tensor t, double gain) {
        Args.notNull("Init.xavierUniform", "tensor", t);
        Args.notNaN("Init.xavierUniform", "gain", gain);
        double bound = gain * Math.sqrt(6.0 / (fanIn(t) + fanOut(t)));
        return uniform(t, -bound, bound);
    }

    /**
     * Xavier (Glorot) normal: N(0, gain²·2/(fanIn + fanOut)).
     *
     * @param t    the tensor, filled in place (at least 2-D)
     * @param gain the scale factor
     * @return {@code t}
     */
    public static Tensor xavierNormal(Tensor t, double gain) {
        Args.notNull("Init.xavierNormal", "tensor", t);
        Args.notNaN("Init.xavierNormal", "gain", gain);
        return normal(t, 0, gain * Math.sqrt(2.0 / (fanIn(t) + fanOut(t))));
    }

    /**
     * Inputs feeding each output: size(1) × the receptive field (elements per slice of dims 2…).
     *
     * @param t a weight, at least 2-D
     * @return the fan-in
     */
    public static int fanIn(Tensor t) {
        Args.notNull("Init.fanIn", "tensor", t);
        if (t.dim() < 2) throw new IllegalArgumentException("fan in/out needs a tensor with at least 2 dimensions, got " + t.dim());
        return t.size(1) * receptiveField(t);
    }

    /**
     * Outputs fed by each input: size(0) × the receptive field.
     *
     * @param t a weight, at least 2-D
     * @return the fan-out
     */
    public static int fanOut(Tensor t) {
        Args.notNull("Init.fanOut", "tensor", t);
        if (t.dim() < 2) throw new IllegalArgumentException("fan in/out needs a tensor with at least 2 dimensions, got " + t.dim());
        return t.size(0) * receptiveField(t);
    }

    private static int receptiveField(Tensor t) {
        int r = 1;
        for (int d = 2; d < t.dim(); d++) r *= t.size(d);
        return r;
    }

    private static Tensor set(Tensor t, Tensor values) {
        try (var _ = GradMode.noGrad()) {
            return t.copyFrom(values.to(t.device()));
        }
    }
}
