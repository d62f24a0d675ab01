package dev.jgrad.nn;

import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;

/**
 * In training mode, zeroes each element with probability p and scales the rest by 1/(1−p)
 * (inverted dropout, so evaluation needs no scaling); in evaluation mode, the identity. Each call
 * draws one seed from the generator, from which {@link Tensor#dropout(double, Generator)} derives
 * the whole mask on the input's device.
 *
 * <pre>{@code
 * Dropout d = new Dropout(0.2);
 * Tensor y = d.forward(x);   // random mask from the default generator
 * }</pre>
 */
public final class Dropout extends Module {
    private final double p;
    private final Generator generator;

    /**
     * Dropout drawing its masks from the default generator.
     *
     * @param p the probability of zeroing an element, in [0, 1)
     */
    public Dropout(double p) {
        this(p, Generator.getDefault());
    }

    /**
     * Dropout drawing its masks from {@code generator}.
     *
     * @param p         the probability of zeroing an element, in [0, 1)
     * @param generator the generator the masks are drawn from
     */
    public Dropout(double p, Generator generator) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        this.p = p;
        this.generator = Args.notNull("Dropout", "generator", generator);
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        if (!isTraining() || p == 0) return x;
        return x.dropout(p, generator);   // the mask is drawn on x's device (Philox; the same mask on every device)
    }

    /** {@return the generator the masks are drawn from (checkpoints save and restore its state)} */
    public Generator generator() {
        return generator;
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
