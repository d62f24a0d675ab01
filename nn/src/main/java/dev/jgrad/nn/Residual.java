package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * x + inner(x): a skip connection around any module whose output has its input's shape.
 *
 * <pre>{@code
 * Module block = new Residual(new Sequential(new Linear(64, 64), Activation.relu()));
 * }</pre>
 */
public final class Residual extends Module {
    private final Module inner;

    /**
     * A block that adds its input to {@code inner}'s output.
     *
     * @param inner the module whose output the input is added to; it must keep the input's shape
     */
    public Residual(Module inner) {
        this.inner = registerModule("inner", Args.notNull("Residual", "inner module", inner));
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        return x.add(inner.call(x));
    }
}
