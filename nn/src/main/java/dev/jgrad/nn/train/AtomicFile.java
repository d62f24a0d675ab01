package dev.jgrad.nn.train;

import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.Safetensors;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Publishes a safetensors file in one atomic step: written to a temporary file of its own in the
 * target's directory, forced to the disk, then renamed over the target (and the directory forced,
 * where the platform allows). Readers see the old file or the new one; two writers each publish a
 * whole file of their own; a failed write removes its temporary file.
 *
 * <pre>{@code
 * AtomicFile.publish(Path.of("run/last.safetensors"), tensors, metadata);
 * }</pre>
 */
final class AtomicFile {
    private AtomicFile() {}

    static void publish(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        // a name no other writer picks, hidden, in the same directory so that the rename cannot cross file systems
        byte[] random = new byte[8];
        ThreadLocalRandom.current().nextBytes(random);
        Path tmp = dir.resolve("." + target.getFileName() + "." + HexFormat.of().formatHex(random) + ".tmp");
        try {
            Safetensors.write(tmp, tensors, metadata);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);   // the data is on the disk before the name points at it
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        forceDirectory(dir);
    }

    /** Makes the rename itself durable; some platforms (Windows) cannot open a directory, and then the rename is as durable as the OS makes it. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // nothing more can be done here; the file itself is complete either way
        }
    }
}
