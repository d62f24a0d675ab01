package dev.jgrad.tensor.io;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
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
 * disagreement raises a {@link CorruptFileException} with the byte offset.
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

    private Safetensors() {}

    /** A file's tensors (in file order) and its metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    private record Entry(String name, String dtype, int[] shape, long begin, long end) {}

    /** Reads every tensor. F16 and BF16 become float32; I8, U8 and I16 become int32. */
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            if (size < 8) throw new CorruptFileException(file, 0, "file is " + size + " bytes; a safetensors file starts with an 8-byte header length");
            long headerLen = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new CorruptFileException(file, 0, "header length " + Long.toUnsignedString(headerLen)
                        + " is outside [2, " + MAX_HEADER_BYTES + "]");
            }
            if (headerLen > size - 8) {
                throw new CorruptFileException(file, 0, "header length " + headerLen + " runs past the end of the " + size + "-byte file");
            }
            byte[] headerBytes = seg.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            long dataStart = 8 + headerLen;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = parseHeader(file, headerBytes, metadata);
            checkLayout(file, entries, dataStart, size - dataStart);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                tensors.put(e.name(), decode(e, seg.asSlice(dataStart + e.begin(), e.end() - e.begin())));
            }
            return new Contents(tensors, metadata);
        }
    }

    private static List<Entry> parseHeader(Path file, byte[] headerBytes, Map<String, String> metadata) throws CorruptFileException {
        String text = utf8(file, headerBytes);
        Map<String, Object> header;
        try {
            header = Json.parseObject(text);
        } catch (Json.ParseException ex) {
            // the parser counts characters; the file counts bytes
            long at = 8 + text.substring(0, Math.min(ex.position(), text.length())).getBytes(StandardCharsets.UTF_8).length;
            throw new CorruptFileException(file, at, "header is not valid JSON: " + ex.getMessage());
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Object> kv : header.entrySet()) {
            String name = kv.getKey();
            if (name.equals("__metadata__")) {
                if (!(kv.getValue() instanceof Map<?, ?> m)) throw new CorruptFileException(file, 8, "__metadata__ is not an object");
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String s)) {
                        throw new CorruptFileException(file, 8, "__metadata__ value of \"" + me.getKey() + "\" is not a string");
                    }
                    metadata.put((String) me.getKey(), s);
                }
                continue;
            }
            if (!(kv.getValue() instanceof Map<?, ?> info)) throw new CorruptFileException(file, 8, "entry \"" + name + "\" is not an object");
            if (!(info.get("dtype") instanceof String dtype)) throw new CorruptFileException(file, 8, "entry \"" + name + "\" has no dtype");
            if (elementBytes(dtype) < 0) throw new CorruptFileException(file, 8, "entry \"" + name + "\" has unknown dtype " + dtype);
            int[] shape = shape(file, name, info.get("shape"));
            long[] offsets = offsets(file, name, info.get("data_offsets"));
            entries.add(new Entry(name, dtype, shape, offsets[0], offsets[1]));
        }
        return entries;
    }

    /** The header as text; the format requires UTF-8, and a bad byte is reported where it is. */
    private static String utf8(Path file, byte[] bytes) throws CorruptFileException {
        java.nio.charset.CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT).onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult r = dec.decode(in, out, true);
        if (r.isError()) throw new CorruptFileException(file, 8 + in.position(), "header is not valid UTF-8");
        return out.flip().toString();
    }

    /** The most dimensions a tensor may have (as {@code Tensor}). */
    private static final int MAX_RANK = 16;

    private static int[] shape(Path file, String name, Object v) throws CorruptFileException {
        if (!(v instanceof List<?> list)) throw new CorruptFileException(file, 8, "entry \"" + name + "\" has an invalid shape");
        if (list.size() > MAX_RANK) {
            throw new CorruptFileException(file, 8, "entry \"" + name + "\" has " + list.size() + " dimensions; tensors have at most " + MAX_RANK);
        }
        int[] out = new int[list.size()];
        long numel = 1;
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
                throw new CorruptFileException(file, 8, "entry \"" + name + "\" has an invalid shape value " + list.get(i));
            }
            out[i] = (int) (long) l;
            numel *= l;
            if (numel > Integer.MAX_VALUE) {
                throw new CorruptFileException(file, 8, "entry \"" + name + "\" claims more than 2^31-1 elements");
            }
        }
        return out;
    }

    private static long[] offsets(Path file, String name, Object v) throws CorruptFileException {
        if (!(v instanceof List<?> list) || list.size() != 2 || !(list.get(0) instanceof Long b) || !(list.get(1) instanceof Long e)
                || b < 0 || e < b) {
            throw new CorruptFileException(file, 8, "entry \"" + name + "\" has invalid data_offsets " + v);
        }
        return new long[] {b, e};
    }

    /** Byte ranges must match their shapes and tile the data buffer exactly, without gaps or overlaps. */
    private static void checkLayout(Path file, List<Entry> entries, long dataStart, long dataLen) throws CorruptFileException {
        long expected = 0;
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (Entry e : sorted) {
            long numel = 1;
            for (int d : e.shape()) numel *= d;
            long bytes = numel * elementBytes(e.dtype());
            if (e.end() - e.begin() != bytes) {
                throw new CorruptFileException(file, dataStart + e.begin(), "tensor \"" + e.name() + "\" of dtype " + e.dtype()
                        + " and shape " + java.util.Arrays.toString(e.shape()) + " needs " + bytes + " bytes but its range holds "
                        + (e.end() - e.begin()));
            }
            if (e.begin() != expected) {
                throw new CorruptFileException(file, dataStart + Math.min(e.begin(), expected), "tensor \"" + e.name() + "\" starts at data offset "
                        + e.begin() + " where " + expected + " was expected (ranges overlap or leave a gap)");
            }
            expected = e.end();
        }
        if (expected != dataLen) {
            throw new CorruptFileException(file, dataStart + Math.min(expected, dataLen), "the tensors cover " + expected
                    + " data bytes but the file holds " + dataLen);
        }
    }

    private static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> -1;
        };
    }

    private static Tensor decode(Entry e, MemorySegment data) {
        int n = (int) (data.byteSize() / Math.max(elementBytes(e.dtype()), 1));
        int[] shape = e.shape();
        // element by element from the mapped segment: no ByteBuffer view, which cannot exceed 2 GiB
        Tensor t = switch (e.dtype()) {
            case "F64" -> Tensor.of(copy(data, n, new double[n], F64), shape);
            case "F32" -> Tensor.of(copy(data, n, new float[n], F32), shape);
            case "I64", "U64" -> Tensor.of(copy(data, n, new long[n], I64), shape);
            case "I32", "U32" -> Tensor.of(copy(data, n, new int[n], I32), shape);
            case "F16" -> { float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = Float.float16ToFloat(data.get(I16, 2L * i)); yield Tensor.of(a, shape); }
            case "BF16" -> { float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = Float.intBitsToFloat((data.get(I16, 2L * i) & 0xFFFF) << 16); yield Tensor.of(a, shape); }
            case "I16" -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = data.get(I16, 2L * i); yield Tensor.of(a, shape); }
            case "U16" -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = data.get(I16, 2L * i) & 0xFFFF; yield Tensor.of(a, shape); }
            case "I8" -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = data.get(ValueLayout.JAVA_BYTE, i); yield Tensor.of(a, shape); }
            case "U8" -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = data.get(ValueLayout.JAVA_BYTE, i) & 0xFF; yield Tensor.of(a, shape); }
            case "BOOL" -> { boolean[] a = new boolean[n]; for (int i = 0; i < n; i++) a[i] = data.get(ValueLayout.JAVA_BYTE, i) != 0; yield Tensor.of(a, shape); }
            default -> throw new IllegalStateException("unreachable: dtype checked while parsing");
        };
        // Tensor.of reads an empty shape as "1-D of the data's length"; a 0-d entry must stay 0-d.
        return shape.length == 0 ? t.reshape() : t;
    }

    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static <A> A copy(MemorySegment data, int n, A array, ValueLayout layout) {
        MemorySegment.copy(data, layout, 0, array, 0, n);
        return array;
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
