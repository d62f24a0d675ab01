package dev.jgrad.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Safetensors#write} publishes whole files or nothing, and never leaves its temporary file behind. */
class SafetensorsWriteTest {
    @TempDir
    Path dir;

    /** Everything in {@link #dir} but {@code keep}. */
    private List<String> strayFiles(String... keep) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = new ArrayList<>(s.map(p -> p.getFileName().toString()).sorted().toList());
            names.removeAll(List.of(keep));
            return names;
        }
    }

    @Test
    void concurrentWritersToOnePathNeverMixTheirFiles() throws Exception {
        // Both writers used file + ".tmp": one could rename the other's half-written file, or publish its own header
        // over the other's data. Same tensor name, shape and dtype, so only the metadata tells whose header it is.
        Path f = dir.resolve("shared.safetensors");
        int n = 1 << 18;
        float[] onesData = new float[n], twosData = new float[n];
        java.util.Arrays.fill(onesData, 1f);
        java.util.Arrays.fill(twosData, 2f);
        Map<String, Tensor> ones = Map.of("w", Tensor.of(onesData)), twos = Map.of("w", Tensor.of(twosData));
        int rounds = 30;
        CyclicBarrier start = new CyclicBarrier(2), done = new CyclicBarrier(3);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> writers = new ArrayList<>();
        for (String who : List.of("ones", "twos")) {
            Map<String, Tensor> payload = who.equals("ones") ? ones : twos;
            writers.add(Thread.ofPlatform().name("writer-" + who).start(() -> {
                for (int r = 0; r < rounds; r++) {
                    try {
                        start.await();
                        Safetensors.write(f, payload, Map.of("writer", who));
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                    try {
                        done.await();
                    } catch (Exception e) {
                        failures.add(e);
                        return;
                    }
                }
            }));
        }
        List<String> mixed = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            done.await();
            try {
                Safetensors.Contents c = Safetensors.read(f);
                String who = c.metadata().get("writer");
                float[] expected = "ones".equals(who) ? onesData : twosData;
                if (!java.util.Arrays.equals(expected, c.tensors().get("w").toFloatArray())) mixed.add("round " + r + ": " + who + "'s header over other data");
            } catch (IOException e) {
                mixed.add("round " + r + ": " + e.getMessage());
            }
        }
        for (Thread w : writers) w.join();
        assertTrue(failures.isEmpty() && mixed.isEmpty(),
                () -> failures.size() + " writes failed: " + failures + "; " + mixed.size() + " of " + rounds + " rounds mixed: " + mixed);
        assertEquals(List.of(), strayFiles("shared.safetensors"), "temporary files left behind");
    }

    @Test
    void writingOverADirectoryNamesItAndLeavesNothingBehind() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("model.safetensors"));
        IOException e = assertThrows(IOException.class, () -> Safetensors.write(sub, Map.of("w", Tensor.ones(2)), null));
        assertTrue(e.getMessage().contains(sub.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
        assertTrue(Files.isDirectory(sub));
        assertEquals(List.of(), strayFiles("model.safetensors"), "temporary files left behind");
    }

    @Test
    void aParentThatIsNotADirectoryIsNamed() throws IOException {
        Path notADir = Files.writeString(dir.resolve("plain.txt"), "x");
        Path f = notADir.resolve("model.safetensors");
        IOException e = assertThrows(IOException.class, () -> Safetensors.write(f, Map.of("w", Tensor.ones(2)), null));
        assertTrue(e.getMessage().contains(notADir.toString()), e.getMessage());
        assertEquals(List.of(), strayFiles("plain.txt"));
    }

    @Test
    void theWrittenFileIsTheOnlyFileLeft() throws IOException {
        Path f = dir.resolve("one.safetensors");
        for (int i = 0; i < 3; i++) Safetensors.write(f, Map.of("w", Tensor.ones(10 + i)), null);
        assertArrayEquals(new int[] {12}, Safetensors.read(f).tensors().get("w").shape());
        assertEquals(List.of(), strayFiles("one.safetensors"));
    }

    /** A channel that passes {@code limit} bytes to the file, then fails as {@code failure} says. */
    private static SafetensorsWriter failingAfter(long limit, java.util.function.Supplier<Exception> failure) {
        return new SafetensorsWriter(SafetensorsWriter.CHUNK_BYTES, file -> new WritableByteChannel() {
            long passed;

            @Override
            public int write(ByteBuffer src) throws IOException {
                if (passed + src.remaining() > limit) {
                    Exception e = failure.get();
                    if (e instanceof IOException io) throw io;
                    throw (RuntimeException) e;
                }
                int n = file.write(src);
                passed += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return file.isOpen();
            }

            @Override
            public void close() {}
        });
    }

    @Test
    void aFailedWriteLeavesNoTemporaryFileAndTheOldFileAsItWas() throws IOException {
        // a full disk was a bare "java.io.IOException: No space left on device"; any failure left file + ".tmp" behind
        Path f = dir.resolve("model.safetensors");
        Safetensors.write(f, Map.of("old", Tensor.ones(3)), Map.of("v", "1"));
        byte[] before = Files.readAllBytes(f);
        Map<String, Tensor> big = Map.of("w", Tensor.zeros(100_000));

        IOException full = assertThrows(IOException.class,
                () -> failingAfter(4096, () -> new IOException("No space left on device")).write(f, big, null));
        assertTrue(full.getMessage().startsWith(f + ": writing failed after "), full.getMessage());
        assertTrue(full.getMessage().endsWith("No space left on device"), full.getMessage());
        assertEquals(List.of(), strayFiles("model.safetensors"), "temporary files left behind");
        assertArrayEquals(before, Files.readAllBytes(f), "the old file is untouched");

        // an unchecked failure while the data is produced (a device that cannot copy back, a bug) cleans up too
        IllegalStateException broken = assertThrows(IllegalStateException.class,
                () -> failingAfter(0, () -> new IllegalStateException("the tensor's data cannot be produced")).write(f, big, null));
        assertEquals("the tensor's data cannot be produced", broken.getMessage());
        assertEquals(List.of(), strayFiles("model.safetensors"), "temporary files left behind");
        assertArrayEquals(before, Files.readAllBytes(f), "the old file is untouched");
    }

    @Test
    void tensorsOverTwoGibibytesAreWrittenInChunksWithLongOffsets() throws IOException {
        // was IllegalArgumentException: capacity < 0 (the whole tensor went into one ByteBuffer of n * 4 bytes).
        // A stride-0 view of 2^29 + 3 floats (2 GiB + 12 bytes) costs no heap; the bytes go to a channel that keeps
        // only the header and the last 16 bytes, so the test needs neither 2 GiB of heap nor of disk.
        int n = (1 << 29) + 3;
        Tensor huge = Tensor.of(new float[] {1.5f}).expand(n);
        Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
        tensors.put("huge", huge);
        tensors.put("after", Tensor.of(new long[] {7, -8}));
        long dataBytes = 4L * n + 16;
        WatchingChannel watcher = new WatchingChannel(4096, 16);
        new SafetensorsWriter(SafetensorsWriter.CHUNK_BYTES, file -> watcher).write(dir.resolve("huge.safetensors"), tensors, null);

        ByteBuffer head = ByteBuffer.wrap(watcher.head()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long headerLen = head.getLong(0);
        String header = new String(watcher.head(), 8, (int) headerLen, java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals("{\"huge\":{\"dtype\":\"F32\",\"shape\":[" + n + "],\"data_offsets\":[0,2147483660]},"
                + "\"after\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[2147483660,2147483676]}}", header);
        assertEquals(8 + headerLen + dataBytes, watcher.total(), "every byte written once");
        assertEquals(1.5f, head.getFloat((int) (8 + headerLen)), "first element");
        ByteBuffer tail = ByteBuffer.wrap(watcher.tail()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(7, tail.getLong(0));
        assertEquals(-8, tail.getLong(8));
        assertTrue(watcher.largestWrite() <= SafetensorsWriter.CHUNK_BYTES, "largest write " + watcher.largestWrite());
    }

    /** Keeps the first {@code headBytes} and last {@code tailBytes} bytes written, counts the rest. */
    private static final class WatchingChannel implements WritableByteChannel {
        private final byte[] head;
        private final byte[] tail;
        private long total;
        private int largest;

        WatchingChannel(int headBytes, int tailBytes) {
            head = new byte[headBytes];
            tail = new byte[tailBytes];
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            largest = Math.max(largest, n);
            int start = src.position();
            if (total < head.length) src.get(start, head, (int) total, (int) Math.min(n, head.length - total));
            int keep = Math.min(n, tail.length);   // slide the tail left by keep, then append the last keep bytes
            System.arraycopy(tail, keep, tail, 0, tail.length - keep);
            src.get(start + n - keep, tail, tail.length - keep, keep);
            src.position(start + n);
            total += n;
            return n;
        }

        byte[] head() {
            return head;
        }

        byte[] tail() {
            return tail;
        }

        long total() {
            return total;
        }

        int largestWrite() {
            return largest;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    @Test
    void chunkBoundariesDoNotChangeTheBytes() throws IOException {
        Map<String, Tensor> m = new java.util.LinkedHashMap<>();
        m.put("f32", Tensor.of(new float[] {1.5f, -0f, Float.NaN, 3, 4, 5, 6}, 7));
        m.put("f64", Tensor.of(new double[] {Math.PI, -1e-300, Double.NEGATIVE_INFINITY}));
        m.put("i64", Tensor.of(new long[] {Long.MIN_VALUE, 1, Long.MAX_VALUE}));
        m.put("i32", Tensor.of(new int[] {Integer.MIN_VALUE, -1, Integer.MAX_VALUE, 5, 6}));
        m.put("bool", Tensor.of(new boolean[] {true, false, true, true, false, true, false, false, true}));
        m.put("transposed", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).t());
        m.put("scalar", Tensor.scalar(2.5));
        m.put("empty", Tensor.zeros(0, 4));
        Path big = dir.resolve("big-chunks.safetensors"), small = dir.resolve("small-chunks.safetensors");
        Safetensors.write(big, m, Map.of("k", "v"));
        new SafetensorsWriter(8, ch -> ch).write(small, m, Map.of("k", "v"));   // one 8-byte element, or 2 floats, or 8 bools per chunk
        assertArrayEquals(Files.readAllBytes(big), Files.readAllBytes(small));
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, Safetensors.read(small).tensors().get("transposed").toFloatArray());
    }
}
