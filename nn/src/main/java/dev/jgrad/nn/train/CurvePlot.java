package dev.jgrad.nn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the training curves as an SVG after every epoch: losses (training and validation) on
 * the left, every other metric on the right.
 *
 * <pre>{@code
 * trainer.listeners(new CurvePlot(Path.of("training.svg")));
 * }</pre>
 */
public final class CurvePlot implements TrainingListener {
    private final Path file;
    private final History history = new History();
    private final List<Double> epochNumbers = new ArrayList<>();   // the trainer's, so a resumed run's curves start at its first epoch

    /**
     * Plots to {@code file} after every epoch.
     *
     * @param file the SVG file
     */
    public CurvePlot(Path file) {
        this.file = file;
    }

    @Override
    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {
        history.add(logs);
        epochNumbers.add((double) epoch);
        List<LinePlot.Series> losses = new ArrayList<>(), others = new ArrayList<>();
        double[] epochs = epochNumbers.stream().mapToDouble(Double::doubleValue).toArray();
        for (String key : history.keys()) {
            if (key.equals("seconds") || key.equals("lr")) continue;
            double[] y = history.get(key).stream().mapToDouble(Double::doubleValue).toArray();
            (key.endsWith("loss") ? losses : others).add(new LinePlot.Series(key, epochs, y));
        }
        List<LinePlot.Chart> charts = new ArrayList<>();
        charts.add(new LinePlot.Chart("Loss", "epoch", "loss", false, false, losses));
        if (!others.isEmpty()) charts.add(new LinePlot.Chart("Metrics", "epoch", "value", false, false, others));
        try {
            LinePlot.write(file, charts);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training curves to " + file + ": " + e.getMessage(), e);
        }
    }
}
