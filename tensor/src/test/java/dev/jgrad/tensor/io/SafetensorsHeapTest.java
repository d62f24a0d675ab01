package dev.jgrad.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heap a header needs is a small multiple of its size. A header listing 2^17 empty tensors (7.6 MB) needed
 * between 96 and 128 MiB of heap to read (the parser built the whole JSON tree, ~800 bytes per entry, next to
 * two copies of the text); the reader now parses it entry by entry, and a child JVM limited to 80 MiB reads it.
 */
class SafetensorsHeapTest {
    @TempDir
    Path dir;

    static final int TENSORS = 1 << 17;
    static final String HEAP = "-Xmx80m";

    /** Run in the child JVM: reads the file and prints how many tensors it holds. */
    public static void main(String[] args) throws IOException {
        System.out.println("tensors=" + Safetensors.read(Path.of(args[0])).tensors().size());
    }

    @Test
    void aHeaderOfManyEmptyTensorsIsReadInBoundedHeap() throws Exception {
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i < TENSORS; i++) {
            if (i > 0) h.append(',');
            h.append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }
        Path f = dir.resolve("many.safetensors");
        Files.write(f, SafetensorsFiles.file(h.append('}').toString(), new byte[0]));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, HEAP, "-XX:+UseSerialGC", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), SafetensorsHeapTest.class.getName(),
                f.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes());
        long kB = Files.size(f) / 1000;
        assertEquals(0, p.exitValue(), () -> "reading " + kB + " kB of header in " + HEAP + ":\n" + out);
        assertTrue(out.contains("tensors=" + TENSORS), out);
    }
}
