package dev.jgrad.cuda.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Library probing order and its failure report; no GPU needed. */
class LibraryProbeTest {

    @Test
    void cublasIsProbedAs13Then12ThenThePropertyThenTheEnvironment() {
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12"), LibraryProbe.cublasCandidates(null, null));
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12", "/opt/p/libcublas.so.13", "/env/libcublas.so.13"),
                LibraryProbe.cublasCandidates(" /opt/p/libcublas.so.13 ", "/env/libcublas.so.13"));
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12", "/same"), LibraryProbe.cublasCandidates("/same", "/same"));
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12"), LibraryProbe.cublasCandidates("  ", ""));
    }

    @Test
    void probingStopsAtTheFirstLibraryThatLoadsAndRemembersEveryFailure() {
        List<String> tried = new ArrayList<>();
        LibraryProbe.Result r = LibraryProbe.probe(List.of("libcublas.so.13", "libcublas.so.12", "/x/libcublas.so.13", "/never"), name -> {
            tried.add(name);
            if (!name.startsWith("/x/")) throw new IllegalArgumentException("Cannot open library: " + name);
            return java.lang.foreign.SymbolLookup.loaderLookup();
        });
        assertTrue(r.found());
        assertEquals("/x/libcublas.so.13", r.loaded());
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12", "/x/libcublas.so.13"), tried);
        assertEquals("libcublas.so.13 (Cannot open library: libcublas.so.13), libcublas.so.12 (Cannot open library: libcublas.so.12)",
                r.triedText());
        LibraryProbe.Result none = LibraryProbe.probe(List.of("a"), n -> {
            throw new UnsatisfiedLinkError();
        });
        assertFalse(none.found());
        assertNull(none.loaded());
        assertEquals("a (UnsatisfiedLinkError)", none.triedText());
    }

    @Test
    void aLibraryLooksInstalledWhenAFolderOfLdLibraryPathHoldsIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        String name = "libjgrad-probe-test.so.7";
        assertFalse(LibraryProbe.looksInstalled(name, dir.toString()), "nothing there yet");
        java.nio.file.Files.createFile(dir.resolve(name));
        assertTrue(LibraryProbe.looksInstalled(name, "/nonexistent:" + dir));
        assertFalse(LibraryProbe.looksInstalled(name, null), "not in the usual folders or the loader's cache");
    }
}
