package dev.jgrad.nn.train;

import dev.jgrad.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The SHA-256 of a checkpoint's contents: every tensor (name, dtype, shape, values as little-endian
 * bits) and every metadata entry except the checksum itself, in name order, so it does not depend
 * on the order a writer put them in.
 *
 * <pre>{@code
 * String sum = Checksum.of(tensors, metadata);   // "sha256:9f2c…"
 * }</pre>
 */
final class Checksum {
    static final String KEY = "jgrad.checksum";
    private static final int CHUNK = 1 << 14;   // elements hashed per buffer, so no file-sized copy is made

    private Checksum() {}

    static String of(Map<String, Tensor> tensors, Map<String, String> metadata) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);   // every JDK must provide it
        }
        for (Map.Entry<String, Tensor> e : new TreeMap<>(tensors).entrySet()) {
            Tensor t = e.getValue();
            text(d, e.getKey());
            text(d, t.dtype().name());
            ByteBuffer dims = ByteBuffer.allocate(4 + 4 * t.dim()).order(ByteOrder.LITTLE_ENDIAN).putInt(t.dim());
            for (int s : t.shape()) dims.putInt(s);
            d.update(dims.array());
            values(d, t);
        }
        for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
            if (e.getKey().equals(KEY)) continue;
            text(d, e.getKey());
            text(d, e.getValue());
        }
        return "sha256:" + HexFormat.of().formatHex(d.digest());
    }

    /** A length-prefixed string, so that ("ab", "c") and ("a", "bc") differ. */
    private static void text(MessageDigest d, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        d.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        d.update(b);
    }

    private static void values(MessageDigest d, Tensor t) {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK * 8).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case FLOAT32 -> {
                float[] v = t.toFloatArray();
                for (int i = 0; i < v.length; i++) buf = flushIfFull(d, buf, 4).putInt(Float.floatToRawIntBits(v[i]));
            }
            case FLOAT64 -> {
                double[] v = t.toDoubleArray();
                for (int i = 0; i < v.length; i++) buf = flushIfFull(d, buf, 8).putLong(Double.doubleToRawLongBits(v[i]));
            }
            case INT64 -> {
                long[] v = t.toLongArray();
                for (int i = 0; i < v.length; i++) buf = flushIfFull(d, buf, 8).putLong(v[i]);
            }
            case INT32 -> {
                int[] v = t.toIntArray();
                for (int i = 0; i < v.length; i++) buf = flushIfFull(d, buf, 4).putInt(v[i]);
            }
            case BOOL -> {
                boolean[] v = t.toBooleanArray();
                for (int i = 0; i < v.length; i++) buf = flushIfFull(d, buf, 1).put((byte) (v[i] ? 1 : 0));
            }
            case FLOAT16, BFLOAT16 -> {
                short[] v = t.toHalfBits();
                for (int i = 0; i < v.length; i++) buf = flushIfFull(d, buf, 2).putShort(v[i]);
            }
        }
        d.update(buf.array(), 0, buf.position());
    }

    private static ByteBuffer flushIfFull(MessageDigest d, ByteBuffer buf, int room) {
        if (buf.remaining() < room) {
            d.update(buf.array(), 0, buf.position());
            buf.clear();
        }
        return buf;
    }
}
