package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * Parameter-free elementwise layers, for building {@link Sequential} models.
 *
 * <pre>{@code
 * new Sequential(new Linear(4, 8), Activation.relu(), new Linear(8, 1));
 * }</pre>
 */
public final class Activation extends Module {
    private final String name;
    private final UnaryOperator<Tensor> f;

    private Activation(String name, UnaryOperator<Tensor> f) {
        this.name = name;
        this.f = f;
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        return f.apply(x);
    }

    /** {@return max(x, 0)} */
    public static Activation relu() {
        return new Activation("ReLU()", Tensor::relu);
    }

    /**
     * {@return x for x &gt; 0, slope·x otherwise}
     *
     * @param slope the slope for x ≤ 0
     */
    public static Activation leakyRelu(double slope) {
        Args.notNaN("Activation.leakyRelu", "slope", slope);
        return new Activation("LeakyReLU(slope=" + slope + ")", x -> leakyRelu(x, slope));
    }

    /**
     * Leaky ReLU as a function.
     *
     * @param x     the input
     * @param slope the slope for x ≤ 0
     * @return x where x &gt; 0, slope·x elsewhere
     */
    public static Tensor leakyRelu(Tensor x, double slope) {
        Args.notNull("leakyRelu", "input", x);
        return Tensor.where(x.gt(0), x, x.mul(slope));
    }

    /** {@return 1/(1 + e⁻ˣ)} */
    public static Activation sigmoid() {
        return new Activation("Sigmoid()", Tensor::sigmoid);
    }

    /** {@return tanh} */
    public static Activation tanh() {
        return new Activation("Tanh()", Tensor::tanh);
    }

    /** {@return exact GELU} */
    public static Activation gelu() {
        return new Activation("GELU()", Tensor::gelu);
    }

    /**
     * {@return softmax along {@code dim}}
     *
     * @param dim the dimension normalised over
     */
    public static Activation softmax(int dim) {
        return new Activation("Softmax(dim=" + dim + ")", x -> x.softmax(dim));
    }

    /**
     * {@return log-softmax along {@code dim}}
     *
     * @param dim the dimension normalised over
     */
    public static Activation logSoftmax(int dim) {
        return new Activation("LogSoftmax(dim=" + dim + ")", x -> x.logSoftmax(dim));
    }

    @Override
    public String toString() {
        return name;
    }
}
