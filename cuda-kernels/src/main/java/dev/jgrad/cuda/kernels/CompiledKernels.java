package dev.jgrad.cuda.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;

/**
 * The compiled kernel images this module carries, by file name: {@code <family>.ptx},
 * {@code <family>.sm_80.cubin}, {@code <family>.sm_90.cubin} and, for some families,
 * {@code <family>.sm_90a.cubin}; plus {@code BUILD-STAMP}, the hash of the sources they were
 * compiled from. The images are stored gzip-compressed ({@code elementwise.ptx.gz}) and
 * decompressed here, so callers name and get them as they were compiled.
 *
 * <p>The images live in this class's package, so only this module can read them; the CUDA
 * runtime asks here instead of looking the resources up itself.
 *
 * <pre>{@code
 * byte[] ptx = CompiledKernels.read("elementwise.ptx");   // null when there is no such image
 * }</pre>
 */
public final class CompiledKernels {
    /** The suffix of a stored image: build-kernels.sh compresses each with gzip. */
    private static final String GZ = ".gz";

    private CompiledKernels() {}

    /**
     * Reads one compiled image.
     *
     * @param file a plain file name, no folder ("elementwise.ptx")
     * @return the image's bytes, or null when this module has no such file
     * @throws IllegalArgumentException when {@code file} is empty or names a folder
     */
    public static byte[] read(String file) {
        checkName("CompiledKernels.read", file);
        try (InputStream plain = CompiledKernels.class.getResourceAsStream(file)) {
            if (plain != null) return plain.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the compiled kernel image " + file, e);
        }
        // the images are stored gzip-compressed (a sixth of their size), BUILD-STAMP is not
        try (InputStream gz = CompiledKernels.class.getResourceAsStream(file + GZ)) {
            if (gz == null) return null;
            try (InputStream in = new GZIPInputStream(gz)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the compiled kernel image " + file, e);
        }
    }

    /**
     * Whether this module carries image {@code file}, without reading it.
     *
     * @param file a plain file name, no folder ("gemm.sm_90a.cubin")
     * @return true when the image is here
     * @throws IllegalArgumentException when {@code file} is empty or names a folder
     */
    public static boolean contains(String file) {
        checkName("CompiledKernels.contains", file);
        return CompiledKernels.class.getResource(file) != null || CompiledKernels.class.getResource(file + GZ) != null;
    }

    private static void checkName(String where, String file) {
        if (file.isEmpty() || file.contains("/") || file.contains("\\")) {
            throw new IllegalArgumentException(where + ": a plain file name such as \"elementwise.ptx\" is expected, got \"" + file + "\"");
        }
    }
}
