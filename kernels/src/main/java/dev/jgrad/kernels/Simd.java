package dev.jgrad.kernels;

import java.util.Optional;

/**
 * Whether the fast float32 kernels may use the Vector API ({@code jdk.incubator.vector}).
 *
 * <p>The SIMD classes (package {@code dev.jgrad.kernels.simd}, named {@code *Vec}) are loaded
 * only when the module is present and readable by this one: the JVM needs
 * {@value #FLAG}, on the class path and on the module path alike (the {@code ./jgrad} launcher
 * passes it). Otherwise every fast kernel runs its scalar float32 loop, which gives the same
 * results (up to float32 rounding order) many times slower, and the first float32 kernel logs one
 * {@link System.Logger.Level#WARNING} naming the flag. Two system properties change that:
 * <ul>
 *   <li>{@code -Djgrad.simd=false}: scalar loops on purpose; one INFO line instead of the warning;
 *   <li>{@code -Djgrad.requireSimd=true}: every float32 kernel that would run scalar throws an
 *       {@link IllegalStateException} with the same guidance instead.
 * </ul>
 *
 * <pre>{@code
 * Simd.require();   // fail at start-up, not slowly later: throws when the flag is missing
 * System.out.println(Simd.preferredBits() + "-bit vectors, " + Simd.floatLanes() + " floats");
 * }</pre>
 */
public final class Simd {
    /** The JVM option that makes the Vector API readable. */
    public static final String FLAG = "--add-modules jdk.incubator.vector";
    /** System property: {@code false} runs the scalar loops on purpose. */
    public static final String SIMD_PROPERTY = "jgrad.simd";
    /** System property: {@code true} makes a float32 kernel throw instead of running scalar loops. */
    public static final String REQUIRE_PROPERTY = "jgrad.requireSimd";

    private static final String MODULE = "jdk.incubator.vector";
    /**
     * What a scalar float32 matmul costs against the SIMD one, for the warning; the measurements
     * behind it are in docs/design-notes.md ("SIMD off is loud").
     */
    private static final String SLOWDOWN = "about 30-50x slower for matmul, 6-15x for elementwise ops";

    /** True when {@code jdk.incubator.vector} is readable by this module (whatever the properties say). */
    private static final boolean READABLE = detectReadable();
    /** True when the user turned SIMD off with {@code -Djgrad.simd=false}. */
    private static final boolean SWITCHED_OFF = !Boolean.parseBoolean(System.getProperty(SIMD_PROPERTY, "true"));
    /** True when a scalar float32 kernel must fail ({@code -Djgrad.requireSimd=true}). */
    private static final boolean REQUIRED = Boolean.getBoolean(REQUIRE_PROPERTY);
    /** True when the fast float32 kernels use the Vector API. */
    private static final boolean AVAILABLE = READABLE && !SWITCHED_OFF;

    /**
     * The switch the fast kernels read through {@link #enabled()}. Package-private and mutable only
     * so that tests can force the scalar float32 path on a machine that has the Vector API.
     */
    static boolean enabled = AVAILABLE;

    /** Set once the scalar path has been reported (warning or INFO). */
    private static volatile boolean reported;

    private Simd() {}

    /** {@return true when the fast float32 kernels can use the Vector API} */
    public static boolean available() {
        return AVAILABLE;
    }

    /** {@return true when {@code jdk.incubator.vector} is readable, even if {@code -Djgrad.simd=false} turned SIMD off} */
    public static boolean vectorModuleReadable() {
        return READABLE;
    }

    /** {@return true when the user turned SIMD off on purpose with {@code -Djgrad.simd=false}} */
    public static boolean switchedOff() {
        return SWITCHED_OFF;
    }

    /**
     * {@return true when the fast float32 kernels use the Vector API now: {@link #available()}, unless a test
     * of this module switched SIMD off to check the scalar loops}
     *
     * <p>Every float32 fast kernel asks this before it picks its loop, so this is where the scalar
     * path is reported: the first call without SIMD logs one warning (or INFO when
     * {@code -Djgrad.simd=false}), and with {@code -Djgrad.requireSimd=true} every such call
     * throws. With SIMD available the check folds away ({@code AVAILABLE} is a constant to the JIT).
     *
     * @throws IllegalStateException when SIMD is unavailable and {@code -Djgrad.requireSimd=true}
     */
    public static boolean enabled() {
        if (!AVAILABLE) return scalarPath();
        return enabled;
    }

    /**
     * Throws unless the fast float32 kernels use the Vector API: call it at start-up to fail at
     * once instead of running many times slower.
     *
     * @throws IllegalStateException naming the flag to add, or the property that turned SIMD off
     */
    public static void require() {
        if (!AVAILABLE) throw new IllegalStateException(requireMessage());
    }

    /**
     * Why SIMD is off and what to do about it, one line; empty when {@link #available()}.
     *
     * <pre>{@code
     * Simd.problem().ifPresent(System.err::println);
     * }</pre>
     *
     * @return why SIMD is off and what to do about it, one line; empty when {@link #available()}
     */
    public static Optional<String> problem() {
        return AVAILABLE ? Optional.empty() : Optional.of(problem("run"));
    }

    /** The problem's text, with {@code run} or {@code would run} as the kernels' verb. */
    private static String problem(String verb) {
        if (SWITCHED_OFF) return "SIMD switched off by -D" + SIMD_PROPERTY + "=false; float32 kernels " + verb + " scalar loops ("
                + SLOWDOWN + "); drop the property for SIMD";
        return "module " + MODULE + " is not available, so float32 kernels " + verb + " scalar loops (" + SLOWDOWN
                + "); start the JVM with " + FLAG + " (on the class path and on the module path alike)";
    }

    /** {@return bits of the preferred float vector ({@code FloatVector.SPECIES_PREFERRED}), 0 when the Vector API is not readable} */
    public static int preferredBits() {
        return READABLE ? dev.jgrad.kernels.simd.CopyVec.preferredBits() : 0;
    }

    /** {@return float32 lanes of the preferred vector, 0 when the Vector API is not readable} */
    public static int floatLanes() {
        return READABLE ? dev.jgrad.kernels.simd.CopyVec.lanes() : 0;
    }

    /** The scalar float32 path was picked: fail when SIMD is required, else report it once. */
    private static boolean scalarPath() {
        if (REQUIRED) throw new IllegalStateException(requireMessage());
        if (!reported) report();
        return false;
    }

    private static synchronized void report() {
        if (reported) return;
        reported = true;
        System.Logger log = System.getLogger(Simd.class.getName());
        if (SWITCHED_OFF) {
            log.log(System.Logger.Level.INFO, "jgrad: SIMD switched off by -D" + SIMD_PROPERTY + "=false; float32 kernels run scalar loops");
        } else {
            log.log(System.Logger.Level.WARNING, "jgrad: " + problem("run")
                    + ". To run scalar on purpose without this warning: -D" + SIMD_PROPERTY + "=false");
        }
    }

    private static String requireMessage() {
        return "jgrad: -D" + REQUIRE_PROPERTY + "=true, but " + problem("would run");
    }

    private static boolean detectReadable() {
        Optional<Module> vector = ModuleLayer.boot().findModule(MODULE);
        return vector.isPresent() && Simd.class.getModule().canRead(vector.get());
    }
}
