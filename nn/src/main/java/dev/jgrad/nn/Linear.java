package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * y = x·Wᵀ + b over the last dimension of x. The weight is [out, in] (PyTorch's layout) and
 * both start from PyTorch's default U(−1/√in, 1/√in).
 *
 * <pre>{@code
 * Linear fc = new Linear(784, 10);
 * Tensor logits = fc.forward(images.flatten(1, -1));   // [batch, 10]
 * }</pre>
 */
public final class Linear extends Module {
    /** [out, in]. */
    public final Tensor weight;
    /** [out], or null without bias. */
    public final Tensor bias;
    private final int in, out;

    /**
     * A layer with bias.
     *
     * @param in  input features
     * @param out output features
     */
    public Linear(int in, int out) {
        this(in, out, true);
    }

    /**
     * A layer y = x·Wᵀ + b with W [out, in] and, when {@code bias}, b [out], initialised as PyTorch does.
     *
     * @param in   input features
     * @param out  output features
     * @param bias whether the layer has a bias
     */
    public Linear(int in, int out, boolean bias) {
        if (in < 1 || out < 1) throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + in + ", out=" + out);
        this.in = in;
        this.out = out;
        weight = registerParameter("weight", Init.kaimingUniform(Tensor.zeros(out, in), Math.sqrt(5)));
        double bound = 1 / Math.sqrt(in);
        this.bias = bias ? registerParameter("bias", Init.uniform(Tensor.zeros(out), -bound, bound)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        if (x.dim() == 0 || x.size(-1) != in) {
            throw new IllegalArgumentException("Linear: expected input with last dimension " + in + ", got shape "
                    + java.util.Arrays.toString(x.shape()));
        }
        return x.linear(weight, bias);
    }

    @Override
    protected String extraRepr() {
        return "in=" + in + ", out=" + out + ", bias=" + (bias != null);
    }
}
