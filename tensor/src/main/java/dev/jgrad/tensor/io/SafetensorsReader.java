package dev.jgrad.tensor.io;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a safetensors file through a memory mapping that lives only as long as the call. The header is checked
 * whole ({@link SafetensorsHeader}) before any element is read; then each tensor is copied out of the mapping
 * into its own array.
 */
final class SafetensorsReader {
    /** Runs once the file is mapped, before anything is read from the mapping: lets a test change the file under the reader. */
    @FunctionalInterface
    interface AfterMapping {
        void run(Path file) throws IOException;
    }

    private final int maxTensors;
    private final AfterMapping afterMapping;

    SafetensorsReader(int maxTensors, AfterMapping afterMapping) {
        this.maxTensors = maxTensors;
        this.afterMapping = afterMapping;
    }

    Safetensors.Contents read(Path file) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);   // NoSuchFileException names the file
        if (!attrs.isRegularFile()) {
            // mapping a directory failed with a bare "No such device"
            throw new FileSystemException(file.toString(), null, (attrs.isDirectory() ? "is a directory" : "is not a regular file")
                    + ", not a safetensors file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            if (size < 8) throw new CorruptFileException(file, 0, "file is " + size + " bytes; a safetensors file starts with an 8-byte header length");
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            if (afterMapping != null) afterMapping.run(file);
            try {
                return read(file, seg, size);
            } catch (InternalError fault) {
                // A mapped page past the end of a file that shrank raises SIGBUS, which the JVM turns into an
                // InternalError ("a fault occurred in an unsafe memory access operation") at the access.
                long now = currentSize(ch);
                if (now >= 0 && now < size) {
                    CorruptFileException e = new CorruptFileException(file, now, "the file shrank from " + size + " to " + now
                            + " bytes while it was being read (was it overwritten in place?)");
                    e.initCause(fault);
                    throw e;
                }
                throw fault;
            }
        }
    }

    private static long currentSize(FileChannel ch) {
        try {
            return ch.size();
        } catch (IOException e) {
            return -1;
        }
    }

    private Safetensors.Contents read(Path file, MemorySegment seg, long size) throws CorruptFileException {
        long headerLen = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 2 || headerLen > Safetensors.MAX_HEADER_BYTES) {
            throw new CorruptFileException(file, 0, "header length " + Long.toUnsignedString(headerLen)
                    + " is outside [2, " + Safetensors.MAX_HEADER_BYTES + "]");
        }
        if (headerLen > size - 8) {
            throw new CorruptFileException(file, 0, "header length " + headerLen + " runs past the end of the " + size + "-byte file");
        }
        SafetensorsHeader header = SafetensorsHeader.parse(file, SafetensorsHeader.text(file, seg.asSlice(8, headerLen)), maxTensors);
        long dataStart = 8 + headerLen;
        header.checkLayout(file, dataStart, size - dataStart);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (SafetensorsHeader.Entry e : header.entries()) {
            long at = dataStart + e.begin();
            tensors.put(e.name(), decode(file, e, at, seg.asSlice(at, e.end() - e.begin())));
        }
        return new Safetensors.Contents(tensors, header.metadata());
    }

    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The tensor {@code e} from its bytes {@code data} (at byte {@code at} of the file). F16 and BF16 keep their
     * dtype (FLOAT16, BFLOAT16: the bits as stored); each other dtype becomes the narrowest jgrad dtype that holds
     * all its values exactly: I8, U8, I16 and U16 int32; U32 int64. U64 becomes int64 when every value is below
     * 2^63, and is refused otherwise.
     */
    private static Tensor decode(Path file, SafetensorsHeader.Entry e, long at, MemorySegment data) throws CorruptFileException {
        int n = e.numel();
        int[] shape = e.shape();
        // element by element from the mapped segment: no ByteBuffer view, which cannot exceed 2 GiB
        Tensor t = switch (e.dtype()) {
            case "F64" -> Tensor.of(copy(data, n, new double[n], F64), shape);
            case "F32" -> Tensor.of(copy(data, n, new float[n], F32), shape);
            case "I64" -> Tensor.of(copy(data, n, new long[n], I64), shape);
            case "U64" -> Tensor.of(nonNegative(file, e, at, copy(data, n, new long[n], I64)), shape);
            case "I32" -> Tensor.of(copy(data, n, new int[n], I32), shape);
            case "U32" -> { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = data.get(I32, 4L * i) & 0xFFFF_FFFFL; yield Tensor.of(a, shape); }
            case "F16" -> Tensor.ofHalfBits(copy(data, n, new short[n], I16), DType.FLOAT16, shape);
            case "BF16" -> Tensor.ofHalfBits(copy(data, n, new short[n], I16), DType.BFLOAT16, shape);
            case "I16" -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = data.get(I16, 2L * i); yield Tensor.of(a, shape); }
            case "U16" -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = data.get(I16, 2L * i) & 0xFFFF; yield Tensor.of(a, shape); }
            case "I8" -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = data.get(ValueLayout.JAVA_BYTE, i); yield Tensor.of(a, shape); }
            case "U8" -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = data.get(ValueLayout.JAVA_BYTE, i) & 0xFF; yield Tensor.of(a, shape); }
            case "BOOL" -> { boolean[] a = new boolean[n]; for (int i = 0; i < n; i++) a[i] = data.get(ValueLayout.JAVA_BYTE, i) != 0; yield Tensor.of(a, shape); }
            default -> throw new IllegalStateException("unreachable: dtype checked while parsing");
        };
        // Tensor.of reads an empty shape as "1-D of the data's length"; a 0-d entry must stay 0-d.
        return shape.length == 0 ? t.reshape() : t;
    }

    /** {@code values} read as U64: jgrad has no unsigned 64-bit type, and a value of 2^63 or more would read as negative. */
    private static long[] nonNegative(Path file, SafetensorsHeader.Entry e, long at, long[] values) throws CorruptFileException {
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0) {
                throw new CorruptFileException(file, at + 8L * i, "tensor \"" + e.name() + "\" of dtype U64: element " + i + " (index "
                        + Arrays.toString(index(i, e.shape())) + ") is " + Long.toUnsignedString(values[i])
                        + ", which int64 (at most 2^63-1) cannot hold");
            }
        }
        return values;
    }

    /** The multi-index of flat row-major element {@code flat}. */
    private static int[] index(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    private static <A> A copy(MemorySegment data, int n, A array, ValueLayout layout) {
        MemorySegment.copy(data, layout, 0, array, 0, n);
        return array;
    }
}
