package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.CorruptFileException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IDX reader on small hand-written files, plain and gzipped, well-formed and broken. */
class IdxTest {
    @TempDir
    Path dir;

    /** An IDX header: 0, 0, type, rank, then the dimensions big-endian. */
    private static byte[] header(int type, int... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private static byte[] ubytes(int n) {
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) v[i] = (byte) (i * 37 + 200);   // crosses 255: unsigned values above 127
        return v;
    }

    @Test
    void readsUnsignedBytesPlainAndGzipped() throws IOException {
        byte[] file = concat(header(0x08, 2, 3, 4), ubytes(24));
        int[] expected = new int[24];
        for (int i = 0; i < 24; i++) expected[i] = (i * 37 + 200) & 0xFF;
        for (Path f : new Path[] {write("images-idx3-ubyte", file), write("images-idx3-ubyte.gz", gzip(file))}) {
            Tensor t = Idx.read(f);
            assertEquals(DType.INT32, t.dtype(), f.toString());
            assertArrayEquals(new int[] {2, 3, 4}, t.shape());
            assertArrayEquals(expected, t.toIntArray(), f.toString());
        }
    }

    @Test
    void readsEveryElementType() throws IOException {
        ByteBuffer signed = ByteBuffer.allocate(3).put((byte) -5).put((byte) 0).put((byte) 127);
        assertArrayEquals(new int[] {-5, 0, 127}, Idx.read(write("i8", concat(header(0x09, 3), signed.array()))).toIntArray());
        ByteBuffer shorts = ByteBuffer.allocate(4).putShort((short) -300).putShort((short) 1000);
        assertArrayEquals(new int[] {-300, 1000}, Idx.read(write("i16", concat(header(0x0B, 2), shorts.array()))).toIntArray());
        ByteBuffer ints = ByteBuffer.allocate(8).putInt(-70000).putInt(123456789);
        Tensor i32 = Idx.read(write("i32", concat(header(0x0C, 1, 2), ints.array())));
        assertArrayEquals(new int[] {1, 2}, i32.shape());
        assertArrayEquals(new int[] {-70000, 123456789}, i32.toIntArray());
        ByteBuffer floats = ByteBuffer.allocate(8).putFloat(1.5f).putFloat(-2.25f);
        Tensor f32 = Idx.read(write("f32", concat(header(0x0D, 2), floats.array())));
        assertEquals(DType.FLOAT32, f32.dtype());
        assertArrayEquals(new float[] {1.5f, -2.25f}, f32.toFloatArray());
        ByteBuffer doubles = ByteBuffer.allocate(16).putDouble(Math.PI).putDouble(-1e300);
        Tensor f64 = Idx.read(write("f64.gz", gzip(concat(header(0x0E, 2), doubles.array()))));
        assertEquals(DType.FLOAT64, f64.dtype());
        assertArrayEquals(new double[] {Math.PI, -1e300}, f64.toDoubleArray());
        assertArrayEquals(new int[] {0, 3}, Idx.read(write("empty", header(0x08, 0, 3))).shape());
    }

