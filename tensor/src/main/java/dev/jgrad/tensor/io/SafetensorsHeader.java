package dev.jgrad.tensor.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors header, read and checked: its tensor entries in file order and its metadata.
 *
 * <p>The JSON is parsed entry by entry ({@link Json#forEachMember}), never as one tree: a tree costs about 800
 * bytes of heap per entry, so a 100 MiB header of empty tensors needed 2 GB. Each entry may hold at most
 * {@link #ENTRY_VALUES} JSON values, the metadata at most {@link #MAX_METADATA_ENTRIES} pairs, and the header at
 * most {@code maxTensors} entries, so the heap a header needs is bounded whatever it lists.
 */
record SafetensorsHeader(List<Entry> entries, Map<String, String> metadata) {
    /** Most pairs in {@code "__metadata__"} (real files hold a handful). */
    static final int MAX_METADATA_ENTRIES = 1 << 16;
    /** Most JSON values one tensor entry may hold: its object, dtype, shape (up to 16 dimensions) and offsets, plus room for unknown fields. */
    static final int ENTRY_VALUES = 64;
    /** The most dimensions a tensor may have (as {@code Tensor}). */
    static final int MAX_RANK = 16;
    private static final String METADATA = "__metadata__";

    /** One tensor's entry; {@code begin} and {@code end} are offsets in the data that follows the header. */
    record Entry(String name, String dtype, int[] shape, long begin, long end) {
        /** Bytes the shape needs; cannot overflow (at most 2^31-1 elements of at most 8 bytes). */
        long byteSize() {
            long numel = 1;
            for (int d : shape) numel *= d;
            return numel * elementBytes(dtype);
        }

        /** The flat element count. */
        int numel() {
            return (int) (byteSize() / elementBytes(dtype));
        }
    }

    /** Bytes per element of a safetensors dtype this reader knows, or -1. */
    static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> -1;
        };
    }

    /**
     * The header's text. The format requires UTF-8, and a bad byte is reported where it is. An ASCII header (the
     * usual case: names and dtypes are ASCII) is parsed straight from the mapping, without a copy; any other
     * header is copied once into a {@code String}.
     */
    static CharSequence text(Path file, MemorySegment header) throws CorruptFileException {
        if (isAscii(header)) return new AsciiText(header);
        byte[] bytes = header.toArray(ValueLayout.JAVA_BYTE);
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        // validate through a small buffer: decoding into one the size of the header would add two bytes per byte
        CharBuffer out = CharBuffer.allocate(8192);
        while (true) {
            CoderResult r = dec.decode(in, out, true);
            if (r.isError()) throw new CorruptFileException(file, 8 + in.position(), "header is not valid UTF-8");
            if (r.isUnderflow()) break;
            out.clear();
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static boolean isAscii(MemorySegment s) {
        long n = s.byteSize(), i = 0;
        for (; i + 8 <= n; i += 8) {
            if ((s.get(ValueLayout.JAVA_LONG_UNALIGNED, i) & 0x8080_8080_8080_8080L) != 0) return false;
        }
        for (; i < n; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) < 0) return false;
        }
        return true;
    }

    /** ASCII bytes read as characters, in place (a header is at most 100 MiB, so int indices suffice). */
    private record AsciiText(MemorySegment bytes) implements CharSequence {
        @Override
        public int length() {
            return (int) bytes.byteSize();
        }

        @Override
        public char charAt(int index) {
            return (char) bytes.get(ValueLayout.JAVA_BYTE, index);
        }

        @Override
        public String subSequence(int start, int end) {
            return new String(bytes.asSlice(start, end - start).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
        }

        @Override
        public String toString() {
            return subSequence(0, length());
        }
    }

    /** Byte offset in the header of character {@code position} of its text: the parser counts characters, the file bytes. */
    private static long byteOffset(CharSequence text, int position) {
        int at = Math.min(position, text.length());
        return text instanceof AsciiText ? at : text.subSequence(0, at).toString().getBytes(StandardCharsets.UTF_8).length;
    }

    /** Parses {@code text} (the header, which starts at byte 8 of {@code file}), refusing more than {@code maxTensors} entries. */
    static SafetensorsHeader parse(Path file, CharSequence text, int maxTensors) throws CorruptFileException {
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try {
            Json.forEachMember(text, key -> key.equals(METADATA) ? 1 + 2L * MAX_METADATA_ENTRIES : ENTRY_VALUES, (name, value) -> {
                if (name.equals(METADATA)) {
                    metadata(file, value, metadata);
                } else {
                    if (entries.size() == maxTensors) {
                        throw new CorruptFileException(file, 8, "the header lists more than " + maxTensors + " tensors, the most this reader "
                                + "accepts (each costs heap, about 300 bytes even when empty); if the file is genuine, raise the limit with "
                                + "-D" + Safetensors.MAX_TENSORS_PROPERTY + "=N");
                    }
                    entries.add(entry(file, name, value));
                }
            });
        } catch (Json.ParseException ex) {
            long at = 8 + byteOffset(text, ex.position());
            if (ex.overLimit()) {
                throw new CorruptFileException(file, at, "header exceeds this reader's limits (at most " + MAX_METADATA_ENTRIES
                        + " metadata pairs, " + ENTRY_VALUES + " JSON values per tensor entry): " + ex.getMessage());
            }
            throw new CorruptFileException(file, at, "header is not valid JSON: " + ex.getMessage());
        }
        return new SafetensorsHeader(entries, metadata);
    }

    private static void metadata(Path file, Object value, Map<String, String> into) throws CorruptFileException {
        if (!(value instanceof Map<?, ?> m)) throw new CorruptFileException(file, 8, "__metadata__ is not an object");
        for (Map.Entry<?, ?> me : m.entrySet()) {
            if (!(me.getValue() instanceof String s)) {
                throw new CorruptFileException(file, 8, "__metadata__ value of \"" + me.getKey() + "\" is not a string");
            }
            into.put((String) me.getKey(), s);
        }
    }

    private static Entry entry(Path file, String name, Object value) throws CorruptFileException {
        if (!(value instanceof Map<?, ?> info)) throw new CorruptFileException(file, 8, "entry \"" + name + "\" is not an object");
        if (!(info.get("dtype") instanceof String dtype)) throw new CorruptFileException(file, 8, "entry \"" + name + "\" has no dtype");
        if (elementBytes(dtype) < 0) throw new CorruptFileException(file, 8, "entry \"" + name + "\" has unknown dtype " + dtype);
        int[] shape = shape(file, name, info.get("shape"));
        Object v = info.get("data_offsets");
        if (!(v instanceof List<?> list) || list.size() != 2 || !(list.get(0) instanceof Long b) || !(list.get(1) instanceof Long e)
                || b < 0 || e < b) {
            throw new CorruptFileException(file, 8, "entry \"" + name + "\" has invalid data_offsets " + v);
        }
        return new Entry(name, dtype.intern(), shape, b, e);
    }

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

    /**
     * Byte ranges must match their shapes and tile the data exactly, without gaps or overlaps. Ranges are taken in
     * (begin, end) order, as safetensors-rs does, so an empty tensor may sit where another one starts or ends.
     * Error offsets are clamped to the file: a range claiming to start near 2^63 is reported at the file's end,
     * where {@code dataStart + begin} would have overflowed to a negative byte.
     */
    void checkLayout(Path file, long dataStart, long dataLen) throws CorruptFileException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : sorted) {
            long bytes = e.byteSize();
            if (e.end() - e.begin() != bytes) {
                throw new CorruptFileException(file, dataStart + Math.min(e.begin(), dataLen), "tensor \"" + e.name() + "\" of dtype " + e.dtype()
                        + " and shape " + Arrays.toString(e.shape()) + " needs " + bytes + " bytes but its range holds " + (e.end() - e.begin()));
            }
            if (e.begin() != expected) {
                throw new CorruptFileException(file, dataStart + Math.min(Math.min(e.begin(), expected), dataLen), "tensor \"" + e.name()
                        + "\" starts at data offset " + e.begin() + " where " + expected + " was expected (ranges overlap or leave a gap)");
            }
            expected = e.end();
        }
        if (expected != dataLen) {
            throw new CorruptFileException(file, dataStart + Math.min(expected, dataLen), "the tensors cover " + expected
                    + " data bytes but the file holds " + dataLen);
        }
    }
}
