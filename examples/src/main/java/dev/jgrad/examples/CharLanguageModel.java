package dev.jgrad.examples;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.Options;
import dev.jgrad.examples.cli.UsageException;
import dev.jgrad.nn.Embedding;
import dev.jgrad.nn.LayerNorm;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.PositionalEncoding;
import dev.jgrad.nn.TransformerEncoder;
import dev.jgrad.nn.TransformerEncoderLayer;
import dev.jgrad.nn.optim.AdamW;
import dev.jgrad.nn.optim.Clip;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Autocast;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A character-level language model: a small causal Transformer (pre-norm, learned embeddings,
 * sinusoidal positions) trained to predict the next character of real text — the fortune
 * cookies of Debian's {@code fortunes} package (poems, science, wisdom, people, humorists, love) — then
 * sampling new text from it.
 *
 * <pre>{@code
 * ./jgrad example char-lm --steps 2000
 * }</pre>
 */
public final class CharLanguageModel extends Module {
    /** Where the launcher unpacks Debian's fortunes package. */
    static final Path TEXTS = Path.of(".cache", "fortunes", "usr", "share", "games", "fortunes");
    static final List<String> FILES = List.of("songs-poems", "science", "wisdom", "people", "humorists", "love");

    private final Embedding embedding;
    private final PositionalEncoding positions;
    private final TransformerEncoder encoder;
    private final LayerNorm norm;
    private final Linear head;

    CharLanguageModel(int vocabulary, int width, int heads, int layers, int context) {
        embedding = registerModule("embedding", new Embedding(vocabulary, width));
        positions = registerModule("positions", new PositionalEncoding(width, context, 0.0, true));
        encoder = registerModule("encoder", new TransformerEncoder(
                i -> new TransformerEncoderLayer(width, heads, 4 * width, 0.1, "gelu", 1e-5, true, true), layers));
        norm = registerModule("norm", new LayerNorm(width));
        head = registerModule("head", new Linear(width, vocabulary));
    }

    /** Logits [N, T, vocabulary] for tokens [N, T], each position seeing only those before it. */
    @Override
    public Tensor forward(Tensor tokens) {
        Tensor h = positions.forward(embedding.forward(tokens));
        return head.forward(norm.forward(encoder.forward(h, null, null, true)));
    }

    /** Attention heads per layer: {@code --width} must be a multiple of it. */
    static final int HEADS = 4;

    /** The options of {@code ./jgrad example char-lm}, each checked before any work. */
    static final Options OPTIONS = new Options("""
            A character-level language model: a small causal Transformer trained to predict the next character of
            real English text (Debian's fortune cookies, or --text FILE), then sampling new text from it.""")
            .count("steps", 1500, "training steps")
            .count("batch", 32, "text windows per step")
            .count("context", 64, "characters per window")
            .count("width", 128, "model width (a multiple of " + HEADS + ", the number of attention heads)")
            .count("layers", 2, "Transformer layers")
            .positive("lr", 1e-3, "AdamW's learning rate")
            .device("where to train", "cuda:0 when a GPU is usable, else cpu")
            .file("text", "a UTF-8 text file to learn")
            .describeDefault("text", "the fortunes the launcher fetches")
            .integer("seed", 0, "seed of the weights and the windows")
            .wholeNumber("sample", 400, 0, 1_000_000, "characters to sample after training")
            .autocast()
            .rule(a -> {
                if (a.getInt("width") % HEADS != 0) {
                    throw new UsageException("--width must be a multiple of " + HEADS + " (the attention heads), got " + a.getInt("width"));
                }
            });

    public static void main(String[] argv) {
        int code = Main.run(Main.with("example", "char-lm", argv));
        if (code != 0) System.exit(code);
    }

    /** Trains and samples with checked options (see {@link #OPTIONS}). */
    static void run(Args args) {
        Tensor.manualSeed(args.getInt("seed"));
        String text;
        try {
            text = load(args.getPath("text"));
        } catch (IOException e) {
            throw new UsageException((args.has("text") ? "--text " + args.get("text") + ": " : "") + e.getMessage(), e);
        }
        char[] vocabulary = vocabulary(text);
        int[] ids = encode(text, vocabulary);
        int context = args.getInt("context"), batch = args.getInt("batch"), steps = args.getInt("steps");
        if (ids.length - ids.length * 9 / 10 <= context + 1) {
            throw new UsageException("--context " + context + " needs a text of more than " + 10L * (context + 2)
                    + " characters (a tenth is held out, and a window takes context + 1 of them); the text has " + ids.length);
        }
        Device device = args.has("device") ? Device.parse(args.get("device")) : Device.best();
        CharLanguageModel model = new CharLanguageModel(vocabulary.length, args.getInt("width"), HEADS, args.getInt("layers"), context);
        model.to(device);
        System.out.printf(Locale.ROOT, "text: %,d characters, %d distinct; model: %,d parameters; device %s%n",
                text.length(), vocabulary.length, model.parameterCount(), device);

        train(model, ids, new Training(steps, batch, context, args.getDouble("lr"), args.getInt("seed"), Options.autocastType(args)), device, true);
        System.out.println("--- sample ---");
        System.out.println(sample(model, vocabulary, "The ", args.getInt("sample"), context, 0.8, new Generator(1), device));
    }

    /**
     * How to train: {@code steps} steps of {@code batch} random windows of {@code context}
     * characters, AdamW at {@code lr} with gradients clipped to norm 1, windows drawn from
     * {@code seed}, forward passes under autocast in {@code autocast} (null: float32 throughout).
     */
    record Training(int steps, int batch, int context, double lr, long seed, DType autocast) {}

