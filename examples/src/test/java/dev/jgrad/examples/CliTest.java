package dev.jgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.examples.cli.Cli;
import dev.jgrad.examples.cli.Options;
import dev.jgrad.examples.cli.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command-line conventions of {@code jgrad train} and {@code jgrad example NAME}, run in
 * process through {@link Main#run}: every user error is found before any work, printed as one
 * line naming the option, with exit code 2 and nothing on stdout; {@code --help} works
 * everywhere; stack traces only with {@code --debug}.
 */
class CliTest {
    @TempDir
    static Path dir;
    /** Valid IDX files: 64 training and 16 test images of 28×28. */
    static Path idx;
    /** The test images are 32×32. */
    static Path idx32;
    /** Headers fine, but the gzipped training images end early: found only while loading. */
    static Path idxCut;
    static Path notGzip, badTarball, aFile, shortText, badCsv;

    @BeforeAll
    static void files() throws IOException {
        // CUDA's one-time "unavailable" log goes to the real stderr now, not into a captured one
        Cuda.isAvailable();
        idx = Files.createDirectory(dir.resolve("idx"));
        writeMnist(idx, 28, 28, false);
        idx32 = Files.createDirectory(dir.resolve("idx32"));
        writeMnist(idx32, 28, 32, false);
        idxCut = Files.createDirectory(dir.resolve("idx-cut"));
        writeMnist(idxCut, 28, 28, true);
        notGzip = Files.writeString(dir.resolve("digits.tgz"), "not a tarball\n");
        badTarball = Files.write(dir.resolve("broken.tgz"), gzip("garbage that is no tar archive".repeat(40).getBytes(StandardCharsets.US_ASCII)));
        aFile = Files.writeString(dir.resolve("a-file"), "x");
        shortText = Files.writeString(dir.resolve("short.txt"), "Too short a text to learn from.\n");
        badCsv = Files.writeString(dir.resolve("weather.csv"), "date,temp_max\n2012/01/01,5\n2012/01/02\n");
    }

    /** The command lines that must fail, each with the option its one line must name. */
    static Stream<Arguments> userErrors() {
        List<Arguments> cases = new ArrayList<>();
        String i = idx.toString();
        for (String[] command : new String[][] {{"train"}, {"example", "mnist-cnn"}, {"example", "mnist-mlp"}, {"example", "gan"}}) {
            add(cases, command, "--epochs", "--epochs", "-1");
            add(cases, command, "--epochs", "--epochs", "0");
            add(cases, command, "--epochs", "--epochs", "abc");
            add(cases, command, "--epochs", "--epochs", "1.5");
            add(cases, command, "--epochs", "--epochs", "99999999999");
            add(cases, command, "--epochs", "--epochs");
            add(cases, command, "--epochs", "--epochs", "--batch", "3");
            add(cases, command, "--batch", "--batch", "0");
            add(cases, command, "--device", "--device", "tpu");
            add(cases, command, "--device", "--device", "cuda:99");
            add(cases, command, "--bogus", "--bogus");
            add(cases, command, "--bogus", "--bogus=1");
            add(cases, command, "stray", "stray");
            add(cases, command, "--idx", "--idx", dir.resolve("nowhere").toString());
            add(cases, command, "--idx", "--idx", dir.toString());
            add(cases, command, "--idx", "--idx", aFile.toString());
            add(cases, command, "--idx", "--idx", idx32.toString());
            add(cases, command, "--data", "--data", notGzip.toString());
            add(cases, command, "--data", "--data", dir.toString());
            add(cases, command, "--full", "--idx", i, "--full");
            add(cases, command, "--full", "--full", "3");
            add(cases, command, "--full", "--full=yes");
            add(cases, command, "--seed", "--seed", "x");
            add(cases, command, "--debug", "--debug=1");
            if (!command[command.length - 1].equals("mnist-mlp")) {
                add(cases, command, "--out", "--out", aFile.toString());
                add(cases, command, "--out", "--out", aFile.resolve("sub").toString());
            }
            if (!command[command.length - 1].equals("gan")) {
                add(cases, command, "--lr", "--lr", "nan");
                add(cases, command, "--lr", "--lr", "-1");
                add(cases, command, "--lr", "--lr", "0");
                add(cases, command, "--lr", "--lr", "Infinity");
            }
        }
        add(cases, new String[] {"train"}, "--shift", "--shift", "-1");
        add(cases, new String[] {"train"}, "--shift", "--shift", "28");
        add(cases, new String[] {"train"}, "--distributed", "--distributed", "--capture");
        add(cases, new String[] {"train"}, "--distributed", "--distributed=1");
        add(cases, new String[] {"example", "gan"}, "--batch", "--idx", i, "--batch", "1000");   // more than the 64 images
        String[] lm = {"example", "char-lm"};
        add(cases, lm, "--steps", "--steps", "0");
        add(cases, lm, "--context", "--context", "0");
        add(cases, lm, "--width", "--width", "30");
        add(cases, lm, "--text", "--text", dir.resolve("missing.txt").toString());
        add(cases, lm, "--text", "--text", dir.toString());
        add(cases, lm, "--context", "--text", shortText.toString());
        add(cases, lm, "--sample", "--sample", "-1");
        String[] tab = {"example", "tabular-regression"};
        add(cases, tab, "--epochs", "--epochs", "0");
        add(cases, tab, "--lr", "--lr", "nan");
        add(cases, tab, "--csv", "--csv", dir.resolve("missing.csv").toString());
        add(cases, tab, "--csv", "--csv", badCsv.toString());
        add(cases, tab, "--batch", "--batch", "3");
        String[] stepper = {"example", "backprop-stepper"};
        add(cases, stepper, "--steps", "--steps", "-1");
        add(cases, stepper, "--lr", "--lr", "nan");
        add(cases, stepper, "--device", "--device", "tpu");
        add(cases, stepper, "--html", "--html", dir.toString());
        add(cases, stepper, "--dot", "--dot", aFile.resolve("x.dot").toString());
        add(cases, stepper, "--no-pause", "--no-pause", "yes");
        add(cases, new String[] {"example", "linear-regression"}, "--steps", "--steps", "3");
        add(cases, new String[] {"example", "linear-regression"}, "extra", "extra");
        add(cases, new String[] {"example", "backprop-tutorial"}, "--verbose", "--verbose");
        add(cases, new String[] {"example"}, "example", new String[0]);
        add(cases, new String[] {"example"}, "no-such", "no-such");
        add(cases, new String[] {"bogus"}, "bogus", new String[0]);
        return cases.stream();
    }

    private static void add(List<Arguments> cases, String[] command, String named, String... args) {
        String[] argv = Stream.concat(Arrays.stream(command), Arrays.stream(args)).toArray(String[]::new);
        cases.add(Arguments.of(String.join(" ", argv), argv, named));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("userErrors")
    void userErrorsAreOneLineAndExitCode2(String line, String[] argv, String named) {
        Run r = run(() -> Main.run(argv));
        assertUserError(r, named);
    }

    /** Files whose headers are right but whose contents are not are found while loading: still before training, still one line. */
    @Test
    void filesFoundWrongWhileLoadingAreOneLineBeforeTraining() {
        Run cut = run(() -> Main.run("train", "--idx", idxCut.toString(), "--epochs", "1"));
        assertUserError(cut, "--idx");
        assertTrue(cut.err.contains("train-images-idx3-ubyte.gz"), "names the file: " + cut.err);
        Run tar = run(() -> Main.run("example", "gan", "--data", badTarball.toString(), "--epochs", "1"));
        assertUserError(tar, "--data");
        assertTrue(tar.err.contains(badTarball.toString()), "names the file: " + tar.err);
    }

    @Test
    void helpOnEveryCommandExitsZero() {
        List<String[]> commands = new ArrayList<>(List.of(new String[] {"train"}, new String[] {"example"}, new String[0]));
        for (String name : List.of("linear-regression", "mnist-mlp", "mnist-cnn", "gan", "char-lm", "tabular-regression",
                "backprop-stepper", "backprop-tutorial")) {
            commands.add(new String[] {"example", name});
        }
        for (String[] command : commands) {
            for (String help : new String[] {"--help", "-h"}) {
                // help wins over anything else on the line, even a wrong value
                String[] argv = Stream.concat(Arrays.stream(command), Stream.of("--epochs", "-1", help)).toArray(String[]::new);
                if (command.length == 0) argv = new String[] {help};
                if (command.length == 1 && command[0].equals("example")) argv = new String[] {"example", help};
                String[] a = argv;
                Run r = run(() -> Main.run(a));
                assertEquals(0, r.code, String.join(" ", argv) + "\n" + r.err);
                assertTrue(r.out.startsWith("usage: jgrad"), String.join(" ", argv) + ":\n" + r.out);
                assertEquals("", r.err, String.join(" ", argv));
            }
        }
        Run train = run(() -> Main.run("train", "--help"));
        for (String option : List.of("--epochs", "--batch", "--lr", "--device", "--idx", "--data", "--out", "--seed", "--shift", "--debug")) {
            assertTrue(train.out.contains("  " + option), option + " missing from:\n" + train.out);
        }
        assertTrue(train.out.contains("(default 15)"), train.out);
    }

    /** The launcher's first pass only checks: 0 when valid, 2 on an error, 10 after the help. */
    @Test
    void checkOnlyDoesNoWork() {
        Run ok = run(() -> Main.run("--check-only", "train", "--idx", idx.toString(), "--epochs", "2"));
        assertEquals(0, ok.code, ok.err);
        assertEquals("", ok.out + ok.err);
        assertUserError(run(() -> Main.run("--check-only", "train", "--epochs", "0")), "--epochs");
        Run help = run(() -> Main.run("--check-only", "example", "gan", "-h"));
        assertEquals(Cli.HELP_SHOWN, help.code);
        assertTrue(help.out.startsWith("usage: jgrad example gan"), help.out);
    }

    @Test
    void internalErrorsAreOneLineAndDebugShowsTheTrace() {
        Options options = new Options("A command that breaks.").count("n", 1, "a count");
        Cli.Body broken = args -> {
            throw new IllegalStateException("boom at " + args.getInt("n"));
        };
        Run plain = run(() -> Cli.run("jgrad broken", options, broken, "--n", "3"));
        assertEquals(Cli.INTERNAL_ERROR, plain.code);
        assertEquals(1, plain.err.lines().count(), plain.err);
        assertTrue(plain.err.startsWith("jgrad broken: failed: IllegalStateException: boom at 3"), plain.err);
        assertTrue(plain.err.contains("--debug"), "says how to see the trace: " + plain.err);
        assertFalse(plain.err.contains("\tat "), plain.err);

        Run debug = run(() -> Cli.run("jgrad broken", options, broken, "--n", "3", "--debug"));
        assertEquals(Cli.INTERNAL_ERROR, debug.code);
        assertTrue(debug.err.contains("java.lang.IllegalStateException: boom at 3"), debug.err);
        assertTrue(debug.err.contains("at dev.jgrad.examples.CliTest"), "the full trace: " + debug.err);

        // a user error stays a user error with --debug: exit 2, the line first
        Run user = run(() -> Cli.run("jgrad broken", options, args -> {
            throw new UsageException("--n is wrong");
        }, "--debug"));
        assertEquals(Cli.USAGE_ERROR, user.code);
        assertTrue(user.err.startsWith("jgrad broken: --n is wrong\n"), user.err);
    }

    @Test
    void validCommandsRunAsBefore() {
        Run r = run(() -> Main.run("example", "linear-regression"));
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.startsWith("Fitting y = 3x + 2 with gradient descent on the mean squared error\n"), r.out);
        assertTrue(r.out.contains("fitted w = 2.98"), r.out);
        assertEquals("", r.err);
    }

    // ---------------------------------------------------------------------------------------------

    private static void assertUserError(Run r, String named) {
        String what = "stdout:\n" + r.out + "\nstderr:\n" + r.err;
        assertEquals(Cli.USAGE_ERROR, r.code, what);
        assertEquals(1, r.err.lines().count(), "exactly one line on stderr: " + what);
        assertTrue(r.err.startsWith("jgrad"), what);
        assertTrue(r.err.contains(named), "names " + named + ": " + what);
        assertFalse(r.err.contains("Exception") || r.err.contains("at dev.jgrad"), "no stack trace: " + what);
        assertEquals("", r.out, "nothing on stdout: " + what);
    }

    private record Run(int code, String out, String err) {}

    private static synchronized Run run(Supplier<Integer> main) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = main.get();
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Four IDX files: {@code n} training images of 28×28 (64) and 16 test images of {@code testSize}²; the training images cut short if asked. */
    private static void writeMnist(Path folder, int trainSize, int testSize, boolean cutTrainImages) throws IOException {
        int n = 64, m = 16;
        byte[] train = idx(new int[] {n, trainSize, trainSize}, new byte[n * trainSize * trainSize]);
        byte[] gz = gzip(train);
        Files.write(folder.resolve("train-images-idx3-ubyte.gz"), cutTrainImages ? Arrays.copyOf(gz, gz.length / 2) : gz);
        Files.write(folder.resolve("train-labels-idx1-ubyte.gz"), gzip(idx(new int[] {n}, new byte[n])));
        Files.write(folder.resolve("t10k-images-idx3-ubyte"), idx(new int[] {m, testSize, testSize}, new byte[m * testSize * testSize]));
        Files.write(folder.resolve("t10k-labels-idx1-ubyte"), idx(new int[] {m}, new byte[m]));
    }

    private static byte[] idx(int[] shape, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * shape.length + data.length);
        b.put(new byte[] {0, 0, 0x08, (byte) shape.length});
        for (int s : shape) b.putInt(s);
        return b.put(data).array();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(out)) {
            z.write(bytes);
        }
        return out.toByteArray();
    }
}
