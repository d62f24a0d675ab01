package dev.jgrad.tensor.io;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

    /** A file's tensors (in file order) and its metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /**
     * Reads every tensor. Each dtype becomes the narrowest jgrad dtype that holds its values exactly: F16 and BF16
     * become float32; I8, U8, I16 and U16 int32; U32 int64; U64 int64 when every value is below 2^63 (a larger
     * one is a {@link CorruptFileException} naming the tensor and the element, as jgrad has no unsigned type).
     * A path that is not a regular file is a {@link java.nio.file.FileSystemException} naming it; a file that
     * shrinks while it is read is a {@link CorruptFileException}.
     */
    public static Contents read(Path file) throws IOException {
        return new SafetensorsReader(MAX_TENSORS, null).read(file);
    }

    /** Writes {@code tensors} (moved to the CPU, in their own dtypes) and {@code metadata}; replaces the file atomically. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        List<byte[]> blobs = new ArrayList<>();
        for (Map.Entry<String, Tensor> kv : tensors.entrySet()) {
            if (kv.getKey().equals("__metadata__")) throw new IllegalArgumentException("safetensors: \"__metadata__\" is not a valid tensor name");
            Tensor t = kv.getValue();
            byte[] blob = encode(t);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", dtypeName(t.dtype()));
            info.put("shape", java.util.Arrays.stream(t.shape()).boxed().toList());
            info.put("data_offsets", List.of(offset, offset + blob.length));
            header.put(kv.getKey(), info);
            blobs.add(blob);
            offset += blob.length;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;   // data starts 8-byte aligned
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) head.put((byte) ' ');
            head.flip();
            while (head.hasRemaining()) ch.write(head);
            for (byte[] blob : blobs) {
                ByteBuffer b = ByteBuffer.wrap(blob);
                while (b.hasRemaining()) ch.write(b);
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String dtypeName(DType t) {
        return switch (t) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case INT64 -> "I64";
            case INT32 -> "I32";
            case BOOL -> "BOOL";
        };
    }

    private static byte[] encode(Tensor t) {
        int n = t.numel();
        ByteBuffer bb = ByteBuffer.allocate(n * t.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case FLOAT32 -> bb.asFloatBuffer().put(t.toFloatArray());
            case FLOAT64 -> bb.asDoubleBuffer().put(t.toDoubleArray());
            case INT64 -> bb.asLongBuffer().put(t.toLongArray());
            case INT32 -> bb.asIntBuffer().put(t.toIntArray());
            case BOOL -> { for (boolean v : t.toBooleanArray()) bb.put((byte) (v ? 1 : 0)); }
        }
        return bb.array();
    }
}
