package dev.jgrad.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a safetensors file can lie is a {@link CorruptFileException} whose message names
 * the file and the byte offset of the problem.
 */
class CorruptSafetensorsTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    /** Reads {@code f}, expecting a corrupt-file error at {@code offset} whose message has every fragment. */
    private static CorruptFileException corrupt(Path f, long offset, String... fragments) {
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Safetensors.read(f));
        String m = e.getMessage();
        assertTrue(m.startsWith(f + ": at byte " + offset + ": "), m);
        assertEquals(f, e.file());
        assertEquals(offset, e.offset());
        for (String s : fragments) assertTrue(m.contains(s), () -> "\"" + m + "\" lacks \"" + s + "\"");
        return e;
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @Test
    void emptyAndTooShortFiles() throws IOException {
        corrupt(write("empty.safetensors", new byte[0]), 0, "file is 0 bytes");
        corrupt(write("short.safetensors", new byte[] {2, 0, 0}), 0, "file is 3 bytes");
    }

    @Test
    void truncatedData() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Safetensors.write(good, Map.of("w", Tensor.ones(4)), null);
        byte[] bytes = Files.readAllBytes(good);
        Path f = write("truncated.safetensors", Arrays.copyOf(bytes, bytes.length - 3));
        long dataStart = bytes.length - 16;
        corrupt(f, dataStart + 13, "the tensors cover 16 data bytes but the file holds 13");
    }

    @Test
    void truncatedHeader() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Safetensors.write(good, Map.of("w", Tensor.ones(4)), null);
        byte[] bytes = Files.readAllBytes(good);
        corrupt(write("cut.safetensors", Arrays.copyOf(bytes, 20)), 0, "runs past the end of the 20-byte file");
    }

    @Test
    void headerLengthPastTheEnd() throws IOException {
        byte[] h = "{}".getBytes(StandardCharsets.US_ASCII);
        corrupt(write("long.safetensors", SafetensorsFiles.file(1000, h, new byte[0])), 0, "header length 1000", "10-byte file");
    }

    @Test
    void absurdHeaderLengths() throws IOException {
        byte[] h = "{}".getBytes(StandardCharsets.US_ASCII);
        corrupt(write("huge.safetensors", SafetensorsFiles.file(1L << 40, h, new byte[0])), 0, "header length 1099511627776 is outside");
        corrupt(write("negative.safetensors", SafetensorsFiles.file(-1, h, new byte[0])), 0, "header length 18446744073709551615");
        corrupt(write("tiny.safetensors", SafetensorsFiles.file(1, h, new byte[0])), 0, "header length 1 is outside [2,");
    }

    @Test
    void invalidJson() throws IOException {
        // the parser stops at character 6 of the header: byte 8 + 6
        corrupt(write("json.safetensors", SafetensorsFiles.file("{\"a\": }", new byte[0])), 14, "header is not valid JSON");
        corrupt(write("array.safetensors", SafetensorsFiles.file("[1, 2]", new byte[0])), 8, "header is not valid JSON", "expected an object");
    }

    @Test
    void unknownDtype() throws IOException {
        corrupt(write("dtype.safetensors", SafetensorsFiles.file("{" + entry("w", "F8", "[2]", 0, 2) + "}", new byte[2])), 8,
                "entry \"w\" has unknown dtype F8");
    }

    @Test
    void malformedEntries() throws IOException {
        corrupt(write("noshape.safetensors", SafetensorsFiles.file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4])),
                8, "entry \"w\" has an invalid shape");
        corrupt(write("negshape.safetensors", SafetensorsFiles.file("{" + entry("w", "F32", "[-1]", 0, 4) + "}", new byte[4])),
                8, "invalid shape value -1");
        corrupt(write("offsets.safetensors", SafetensorsFiles.file("{" + entry("w", "F32", "[1]", 4, 0) + "}", new byte[4])),
                8, "entry \"w\" has invalid data_offsets");
        corrupt(write("meta.safetensors", SafetensorsFiles.file("{\"__metadata__\":{\"k\":1}}", new byte[0])),
                8, "__metadata__ value of \"k\" is not a string");
        corrupt(write("notobj.safetensors", SafetensorsFiles.file("{\"w\":3}", new byte[0])), 8, "entry \"w\" is not an object");
        corrupt(write("bigshape.safetensors", SafetensorsFiles.file("{" + entry("w", "F32", "[65536,65536]", 0, 4) + "}", new byte[4])),
                8, "more than 2^31-1 elements");
    }

    @Test
    void overlappingRanges() throws IOException {
        String h = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}";
        int dataStart = 8 + h.length();
        corrupt(write("overlap.safetensors", SafetensorsFiles.file(h, new byte[12])), dataStart + 4,
                "tensor \"b\" starts at data offset 4 where 8 was expected", "overlap");
    }

    @Test
    void gapBetweenRanges() throws IOException {
        String h = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 12, 20) + "}";
        int dataStart = 8 + h.length();
        corrupt(write("gap.safetensors", SafetensorsFiles.file(h, new byte[20])), dataStart + 8,
                "tensor \"b\" starts at data offset 12 where 8 was expected", "gap");
    }

    @Test
    void rangePastTheEndOfTheFile() throws IOException {
        String h = "{" + entry("a", "F32", "[4]", 0, 16) + "}";
        int dataStart = 8 + h.length();
        corrupt(write("past.safetensors", SafetensorsFiles.file(h, new byte[10])), dataStart + 10,
                "the tensors cover 16 data bytes but the file holds 10");
    }

    @Test
    void trailingBytesAfterTheData() throws IOException {
        String h = "{" + entry("a", "F32", "[1]", 0, 4) + "}";
        int dataStart = 8 + h.length();
        corrupt(write("trailing.safetensors", SafetensorsFiles.file(h, new byte[6])), dataStart + 4,
                "the tensors cover 4 data bytes but the file holds 6");
    }

    @Test
    void shapeDisagreesWithTheByteRange() throws IOException {
        String h = "{" + entry("a", "F32", "[2]", 0, 4) + "," + entry("b", "I64", "[3]", 4, 12) + "}";
        int dataStart = 8 + h.length();
        corrupt(write("size.safetensors", SafetensorsFiles.file(h, new byte[12])), dataStart,
                "tensor \"a\" of dtype F32 and shape [2] needs 8 bytes but its range holds 4");
    }

    @Test
    void notAnExistingFileIsAnIOExceptionButNotCorrupt() {
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(dir.resolve("missing.safetensors")));
        assertFalse(e instanceof CorruptFileException);
    }

    // ---- found by ParserFuzzTest (nn) -------------------------------------------------------------

    @Test
    void moreDimensionsThanATensorHas() throws IOException {
        // was an IllegalArgumentException from Tensor.of, not a CorruptFileException
        String shape = "[" + "1,".repeat(17) + "1]";
        corrupt(write("rank.safetensors", SafetensorsFiles.file("{" + entry("w", "F32", shape, 0, 4) + "}", new byte[4])), 8,
                "entry \"w\" has 18 dimensions; tensors have at most 16");
    }

    @Test
    void headerThatIsNotUtf8() throws IOException {
        byte[] h = "{\"w\u00ff\":{}}".getBytes(StandardCharsets.ISO_8859_1);   // 0xFF is never UTF-8
        corrupt(write("latin1.safetensors", SafetensorsFiles.file(h.length, h, new byte[0])), 8 + 3, "header is not valid UTF-8");
    }

    @Test
    void jsonErrorOffsetsCountBytesNotCharacters() throws IOException {
        // "é" is one character but two bytes: the error at character 8 is at byte 8 + 10 (it was reported at 8 + 8)
        corrupt(write("utf8.safetensors", SafetensorsFiles.file("{\"\u00e9t\u00e9\": }", new byte[0])), 8 + 10, "header is not valid JSON",
                "at character 8");
    }

    // ---- issue 15 ---------------------------------------------------------------------------------

    @Test
    void u64ValuesInt64CannotHoldAreRefused() throws IOException {
        // were read as negative numbers: 2^64-1 came back as -1
        ByteBuffer data = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(Long.MAX_VALUE).putLong(3).putLong(-1);
        String h = "{" + entry("ids", "U64", "[2,2]", 0, 32) + "}";
        int dataStart = 8 + h.length();
        corrupt(write("u64.safetensors", SafetensorsFiles.file(h, data.array())), dataStart + 24,
                "tensor \"ids\" of dtype U64", "element 3 (index [1, 1])", "18446744073709551615", "int64");
        ByteBuffer top = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MIN_VALUE);
        String h1 = "{" + entry("x", "U64", "[]", 0, 8) + "}";
        corrupt(write("u64-2to63.safetensors", SafetensorsFiles.file(h1, top.array())), 8 + h1.length(), "9223372036854775808");
    }

    @Test
    void offsetsNear2To63NeverGiveANegativeByteOffset() throws IOException {
        long max = Long.MAX_VALUE;
        // a range starting near 2^63 was reported at dataStart + begin, which overflowed to a negative byte
        String h1 = "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[2]", max - 4, max) + "}";
        corrupt(write("near1.safetensors", SafetensorsFiles.file(h1, new byte[4])), 8 + h1.length() + 4,
                "tensor \"b\"", "needs 8 bytes but its range holds 4");
        String h2 = "{" + entry("b", "F32", "[2]", max - 8, max) + "}";
        corrupt(write("near2.safetensors", SafetensorsFiles.file(h2, new byte[4])), 8 + h2.length(),
                "tensor \"b\" starts at data offset " + (max - 8) + " where 0 was expected");
        String h3 = "{" + entry("b", "F32", "[1]", 0, max) + "}";
        corrupt(write("near3.safetensors", SafetensorsFiles.file(h3, new byte[4])), 8 + h3.length(), "its range holds " + max);
        String h4 = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,9223372036854775808]}}";
        corrupt(write("near4.safetensors", SafetensorsFiles.file(h4, new byte[4])), 8 + h4.indexOf("9223372036854775808"),
                "outside the 64-bit range");
    }

    @Test
    void aDirectoryIsNotASafetensorsFile() {
        // was "java.io.IOException: No such device", without the path
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(dir));
        assertFalse(e instanceof CorruptFileException);
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void aFileTruncatedWhileBeingReadIsCorruptNotAnInternalError() throws IOException {
        // was java.lang.InternalError: "a fault occurred in an unsafe memory access operation", without the file
        Path f = dir.resolve("shrinking.safetensors");
        Safetensors.write(f, Map.of("w", Tensor.zeros(1 << 18)), null);   // 1 MiB of data: most of its pages lie past any cut
        long size = Files.size(f);
        long dataStart = size - (4 << 18);
        for (long cut : new long[] {0, dataStart}) {
            Safetensors.write(f, Map.of("w", Tensor.zeros(1 << 18)), null);
            SafetensorsReader reader = new SafetensorsReader(Safetensors.MAX_TENSORS, p -> {
                try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(p.toFile(), "rw")) {
                    raf.setLength(cut);
                }
            });
            CorruptFileException e = assertThrows(CorruptFileException.class, () -> reader.read(f));
            assertEquals(f, e.file());
            assertEquals(cut, e.offset());
            assertTrue(e.getMessage().startsWith(f + ": at byte " + cut + ": the file shrank from " + size + " to " + cut + " bytes while it"),
                    e.getMessage());
            assertTrue(e.getCause() instanceof InternalError, "the fault is kept as the cause");
        }
    }

    @Test
    void moreTensorsThanTheCapAreRefused() throws IOException {
        // a 100 MiB header can list 1.8 M empty tensors, which took 2.1 GB of heap to read
        int cap = 1000;
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i <= cap; i++) h.append(i == 0 ? "" : ",").append(entry("t" + i, "F32", "[0]", 0, 0));
        Path f = write("many.safetensors", SafetensorsFiles.file(h.append('}').toString(), new byte[0]));
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> new SafetensorsReader(cap, null).read(f));
        assertEquals(8, e.offset());
        assertTrue(e.getMessage().startsWith(f + ": at byte 8: the header lists more than 1000 tensors"), e.getMessage());
        assertTrue(e.getMessage().contains("-D" + Safetensors.MAX_TENSORS_PROPERTY + "=N"), e.getMessage());
        assertEquals(cap + 1, new SafetensorsReader(cap + 1, null).read(f).tensors().size());
        assertEquals(1 << 18, Safetensors.MAX_TENSORS, "the default cap");
    }

    @Test
    void entriesAndMetadataHoldingTooManyValuesAreRefusedBeforeTheyAreBuilt() throws IOException {
        // one member's value is parsed whole: without a limit, one huge array or metadata map could fill the heap
        String extra = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"junk\":[" + "0,".repeat(100) + "0]}}";
        // the entry's object, its 4 keys, "F32", the shape (2 values), the offsets (3) and the junk array make 12
        // values, so the junk's 53rd element is the 65th: the error is there
        corrupt(write("junk.safetensors", SafetensorsFiles.file(extra, new byte[4])), 8 + extra.indexOf("\"junk\":[") + 8 + 2 * 52,
                "header exceeds this reader's limits", "the value of \"w\" holds more than 64 JSON values");
        StringBuilder meta = new StringBuilder("{\"__metadata__\":{");
        for (int i = 0; i <= SafetensorsHeader.MAX_METADATA_ENTRIES; i++) meta.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        Path f = write("meta-huge.safetensors", SafetensorsFiles.file(meta.append("}}").toString(), new byte[0]));
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains("the value of \"__metadata__\" holds more than 131073 JSON values"), e.getMessage());
        // a realistic entry with every dimension a tensor may have is well inside the limit
        String rank16 = "{" + entry("w", "F32", "[" + "1,".repeat(15) + "1]", 0, 4) + "}";
        assertEquals(1, Safetensors.read(write("rank16.safetensors", SafetensorsFiles.file(rank16, new byte[4]))).tensors().size());
    }
}
