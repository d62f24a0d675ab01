package dev.jgrad.nn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Saves a training {@link Checkpoint} of the trainer and its training loader after every epoch:
 * {@code dir/epoch-003.safetensors} (keeping the last {@code keep} of them) and
 * {@code dir/last.safetensors}, each one file replaced atomically; or, with {@link #lastOnly},
 * just one file overwritten every epoch. The epoch in the name and in the file is the trainer's
 * own count, so a resumed run goes on with epoch-004 after epoch-003.
 *
 * <pre>{@code
 * trainer.listeners(new CheckpointEveryEpoch(Path.of("checkpoints"), 2));
 * trainer.listeners(CheckpointEveryEpoch.lastOnly(Path.of("out/last.safetensors")));
 * }</pre>
 */
public final class CheckpointEveryEpoch implements TrainingListener {
    private final Path dir;
    private final Path last;
    private final int keep;
    private final Map<String, String> metadata;

    /**
     * Numbered checkpoints in {@code dir}, the last {@code keep} kept, and {@code dir/last.safetensors}.
     *
     * @param dir  the folder of the checkpoints
     * @param keep how many numbered checkpoints to keep, at least 1
     */
    public CheckpointEveryEpoch(Path dir, int keep) {
        if (dir == null) throw new IllegalArgumentException("CheckpointEveryEpoch: dir is null");
        if (keep < 1) throw new IllegalArgumentException("CheckpointEveryEpoch: keep must be >= 1, got " + keep);
        this.dir = dir;
        this.last = dir.resolve("last.safetensors");
        this.keep = keep;
        this.metadata = Map.of();
    }

    private CheckpointEveryEpoch(Path last, Map<String, String> metadata) {
        this.dir = null;
        this.last = last;
        this.keep = 0;
        this.metadata = Map.copyOf(metadata);
    }

    /**
     * Only {@code file}, replaced after every epoch, with {@code metadata} added to each (such as
     * the settings a resumed run must reuse).
     *
     * @param file     the checkpoint file
     * @param metadata added to every checkpoint
     * @return the listener
     */
    public static CheckpointEveryEpoch lastOnly(Path file, Map<String, String> metadata) {
        if (file == null) throw new IllegalArgumentException("CheckpointEveryEpoch.lastOnly: file is null");
        if (metadata == null) throw new IllegalArgumentException("CheckpointEveryEpoch.lastOnly: metadata is null");
        return new CheckpointEveryEpoch(file, metadata);
    }

    @Override
    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("epoch", Integer.toString(epoch));
        logs.forEach((k, v) -> meta.put(k, String.format(Locale.ROOT, "%.6g", v)));
        try {
            if (dir != null) Checkpoint.save(dir.resolve(name(epoch)), trainer, trainer.trainingLoader(), meta);
            Checkpoint.save(last, trainer, trainer.trainingLoader(), meta);
            if (dir != null && epoch > keep) Files.deleteIfExists(dir.resolve(name(epoch - keep)));
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint of epoch " + epoch + " to " + (dir != null ? dir : last) + " failed: " + e.getMessage(), e);
        }
    }

    private static String name(int epoch) {
        return String.format(Locale.ROOT, "epoch-%03d.safetensors", epoch);
    }
}
