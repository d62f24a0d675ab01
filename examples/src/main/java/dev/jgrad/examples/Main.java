package dev.jgrad.examples;

import dev.jgrad.examples.cli.Cli;
import dev.jgrad.examples.cli.Options;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The launcher's entry point: {@code train} runs the main job, {@code example NAME} one of the
 * exercises. Every command checks its whole command line before any work, takes {@code --help},
 * reports a user error as one line with exit code 2 and prints stack traces only with
 * {@code --debug} (see {@link Cli}).
 *
 * <pre>{@code
 * java -m dev.jgrad.examples/dev.jgrad.examples.Main example linear-regression
 * }</pre>
 */
public final class Main {
    /**
     * First argument of the launcher's first pass: check the command line only, before the
     * launcher fetches data (exit 0: valid; 2: not; {@link Cli#HELP_SHOWN}: help printed).
     */
    static final String CHECK_ONLY = "--check-only";

    private Main() {}

    /** A command: the summary the lists show, its option table and its work. */
    private record Command(String summary, Options options, Cli.Body body) {}

    private static final Command TRAIN = new Command("the main job: a CNN on real MNIST digits", MnistCnn.OPTIONS, MnistCnn::train);

    private static final Map<String, Command> EXAMPLES = new LinkedHashMap<>();

    static {
        EXAMPLES.put("linear-regression", new Command("fit y = 3x + 2 with gradient descent", LinearRegression.OPTIONS, LinearRegression::run));
        EXAMPLES.put("mnist-mlp", new Command("a dense network on the full MNIST", MnistMlp.OPTIONS, MnistMlp::run));
        EXAMPLES.put("mnist-cnn", new Command("the main job's CNN", MnistCnn.OPTIONS, MnistCnn::train));
        EXAMPLES.put("gan", new Command("a GAN drawing MNIST digits", Gan.OPTIONS, Gan::run));
        EXAMPLES.put("char-lm", new Command("a character-level Transformer on real English text", CharLanguageModel.OPTIONS,
                CharLanguageModel::run));
        EXAMPLES.put("tabular-regression", new Command("a small MLP on Seattle's weather (a real CSV)", TabularRegression.OPTIONS,
                TabularRegression::run));
        EXAMPLES.put("backprop-stepper", new Command("an XOR network's backward pass, one node at a time", BackpropStepperDemo.OPTIONS,
                BackpropStepperDemo::run));
        EXAMPLES.put("backprop-tutorial", new Command("the worked examples of docs/backprop.md", BackpropTutorial.OPTIONS,
                BackpropTutorial::run));
    }

    public static void main(String[] args) {
        int code = run(args);
        if (code != 0) System.exit(code);
    }

    /**
     * Runs {@code jgrad train …} or {@code jgrad example NAME …} and returns the exit code: 0, 1
     * for an internal error, 2 for a user error (printed as one line on stderr).
     */
    public static int run(String... args) {
        boolean checkOnly = args.length > 0 && args[0].equals(CHECK_ONLY);
        if (checkOnly) args = Arrays.copyOfRange(args, 1, args.length);
        String command = args.length == 0 ? "train" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        return switch (command) {
            case "train" -> run("jgrad train", TRAIN, rest, checkOnly);
            case "example" -> example(rest, checkOnly);
            case "help", "-h", "--help" -> {
                System.out.print(usage());
                yield checkOnly ? Cli.HELP_SHOWN : 0;
            }
            default -> Cli.usageError("jgrad", "unknown command '" + command + "'; commands: train, example NAME (--help describes them)");
        };
    }

    private static int example(String[] args, boolean checkOnly) {
        if (args.length == 0) return Cli.usageError("jgrad example", "needs the name of an example, one of: " + String.join(", ", EXAMPLES.keySet()));
        if (args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(exampleList());
            return checkOnly ? Cli.HELP_SHOWN : 0;
        }
        Command c = EXAMPLES.get(args[0]);
        if (c == null) {
            return Cli.usageError("jgrad example", "unknown example '" + args[0] + "'; examples: " + String.join(", ", EXAMPLES.keySet()));
        }
        return run("jgrad example " + args[0], c, Arrays.copyOfRange(args, 1, args.length), checkOnly);
    }

    private static int run(String name, Command c, String[] args, boolean checkOnly) {
        return checkOnly ? Cli.check(name, c.options(), args) : Cli.run(name, c.options(), c.body(), args);
    }

    private static String usage() {
        return "usage: jgrad train [options] | jgrad example NAME [options]\n\n  train         " + TRAIN.summary()
                + "\n  example NAME  an example; `jgrad example --help` lists them\n\nEvery command takes --help (its options) and --debug "
                + "(stack traces of internal errors).\n";
    }

    private static String exampleList() {
        StringBuilder sb = new StringBuilder("usage: jgrad example NAME [options]   (jgrad example NAME --help: its options)\n\nexamples:\n");
        for (Map.Entry<String, Command> e : EXAMPLES.entrySet()) sb.append(String.format("  %-20s%s%n", e.getKey(), e.getValue().summary()));
        return sb.toString();
    }

    /** {@code first} followed by {@code argv}: what an example's own {@code main} passes to {@link #run}. */
    static String[] with(String first, String[] argv) {
        String[] all = new String[argv.length + 1];
        all[0] = first;
        System.arraycopy(argv, 0, all, 1, argv.length);
        return all;
    }

    /** {@code first second} followed by {@code argv}. */
    static String[] with(String first, String second, String[] argv) {
        return with(first, with(second, argv));
    }
}
