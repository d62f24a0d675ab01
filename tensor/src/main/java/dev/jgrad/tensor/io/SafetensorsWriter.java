package dev.jgrad.tensor.io;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file through {@link AtomicFile}. Offsets and sizes are longs throughout, and each tensor's
 * elements go out in chunks of at most {@code chunkBytes}, copied from a flat view one chunk at a time: a tensor
 * of more than 2 GiB is written like any other (a single buffer for it failed with "capacity &lt; 0"), and the heap
 * holds one chunk, not the whole file.
 */
final class SafetensorsWriter {
    /** Bytes per chunk. */
    static final int CHUNK_BYTES = 1 << 20;

    /** Stands between the writer and the file: lets a test fail a write, or watch the bytes without a file that large. */
    @FunctionalInterface
    interface ChannelWrapper {
        WritableByteChannel wrap(WritableByteChannel file);
    }

    private final int chunkBytes;
    private final ChannelWrapper wrapper;

    SafetensorsWriter(int chunkBytes, ChannelWrapper wrapper) {
        if (chunkBytes < 8) throw new IllegalArgumentException("safetensors: chunks must hold at least one 8-byte element, got " + chunkBytes);
        this.chunkBytes = chunkBytes;
        this.wrapper = wrapper;
    }

    private record Item(String name, Tensor tensor, long begin, long end) {}

    void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        // one pass over the map: the header and the data must describe the same tensors
        List<Item> items = new ArrayList<>(tensors.size());
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        for (Map.Entry<String, Tensor> kv : tensors.entrySet()) {
            String name = kv.getKey();
            Tensor t = kv.getValue();
            if ("__metadata__".equals(name)) throw new IllegalArgumentException("safetensors: \"__metadata__\" is not a valid tensor name");
            if (name == null || t == null) throw new IllegalArgumentException("safetensors: tensor " + (name == null ? "name" : "\"" + name + "\"") + " is null");
            long bytes = (long) t.numel() * t.dtype().byteSize();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", dtypeName(t.dtype()));
            info.put("shape", Arrays.stream(t.shape()).boxed().toList());
            info.put("data_offsets", List.of(offset, offset + bytes));
            header.put(name, info);
            items.add(new Item(name, t, offset, offset + bytes));
            offset += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;   // data starts 8-byte aligned
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        AtomicFile.write(file, ch -> {
            WritableByteChannel out = wrapper.wrap(ch);
            writeFully(out, head);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment chunk = arena.allocate(chunkBytes, 8);
                for (Item item : items) writeData(out, item, chunk);
            }
        });
    }

    private static String dtypeName(DType t) {
        return switch (t) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case INT64 -> "I64";
            case INT32 -> "I32";
            case BOOL -> "BOOL";
            case FLOAT16 -> "F16";
            case BFLOAT16 -> "BF16";
        };
    }

    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The tensor's elements, little-endian and row-major, one chunk at a time. */
    private void writeData(WritableByteChannel out, Item item, MemorySegment chunk) throws IOException {
        Tensor t = item.tensor();
        int n = t.numel();
        if (n == 0) return;
        int size = t.dtype().byteSize();
        // a flat view (a copy only when the tensor is not contiguous), without the graph
        Tensor flat = t.detach();
        if (flat.dim() != 1) flat = flat.reshape(n);
        int perChunk = chunkBytes / size;
        for (int start = 0; start < n; start += perChunk) {
            int len = Math.min(perChunk, n - start);
            Tensor part = flat.narrow(0, start, len);
            switch (t.dtype()) {
                case FLOAT32 -> MemorySegment.copy(part.toFloatArray(), 0, chunk, F32, 0, len);
                case FLOAT64 -> MemorySegment.copy(part.toDoubleArray(), 0, chunk, F64, 0, len);
                case INT64 -> MemorySegment.copy(part.toLongArray(), 0, chunk, I64, 0, len);
                case INT32 -> MemorySegment.copy(part.toIntArray(), 0, chunk, I32, 0, len);
                case FLOAT16, BFLOAT16 -> MemorySegment.copy(part.toHalfBits(), 0, chunk, I16, 0, len);   // the bits as they are
                case BOOL -> {
                    boolean[] b = part.toBooleanArray();
                    for (int i = 0; i < len; i++) chunk.set(ValueLayout.JAVA_BYTE, i, (byte) (b[i] ? 1 : 0));
                }
            }
            writeFully(out, chunk.asSlice(0, (long) len * size).asByteBuffer());
        }
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) out.write(b);
    }
}
