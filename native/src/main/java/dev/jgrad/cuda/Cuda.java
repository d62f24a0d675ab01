package dev.jgrad.cuda;

/**
 * Entry point to the CUDA backend.
 *
 * <p>The driver bindings arrive with the CUDA backend; until then no device is ever reported,
 * and {@link #unavailableReason()} says so.
 *
 * <pre>{@code
 * Device d = Cuda.isAvailable() ? Device.cuda() : Device.CPU;
 * }</pre>
 */
public final class Cuda {
    private Cuda() {}

    /** Whether a CUDA device can be used; never throws. */
    public static boolean isAvailable() {
        return false;
    }

    /** Why {@link #isAvailable()} is false, for messages; empty when it is true. */
    public static String unavailableReason() {
        return "this build of jgrad has no CUDA backend yet";
    }
}
