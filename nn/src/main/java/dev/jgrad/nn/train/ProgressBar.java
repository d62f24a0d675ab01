package dev.jgrad.nn.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * A terminal progress bar: epoch, step, running loss, throughput and time left, redrawn in
 * place on a terminal (carriage return) or printed about ten times per epoch otherwise (logs,
 * CI); then one summary line per epoch. On a GPU the trainer delivers batches in bursts
 * ({@link Trainer#lossSyncEvery(int)}); the bar prints the same lines, each when its batch arrives.
 *
 * <pre>{@code
 * epoch 2/5 [=============>        ] 84/125  loss 0.1432  2210 samples/s  ETA 0:02
 * epoch 2/5 done in 5.7s  loss 0.1389  accuracy 0.9581  val_loss 0.0912  val_accuracy 0.9720
 * }</pre>
 */
public final class ProgressBar implements TrainingListener {
    private static final int WIDTH = 24;
    private final PrintStream out;
    private final boolean interactive;
    private int epochs, batches;
    private long epochStart;
    private double lossSum;
    private long samples;
    private int lastPrintedDecile;

    /** A bar on standard output, redrawn in place when it is a terminal. */
    public ProgressBar() {
        this(System.out, System.console() != null);
    }

    /**
     * A bar on {@code out}; {@code interactive} redraws in place.
     *
     * @param out         where the bar is printed
     * @param interactive redraw in place (a terminal) rather than print lines
     */
    public ProgressBar(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public void onTrainBegin(Trainer trainer, int epochs, int batchesPerEpoch, int samplesPerEpoch) {
        this.epochs = epochs;
        this.batches = batchesPerEpoch;
    }

    @Override
    public void onEpochBegin(Trainer trainer, int epoch) {
        epochStart = System.nanoTime();
        lossSum = 0;
        samples = 0;
        lastPrintedDecile = 0;
    }

    @Override
    public void onBatchEnd(Trainer trainer, int epoch, int batch, double loss, int batchSize) {
        lossSum += loss * batchSize;
        samples += batchSize;
        int decile = batches == 0 ? 10 : batch * 10 / batches;
        if (!interactive && decile == lastPrintedDecile) return;
        lastPrintedDecile = decile;
        double seconds = (System.nanoTime() - epochStart) / 1e9;
        double rate = samples / Math.max(seconds, 1e-9);
        double eta = batch == 0 ? 0 : seconds / batch * (batches - batch);
        int filled = batches == 0 ? WIDTH : Math.min(WIDTH, batch * WIDTH / batches);
        String bar = "=".repeat(Math.max(filled - 1, 0)) + (filled > 0 ? (filled == WIDTH ? "=" : ">") : "") + " ".repeat(WIDTH - filled);
        String line = String.format(Locale.ROOT, "epoch %d/%d [%s] %d/%d  loss %.4f  %.0f samples/s  ETA %s",
                epoch, epochs, bar, batch, batches, lossSum / samples, rate, clock(eta));
        if (interactive) {
            out.print("\r" + line);
        } else {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d done in %.1fs", epoch, epochs, logs.getOrDefault("seconds", 0.0)));
        logs.forEach((k, v) -> {
            if (!k.equals("seconds") && !k.equals("lr")) sb.append(String.format(Locale.ROOT, "  %s %.4f", k, v));
        });
        if (interactive) out.print("\r" + " ".repeat(100) + "\r");
        out.println(sb);
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
