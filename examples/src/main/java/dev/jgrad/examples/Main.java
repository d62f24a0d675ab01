package dev.jgrad.examples;

import java.util.Arrays;

/**
 * The launcher's entry point: {@code train} runs the main job, {@code example NAME} one of the
 * exercises.
 *
 * <pre>{@code
 * java -m dev.jgrad.examples/dev.jgrad.examples.Main example linear-regression
 * }</pre>
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "train" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "train" -> MnistCnn.main(rest);
            case "example" -> runExample(rest);
            default -> usage("unknown command '" + command + "'");
        }
    }

    private static void runExample(String[] args) throws Exception {
        if (args.length == 0) {
            usage("example needs a name");
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "linear-regression" -> LinearRegression.main(rest);
            case "mnist-cnn" -> MnistCnn.main(rest);
            case "mnist-mlp" -> MnistMlp.main(rest);
            case "gan" -> Gan.main(rest);
            case "char-lm" -> CharLanguageModel.main(rest);
            case "tabular-regression" -> TabularRegression.main(rest);
            case "backprop-stepper" -> BackpropStepperDemo.main(rest);
            case "backprop-tutorial" -> BackpropTutorial.main(rest);
            default -> usage("unknown example '" + args[0] + "'");
        }
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: jgrad train [options] | jgrad example NAME [options]; examples: linear-regression, mnist-mlp, mnist-cnn, gan, char-lm, tabular-regression, backprop-stepper, backprop-tutorial");
        System.exit(2);
    }
}
