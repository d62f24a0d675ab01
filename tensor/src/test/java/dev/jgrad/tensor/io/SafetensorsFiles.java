package dev.jgrad.tensor.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Hand-made safetensors files for the reader tests. */
final class SafetensorsFiles {
    private SafetensorsFiles() {}

    /** 8-byte little-endian header length, the header, then {@code data}. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, data);
    }

    /** A file whose length field says {@code declaredLength}, whatever the header really is. */
    static byte[] file(long declaredLength, byte[] header, byte[] data) {
        ByteBuffer bb = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(declaredLength).put(header).put(data);
        return bb.array();
    }
}
