package dev.jgrad.cuda.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Small helpers for the hand-written downcalls. */
final class Ffm {
    private Ffm() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;
    /** size_t on LP64 Linux. */
    static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;

    /** A downcall to the first of {@code names} that {@code lib} exports. */
    static MethodHandle bind(SymbolLookup lib, String libName, FunctionDescriptor fd, String... names) {
        MethodHandle h = bindOptional(lib, fd, names);
        if (h == null) throw new UnsatisfiedLinkError(libName + " exports none of " + String.join(", ", names));
        return h;
    }

    /** Like {@link #bind} but null when the library lacks every name (optional entry points). */
    static MethodHandle bindOptional(SymbolLookup lib, FunctionDescriptor fd, String... names) {
        for (String n : names) {
            var s = lib.find(n);
            if (s.isPresent()) return LINKER.downcallHandle(s.get(), fd);
        }
        return null;
    }

    /** A NUL-terminated C string read from {@code p} (null when p is NULL). */
    static String cString(MemorySegment p) {
        if (p == null || p.address() == 0) return null;
        return p.reinterpret(4096).getString(0);
    }

    static MemorySegment cString(Arena arena, String s) {
        return arena.allocateFrom(s);
    }

    /** Rethrows anything a method handle threw, unchecked. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
