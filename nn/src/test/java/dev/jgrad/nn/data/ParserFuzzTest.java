package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.CorruptFileException;
import dev.jgrad.tensor.io.Json;
import dev.jgrad.tensor.io.Safetensors;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing of every file parser: safetensors, the JSON reader, IDX (plain and
 * gzipped), CSV and the image-folder decoder. Valid files are mutated — bit flips, interesting
 * bytes, 4- and 8-byte fields overwritten with extreme integers, byte insertions and deletions,
 * truncation, splices within and across files, and, in text (JSON headers, CSV), numbers
 * replaced by extreme ones — and each mutant is parsed. Every outcome must be a successful read
 * or the parser's documented error: {@link CorruptFileException} for files (for images, wrapped
 * in an {@link UncheckedIOException}), {@link Json.ParseException} for JSON text. Never another
 * exception, an error, a hang (each case is timed), or an allocation out of proportion to the
 * file (each case's allocated bytes are measured: nothing may be sized by an untrusted field).
 *
 * <p>Case {@code i} of a parser draws its mutations from {@code new Random(SEED + i)}, so a
 * failure names the case that reproduces it, with the mutant's bytes.
 */
class ParserFuzzTest {
    private static final long SEED = 0x5EED_F022L;
    private static final int CASES = Integer.getInteger("jgrad.fuzz.cases", 5000);
    /** Each parser stops early after this long, so that a slow machine stays within the suite's budget. */
    private static final Duration BUDGET = Duration.ofSeconds(Long.getLong("jgrad.fuzz.seconds", 3));
    private static final long SLOW_CASE_MS = 2000;
    private static final Map<String, String> REPORT = new TreeMap<>();

    @TempDir
    Path dir;

    // ---- the harness ----------------------------------------------------------------------------

    @FunctionalInterface
    interface Parser {
        void parse(Path file) throws Exception;
    }

    /**
     * Classifies a throwable: null when it is the parser's documented error, else what is wrong.
     */
    @FunctionalInterface
    interface Judge {
        String judge(Throwable t, Path file, long fileSize);
    }

    /** CorruptFileException naming the file, with an offset inside it (or -1/decompressed offsets when allowed). */
    static String corruptOnly(Throwable t, Path file, long fileSize, boolean offsetMayExceedFile) {
        if (!(t instanceof CorruptFileException c)) return "undocumented " + t;
        if (!file.equals(c.file()) || !c.getMessage().startsWith(file.toString())) return "message does not name the file: " + c.getMessage();
        if (c.offset() < -1 || (!offsetMayExceedFile && c.offset() > fileSize)) return "offset " + c.offset() + " outside the " + fileSize + "-byte file";
        return null;
    }

    private record Seed(String name, byte[] bytes) {}

    private void fuzz(String parserName, List<Seed> seeds, Parser parser, Judge judge, Mutator extra, long allocPerByte) throws IOException {
        Path file = dir.resolve(parserName + ".bin");
        // the seeds themselves must parse
        for (Seed s : seeds) {
            Files.write(file, s.bytes());
            try {
                parser.parse(file);
            } catch (Exception e) {
                throw new AssertionError(parserName + ": seed " + s.name() + " does not parse", e);
            }
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Map<String, String> failures = new TreeMap<>();
        int ok = 0, rejected = 0, cases = 0;
        long maxAlloc = 0;
        long start = System.nanoTime(), slowest = 0;
        for (int i = 0; i < CASES && System.nanoTime() - start < BUDGET.toNanos(); i++, cases++) {
            Random rnd = new Random(SEED + i * 0x9E3779B97F4A7C15L);
            Seed seed = seeds.get(rnd.nextInt(seeds.size()));
            StringBuilder how = new StringBuilder(seed.name());
            byte[] bytes = mutate(seed.bytes(), seeds, rnd, how, extra);
            Files.write(file, bytes);
            long alloc0 = threads.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            String problem = null;
            try {
                parser.parse(file);
                ok++;
            } catch (OutOfMemoryError | StackOverflowError e) {
                problem = e.toString();
            } catch (Throwable e) {
                problem = judge.judge(e, file, bytes.length);
                if (problem == null) rejected++;
                else problem += " at " + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            slowest = Math.max(slowest, ms);
            long allocated = threads.getCurrentThreadAllocatedBytes() - alloc0;
            maxAlloc = Math.max(maxAlloc, allocated);
            if (problem == null && ms > SLOW_CASE_MS) problem = "took " + ms + " ms";
            if (problem == null && allocPerByte > 0 && allocated > allocPerByte * bytes.length + (16 << 20)) {
                problem = "allocated " + allocated + " bytes for a " + bytes.length + "-byte file";
            }
            if (problem != null) {
                String key = problem.replaceAll("\\d{2,}", "N");
                failures.putIfAbsent(key, "case " + i + " (" + how + "): " + problem
                        + (bytes.length <= 600 ? "\n        bytes (base64): " + Base64.getEncoder().encodeToString(bytes) : ""));
            }
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        REPORT.put(parserName, String.format("%d cases in %d ms: %d read, %d rejected; slowest %d ms; at most %d KiB allocated by one case",
                cases, elapsed, ok, rejected, slowest, maxAlloc >> 10));
        if (!failures.isEmpty()) {
            StringBuilder sb = new StringBuilder(parserName + ": " + failures.size() + " kinds of failure in " + cases + " cases:\n");
            failures.values().forEach(v -> sb.append("  ").append(v).append('\n'));
            fail(sb.toString());
        }
        assertTrue(cases >= Math.min(CASES, 200), parserName + ": only " + cases + " cases ran within the time budget");
    }

    @AfterAll
    static void report() {
        REPORT.forEach((k, v) -> System.out.println("ParserFuzzTest " + k + ": " + v));
    }

    // ---- mutations ---------------------------------------------------------------------------------

    /** A format-aware mutation; may return null to fall back to a generic one. */
    @FunctionalInterface
    interface Mutator {
        byte[] mutate(byte[] b, Random rnd, StringBuilder how);
    }

    private static final long[] EXTREME = {0, 1, -1, 2, 255, 256, 65535, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 31, (1L << 32) - 1,
            1L << 32, Long.MAX_VALUE, Long.MIN_VALUE, 100L * 1024 * 1024, (1L << 31) - 9};
    private static final String[] EXTREME_TEXT = {"-1", "0", "-0", "2147483647", "2147483648", "4294967296", "9223372036854775807",
            "9223372036854775808", "-9223372036854775809", "99999999999999999999999999", "1e308", "1e999", "-1e999", "1.5", "NaN",
            "Infinity", "0x10", "1e", "--1", "", "18446744073709551616", "65536"};

    private static byte[] mutate(byte[] seed, List<Seed> all, Random rnd, StringBuilder how, Mutator extra) {
        byte[] b = seed.clone();
        int rounds = 1 + rnd.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            int kind = rnd.nextInt(extra == null ? 9 : 12);
            if (kind >= 9) {
                byte[] m = extra.mutate(b, rnd, how);
                if (m != null) {
                    b = m;
                    continue;
                }
                kind = rnd.nextInt(9);
            }
            b = switch (kind) {
                case 0 -> {   // bit flips
                    int n = 1 + rnd.nextInt(8);
                    how.append(" flip").append(n);
                    for (int i = 0; i < n && b.length > 0; i++) b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                    yield b;
                }
                case 1 -> {   // interesting bytes
                    byte[] vals = {0, 1, 0x7F, (byte) 0x80, (byte) 0xFF, '"', '[', '{', ',', '\n'};
                    how.append(" byte");
                    if (b.length > 0) b[rnd.nextInt(b.length)] = vals[rnd.nextInt(vals.length)];
                    yield b;
                }
                case 2 -> {   // an extreme 4- or 8-byte integer, either byte order, mostly in the header region
                    int width = rnd.nextBoolean() ? 4 : 8;
                    if (b.length < width) yield b;
                    int limit = rnd.nextBoolean() ? Math.min(b.length - width + 1, 64) : b.length - width + 1;
                    int at = rnd.nextInt(limit);
                    long v = EXTREME[rnd.nextInt(EXTREME.length)];
                    ByteOrder order = rnd.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
                    ByteBuffer bb = ByteBuffer.wrap(b).order(order);
                    if (width == 4) bb.putInt(at, (int) v);
                    else bb.putLong(at, v);
                    how.append(" int").append(width).append('@').append(at).append('=').append(v);
                    yield b;
                }
                case 3 -> {   // insert bytes
                    int at = rnd.nextInt(b.length + 1), n = 1 + rnd.nextInt(16);
                    byte[] ins = new byte[n];
                    rnd.nextBytes(ins);
                    how.append(" insert").append(n).append('@').append(at);
                    yield concat(slice(b, 0, at), ins, slice(b, at, b.length));
                }
                case 4 -> {   // delete a range
                    if (b.length == 0) yield b;
                    int at = rnd.nextInt(b.length), n = 1 + rnd.nextInt(Math.min(32, b.length - at));
                    how.append(" delete").append(n).append('@').append(at);
                    yield concat(slice(b, 0, at), slice(b, at + n, b.length));
                }
                case 5 -> {   // truncate
                    int len = rnd.nextInt(b.length + 1);
                    how.append(" truncate").append(len);
                    yield slice(b, 0, len);
                }
                case 6 -> {   // duplicate a chunk somewhere else
                    if (b.length < 2) yield b;
                    int from = rnd.nextInt(b.length), len = 1 + rnd.nextInt(Math.min(64, b.length - from)), at = rnd.nextInt(b.length);
                    how.append(" dup").append(len).append('@').append(at);
                    yield concat(slice(b, 0, at), slice(b, from, from + len), slice(b, at, b.length));
                }
                case 7 -> {   // splice with another seed
                    byte[] other = all.get(rnd.nextInt(all.size())).bytes();
                    int cut = rnd.nextInt(b.length + 1), cut2 = rnd.nextInt(other.length + 1);
                    how.append(" splice");
                    yield concat(slice(b, 0, cut), slice(other, cut2, other.length));
                }
                default -> {  // a number in the text replaced by an extreme one
                    byte[] m = replaceNumber(b, rnd, how);
                    yield m == null ? b : m;
                }
            };
        }
        return b;
    }

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");

    /** Replaces one number of the ASCII text in {@code b} (a JSON header, a CSV cell) by an extreme one; null if there is none. */
    static byte[] replaceNumber(byte[] b, Random rnd, StringBuilder how) {
        String text = new String(b, StandardCharsets.ISO_8859_1);
        Matcher m = NUMBER.matcher(text);
        List<int[]> spans = new ArrayList<>();
        while (m.find() && spans.size() < 4096) spans.add(new int[] {m.start(), m.end()});
        if (spans.isEmpty()) return null;
        int[] s = spans.get(rnd.nextInt(spans.size()));
        String v = EXTREME_TEXT[rnd.nextInt(EXTREME_TEXT.length)];
        how.append(" number@").append(s[0]).append('=').append(v);
        return (text.substring(0, s[0]) + v + text.substring(s[1])).getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    // ---- safetensors ------------------------------------------------------------------------------

    private List<Seed> safetensorsSeeds() throws IOException {
        List<Seed> seeds = new ArrayList<>();
        Path f = dir.resolve("seed.safetensors");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", Tensor.of(new float[] {1, -2, 3.5f, Float.NaN, 0, 6}, 2, 3));
        m.put("idx", Tensor.of(new long[] {1, 2, 3}));
        m.put("mask", Tensor.of(new boolean[] {true, false}));
        m.put("scalar", Tensor.scalar(2.5, DType.FLOAT64));
        m.put("empty", Tensor.zeros(DType.INT32, 0, 4));
        Safetensors.write(f, m, Map.of("format", "pt", "epoch", "3"));
        seeds.add(new Seed("st-written", Files.readAllBytes(f)));
        // the dtypes only other writers produce (F16, BF16, U8, I8, I16, U16, U32, U64)
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[4,8]},"
                + "\"u\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[8,12]},"
                + "\"i\":{\"dtype\":\"I8\",\"shape\":[2,2],\"data_offsets\":[12,16]},"
                + "\"s\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[16,20]},"
                + "\"t\":{\"dtype\":\"U16\",\"shape\":[],\"data_offsets\":[20,22]},"
                + "\"v\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[22,26]},"
                + "\"x\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[26,34]},"
                + "\"__metadata__\":{\"k\":\"v\"}}";
        byte[] data = new byte[34];
        new Random(1).nextBytes(data);
        data[33] &= 0x7F;   // the U64's top byte: a value of 2^63 or more is refused (int64 cannot hold it)
        seeds.add(new Seed("st-dtypes", stFile(header.getBytes(StandardCharsets.UTF_8), data)));
        // one-element entries, so that shape mutations (a rank of 18, [1, 1, …]) can keep the byte counts right
        String single = "{\"one\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"byte\":{\"dtype\":\"U8\",\"shape\":[1,1],\"data_offsets\":[4,5]}, \"__metadata__\":{\"name\":\"\u00e9t\u00e9\"}}";
        seeds.add(new Seed("st-single", stFile(single.getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, (byte) 0x80, 0x3f, 7})));
        return seeds;
    }

    private static byte[] stFile(byte[] header, byte[] data) {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        return concat(len.array(), header, data);
    }

    /** Mutates the JSON header and rewrites the length field to match, so the mutation reaches the header's validation. */
    private static byte[] mutateSafetensorsHeader(byte[] b, Random rnd, StringBuilder how) {
        if (b.length < 8) return null;
        long len = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (len < 0 || len > b.length - 8) return null;
        byte[] header = slice(b, 8, 8 + (int) len), data = slice(b, 8 + (int) len, b.length);
        byte[] mutated = switch (rnd.nextInt(4)) {
            case 0, 1 -> replaceNumber(header, rnd, how.append(" [header]"));
            case 2 -> {
                String h = new String(header, StandardCharsets.ISO_8859_1);
                String[] dtypes = {"F32", "F64", "F16", "BF16", "I64", "U8", "BOOL", "F8_E4M3", "Q4", "", "f32"};
                String d = dtypes[rnd.nextInt(dtypes.length)];
                how.append(" [header] dtype=").append(d);
                yield h.replaceFirst("\"dtype\":\"[^\"]*\"", "\"dtype\":\"" + d + "\"").getBytes(StandardCharsets.ISO_8859_1);
            }
            default -> {
                String h = new String(header, StandardCharsets.ISO_8859_1);
                String[] shapes = {"[]", "[0]", "[-1]", "[2147483647,2147483647]", "[65536,65536,65536,65536]",
                        "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]", "[3.5]", "[\"2\"]", "null", "{}", "[[2]]"};
                String s = shapes[rnd.nextInt(shapes.length)];
                how.append(" [header] shape=").append(s);
                yield h.replaceFirst("\"shape\":\\[[^\\]]*\\]", "\"shape\":" + java.util.regex.Matcher.quoteReplacement(s))
                        .getBytes(StandardCharsets.ISO_8859_1);
            }
        };
        return mutated == null ? null : stFile(mutated, data);
    }

    @Test
    void safetensors() throws IOException {
        fuzz("safetensors", safetensorsSeeds(), Safetensors::read, (t, f, n) -> corruptOnly(t, f, n, false),
                ParserFuzzTest::mutateSafetensorsHeader, 64);
    }

    // ---- JSON --------------------------------------------------------------------------------------

    @Test
    void json() throws IOException {
        List<Seed> seeds = List.of(
                new Seed("json-object", "{\"a\": [1, 2.5, -3e-2, true, false, null], \"b\": {\"c\": \"d\\n\\u00e9\\\"\"}, \"e\": []}"
                        .getBytes(StandardCharsets.UTF_8)),
                new Seed("json-nested", "[[[[[[[[[[{\"x\":[[[[1]]]]}]]]]]]]]]]".getBytes(StandardCharsets.UTF_8)),
                new Seed("json-numbers", "[0, -0, 1e308, 9223372036854775807, -9223372036854775808, 0.000001, 12345678901234567890.5]"
                        .getBytes(StandardCharsets.UTF_8)));
        Mutator jsonExtra = (b, rnd, how) -> switch (rnd.nextInt(3)) {
            case 0 -> {
                int depth = 1 + rnd.nextInt(100_000);
                how.append(" nest").append(depth);
                yield concat("[".repeat(depth).getBytes(StandardCharsets.UTF_8), b);
            }
            case 1 -> {
                how.append(" longstring");
                yield concat("[\"".getBytes(StandardCharsets.UTF_8), "\\uD800x".repeat(1 + rnd.nextInt(5000)).getBytes(StandardCharsets.UTF_8),
                        "\"]".getBytes(StandardCharsets.UTF_8));
            }
            default -> {
                how.append(" longnumber");
                yield ("[" + "9".repeat(1 + rnd.nextInt(50_000)) + "." + "1".repeat(rnd.nextInt(100)) + "e" + rnd.nextInt() + "]")
                        .getBytes(StandardCharsets.UTF_8);
            }
        };
        fuzz("json", seeds, f -> Json.parse(Files.readString(f, StandardCharsets.ISO_8859_1)),
                (t, f, n) -> t instanceof Json.ParseException p && p.getMessage().startsWith("invalid JSON at character ")
                        && p.position() >= 0 && p.position() <= n ? null : "undocumented " + t,
                jsonExtra, 64);
    }

    // ---- IDX ---------------------------------------------------------------------------------------

    private static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer bb = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        bb.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) bb.putInt(d);
        return bb.put(data).array();
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    @Test
    void idx() throws IOException {
        Random r = new Random(7);
        byte[] ubytes = new byte[3 * 4 * 4];
        r.nextBytes(ubytes);
        ByteBuffer floats = ByteBuffer.allocate(6 * 4);
        for (int i = 0; i < 6; i++) floats.putFloat(i * 0.5f - 1);
        ByteBuffer doubles = ByteBuffer.allocate(2 * 8).putDouble(Math.PI).putDouble(-0.0);
        byte[] shorts = new byte[2 * 5];
        r.nextBytes(shorts);
        List<Seed> plain = List.of(
                new Seed("idx-ubyte", idx(0x08, new int[] {3, 4, 4}, ubytes)),
                new Seed("idx-float", idx(0x0D, new int[] {2, 3}, floats.array())),
                new Seed("idx-double", idx(0x0E, new int[] {2}, doubles.array())),
                new Seed("idx-short", idx(0x0B, new int[] {5}, shorts)),
                new Seed("idx-int", idx(0x0C, new int[] {1, 1}, new byte[] {0, 0, 1, 2})));
        List<Seed> seeds = new ArrayList<>(plain);
        seeds.add(new Seed("idx-ubyte.gz", gzip(plain.get(0).bytes())));
        seeds.add(new Seed("idx-float.gz", gzip(plain.get(1).bytes())));
        // mutate the decompressed bytes and compress again, so mutations reach the IDX parser through gzip
        Mutator regzip = (b, rnd, how) -> {
            if (b.length < 2 || b[0] != 0x1f || b[1] != (byte) 0x8b) return null;
            try {
                byte[] inner = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(b)).readAllBytes();
                how.append(" [inside gzip]");
                return gzip(mutate(inner, plain, rnd, how, null));
            } catch (IOException e) {
                return null;
            }
        };
        // gzipped files decompress to more bytes than they hold: no allocation bound for them
        fuzz("idx", seeds, Idx::read, (t, f, n) -> corruptOnly(t, f, n, true), regzip, 0);
    }

    // ---- CSV ---------------------------------------------------------------------------------------

    @Test
    void csv() throws IOException {
        List<Seed> seeds = List.of(
                new Seed("csv-header", "x,y,label\n1.5,2,0\n-3e2,4.25,1\n\"5\",\" 6 \",0\r\n7,8,1\n".getBytes(StandardCharsets.UTF_8)),
                new Seed("csv-text", "date,\"name, quoted\",temp\n2024-01-01,\"a \"\"b\"\"\",-1.5\n2024-01-02,é,NaN\n,c,\n"
                        .getBytes(StandardCharsets.UTF_8)));
        Mutator csvExtra = (b, rnd, how) -> {
            byte[][] inserts = {{'"'}, {','}, {'\n'}, {'\r'}, {(byte) 0xC3}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                    {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}, {0}};
            byte[] ins = inserts[rnd.nextInt(inserts.length)];
            int at = rnd.nextInt(b.length + 1);
            how.append(" csvinsert@").append(at);
            return concat(slice(b, 0, at), ins, slice(b, at, b.length));
        };
        fuzz("csv", seeds.subList(0, 1), f -> Csv.read(f, true, ',').all(), (t, f, n) -> corruptOnly(t, f, n, false), csvExtra, 400);
        // text columns: a mutant whose header lost one of their names gets Csv's documented IllegalArgumentException
        // for a text column the file does not have
        fuzz("csv-text", seeds.subList(1, 2), f -> Csv.read(f, true, ',', Set.of("date", "name, quoted")).all(),
                (t, f, n) -> t instanceof IllegalArgumentException i && String.valueOf(i.getMessage()).startsWith("Csv: no column named \"")
                        ? null : corruptOnly(t, f, n, false), csvExtra, 400);
    }

    // ---- images ------------------------------------------------------------------------------------

    private static byte[] image(String format, int w, int h, int type) throws IOException {
        BufferedImage img = new BufferedImage(w, h, type);
        Random r = new Random(w * 31L + h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, format, out)) throw new IOException("no " + format + " writer");
        return out.toByteArray();
    }

    @Test
    void images() throws IOException {
        List<Seed> seeds = List.of(
                new Seed("png-rgb", image("png", 8, 6, BufferedImage.TYPE_INT_RGB)),
                new Seed("png-argb", image("png", 5, 5, BufferedImage.TYPE_INT_ARGB)),
                new Seed("png-gray", image("png", 7, 3, BufferedImage.TYPE_BYTE_GRAY)),
                new Seed("bmp", image("bmp", 6, 4, BufferedImage.TYPE_INT_RGB)),
                new Seed("gif", image("gif", 6, 6, BufferedImage.TYPE_BYTE_INDEXED)),
                new Seed("jpeg", image("jpeg", 8, 8, BufferedImage.TYPE_INT_RGB)));
        Path root = dir.resolve("images");
        Files.createDirectories(root.resolve("c"));
        Path img = root.resolve("c/img.png");
        Files.write(img, seeds.get(0).bytes());
        ImageFolder folder = new ImageFolder(root, 4, 4, false);
        // targeted: the PNG IHDR width and height (bytes 16..23), BMP width/height (18..25), GIF screen size (6..9)
        Mutator header = (b, rnd, how) -> {
            int[] fields = {16, 20, 18, 22, 6, 8};
            int at = fields[rnd.nextInt(fields.length)];
            if (at + 4 > b.length) return null;
            long v = EXTREME[rnd.nextInt(EXTREME.length)];
            ByteBuffer.wrap(b).order(rnd.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN).putInt(at, (int) v);
            how.append(" dims@").append(at).append('=').append((int) v);
            return b;
        };
        fuzz("images", seeds, f -> {
            Files.copy(f, img, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            folder.get(0);
        }, (t, f, n) -> t instanceof UncheckedIOException u ? corruptOnly(u.getCause(), img, n, false) : "undocumented " + t, header,
                140_000);   // ImageFolder admits at most 16384 pixels per file byte (+2^20), 4 bytes each, decoded and converted
    }

    @Test
    void allParsersWithinBudget() {
        // a guard for the suite's time: every parser above stops after BUDGET
        Assertions.assertTrue(BUDGET.compareTo(Duration.ofSeconds(10)) <= 0);
    }
}
