package dev.jgrad.examples;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.Options;
import dev.jgrad.examples.cli.UsageException;
import dev.jgrad.nn.Activation;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Csv;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.train.Metric;
import dev.jgrad.nn.train.Trainer;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Tabular regression with the classic small MLP (Dense 10, Dense 10, Dense 1; Adam; MSE) on a
 * real CSV table: Seattle's daily weather 2012–2015 from Debian's {@code python3-vega-datasets}
 * (the Vega project's data sets). It predicts the day's maximum temperature from its minimum,
 * precipitation, wind and the season (sine and cosine of the day of the year), training on
 * 2012–2014 and testing on 2015, and compares with a least-squares line on the same features.
 *
 * <pre>{@code
 * ./jgrad example tabular-regression
 * }</pre>
 */
public final class TabularRegression {
    static final Path CSV = Path.of(".cache", "python3-vega-datasets", "usr", "lib", "python3", "dist-packages", "vega_datasets", "_data",
            "seattle-weather.csv");

    private TabularRegression() {}

    /** The options of {@code ./jgrad example tabular-regression}, each checked before any work. */
    static final Options OPTIONS = new Options("""
            Tabular regression with a small MLP (Dense 10, Dense 10, Dense 1; Adam; MSE) on Seattle's daily weather
            2012-2015 (Debian's python3-vega-datasets): predicts the day's maximum temperature, trained on 2012-2014,
            tested on 2015, against a least-squares line on the same features.""")
            .count("epochs", 100, "training epochs")
            .positive("lr", 1e-2, "Adam's learning rate")
            .file("csv", "the seattle-weather.csv to read")
            .describeDefault("csv", "the one the launcher fetches")
            .integer("seed", 0, "seed of the weights and the shuffle");

    public static void main(String[] argv) {
        int code = Main.run(Main.with("example", "tabular-regression", argv));
        if (code != 0) System.exit(code);
    }

    /** The table's features and target, and how many rows are training years. */
    private record Data(Tensor x, Tensor y, int n, int train) {}

    /** Trains and evaluates with checked options (see {@link #OPTIONS}). */
    static void run(Args args) {
        Tensor.manualSeed(args.getInt("seed"));
        Path csv = Path.of(args.get("csv", CSV.toString()));
        Data d;
        try {
            d = read(csv);
        } catch (IOException | IllegalArgumentException | DateTimeException e) {
            throw new UsageException((args.has("csv") ? "--csv " + csv + ": " : "") + e.getMessage(), e);
        }
        Tensor x = d.x(), y = d.y();
        int n = d.n(), train = d.train();
        Tensor mean = x.narrow(0, 0, train).mean(new int[] {0}, true), std = x.narrow(0, 0, train).std(new int[] {0}, true, 1);
        x = x.sub(mean).div(std);   // standardised with the training years' statistics
        TensorDataset trainSet = new TensorDataset(x.narrow(0, 0, train), y.narrow(0, 0, train));
        TensorDataset testSet = new TensorDataset(x.narrow(0, train, n - train), y.narrow(0, train, n - train));
        System.out.printf(Locale.ROOT, "Seattle weather: %d training days (2012-2014), %d test days (2015), 5 features -> temp_max%n",
                train, n - train);

        Sequential model = new Sequential(new Linear(5, 10), Activation.relu(), new Linear(10, 10), Activation.relu(), new Linear(10, 1));
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), args.getDouble("lr")), Losses::mse).metrics(Metric.mae());
        DataLoader trainLoader = new DataLoader(trainSet, 32, true, args.getInt("seed"));
        DataLoader testLoader = new DataLoader(testSet, 365, false, 0);
        int epochs = args.getInt("epochs");
        trainer.fit(trainLoader, null, epochs);
        var result = trainer.evaluate(testLoader);
        double lineMse = leastSquaresTestMse(x, y, train);
        double baseline = y.narrow(0, train, n - train).sub(y.narrow(0, 0, train).mean()).square().mean().item();
        System.out.printf(Locale.ROOT, "test MSE %.3f (RMSE %.2f °C, MAE %.2f °C) after %d epochs%n", result.get("loss"),
                Math.sqrt(result.get("loss")), result.get("mae"), epochs);
        System.out.printf(Locale.ROOT, "least-squares line on the same features: test MSE %.3f; predicting the training mean: %.3f%n",
                lineMse, baseline);
    }

    /** The features (temp_min, precipitation, wind, sine and cosine of the day of the year) and temp_max of each day. */
    private static Data read(Path csv) throws IOException {
        if (!Files.exists(csv)) throw new IOException(csv + " is missing: run this through ./jgrad example tabular-regression, which fetches it once");
        Csv.Table table = Csv.read(csv, true, ',', Set.of("date", "weather"));
        List<String> dates = table.text("date");
        int n = dates.size();
        float[] season = new float[2 * n];
        int train = 0;
        for (int i = 0; i < n; i++) {
            LocalDate d = LocalDate.parse(dates.get(i), DateTimeFormatter.ofPattern("yyyy/MM/dd"));
            double angle = 2 * Math.PI * (d.getDayOfYear() - 1) / 365.25;
            season[2 * i] = (float) Math.sin(angle);
            season[2 * i + 1] = (float) Math.cos(angle);
            if (d.getYear() < 2015) train++;
        }
        if (train == 0 || train == n) throw new IOException(csv + ": needs days before 2015 (training) and from 2015 on (test), has " + train
                + " of " + n + " before 2015");
        Tensor x = Tensor.cat(List.of(table.columns("temp_min", "precipitation", "wind"), Tensor.of(season, n, 2)), 1);
        return new Data(x, table.columns("temp_max"), n, train);
    }

    /** The test MSE of the least-squares affine fit on the training rows (normal equations by gradient-free solve). */
    static double leastSquaresTestMse(Tensor x, Tensor y, int train) {
        try (var _ = GradMode.noGrad()) {
            Tensor a = Tensor.cat(List.of(x, Tensor.ones(x.size(0), 1)), 1).to(dev.jgrad.tensor.DType.FLOAT64);
            Tensor at = a.narrow(0, 0, train), yt = y.narrow(0, 0, train).to(dev.jgrad.tensor.DType.FLOAT64);
            double[][] m = (double[][]) at.t().matmul(at).toArray();
            double[] v = at.t().matmul(yt).reshape(-1).toDoubleArray();
            double[] w = solve(m, v);
            Tensor pred = a.narrow(0, train, x.size(0) - train).matmul(Tensor.of(w, w.length, 1));
            return pred.sub(y.narrow(0, train, x.size(0) - train).to(dev.jgrad.tensor.DType.FLOAT64)).square().mean().item();
        }
    }

    /** Gaussian elimination with partial pivoting. */
    private static double[] solve(double[][] m, double[] v) {
        int k = v.length;
        for (int c = 0; c < k; c++) {
            int p = c;
            for (int r = c + 1; r < k; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
            double[] t = m[c]; m[c] = m[p]; m[p] = t;
            double tv = v[c]; v[c] = v[p]; v[p] = tv;
            for (int r = c + 1; r < k; r++) {
                double f = m[r][c] / m[c][c];
                for (int j = c; j < k; j++) m[r][j] -= f * m[c][j];
                v[r] -= f * v[c];
            }
        }
        double[] w = new double[k];
        for (int r = k - 1; r >= 0; r--) {
            double s = v[r];
            for (int j = r + 1; j < k; j++) s -= m[r][j] * w[j];
            w[r] = s / m[r][r];
        }
        return w;
    }
}