    @Test
    void datasetScalesImagesAndPairsLabels() throws IOException {
        byte[] pixels = new byte[2 * 2 * 3];
        pixels[0] = (byte) 255;
        pixels[7] = (byte) 51;
        Path images = write("img.gz", gzip(concat(header(0x08, 2, 2, 3), pixels)));
        Path labels = write("lbl", concat(header(0x08, 2), new byte[] {7, 3}));
        TensorDataset ds = Idx.dataset(images, labels);
        assertEquals(2, ds.size());
        Example e = ds.get(1);
        assertArrayEquals(new int[] {1, 2, 3}, e.input().shape());
        assertEquals(DType.FLOAT32, e.input().dtype());
        assertEquals(0.2f, e.input().toFloatArray()[1], 1e-7);
        assertEquals(1.0f, ds.get(0).input().toFloatArray()[0]);
        assertEquals(DType.INT64, e.target().dtype());
        assertEquals(3, e.target().itemLong());
        Path wrongCount = write("lbl3", concat(header(0x08, 3), new byte[] {1, 2, 3}));
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class, () -> Idx.dataset(images, wrongCount));
        assertTrue(mismatch.getMessage().contains("[2, 2, 3]") && mismatch.getMessage().contains("[3]"), mismatch.getMessage());
    }

    private static CorruptFileException corrupt(Path f, long offset, String... fragments) {
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.read(f));
        assertEquals(f, e.file());
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().startsWith(f + ": at byte " + offset + ": "), e.getMessage());
        for (String s : fragments) assertTrue(e.getMessage().contains(s), "expected \"" + s + "\" in: " + e.getMessage());
        return e;
    }

    @Test
    void truncatedFiles() throws IOException {
        byte[] file = concat(header(0x08, 4, 5), ubytes(20));
        corrupt(write("cut", Arrays.copyOf(file, 17)), 17, "promises 20 data bytes", "has 5");
        corrupt(write("cut-header", Arrays.copyOf(file, 6)), 6, "ends 6 bytes early");
        corrupt(write("nothing", new byte[0]), 0, "ends 4 bytes early");
        // gzipped: the data is read as it decompresses, so the shortfall is found where it ends
        corrupt(write("short.gz", gzip(Arrays.copyOf(file, 17))), 17, "ends 15 bytes early");
    }

    @Test
    void truncatedCompressedStream() throws IOException {
        byte[] file = concat(header(0x08, 40, 50), ubytes(2000));
        byte[] gz = gzip(file);
        Path f = write("torn.gz", Arrays.copyOf(gz, gz.length / 2));
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.read(f));
        assertEquals(f, e.file());
        assertTrue(e.offset() >= 0 && e.offset() <= file.length, "offset " + e.offset());
        assertTrue(e.getMessage().contains("at byte " + e.offset()), e.getMessage());
        assertTrue(e.getMessage().contains("gzip stream is damaged or cut short"), e.getMessage());
        corrupt(write("gzip-magic-only.gz", new byte[] {0x1f, (byte) 0x8b}), 0, "gzip stream");
        byte[] flipped = gz.clone();
        for (int i = 20; i < 40; i++) flipped[i] ^= (byte) 0x5A;   // garbage inside the deflate data
        Path g = write("garbled.gz", flipped);
        CorruptFileException ge = assertThrows(CorruptFileException.class, () -> Idx.read(g));
        assertEquals(g, ge.file());
    }

    @Test
    void wrongMagic() throws IOException {
        byte[] file = concat(header(0x08, 3), new byte[] {1, 2, 3});
        byte[] bad = file.clone();
        bad[1] = 8;
        corrupt(write("magic", bad), 0, "not an IDX file", "0 and 8");
        corrupt(write("png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0}), 0, "not an IDX file");
    }

    @Test
    void badTypeCodeAndRank() throws IOException {
        corrupt(write("type", concat(header(0x0A, 3), new byte[] {1, 2, 3})), 2, "unknown IDX element type 0xa");
        corrupt(write("rank0", new byte[] {0, 0, 8, 0}), 3, "rank 0");
        corrupt(write("rank", new byte[] {0, 0, 8, 17}), 3, "rank 17");
        corrupt(write("negative", concat(header(0x08, 2, -1), new byte[4])), 8, "dimension 1 is negative");
    }

    @Test
    void dimensionsClaimingMoreDataThanPresent() throws IOException {
        corrupt(write("big", concat(header(0x08, 1000, 1000), ubytes(10))), 12 + 10, "promises 1000000 data bytes");
        corrupt(write("big.gz", gzip(concat(header(0x0C, 1000, 1000), ubytes(10)))), 12 + 10, "early");
        corrupt(write("huge", concat(header(0x08, 65536, 65536), ubytes(10))), 8, "more than 2^31-1 elements");
        corrupt(write("trailing.gz", gzip(concat(header(0x08, 2), ubytes(5)))), 4 + 4 + 2, "trailing bytes");
        corrupt(write("trailing", concat(header(0x08, 2), ubytes(5))), 10, "promises 2 data bytes");
    }

    @Test
    void shapeReadsTheHeaderAlone() throws IOException {
        Path plain = write("images", concat(header(0x08, 3, 2, 2), ubytes(12)));
        assertArrayEquals(new int[] {3, 2, 2}, Idx.shape(plain));
        // gzipped data cut short is found by read, not by shape, which stops after the header
        byte[] gz = gzip(concat(header(0x08, 1000, 28, 28), ubytes(1000 * 28 * 28)));
        Path cut = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
        assertArrayEquals(new int[] {1000, 28, 28}, Idx.shape(cut));
        assertThrows(CorruptFileException.class, () -> Idx.read(cut));
        // a header that contradicts a plain file's size is refused by both
        Path wrong = write("wrong", concat(header(0x08, 3, 2, 2), ubytes(11)));
        assertThrows(CorruptFileException.class, () -> Idx.shape(wrong));
        assertThrows(CorruptFileException.class, () -> Idx.read(wrong));
    }
}
