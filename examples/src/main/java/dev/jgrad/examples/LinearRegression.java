package dev.jgrad.examples;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.Options;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;

/**
 * The first exercise of every course: fit y = 3x + 2 from noisy samples with plain gradient
 * descent on the mean squared error, using nothing but tensors and {@code backward()}.
 *
 * <pre>{@code
 * ./jgrad example linear-regression     // prints w ≈ 3, b ≈ 2
 * }</pre>
 */
public final class LinearRegression {
    private LinearRegression() {}

    /** Fits the line and returns {w, b}. */
    public static double[] fit(int steps, double learningRate, boolean verbose) {
        Generator g = new Generator(0);
        Tensor x = Tensor.rand(g, 100, 1).mul(4).sub(2);                   // x in [-2, 2)
        Tensor y = x.mul(3).add(2).add(Tensor.randn(g, 100, 1).mul(0.1)); // y = 3x + 2 + noise

        Tensor w = Tensor.zeros(1).requiresGrad(true).name("w");
        Tensor b = Tensor.zeros(1).requiresGrad(true).name("b");
        for (int step = 1; step <= steps; step++) {
            Tensor prediction = x.mul(w).add(b);
            Tensor loss = prediction.sub(y).square().mean();
            loss.backward();
            try (var _ = GradMode.noGrad()) {
                w.addInPlace(w.grad(), -learningRate);
                b.addInPlace(b.grad(), -learningRate);
            }
            w.zeroGrad();
            b.zeroGrad();
            if (verbose && (step % 20 == 0 || step == 1)) {
                System.out.printf("step %3d  loss %.5f  w %.4f  b %.4f%n", step, loss.item(), w.item(), b.item());
            }
        }
        return new double[] {w.item(), b.item()};
    }

    /** {@code ./jgrad example linear-regression} takes no options but {@code --help} and {@code --debug}. */
    static final Options OPTIONS = new Options("""
            The first exercise of every course: fit y = 3x + 2 from 100 noisy samples with plain gradient descent
            on the mean squared error, using nothing but tensors and backward().""");

    public static void main(String[] argv) {
        int code = Main.run(Main.with("example", "linear-regression", argv));
        if (code != 0) System.exit(code);
    }

    /** Fits the line and prints it. */
    static void run(Args args) {
        System.out.println("Fitting y = 3x + 2 with gradient descent on the mean squared error");
        double[] wb = fit(200, 0.1, true);
        System.out.printf("fitted w = %.4f (true 3), b = %.4f (true 2)%n", wb[0], wb[1]);
    }
}
