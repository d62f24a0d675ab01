package dev.jgrad.nn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Saves a {@link Checkpoint} after every epoch: {@code dir/epoch-003.safetensors} (keeping the
 * last {@code keep} of them) and {@code dir/last.safetensors}, each with its optimizer file.
 *
 * <pre>{@code
 * trainer.listeners(new CheckpointEveryEpoch(Path.of("checkpoints"), 2));
 * }</pre>
 */
public final class CheckpointEveryEpoch implements TrainingListener {
    private final Path dir;
    private final int keep;

    public CheckpointEveryEpoch(Path dir, int keep) {
        if (keep < 1) throw new IllegalArgumentException("CheckpointEveryEpoch: keep must be >= 1, got " + keep);
        this.dir = dir;
        this.keep = keep;
    }

    @Override
    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {
        Map<String, String> meta = new java.util.LinkedHashMap<>();
        meta.put("epoch", Integer.toString(epoch));
        logs.forEach((k, v) -> meta.put(k, String.format(Locale.ROOT, "%.6g", v)));
        try {
            Checkpoint.save(dir.resolve(name(epoch)), trainer.model(), trainer.optimizer(), meta);
            Checkpoint.save(dir.resolve("last.safetensors"), trainer.model(), trainer.optimizer(), meta);
            if (epoch > keep) {
                Path old = dir.resolve(name(epoch - keep));
                java.nio.file.Files.deleteIfExists(old);
                java.nio.file.Files.deleteIfExists(Checkpoint.optimizerFile(old));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint of epoch " + epoch + " in " + dir + " failed: " + e.getMessage(), e);
        }
    }

    private static String name(int epoch) {
        return String.format(Locale.ROOT, "epoch-%03d.safetensors", epoch);
    }
}
