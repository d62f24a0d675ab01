package dev.jgrad.nn.data;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.CorruptFileException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The IDX format of MNIST and Fashion-MNIST: a magic number {@code 00 00 <type> <rank>}, the
 * dimensions as big-endian 32-bit integers, then the elements big-endian. Gzipped files (the
 * usual distribution) are read transparently.
 *
 * <p>Nothing in the header is trusted: the element count is checked against 2^31 − 1 and, for
 * plain files, against the file size before anything is allocated; compressed data is read
 * incrementally, so a header claiming more data than exists fails at the byte where it ends.
 *
 * <pre>{@code
 * Tensor images = Idx.read(Path.of("train-images-idx3-ubyte.gz"));   // int32 [60000, 28, 28]
 * Dataset train = Idx.dataset(Path.of("train-images-idx3-ubyte.gz"), Path.of("train-labels-idx1-ubyte.gz"));
 * }</pre>
 */
public final class Idx {
    private Idx() {}

    /**
     * Reads one IDX file: unsigned bytes and shorts become int32, as do ints; floats float32; doubles
     * float64.
     *
     * @param file the file, plain or gzipped
     * @return the tensor the file holds
     * @throws java.io.IOException when the file cannot be read or is malformed
     */
    public static Tensor read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            Header h = header(file, raw);
            ByteBuffer data = ByteBuffer.wrap(readExactly(file, h.in, h.bytes(), (int) h.dataBytes()));
            if (read(file, h.in, new byte[1], 1, h.bytes() + h.dataBytes()) != -1) {
                throw new CorruptFileException(file, h.bytes() + h.dataBytes(), "trailing bytes after the data the header describes");
            }
            return decode(h.type, (int) h.count, data, h.shape);
        }
    }

    /**
     * The shape an IDX file declares, from its header alone, checked as {@link #read} checks it:
     * a cheap look at a file before reading it (are these 28×28 images?).
     *
     * <pre>{@code
     * int[] shape = Idx.shape(Path.of("t10k-images-idx3-ubyte.gz"));   // [10000, 28, 28]
     * }</pre>
     *
     * @param file the file, plain or gzipped
     * @return the sizes of its dimensions
     * @throws java.io.IOException when the file cannot be read or its header is malformed
     */
    public static int[] shape(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            return header(file, raw).shape.clone();
        }
    }

    /** A parsed header; {@code in} is positioned at the first element (decompressing when the file is gzipped). */
    private record Header(InputStream in, int type, int elementSize, int[] shape, long count) {
        long bytes() {
            return 4 + 4L * shape.length;
        }

        long dataBytes() {
            return count * elementSize;
        }
    }

    private static Header header(Path file, InputStream raw) throws IOException {
        long fileSize = Files.size(file);
        raw.mark(2);
        boolean gz = raw.read() == 0x1f && raw.read() == 0x8b;
        raw.reset();
        InputStream in;
        try {
            in = gz ? new GZIPInputStream(raw, 1 << 16) : raw;
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw damaged(file, 0, e);
        }
        byte[] magic = readExactly(file, in, 0, 4);
        if (magic[0] != 0 || magic[1] != 0) {
            throw new CorruptFileException(file, 0, "not an IDX file: the first two bytes must be 0, got "
                    + (magic[0] & 0xFF) + " and " + (magic[1] & 0xFF));
        }
        int type = magic[2] & 0xFF, rank = magic[3] & 0xFF;
        int elementSize = switch (type) {
            case 0x08, 0x09 -> 1;
            case 0x0B -> 2;
            case 0x0C, 0x0D -> 4;
            case 0x0E -> 8;
            default -> throw new CorruptFileException(file, 2, "unknown IDX element type 0x" + Integer.toHexString(type));
        };
        if (rank == 0 || rank > 16) throw new CorruptFileException(file, 3, "IDX rank " + rank + " is outside 1..16");
        ByteBuffer dims = ByteBuffer.wrap(readExactly(file, in, 4, 4 * rank));
        int[] shape = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++) {
            int size = dims.getInt();
            if (size < 0) throw new CorruptFileException(file, 4 + 4L * d, "dimension " + d + " is negative: " + size);
            shape[d] = size;
            count *= size;
            if (count > Integer.MAX_VALUE) throw new CorruptFileException(file, 4 + 4L * d, "the dimensions claim more than 2^31-1 elements");
        }
        Header h = new Header(in, type, elementSize, shape, count);
        if (!gz && h.bytes() + h.dataBytes() != fileSize) {
            throw new CorruptFileException(file, Math.min(fileSize, h.bytes() + h.dataBytes()), "the header promises " + h.dataBytes()
                    + " data bytes but the file has " + (fileSize - h.bytes()));
        }
        if (h.dataBytes() > Integer.MAX_VALUE - 8) throw new CorruptFileException(file, 4, "data of " + h.dataBytes() + " bytes is too large for one tensor");
        return h;
    }

    private static Tensor decode(int type, int n, ByteBuffer data, int[] shape) {
        return switch (type) {
            case 0x08 -> { int[] v = new int[n]; for (int i = 0; i < n; i++) v[i] = data.get(i) & 0xFF; yield Tensor.of(v, shape); }
            case 0x09 -> { int[] v = new int[n]; for (int i = 0; i < n; i++) v[i] = data.get(i); yield Tensor.of(v, shape); }
            case 0x0B -> { int[] v = new int[n]; for (int i = 0; i < n; i++) v[i] = data.getShort(2 * i); yield Tensor.of(v, shape); }
            case 0x0C -> { int[] v = new int[n]; data.asIntBuffer().get(v); yield Tensor.of(v, shape); }
            case 0x0D -> { float[] v = new float[n]; data.asFloatBuffer().get(v); yield Tensor.of(v, shape); }
            default -> { double[] v = new double[n]; data.asDoubleBuffer().get(v); yield Tensor.of(v, shape); }
        };
    }

    /** Reads exactly {@code n} bytes, growing the buffer as data arrives (never trusting {@code n} for one big allocation). */
    private static byte[] readExactly(Path file, InputStream in, long offset, int n) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(n, 1 << 20));
        byte[] chunk = new byte[1 << 16];
        int remaining = n;
        while (remaining > 0) {
            int r = read(file, in, chunk, Math.min(chunk.length, remaining), offset + (n - remaining));
            if (r < 0) {
                throw new CorruptFileException(file, offset + (n - remaining), "file ends " + remaining + " bytes early (expected "
                        + n + " bytes here)" + " — truncated?");
            }
            out.write(chunk, 0, r);
            remaining -= r;
        }
        return out.toByteArray();
    }

    /**
     * One read; a damaged or cut-short gzip stream (which the JDK reports as a bare
     * {@code EOFException} or {@code ZipException}) becomes a {@link CorruptFileException} at
     * {@code offset}, counted in decompressed bytes.
     */
    private static int read(Path file, InputStream in, byte[] buf, int len, long offset) throws IOException {
        try {
            return in.read(buf, 0, len);
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw damaged(file, offset, e);
        }
    }

    private static CorruptFileException damaged(Path file, long offset, IOException e) {
        CorruptFileException c = new CorruptFileException(file, offset, "the gzip stream is damaged or cut short (offset counted in "
                + "decompressed bytes): " + e.getMessage());
        c.initCause(e);
        return c;
    }

    /**
     * An image classification dataset from an IDX image file [N, H, W] and label file [N]:
     * inputs float32 [1, H, W] scaled to [0, 1], targets int64.
     *
     * @param images the image file [N, H, W]
     * @param labels the label file [N]
     * @return the dataset
     * @throws java.io.IOException when a file cannot be read or is malformed
     */
    public static TensorDataset dataset(Path images, Path labels) throws IOException {
        Tensor x = read(images), y = read(labels);
        if (x.dim() != 3 || y.dim() != 1 || x.size(0) != y.size(0)) {
            throw new IllegalArgumentException("Idx.dataset: expected images [N, H, W] and labels [N], got "
                    + java.util.Arrays.toString(x.shape()) + " (" + images + ") and " + java.util.Arrays.toString(y.shape()) + " (" + labels + ")");
        }
        return new TensorDataset(x.to(DType.FLOAT32).div(255).unsqueeze(1), y.to(DType.INT64));
    }
}
