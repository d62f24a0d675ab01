package dev.jgrad.examples;

import dev.jgrad.autograd.inspect.BackwardStepper;
import dev.jgrad.autograd.inspect.Graph;
import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.Options;
import dev.jgrad.autograd.inspect.DotExport;
import dev.jgrad.autograd.inspect.HtmlExport;
import dev.jgrad.autograd.inspect.NodeStep;
import dev.jgrad.autograd.inspect.TensorText;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.optim.SGD;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Backprop in the terminal: a 2-4-1 MLP learns XOR, and the backward pass of its first
 * training step is walked one node at a time, pausing at each (Enter: next node, c: run to the
 * end of the pass). Then it trains to the end and prints what it learned.
 *
 * <pre>{@code
 * ./jgrad example backprop-stepper                      // pauses at every node
 * ./jgrad example backprop-stepper --no-pause           // runs straight through
 * ./jgrad example backprop-stepper --html out/xor.html  // also the page that replays the pass
 * }</pre>
 * Options: {@code --steps N} training steps (1500), {@code --lr} (1.0), {@code --seed} (0),
 * {@code --device cpu|cuda}, {@code --dot PATH}, {@code --primitives} (title each node by its primitive
 * op too: {@code fc1.weightᵀ (Permute)}).
 */
public final class BackpropStepperDemo {
    private BackpropStepperDemo() {}

    /** What a run learned: the loss before and after, and the rounded predictions for the four XOR inputs. */
    public record Result(double firstLoss, double lastLoss, double[] predictions, int correct, boolean sameAsBackward) {}

    /** The options of {@code ./jgrad example backprop-stepper}, each checked before any work. */
    static final Options OPTIONS = new Options("""
            Backprop in the terminal: a 2-4-1 MLP learns XOR, and the backward pass of its first training step is
            walked one node at a time (Enter: next node, c + Enter: run to the end of the pass); then it trains to
            the end and prints what it learned.""")
            .flag("no-pause", "run straight through, without waiting for Enter")
            .wholeNumber("steps", 1500, 0, Integer.MAX_VALUE, "training steps after the stepped one")
            .positive("lr", 1.0, "SGD's learning rate")
            .integer("seed", 0, "seed of the weights")
            .device("where to compute", "cpu")
            .outputFile("html", "also write a page that replays the pass (and its data, a .json beside it)")
            .outputFile("dot", "also write the graph for Graphviz")
            .flag("primitives", "name each node's primitive op beside the call that made it, e.g. fc1.weightᵀ (Permute)");

    public static void main(String[] argv) {
        int code = Main.run(Main.with("example", "backprop-stepper", argv));
        if (code != 0) System.exit(code);
    }

    /**
     * Runs the demo reading key presses from {@code in} and printing to {@code out}; with
     * {@code --help} prints the usage to {@code out} and returns null.
     *
     * @throws dev.jgrad.examples.cli.UsageException for a command line {@link #OPTIONS} does not allow
     */
    public static Result run(String[] argv, InputStream in, PrintStream out) throws IOException {
        Args args = OPTIONS.parse(argv);
        if (args.help()) {
            out.print(OPTIONS.usage("jgrad example backprop-stepper"));
            return null;
        }
        return run(args, in, out);
    }

    /** The demo on the terminal, with checked options. */
    static void run(Args args) throws IOException {
        run(args, System.in, System.out);
    }

