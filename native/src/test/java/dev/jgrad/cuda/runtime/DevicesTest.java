package dev.jgrad.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.cuda.bindings.LibraryProbe;
import org.junit.jupiter.api.Test;

/** Loading the driver reports what went wrong instead of throwing; no GPU needed. */
class DevicesTest {

    @Test
    void aMissingDriverIsReportedNotThrown() {
        Devices.Status s = Devices.probeWith(name -> {
            throw new IllegalArgumentException("Cannot open library: " + name);
        });
        assertFalse(s.available());
        assertEquals("libcuda.so.1 not found: Cannot open library: libcuda.so.1 (no NVIDIA driver is installed, or it is not on the "
                + "loader's path)", s.reason());
        assertFalse(s.libraryFound());
        Devices.Status off = Devices.probe(LibraryProbe.SYSTEM, true);
        assertFalse(off.available());
        assertEquals("CUDA is disabled by -Djgrad.cuda.disable=true", off.reason());
        assertFalse(off.libraryFound());
    }

    @Test
    void aLibraryWithoutTheDriverSymbolsIsReportedNotThrown() {
        Devices.Status s = Devices.probeWith(name -> java.lang.foreign.SymbolLookup.loaderLookup());
        assertFalse(s.available());
        assertTrue(s.reason().startsWith("loading the CUDA driver failed: java.lang.UnsatisfiedLinkError: libcuda.so.1 exports none of cuInit"),
                s.reason());
        assertTrue(s.libraryFound(), "the library opened; the driver in it failed");
    }
}
