package dev.jgrad.examples;

import dev.jgrad.autograd.inspect.BackwardStepper;
import dev.jgrad.autograd.inspect.TensorText;
import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.Options;
import dev.jgrad.nn.Conv2d;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.io.PrintStream;

/**
 * The code of docs/backprop.md, run as is: the classic one-neuron example, a tiny MLP and a
 * convolution, each stepped through backward with {@link BackwardStepper}. The tests run these
 * methods and check the numbers (and that the doc shows exactly what they print).
 *
 * <pre>{@code
 * ./jgrad example backprop-tutorial
 * }</pre>
 */
public final class BackpropTutorial {
    private BackpropTutorial() {}

    /** What part 1 built. */
    public record Classic(Tensor w1, Tensor w2, Tensor b, Tensor yHat, Tensor loss) {}

    /** Part 1: ŷ = W₁x₁ + W₂x₂ + b at x = (2, 3), y = 5; L = ½(ŷ − y)². */
    public static Classic classic(PrintStream out) {
        Tensor x1 = Tensor.scalar(2).name("x1");
        Tensor x2 = Tensor.scalar(3).name("x2");
        Tensor y = Tensor.scalar(5).name("y");
        Tensor w1 = Tensor.scalar(1).requiresGrad(true).name("W1");
        Tensor w2 = Tensor.scalar(1).requiresGrad(true).name("W2");
        Tensor b = Tensor.scalar(2).requiresGrad(true).name("b");

        Tensor yHat = w1.mul(x1).add(w2.mul(x2)).add(b).name("ŷ");   // 1·2 + 1·3 + 2 = 7
        Tensor loss = yHat.sub(y).square().mul(0.5).name("L");       // ½(7 − 5)² = 2

        BackwardStepper stepper = new BackwardStepper(loss);
        while (stepper.hasNext()) out.print(stepper.next());
        out.println("∂L/∂W1 = " + TensorText.values(w1.grad()) + ", ∂L/∂W2 = " + TensorText.values(w2.grad())
                + ", ∂L/∂b = " + TensorText.values(b.grad()));
        return new Classic(w1, w2, b, yHat, loss);
    }

    /** What part 2 built. */
    public record Mlp(Linear fc1, Linear fc2, Tensor x, Tensor y, Tensor loss) {
        /** The forward pass again (for checking gradients numerically). */
        public Tensor forward() {
            return Losses.mse(fc2.forward(fc1.forward(x).tanh()), y);
        }
    }

    /** Part 2: a 2-2-1 MLP with tanh, on one sample, mean squared error. */
    public static Mlp mlp(PrintStream out) {
        Linear fc1 = new Linear(2, 2), fc2 = new Linear(2, 1);
        fc1.to(DType.FLOAT64);   // the tutorial computes in double, so its numbers are exact to print
        fc2.to(DType.FLOAT64);
        try (var _ = GradMode.noGrad()) {   // setting parameters is not part of the graph
            fc1.weight.copyFrom(Tensor.of(new double[] {0.5, -0.3, 0.8, 0.2}, 2, 2));
            fc1.bias.copyFrom(Tensor.of(new double[] {0.2, -0.1}));
            fc2.weight.copyFrom(Tensor.of(new double[] {1.0, -1.5}, 1, 2));
            fc2.bias.copyFrom(Tensor.of(new double[] {0.2}));
        }
        fc1.weight.name("fc1.weight");
        fc1.bias.name("fc1.bias");
        fc2.weight.name("fc2.weight");
        fc2.bias.name("fc2.bias");

        Tensor x = Tensor.of(new double[] {1, 2}, 1, 2).name("x");
        Tensor y = Tensor.of(new double[] {1}, 1, 1).name("y");
        Tensor h = fc1.forward(x).tanh().name("h");
        Tensor loss = Losses.mse(fc2.forward(h), y).name("L");

        BackwardStepper stepper = new BackwardStepper(loss);
        while (stepper.hasNext()) out.print(stepper.next());
        for (Linear fc : new Linear[] {fc1, fc2}) {
            out.println(fc.weight.name() + ".grad = " + TensorText.values(fc.weight.grad()) + ", "
                    + fc.bias.name() + ".grad = " + TensorText.values(fc.bias.grad()));
        }
        return new Mlp(fc1, fc2, x, y, loss);
    }

    /** What part 3 built. */
    public record Conv(Conv2d conv, Tensor image, Tensor loss) {}

    /** Part 3: one 2×2 filter over a 3×3 image, L = the sum of the 2×2 output. */
    public static Conv conv(PrintStream out) {
        Conv2d conv = new Conv2d(1, 1, 2, 1, 0);   // 1 channel in, 1 out, 2×2 kernel, stride 1, no padding
        conv.to(DType.FLOAT64);
        try (var _ = GradMode.noGrad()) {
            conv.weight.copyFrom(Tensor.of(new double[] {1, 0, -1, 2}, 1, 1, 2, 2));
            conv.bias.copyFrom(Tensor.of(new double[] {0.5}));
        }
        conv.weight.name("conv.weight");
        conv.bias.name("conv.bias");

        Tensor image = Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3).name("image");
        Tensor loss = conv.forward(image).sum().name("L");

        BackwardStepper stepper = new BackwardStepper(loss);
        while (stepper.hasNext()) out.print(stepper.next());
        out.println("conv.weight.grad = " + TensorText.values(conv.weight.grad().reshape(2, 2))
                + ", conv.bias.grad = " + TensorText.values(conv.bias.grad()));
        return new Conv(conv, image, loss);
    }

    /** {@code ./jgrad example backprop-tutorial} takes no options but {@code --help} and {@code --debug}. */
    static final Options OPTIONS = new Options("""
            The worked examples of docs/backprop.md, run as they are: the classic one-neuron example, a two-layer MLP
            and a convolution, each stepped through backward one node at a time.""");

    public static void main(String[] argv) {
        int code = Main.run(Main.with("example", "backprop-tutorial", argv));
        if (code != 0) System.exit(code);
    }

    /** Prints the three parts. */
    static void run(Args args) {
        PrintStream out = System.out;
        out.println("== Part 1: the classic example ==");
        classic(out);
        out.println();
        out.println("== Part 2: a two-layer MLP ==");
        mlp(out);
        out.println();
        out.println("== Part 3: a convolution ==");
        conv(out);
    }
}
