package dev.jgrad.tensor.io;

import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON mapping
 * each tensor name to its dtype, shape and [begin, end) byte range in the data that follows,
 * and an optional {@code "__metadata__"} map of strings. Files written here load in PyTorch's
 * {@code safetensors.torch.load_file}, and files PyTorch writes load here.
 *
 * <p>Reading trusts nothing in the file: the header length, every offset and every shape are
 * checked against each other and against the file size before any element is read, and any
 * disagreement raises a {@link CorruptFileException} with the byte offset. The heap a header
 * needs is bounded: at most {@link #MAX_TENSORS} tensors, parsed one entry at a time.
 *
 * <p>Writing replaces the file atomically: readers, a crash, or a second writer to the same path
 * see the old file or a whole new one, never a mix.
 *
 * <pre>{@code
 * Safetensors.write(path, Map.of("fc.weight", w, "fc.bias", b), Map.of("epoch", "3"));
 * Safetensors.Contents c = Safetensors.read(path);
 * Tensor w2 = c.tensors().get("fc.weight");
 * }</pre>
 */
public final class Safetensors {
    /** Largest header accepted (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** The system property that sets {@link #MAX_TENSORS}. */
    public static final String MAX_TENSORS_PROPERTY = "jgrad.safetensors.maxTensors";

    /**
     * Most tensors a file may list: 2^18 = 262,144 unless {@code -Djgrad.safetensors.maxTensors=N} says
     * otherwise. Every tensor read costs heap (about 300 bytes even when empty), and a header at the format's
     * 100 MiB limit can list 1.8 million; real checkpoints list thousands, the largest models tens of thousands
     * across all their files.
     */
    public static final int MAX_TENSORS = Math.max(0, Integer.getInteger(MAX_TENSORS_PROPERTY, 1 << 18));

    private Safetensors() {}

    /**
     * A file's tensors (in file order) and its metadata.
     *
     * @param tensors  the tensors by name, in file order
     * @param metadata the file's metadata (the header's {@code __metadata__})
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /**
     * Reads every tensor. F16 and BF16 keep their dtype ({@code FLOAT16}, {@code BFLOAT16}, bit for bit; a module's
     * {@code loadStateDict} converts them to its parameters' dtype). Each other dtype becomes the narrowest jgrad
     * dtype that holds its values exactly: I8, U8, I16 and U16 int32; U32 int64; U64 int64 when every value is below 2^63 (a larger
     * one is a {@link CorruptFileException} naming the tensor and the element, as jgrad has no unsigned type).
     * A path that is not a regular file is a {@link java.nio.file.FileSystemException} naming it; a file that
     * shrinks while it is read is a {@link CorruptFileException}.
     *
     * @param file the file
     * @return its tensors and metadata
     * @throws java.io.IOException when the file cannot be read or is not valid safetensors
     */
    public static Contents read(Path file) throws IOException {
        return new SafetensorsReader(MAX_TENSORS, null).read(file);
    }

    /**
     * Writes {@code tensors} (moved to the CPU chunk by chunk, in their own dtypes) and {@code metadata}, and
     * replaces the file atomically: the bytes go to a temporary file of this call's own in the same directory
     * ({@code <name>.<random>.tmp}), which is forced to the device and then renamed over {@code file} (the
     * directory is forced too where the platform allows). On a file system without atomic rename the
     * replacement is a plain move. If anything fails the temporary file is deleted and the old file is left as
     * it was; an {@link IOException} from the writing names {@code file}.
     *
     * @param file     the file to write
     * @param tensors  the tensors by name
     * @param metadata string metadata for the header, may be empty
     * @throws java.io.IOException when the file cannot be written
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        new SafetensorsWriter(SafetensorsWriter.CHUNK_BYTES, ch -> ch).write(file, tensors, metadata);
    }
}
