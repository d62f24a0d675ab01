package dev.jgrad.dist.nccl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NCCL's binding without NCCL: where the library is looked for, the error when it is missing,
 * and every call against a stand-in library with NCCL's C signatures (src/test/c/fake_nccl.c,
 * compiled when a C compiler is installed).
 */
class NcclBindingTest {

    @Test
    void candidatesAreTheExplicitPathsThenTheSystemThenPythonEnvironments(@TempDir Path tmp) throws IOException {
        Path home = tmp.resolve("home"), venv = tmp.resolve("venv"), conda = tmp.resolve("conda");
        Path userWheel = touch(home.resolve(".local/lib/python3.12/site-packages/nvidia/nccl/lib/libnccl.so.2"));
        Path venvWheel = touch(venv.resolve("lib/python3.11/site-packages/nvidia/nccl/lib/libnccl.so.2"));
        Path condaLib = touch(conda.resolve("lib/libnccl.so.2"));
        Files.createDirectories(conda.resolve("lib/python3.10/site-packages"));   // no wheel there: not listed
        List<String> c = Nccl.candidates(" /opt/nccl/libnccl.so.2 ", "/env/libnccl.so.2",
                Map.of("VIRTUAL_ENV", venv.toString(), "CONDA_PREFIX", conda.toString()), home);
        assertEquals("/opt/nccl/libnccl.so.2", c.get(0));
        assertEquals("/env/libnccl.so.2", c.get(1));
        assertEquals("libnccl.so.2", c.get(2));
        assertEquals(List.of(venvWheel.toString(), condaLib.toString(), userWheel.toString()), c.subList(3, 6));
        assertTrue(c.stream().noneMatch(s -> s.contains("python3.10")), c.toString());

        List<String> plain = Nccl.candidates("  ", null, Map.of(), tmp.resolve("nobody"));
        assertEquals("libnccl.so.2", plain.get(0));
        assertEquals("/env/x.so", Nccl.candidates("/env/x.so", "/env/x.so", Map.of(), home).get(0));
        assertEquals(1, Nccl.candidates("/env/x.so", "/env/x.so", Map.of(), home).stream().filter("/env/x.so"::equals).count());
    }

    @Test
    void aMissingLibraryIsAnErrorNamingWhatWasTriedAndHowToProvideIt() {
        String msg = Nccl.notFoundMessage(List.of("libnccl.so.2 (Cannot open library: libnccl.so.2)"));
        assertTrue(msg.startsWith("NCCL's library (libnccl.so.2) was not found: tried libnccl.so.2 (Cannot open library"), msg);
        assertTrue(msg.contains("-Djgrad.nccl.path") && msg.contains("JGRAD_NCCL_PATH") && msg.contains("site-packages/nvidia/nccl/lib"), msg);
        if (Nccl.load().isEmpty()) {   // this machine has no NCCL: the real search says the same
            assertTrue(Nccl.lastProblem().contains("was not found: tried libnccl.so.2 ("), Nccl.lastProblem());
        }
    }

    @Test
    void versionCodesReadAsNcclWritesThem() {
        assertEquals("2.21.5", Nccl.versionText(22105));
        assertEquals("2.10.3", Nccl.versionText(21003));
        assertEquals("2.8.4", Nccl.versionText(2804));
        assertEquals(21000, Nccl.VERSION_2_10);
    }

    @Test
    void everyCallPassesItsArgumentsAsNcclsCSignaturesSay(@TempDir Path tmp) throws Exception {
        Path lib = compileFake(tmp);
        SymbolLookup symbols = SymbolLookup.libraryLookup(lib, Arena.global());
        Nccl nccl = Nccl.bind(symbols, lib.toString());
        MemorySegment last = symbols.find("fake_last").orElseThrow().reinterpret(8 * Long.BYTES);
        assertEquals(22105, nccl.version());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(Nccl.UNIQUE_ID_BYTES), out = a.allocate(ValueLayout.ADDRESS);
            assertEquals(0, nccl.getUniqueId(id));
            assertEquals(0, nccl.commInitRank(out, 3, id, 2));   // the fake checks the id's 128 bytes, passed by value
            assertArrayEquals(new long[] {3, 2}, last.asSlice(0, 16).toArray(ValueLayout.JAVA_LONG));
            MemorySegment comm = out.get(ValueLayout.ADDRESS, 0);
            assertTrue(comm.address() != 0);

            id.set(ValueLayout.JAVA_BYTE, 127, (byte) 0);
            assertEquals(4, nccl.commInitRank(out, 3, id, 2));   // a changed last byte reaches the library
            assertEquals("invalid argument", nccl.errorString(4));

            assertEquals(0, nccl.allReduce(0x1000, 0x2000, 5_000_000_000L, Nccl.BFLOAT16, Nccl.AVG, comm, 0x77));
            assertArrayEquals(new long[] {1, 0x1000, 0x2000, 5_000_000_000L, 9, 4, 1, 0x77}, last.toArray(ValueLayout.JAVA_LONG));
            assertEquals(0, nccl.broadcast(0x3000, 0x3000, 12, Nccl.UINT8, 1, comm, 0x78));
            assertArrayEquals(new long[] {2, 0x3000, 0x3000, 12, 1, 1, 1, 0x78}, last.toArray(ValueLayout.JAVA_LONG));
            assertEquals(0, nccl.allGather(0x4000, 0x5000, 7, Nccl.FLOAT64, comm, 0x79));
            assertArrayEquals(new long[] {3, 0x4000, 0x5000, 7, 8, -1, 1, 0x79}, last.toArray(ValueLayout.JAVA_LONG));

            MemorySegment error = a.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, nccl.commGetAsyncError(comm, error));
            assertEquals(0, error.get(ValueLayout.JAVA_INT, 0));
            assertEquals(0, nccl.commDestroy(comm));
            assertEquals(0, nccl.commAbort(comm));
        }
    }

    /** fake_nccl.c as a shared library, or a skipped test without a C compiler. */
    private static Path compileFake(Path dir) throws Exception {
        Path cc = Stream.of("/usr/bin/cc", "/usr/bin/gcc").map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(cc != null, "no C compiler to build the stand-in NCCL");
        Path src = Path.of("src/test/c/fake_nccl.c").toAbsolutePath(), out = dir.resolve("libfakenccl.so");
        Process p = new ProcessBuilder(cc.toString(), "-shared", "-fPIC", "-O1", "-o", out.toString(), src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "cc failed: " + log);
        return out;
    }

    private static Path touch(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        return Files.writeString(p, "");
    }
}
