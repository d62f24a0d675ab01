package dev.jgrad.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Safetensors write/read round trips and the bytes on disk. */
class SafetensorsTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> everyDtype() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("f32", Tensor.of(new float[] {1.5f, -0f, Float.MAX_VALUE, Float.NaN, Float.MIN_VALUE, -3}, 2, 3));
        m.put("f64", Tensor.of(new double[] {Math.PI, -1e-300, Double.NEGATIVE_INFINITY}));
        m.put("i64", Tensor.of(new long[] {Long.MIN_VALUE, (1L << 53) + 1, Long.MAX_VALUE, 0}, 2, 1, 2));
        m.put("i32", Tensor.of(new int[] {Integer.MIN_VALUE, -1, Integer.MAX_VALUE}, 3, 1));
        m.put("bool", Tensor.of(new boolean[] {true, false, false, true, true}));
        return m;
    }

    @Test
    void roundTripEveryDtypeWithMetadata() throws IOException {
        Path f = dir.resolve("all.safetensors");
        Map<String, Tensor> in = everyDtype();
        Map<String, String> meta = Map.of("format", "pt", "epoch", "3", "note", "quotes \" and\nnewlines");
        Safetensors.write(f, in, meta);
        Safetensors.Contents c = Safetensors.read(f);
        assertEquals(meta, c.metadata());
        assertEquals(List.copyOf(in.keySet()), List.copyOf(c.tensors().keySet()), "file order");
        for (var e : in.entrySet()) {
            Tensor back = c.tensors().get(e.getKey());
            Tensor orig = e.getValue();
            assertEquals(orig.dtype(), back.dtype(), e.getKey());
            assertArrayEquals(orig.shape(), back.shape(), e.getKey());
            switch (orig.dtype()) {
                case FLOAT32 -> {
                    float[] a = orig.toFloatArray(), b = back.toFloatArray();
                    for (int i = 0; i < a.length; i++) assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]));
                }
                case FLOAT64 -> assertArrayEquals(orig.toDoubleArray(), back.toDoubleArray(), 0);
                case INT64 -> assertArrayEquals(orig.toLongArray(), back.toLongArray());
                case INT32 -> assertArrayEquals(orig.toIntArray(), back.toIntArray());
                case BOOL -> assertArrayEquals(orig.toBooleanArray(), back.toBooleanArray());
            }
        }
    }

    @Test
    void roundTripScalarsEmptyTensorsAndViews() throws IOException {
        Path f = dir.resolve("odd.safetensors");
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("scalar", Tensor.scalar(2.5));
        in.put("empty", Tensor.zeros(DType.INT64, 0, 4));
        in.put("transposed", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).t());
        Safetensors.write(f, in, Map.of());
        Map<String, Tensor> out = Safetensors.read(f).tensors();
        assertArrayEquals(new int[0], out.get("scalar").shape());
        assertEquals(2.5, out.get("scalar").item(), 0);
        assertArrayEquals(new int[] {0, 4}, out.get("empty").shape());
        assertEquals(DType.INT64, out.get("empty").dtype());
        assertArrayEquals(new int[] {3, 2}, out.get("transposed").shape());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, out.get("transposed").toFloatArray());
        assertEquals(Map.of(), Safetensors.read(f).metadata());
    }

    @Test
    void bytesOnDiskFollowTheFormat() throws IOException {
        Path f = dir.resolve("layout.safetensors");
        Safetensors.write(f, Map.of("w", Tensor.of(new float[] {1, 2})), Map.of("k", "v"));
        byte[] bytes = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8).strip();
        assertEquals("{\"__metadata__\":{\"k\":\"v\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header);
        assertEquals(8 + n + 8, bytes.length);
        assertEquals(1f, bb.getFloat((int) (8 + n)));
        assertEquals(2f, bb.getFloat((int) (8 + n + 4)));
    }

    @Test
    void overwritesAnExistingFile() throws IOException {
        Path f = dir.resolve("again.safetensors");
        Safetensors.write(f, Map.of("a", Tensor.ones(100)), null);
        Safetensors.write(f, Map.of("b", Tensor.zeros(1)), null);
        assertEquals(List.of("b"), List.copyOf(Safetensors.read(f).tensors().keySet()));
    }

    @Test
    void readsTheDtypesOtherWritersUse() throws IOException {
        // as written by PyTorch's safetensors: F16, BF16, I16, U16, I8, U8, U64 (narrow types widen)
        ByteBuffer data = ByteBuffer.allocate(2 * 2 + 2 * 2 + 2 * 2 + 2 * 2 + 2 + 2 + 8).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-2f));   // F16 [1.5, -2]
        data.putShort((short) (Float.floatToIntBits(3f) >>> 16)).putShort((short) (Float.floatToIntBits(-0.5f) >>> 16));   // BF16
        data.putShort((short) -300).putShort((short) 300);   // I16
        data.putShort((short) 0xFFFF).putShort((short) 1);   // U16 [65535, 1]
        data.put((byte) -5).put((byte) 7);                   // I8
        data.put((byte) 0xFF).put((byte) 0);                 // U8 [255, 0]
        data.putLong(42);                                    // U64
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[8,12]},"
                + "\"u16\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[12,16]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[1,2],\"data_offsets\":[16,18]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[18,20]},"
                + "\"u64\":{\"dtype\":\"U64\",\"shape\":[],\"data_offsets\":[20,28]}}";
        Path f = dir.resolve("foreign.safetensors");
        Files.write(f, SafetensorsFiles.file(header, data.array()));
        Map<String, Tensor> t = Safetensors.read(f).tensors();
        assertArrayEquals(new float[] {1.5f, -2f}, t.get("h").toFloatArray());
        assertArrayEquals(new float[] {3f, -0.5f}, t.get("b").toFloatArray());
        assertArrayEquals(new int[] {-300, 300}, t.get("i16").toIntArray());
        assertArrayEquals(new int[] {65535, 1}, t.get("u16").toIntArray());
        assertArrayEquals(new int[] {1, 2}, t.get("i8").shape());
        assertArrayEquals(new int[] {-5, 7}, t.get("i8").toIntArray());
        assertArrayEquals(new int[] {255, 0}, t.get("u8").toIntArray());
        assertEquals(DType.INT32, t.get("u8").dtype());
        assertEquals(DType.FLOAT32, t.get("h").dtype());
        assertArrayEquals(new int[0], t.get("u64").shape());
        assertEquals(42, t.get("u64").itemLong());
    }

    @Test
    void metadataNameIsNotATensorName() {
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(dir.resolve("x.safetensors"), Map.of("__metadata__", Tensor.ones(1)), null));
    }
}
