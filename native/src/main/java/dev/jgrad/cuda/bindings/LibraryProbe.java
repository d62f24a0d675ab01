package dev.jgrad.cuda.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a shared library among candidate names or paths, in order, and remembers why each
 * failed, so that an error can say exactly what was tried.
 */
public final class LibraryProbe {
    private LibraryProbe() {}

    /** Opens a library by name (dlopen's search) or by path; throws when it cannot. */
    public interface Loader {
        SymbolLookup load(String nameOrPath) throws Exception;
    }

    /**
     * The real loader: {@link SymbolLookup#libraryLookup(String, Arena)} in the global arena (never
     * unloaded). When native access was not granted to this module ({@code --enable-native-access})
     * a library name is opened only if it looks installed ({@link #looksInstalled}): the JDK warns
     * at the first restricted call, and a CPU-only machine without the flag should see no warning
     * for a library it does not have.
     */
    public static final Loader SYSTEM = name -> {
        if (name.contains("/")) return SymbolLookup.libraryLookup(java.nio.file.Path.of(name), Arena.global());
        if (!LibraryProbe.class.getModule().isNativeAccessEnabled() && !looksInstalled(name, System.getenv("LD_LIBRARY_PATH"))) {
            throw new IllegalStateException("Cannot open library: " + name + " (not in the loader's cache, LD_LIBRARY_PATH or the usual"
                    + " library folders)");
        }
        return SymbolLookup.libraryLookup(name, Arena.global());
    };

    /** Folders a Linux dynamic loader commonly searches besides its cache and LD_LIBRARY_PATH. */
    static final List<String> USUAL_FOLDERS = List.of("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu", "/usr/local/lib", "/usr/local/cuda/lib64", "/usr/lib/wsl/lib");

    /**
     * Whether a library named {@code name} is likely to open: a file of that name in a folder of
     * {@code ldLibraryPath} or {@link #USUAL_FOLDERS}, or the name in the loader's cache
     * ({@code /etc/ld.so.cache}). A cheap look without dlopen; a "yes" may still fail to load.
     */
    static boolean looksInstalled(String name, String ldLibraryPath) {
        List<String> folders = new ArrayList<>(USUAL_FOLDERS);
        if (ldLibraryPath != null) for (String d : ldLibraryPath.split(":")) if (!d.isBlank()) folders.add(d);
        for (String d : folders) {
            if (java.nio.file.Files.exists(java.nio.file.Path.of(d, name))) return true;
        }
        try {
            byte[] cache = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/etc/ld.so.cache"));
            return new String(cache, java.nio.charset.StandardCharsets.ISO_8859_1).contains(name);
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    /** One failed candidate and the loader's reason. */
    public record Failure(String candidate, String reason) {
        @Override
        public String toString() {
            return candidate + " (" + reason + ")";
        }
    }

    /** What a probe found: the lookup and which candidate gave it (null when none did), and the failures before it. */
    public record Result(SymbolLookup lookup, String loaded, List<Failure> failures) {
        public boolean found() {
            return lookup != null;
        }

        /** "libcublas.so.13 (…), libcublas.so.12 (…)" */
        public String triedText() {
            return String.join(", ", failures.stream().map(Failure::toString).toList());
        }
    }

    public static Result probe(List<String> candidates, Loader loader) {
        List<Failure> failures = new ArrayList<>();
        for (String c : candidates) {
            try {
                return new Result(loader.load(c), c, List.copyOf(failures));
            } catch (Throwable t) {
                String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
                failures.add(new Failure(c, msg));
            }
        }
        return new Result(null, null, List.copyOf(failures));
    }

    /** Property that names a cuBLAS library file to use. */
    static final String CUBLAS_PROPERTY = "jgrad.cublas.path";
    /** Environment variable that names a cuBLAS library file to use. */
    static final String CUBLAS_ENV = "JGRAD_CUBLAS_PATH";

    /**
     * cuBLAS candidates in probing order: the system's {@code libcublas.so.13} (CUDA 13), then
     * {@code libcublas.so.12} (CUDA 12), then a path from the system property
     * {@value #CUBLAS_PROPERTY}, then one from the environment variable {@value #CUBLAS_ENV} —
     * for a machine whose only cuBLAS is, say, the copy inside PyTorch's wheel
     * ({@code site-packages/nvidia/cublas/lib/libcublas.so.13}). Blank values are skipped.
     */
    static List<String> cublasCandidates(String property, String env) {
        List<String> c = new ArrayList<>(List.of("libcublas.so.13", "libcublas.so.12"));
        if (property != null && !property.isBlank()) c.add(property.trim());
        if (env != null && !env.isBlank() && !env.trim().equals(property == null ? null : property.trim())) c.add(env.trim());
        return c;
    }

    /** The CUDA driver library (Linux). */
    public static final String DRIVER = "libcuda.so.1";
}
