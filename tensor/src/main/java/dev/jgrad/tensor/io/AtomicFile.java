package dev.jgrad.tensor.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file by publishing a finished one in its place: the content goes to a temporary file of its own in
 * the same directory, is forced to the device, and is renamed over the target in one step, so a reader (or a
 * crash) sees the old file or the new one, never a mix, and two writers to one path never share a temporary file.
 * The temporary file is deleted if anything fails before the rename; only a process killed mid-write leaves one
 * behind ({@code <name>.<random>.tmp}, safe to delete).
 */
final class AtomicFile {
    private AtomicFile() {}

    /** Writes the content to the temporary file's channel. */
    @FunctionalInterface
    interface Content {
        void writeTo(FileChannel ch) throws IOException;
    }

    static void write(Path file, Content content) throws IOException {
        if (Files.isDirectory(file)) throw new FileSystemException(file.toString(), null, "is a directory; a file cannot replace it");
        Path dir = file.toAbsolutePath().getParent();
        Temporary tmp = Temporary.create(file, dir);
        try {
            try (FileChannel ch = tmp.channel()) {
                try {
                    content.writeTo(ch);
                    ch.force(true);   // the data is on the device before the rename makes it the file
                } catch (FileSystemException e) {
                    throw e;
                } catch (IOException e) {
                    // the platform's message ("No space left on device") names no file
                    throw new IOException(file + ": writing failed after " + positionOf(ch) + " bytes: "
                            + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
                }
            }
            publish(tmp.path(), file);
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(tmp.path());
            } catch (IOException cleanup) {
                t.addSuppressed(cleanup);
            }
            throw t;
        }
        forceDirectory(dir);
    }

    private static String positionOf(FileChannel ch) {
        try {
            return Long.toString(ch.position());
        } catch (IOException e) {
            return "an unknown number of";
        }
    }

    /**
     * Renames atomically. File systems without atomic rename (some network and FUSE ones) get a plain replacing
     * move instead: there a reader may briefly find no file.
     */
    private static void publish(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes the rename itself durable. Linux can open and force a directory; elsewhere (Windows) opening it fails, and nothing more can be done. */
    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort: the file itself is already forced
        }
    }

    /** A new, empty temporary file and the channel that writes it. */
    private record Temporary(Path path, FileChannel channel) {
        /**
         * {@code <name>.<random>.tmp} next to {@code file}. Not {@code Files.createTempFile}: its files are private
         * to their owner (mode 0600), and the rename would publish the file with those permissions instead of the
         * ones a new file normally gets.
         */
        static Temporary create(Path file, Path dir) throws IOException {
            String name = file.getFileName().toString();
            // keep the temporary's name within the usual 255-byte limit
            if (name.codePointCount(0, name.length()) > 100) name = name.substring(0, name.offsetByCodePoints(0, 100));
            for (int attempt = 0; ; attempt++) {
                Path tmp = dir.resolve(name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
                try {
                    return new Temporary(tmp, FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
                } catch (FileAlreadyExistsException e) {
                    if (attempt == 100) throw e;
                }
            }
        }
    }
}
