package dev.jgrad.kernels;

import java.util.Optional;

/**
 * Whether the fast float32 kernels may use the Vector API ({@code jdk.incubator.vector}).
 *
 * <p>The SIMD classes (package {@code dev.jgrad.kernels.simd}, named {@code *Vec}) are loaded
 * only when the module is present and readable by this one — on the module path that needs
 * {@code --add-modules jdk.incubator.vector}; on the class path the same flag. Otherwise every
 * fast kernel runs its scalar float32 loop, which gives the same results (up to float32 rounding
 * order), and this is logged once through {@link System.Logger}. The system property
 * {@code jgrad.simd=false} turns SIMD off on purpose.
 *
 * <pre>{@code
 * if (!Simd.available()) System.out.println("run with --add-modules jdk.incubator.vector");
 * }</pre>
 */
public final class Simd {
    private static final String MODULE = "jdk.incubator.vector";

    /** True when {@code jdk.incubator.vector} is readable by this module and not switched off. */
    private static final boolean AVAILABLE = detect();

    /**
     * The switch the fast kernels read through {@link #enabled()}. Package-private and mutable only
     * so that tests can force the scalar float32 path on a machine that has the Vector API.
     */
    static boolean enabled = AVAILABLE;

    private Simd() {}

    /** {@return true when the fast float32 kernels can use the Vector API} */
    public static boolean available() {
        return AVAILABLE;
    }

    /**
     * {@return true when the fast float32 kernels use the Vector API now: {@link #available()}, unless a test
     * of this module switched SIMD off to check the scalar loops}
     *
     */
    public static boolean enabled() {
        return enabled;
    }

    private static boolean detect() {
        System.Logger log = System.getLogger(Simd.class.getName());
        if (!Boolean.parseBoolean(System.getProperty("jgrad.simd", "true"))) {
            log.log(System.Logger.Level.INFO, "jgrad: SIMD switched off by -Djgrad.simd=false; float32 kernels run scalar loops");
            return false;
        }
        Optional<Module> vector = ModuleLayer.boot().findModule(MODULE);
        boolean readable = vector.isPresent() && Simd.class.getModule().canRead(vector.get());
        if (!readable) {
            log.log(System.Logger.Level.INFO, "jgrad: module " + MODULE + " is not available; float32 kernels run scalar loops"
                    + " (start the JVM with --add-modules " + MODULE + " for SIMD)");
        }
        return readable;
    }
}