    /**
     * Trains {@code model} on the first 90% of {@code ids}; returns the loss on 64 windows of the
     * held-out 10% at the end. {@code verbose} prints the losses every 100 steps.
     */
    static double train(CharLanguageModel model, int[] ids, Training t, Device device, boolean verbose) {
        Optimizer opt = new AdamW(model.parameters(), t.lr());
        Generator windows = new Generator(t.seed());
        int split = ids.length * 9 / 10;   // the last 10% is held out
        int vocabulary = model.head.weight.shape()[0];
        long start = System.nanoTime();
        for (int step = 1; step <= t.steps(); step++) {
            try (var _ = Tensor.scope()) {   // the step's tensors, on the device too, are freed when it ends
                Tensor[] xy = batch(ids, 0, split, t.batch(), t.context(), windows);
                Tensor loss;
                try (var _ = t.autocast() == null ? null : Autocast.enable(t.autocast())) {   // forward and loss; backward outside
                    Tensor logits = model.forward(xy[0].to(device));
                    loss = Losses.crossEntropy(logits.reshape(-1, vocabulary), xy[1].to(device).reshape(-1));
                }
                loss.backward();
                Clip.gradNorm(model.parameters(), 1.0);
                opt.step();
                opt.zeroGrad();
                if (verbose && (step % 100 == 0 || step == 1)) {
                    System.out.printf(Locale.ROOT, "step %5d  train loss %.3f  held-out loss %.3f  (%.1f s)%n", step, loss.item(),
                            heldOutLoss(model, ids, split, t.context(), 16, t.autocast(), device), (System.nanoTime() - start) / 1e9);
                }
            }
        }
        try (var _ = Tensor.scope()) {
            return heldOutLoss(model, ids, split, t.context(), 64, t.autocast(), device);
        }
    }

    /** The concatenated fortune files (or any UTF-8 text file). */
    static String load(Path file) throws IOException {
        if (file != null) return Files.readString(file, StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        for (String name : FILES) {
            Path p = TEXTS.resolve(name);
            if (!Files.exists(p)) {
                throw new IOException(p + " is missing: run this through ./jgrad example char-lm, which fetches Debian's fortunes package once, or pass --text FILE");
            }
            String fortunes = Files.readString(p, StandardCharsets.ISO_8859_1).replace("\n%\n", "\n\n");
            sb.append(fortunes.replaceAll(".\b|[\\x00-\\x08\\x0B-\\x1F\\x7F]", ""));   // drop overstrike pairs and control characters
        }
        return sb.toString();
    }

    static char[] vocabulary(String text) {
        Set<Character> set = new TreeSet<>();
        for (char c : text.toCharArray()) set.add(c);
        char[] v = new char[set.size()];
        int i = 0;
        for (char c : set) v[i++] = c;
        return v;
    }

    static int[] encode(String text, char[] vocabulary) {
        int[] ids = new int[text.length()];
        for (int i = 0; i < ids.length; i++) ids[i] = java.util.Arrays.binarySearch(vocabulary, text.charAt(i));
        return ids;
    }

    /** Random windows of {@code context} characters from [from, to) and the same windows shifted by one. */
    static Tensor[] batch(int[] ids, int from, int to, int n, int context, Generator g) {
        long[] x = new long[n * context], y = new long[n * context];
        for (int b = 0; b < n; b++) {
            int at = (int) g.nextLong(from, to - context - 1);
            for (int t = 0; t < context; t++) {
                x[b * context + t] = ids[at + t];
                y[b * context + t] = ids[at + t + 1];
            }
        }
        return new Tensor[] {Tensor.of(x, n, context), Tensor.of(y, n, context)};
    }

    private static double heldOutLoss(CharLanguageModel model, int[] ids, int split, int context, int windows, DType autocast, Device device) {
        int vocabulary = model.head.weight.shape()[0];
        try (var _ = GradMode.noGrad(); var _ = autocast == null ? null : Autocast.enable(autocast)) {
            model.eval();
            Tensor[] xy = batch(ids, split, ids.length, windows, context, new Generator(99));
            double loss = Losses.crossEntropy(model.forward(xy[0].to(device)).reshape(-1, vocabulary), xy[1].to(device).reshape(-1)).item();
            model.train();
            return loss;
        }
    }

    /** Continues {@code prompt} one character at a time, sampling from softmax(logits / temperature). */
    static String sample(CharLanguageModel model, char[] vocabulary, String prompt, int length, int context, double temperature,
                         Generator g, Device device) {
        StringBuilder out = new StringBuilder(prompt);
        try (var _ = GradMode.noGrad()) {
            model.eval();
            for (int i = 0; i < length; i++) {
                String window = out.substring(Math.max(0, out.length() - context));
                int[] ids = encode(window, vocabulary);
                long[] tokens = new long[ids.length];
                for (int t = 0; t < ids.length; t++) tokens[t] = Math.max(ids[t], 0);
                Tensor logits = model.forward(Tensor.of(tokens, 1, tokens.length).to(device)).select(1, tokens.length - 1).select(0, 0);
                double[] p = logits.div(temperature).softmax(0).to(DType.FLOAT64).toDoubleArray();
                double u = g.nextDouble(), acc = 0;
                int next = p.length - 1;
                for (int k = 0; k < p.length; k++) {
                    acc += p[k];
                    if (u < acc) {
                        next = k;
                        break;
                    }
                }
                out.append(vocabulary[next]);
            }
        }
        return out.toString();
    }
}