    private static Result run(Args args, InputStream in, PrintStream out) throws IOException {
        Tensor.manualSeed(args.getInt("seed"));
        Device device = Device.parse(args.get("device", "cpu"));
        boolean pause = !args.has("no-pause");
        Tensor x = Tensor.of(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2).to(device).name("X");
        Tensor y = Tensor.of(new float[] {0, 1, 1, 0}, 4, 1).to(device).name("Y");
        Linear fc1 = new Linear(2, 4), fc2 = new Linear(4, 1);
        List<Tensor> params = new ArrayList<>();
        for (Linear fc : new Linear[] {fc1, fc2}) {
            fc.to(device);
            params.add(fc.weight);
            params.add(fc.bias);
        }
        fc1.weight.name("fc1.weight");
        fc1.bias.name("fc1.bias");
        fc2.weight.name("fc2.weight");
        fc2.bias.name("fc2.bias");
        SGD optimizer = new SGD(params, args.getDouble("lr"));

        out.println("XOR with a 2-4-1 MLP: p = sigmoid(fc2(tanh(fc1(X)))), L = mean((p − Y)²), on " + device);
        Tensor loss = forward(fc1, fc2, x, y);
        double firstLoss = loss.item();
        out.println("Forward pass done: L = " + TensorText.number(firstLoss) + ". Now backward, one node at a time"
                + (pause ? " (Enter: next node, c + Enter: run to the end of the pass)." : "."));
        BackwardStepper stepper = new BackwardStepper(loss,
                args.has("primitives") ? Graph.Naming.CALLS_AND_PRIMITIVES : Graph.Naming.CALLS);
        BufferedReader keys = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        while (stepper.hasNext()) {
            NodeStep step = stepper.next();
            out.print(step);
            if (pause && stepper.hasNext()) {
                out.print("[Enter] next node, [c] continue > ");
                out.flush();
                String line = keys.readLine();
                if (line == null || line.trim().equalsIgnoreCase("c")) pause = false;
            }
        }
        if (args.has("html")) {
            Path html = args.getPath("html");
            Path json = HtmlExport.write(stepper, html);
            out.println("Page that replays this pass: " + html + " (its data: " + json.getFileName() + ")");
        }
        if (args.has("dot")) {
            Files.writeString(args.getPath("dot"), DotExport.dot(stepper));
            out.println("Graphviz graph: " + args.get("dot"));
        }
        boolean same = sameAsBackward(params, fc1, fc2, x, y);
        out.println("Gradients identical to loss.backward(): " + (same ? "yes" : "NO"));
        optimizer.step();

        int steps = args.getInt("steps");
        out.println("Training for " + steps + " more steps with plain backward() and SGD:");
        double last = firstLoss;
        for (int s = 1; s <= steps; s++) {
            optimizer.zeroGrad();
            Tensor l = forward(fc1, fc2, x, y);
            l.backward();
            optimizer.step();
            last = l.item();
            if (s % Math.max(1, steps / 5) == 0) out.printf(Locale.ROOT, "  step %5d  L = %.5f%n", s, last);
        }
        double[] p;
        try (var g = GradMode.noGrad()) {
            p = fc2.forward(fc1.forward(x).tanh()).sigmoid().toDoubleArray();
        }
        double[] target = y.toDoubleArray(), xs = x.toDoubleArray();
        int correct = 0;
        for (int i = 0; i < 4; i++) {
            boolean ok = Math.round(p[i]) == Math.round(target[i]);
            if (ok) correct++;
            out.printf(Locale.ROOT, "  XOR(%.0f, %.0f) = %.0f   predicted %.3f %s%n", xs[2 * i], xs[2 * i + 1], target[i], p[i], ok ? "✓" : "✗");
        }
        out.println(correct + "/4 correct");
        return new Result(firstLoss, last, p, correct, same);
    }

    private static Tensor forward(Linear fc1, Linear fc2, Tensor x, Tensor y) {
        Tensor h = fc1.forward(x).tanh().name("h");
        Tensor p = fc2.forward(h).sigmoid().name("p");
        return Losses.mse(p, y).name("L");
    }

    /** Recomputes the gradients with plain backward() and compares them with the stepper's, element for element. */
    private static boolean sameAsBackward(List<Tensor> params, Linear fc1, Linear fc2, Tensor x, Tensor y) {
        List<double[]> stepped = new ArrayList<>();
        for (Tensor p : params) {
            stepped.add(p.grad().toDoubleArray());
            p.zeroGrad();
        }
        forward(fc1, fc2, x, y).backward();
        for (int i = 0; i < params.size(); i++) {
            if (!Arrays.equals(stepped.get(i), params.get(i).grad().toDoubleArray())) return false;
        }
        return true;
    }
}
