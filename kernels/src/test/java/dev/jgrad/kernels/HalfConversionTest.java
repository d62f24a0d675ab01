package dev.jgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.kernels.typed.HalfF32;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * float16 and bfloat16 conversions bit for bit against PyTorch: every 16-bit pattern widened to
 * float32, and 3.1 million float32 patterns rounded to each format, among them every rounding
 * boundary (the exact ties, one float32 ulp either side, carries into the exponent, overflow,
 * every subnormal step, every NaN and infinity). The fixture ({@code half/conversions.txt},
 * written by {@code tools/oracle/generate_half.py}) holds CRC32 checksums of PyTorch's outputs per
 * block of inputs; each of jgrad's three paths must give the same checksums: the scalar
 * {@link Half}, the bulk {@link HalfF32} with the Vector API loops, and {@link HalfF32} with SIMD
 * off (its scalar loop).
 */
class HalfConversionTest {
    private static final int BLOCK = 1024;

    /** The fixture: table → block → CRC32, and the low halves of the float32 inputs. */
    private record Fixture(Map<String, long[]> crcs, int[] lows) {}

    private static Fixture fixture() throws IOException {
        try (InputStream in = HalfConversionTest.class.getResourceAsStream("/half/conversions.txt")) {
            assertNotNull(in, "half/conversions.txt is not on the test class path");
            Map<String, long[]> crcs = new HashMap<>();
            int[] lows = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("# lows ")) {
                    String[] hex = line.substring(7).trim().split(" ");
                    lows = new int[hex.length];
                    for (int i = 0; i < hex.length; i++) lows[i] = Integer.parseInt(hex[i], 16);
                }
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.trim().split(" ");
                crcs.computeIfAbsent(f[0], k -> new long[65536 / BLOCK])[Integer.parseInt(f[1])] = Long.parseLong(f[2], 16);
            }
            assertNotNull(lows, "the fixture names its low halves");
            return new Fixture(crcs, lows);
        }
    }

    /** One way of converting a whole array. */
    private interface Widen {
        void run(short[] in, float[] out);
    }

    private interface Round {
        void run(float[] in, short[] out);
    }

    private static long crc(ByteBuffer b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    private static void checkWidening(String table, long[] expected, Widen widen, String path) {
        short[] in = new short[65536];
        for (int i = 0; i < in.length; i++) in[i] = (short) i;
        float[] out = new float[in.length];
        widen.run(in, out);
        List<Integer> bad = new ArrayList<>();
        for (int b = 0; b < expected.length; b++) {
            ByteBuffer buf = ByteBuffer.allocate(4 * BLOCK).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(out, b * BLOCK, BLOCK);   // raw bits: a NaN's payload as it is
            if (crc(buf) != expected[b]) bad.add(b);
        }
        assertTrue(bad.isEmpty(), table + " by " + path + ": blocks " + bad + " differ from PyTorch (inputs " + BLOCK + "·block …)");
    }

    private static void checkRounding(String table, long[] expected, int[] lows, Round round, String path) {
        float[] in = new float[65536 * lows.length];
        for (int hi = 0, k = 0; hi < 65536; hi++) {
            for (int lo : lows) in[k++] = Float.intBitsToFloat(hi << 16 | lo);
        }
        short[] out = new short[in.length];
        round.run(in, out);
        int perBlock = BLOCK * lows.length;
        List<Integer> bad = new ArrayList<>();
        for (int b = 0; b < expected.length; b++) {
            ByteBuffer buf = ByteBuffer.allocate(2 * perBlock).order(ByteOrder.LITTLE_ENDIAN);
            buf.asShortBuffer().put(out, b * perBlock, perBlock);
            if (crc(buf) != expected[b]) bad.add(b);
        }
        assertTrue(bad.isEmpty(), table + " by " + path + ": blocks " + bad + " (hi from " + BLOCK + "·block) differ from PyTorch");
    }

    @Test
    void everyPathMatchesPyTorchBitForBit() throws IOException {
        Fixture fx = fixture();
        for (Half.Format f : Half.Format.values()) {
            String widen = f == Half.Format.F16 ? "f16_to_f32" : "bf16_to_f32", round = f == Half.Format.F16 ? "f32_to_f16" : "f32_to_bf16";
            assertEquals(64, fx.crcs().get(widen).length);
            checkWidening(widen, fx.crcs().get(widen), (in, out) -> {
                for (int i = 0; i < in.length; i++) out[i] = f.toFloat(in[i]);
            }, "Half (scalar)");
            checkRounding(round, fx.crcs().get(round), fx.lows(), (in, out) -> {
                for (int i = 0; i < in.length; i++) out[i] = f.fromFloat(in[i]);
            }, "Half (scalar)");
            boolean simd = Simd.enabled;
            try {
                for (boolean on : new boolean[] {true, false, true}) {   // SIMD, scalar loop, SIMD again once C2 has seen it
                    Simd.enabled = on && Simd.available();
                    String path = "HalfF32 " + (Simd.enabled ? "(Vector API)" : "(scalar loop)");
                    checkWidening(widen, fx.crcs().get(widen), (in, out) -> HalfF32.toFloat(f, in.length, in, 0, out, 0), path);
                    checkRounding(round, fx.crcs().get(round), fx.lows(), (in, out) -> HalfF32.fromFloat(f, in.length, in, 0, out, 0), path);
                }
            } finally {
                Simd.enabled = simd;
            }
        }
    }

    @Test
    void readableExamples() {
        assertEquals(0x2E66, Half.floatToF16(0.1f));
        assertEquals(0.0999755859375f, Half.f16ToFloat((short) 0x2E66));
        assertEquals(0x3EAB, Half.floatToBf16(1f / 3));
        assertEquals(0x7BFF, Half.floatToF16(65519.996f), "just below the halfway point to 65536 stays at 65504");
        assertEquals(0x7C00, Half.floatToF16(65520f), "the halfway point rounds to even: infinity");
        assertEquals(0x0001, Half.floatToF16(0x1p-24f), "the smallest subnormal");
        assertEquals(0x0000, Half.floatToF16(0x1p-25f), "half the smallest subnormal ties to even zero");
        assertEquals(0x0001, Half.floatToF16(Math.nextUp(0x1p-25f)));
        assertEquals((short) 0xFE00, Half.floatToF16(Float.intBitsToFloat(0xFF812345)), "a NaN keeps its sign only");
        assertEquals(Half.BF16_NAN, Half.floatToBf16(Float.intBitsToFloat(0xFF812345)), "every NaN is 0x7FC0");
        assertEquals(0x3F80, Half.floatToBf16(Float.intBitsToFloat(0x3F808000)), "a tie rounds to the even 0x3F80");
        assertEquals(0x3F82, Half.floatToBf16(Float.intBitsToFloat(0x3F818000)), "a tie rounds to the even 0x3F82");
        assertEquals(0x7F80, Half.floatToBf16(Float.MAX_VALUE), "float32's largest rounds up to infinity");
        assertEquals(0x7FC02000, Float.floatToRawIntBits(Half.f16ToFloat((short) 0x7C01)), "a signalling NaN widens quiet, its payload kept");
        assertEquals(0x7F810000, Float.floatToRawIntBits(Half.bf16ToFloat((short) 0x7F81)), "bfloat16 widens by a shift, NaN payload and all");
    }
}
