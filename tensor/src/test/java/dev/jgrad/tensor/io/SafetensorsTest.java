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
        // 16-bit floats as their bits: -0, infinity, a NaN with a payload, the smallest subnormal, the largest finite
        m.put("f16", Tensor.ofHalfBits(new short[] {(short) 0x8000, 0x7C00, 0x7D55, 0x0001, 0x7BFF, 0x3555}, DType.FLOAT16, 3, 2));
        m.put("bf16", Tensor.ofHalfBits(new short[] {(short) 0x8000, 0x7F80, 0x7F81, 0x0001, (short) 0xFF7F}, DType.BFLOAT16));
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
                case FLOAT16, BFLOAT16 -> assertArrayEquals(orig.toHalfBits(), back.toHalfBits(), e.getKey());
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
    void halfTensorsAreWrittenAsF16AndBF16Bits() throws IOException {
        Path f = dir.resolve("half.safetensors");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("h", Tensor.of(new float[] {1, -2}).to(DType.FLOAT16));
        m.put("b", Tensor.of(new float[] {1, -2, 0.5f}).to(DType.BFLOAT16).reshape(3, 1));
        Safetensors.write(f, m, null);
        byte[] bytes = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) bb.getLong(0);
        String header = new String(bytes, 8, n, StandardCharsets.UTF_8).strip();
        assertEquals("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3,1],\"data_offsets\":[4,10]}}", header);
        assertEquals(8 + n + 10, bytes.length);
        short[] want = {0x3C00, (short) 0xC000, 0x3F80, (short) 0xC000, 0x3F00};
        for (int i = 0; i < want.length; i++) assertEquals(want[i], bb.getShort(8 + n + 2 * i), "element " + i);
        Map<String, Tensor> back = Safetensors.read(f).tensors();
        assertEquals(DType.FLOAT16, back.get("h").dtype());
        assertArrayEquals(new float[] {1, -2, 0.5f}, back.get("b").toFloatArray());
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
        // as written by PyTorch's safetensors: F16, BF16 (read as FLOAT16, BFLOAT16), I16, U16, I8, U8, U64 (narrow integer types widen)
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
        assertEquals(DType.FLOAT16, t.get("h").dtype());
        assertEquals(DType.BFLOAT16, t.get("b").dtype());
        assertArrayEquals(new int[0], t.get("u64").shape());
        assertEquals(42, t.get("u64").itemLong());
    }

    @Test
    void unsignedAndNarrowDtypesReadExactly() throws IOException {
        // U32 has values int32 cannot hold, so it reads as int64; U64 reads as int64 when its values fit (see
        // CorruptSafetensorsTest.u64ValuesInt64CannotHoldAreRefused); the narrow types keep their sign or lack of one
        ByteBuffer data = ByteBuffer.allocate(16 + 24 + 4 + 4 + 2 + 2 + 2 + 10 + 8).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0xFFFF_FFFF).putInt(0x8000_0000).putInt(0x7FFF_FFFF).putInt(0);       // U32 [2^32-1, 2^31, 2^31-1, 0]
        data.putLong(Long.MAX_VALUE).putLong(0).putLong((1L << 53) + 1);                  // U64
        data.putShort((short) 0xFFFF).putShort((short) 0x8000);                           // U16 [65535, 32768]
        data.putShort(Short.MIN_VALUE).putShort(Short.MAX_VALUE);                        // I16
        data.put((byte) 0xFF).put((byte) 0x80);                                           // U8 [255, 128]
        data.put(Byte.MIN_VALUE).put(Byte.MAX_VALUE);                                     // I8
        data.put((byte) 0).put((byte) 1);                                                 // BOOL
        short[] f16 = {(short) 0x8000, 0x7C00, 0x7E00, 0x0001, 0x7BFF};                   // -0, inf, NaN, smallest subnormal, 65504
        for (short h : f16) data.putShort(h);
        short[] bf16 = {(short) 0x8000, 0x7F80, 0x0001, (short) 0xFF7F};                  // -0, inf, smallest subnormal, -max
        for (short h : bf16) data.putShort(h);
        String header = "{\"u32\":{\"dtype\":\"U32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"u64\":{\"dtype\":\"U64\",\"shape\":[3],\"data_offsets\":[16,40]},"
                + "\"u16\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[40,44]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[44,48]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[48,50]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[50,52]},"
                + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[52,54]},"
                + "\"f16\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[54,64]},"
                + "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[64,72]}}";
        Path f = dir.resolve("unsigned.safetensors");
        Files.write(f, SafetensorsFiles.file(header, data.array()));
        Map<String, Tensor> t = Safetensors.read(f).tensors();
        assertEquals(DType.INT64, t.get("u32").dtype());
        assertArrayEquals(new int[] {2, 2}, t.get("u32").shape());
        assertArrayEquals(new long[] {0xFFFF_FFFFL, 0x8000_0000L, 0x7FFF_FFFFL, 0}, t.get("u32").toLongArray());
        assertEquals(DType.INT64, t.get("u64").dtype());
        assertArrayEquals(new long[] {Long.MAX_VALUE, 0, (1L << 53) + 1}, t.get("u64").toLongArray());
        assertEquals(DType.INT32, t.get("u16").dtype());
        assertArrayEquals(new int[] {65535, 32768}, t.get("u16").toIntArray());
        assertArrayEquals(new int[] {Short.MIN_VALUE, Short.MAX_VALUE}, t.get("i16").toIntArray());
        assertArrayEquals(new int[] {255, 128}, t.get("u8").toIntArray());
        assertArrayEquals(new int[] {Byte.MIN_VALUE, Byte.MAX_VALUE}, t.get("i8").toIntArray());
        assertArrayEquals(new boolean[] {false, true}, t.get("bool").toBooleanArray());
        float[] h = t.get("f16").toFloatArray();
        for (int i = 0; i < f16.length; i++) assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(f16[i])), Float.floatToRawIntBits(h[i]), "F16 " + i);
        assertEquals(0x8000_0000, Float.floatToRawIntBits(h[0]), "F16 -0 keeps its sign");
        assertEquals(65504f, h[4]);
        float[] b = t.get("bf16").toFloatArray();
        for (int i = 0; i < bf16.length; i++) assertEquals((bf16[i] & 0xFFFF) << 16, Float.floatToRawIntBits(b[i]), "BF16 " + i);
    }

    @Test
    void anEmptyTensorMaySitAtTheOffsetWhereAnotherTensorStartsOrEnds() throws IOException {
        // safetensors-rs orders ranges by (begin, end), so an empty range [8, 8] listed after [8, 12], or [0, 0]
        // listed after [0, 8], is contiguous; this reader sorted by begin alone and called it an overlap
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3);
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"c\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"between\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},"
                + "\"first\":{\"dtype\":\"I64\",\"shape\":[0,3],\"data_offsets\":[0,0]},"
                + "\"last\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[12,12]}}";
        Path f = dir.resolve("empty-shared-offset.safetensors");
        Files.write(f, SafetensorsFiles.file(header, data.array()));
        Map<String, Tensor> t = Safetensors.read(f).tensors();
        assertEquals(List.of("a", "c", "between", "first", "last"), List.copyOf(t.keySet()), "file order");
        assertArrayEquals(new float[] {1, 2}, t.get("a").toFloatArray());
        assertArrayEquals(new float[] {3}, t.get("c").toFloatArray());
        assertArrayEquals(new int[] {0}, t.get("between").shape());
        assertArrayEquals(new int[] {0, 3}, t.get("first").shape());
        assertEquals(DType.INT64, t.get("first").dtype());
    }

    @Test
    void namesAndMetadataOutsideAsciiRoundTrip() throws IOException {
        // ASCII headers are parsed in place from the mapping; others are decoded into a String first
        Path f = dir.resolve("unicode.safetensors");
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("gewicht.\u00e9t\u00e9", Tensor.of(new float[] {1, 2}));
        in.put("\u6743\u91cd\ud83d\ude00", Tensor.of(new int[] {3}));
        Safetensors.write(f, in, Map.of("auteur", "Zo\u00eb \u2603"));
        Safetensors.Contents c = Safetensors.read(f);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(new float[] {1, 2}, c.tensors().get("gewicht.\u00e9t\u00e9").toFloatArray());
        assertArrayEquals(new int[] {3}, c.tensors().get("\u6743\u91cd\ud83d\ude00").toIntArray());
        assertEquals(Map.of("auteur", "Zo\u00eb \u2603"), c.metadata());
    }

    @Test
    void metadataNameIsNotATensorName() {
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(dir.resolve("x.safetensors"), Map.of("__metadata__", Tensor.ones(1)), null));
    }
}
