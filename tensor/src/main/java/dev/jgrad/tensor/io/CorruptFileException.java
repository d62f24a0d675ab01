package dev.jgrad.tensor.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that does not hold what its format promises: truncated, inconsistent or hostile.
 * The message names the file and the byte offset where reading went wrong.
 *
 * <pre>{@code
 * try { Safetensors.read(path); }
 * catch (CorruptFileException e) { log(e.file() + " @ " + e.offset()); }
 * }</pre>
 */
public final class CorruptFileException extends IOException {
    private final transient Path file;
    /** Byte offset of the problem. */
    private final long offset;

    /**
     * A problem at byte {@code offset} of {@code file}.
     *
     * @param file    the file being read
     * @param offset  the byte offset where the problem was found
     * @param problem what is wrong
     */
    public CorruptFileException(Path file, long offset, String problem) {
        super(file + ": at byte " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
    }

    /** {@return the file that was being read} */
    public Path file() {
        return file;
    }

    /**
     * Byte offset in the file where the problem was found.
     *
     * @return byte offset in the file where the problem was found
     */
    public long offset() {
        return offset;
    }
}
