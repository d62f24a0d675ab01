package dev.jgrad.tensor;

/**
 * Whether this thread is capturing a CUDA graph ({@link CudaGraphs}), for the hooks that must
 * refuse what a graph cannot contain: a copy between host and device (a host read such as
 * {@code item()}, or host data uploaded inside the step) and a random draw on the host (its
 * numbers would be frozen into the graph's kernel arguments). Names no CUDA class, so the hooks
 * cost one volatile read where no capture runs.
 */
final class CudaCaptureState {
    /** Threads capturing now; 0 makes every hook one volatile read. */
    private static volatile int capturing;
    private static final ThreadLocal<Boolean> ON = new ThreadLocal<>();

    private CudaCaptureState() {}

    /** Thrown by a hook to stop the capture's body; {@link CudaGraphs} turns it into the graph's broken reason. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    static void begin() {
        if (ON.get() != null) throw new IllegalStateException("capture: this thread is already capturing a CUDA graph (captures do not nest)");
        ON.set(Boolean.TRUE);
        synchronized (CudaCaptureState.class) {
            capturing++;
        }
    }

    static void end() {
        ON.remove();
        synchronized (CudaCaptureState.class) {
            capturing--;
        }
    }

    /** Whether this thread is capturing a CUDA graph. */
    static boolean active() {
        return capturing != 0 && ON.get() != null;
    }

    /** A copy between host and CUDA device memory ({@code toDevice}: an upload); refused while capturing. */
    static void hostTransfer(boolean toDevice) {
        if (!active()) return;
        throw new Refused((toDevice
                ? "it copies host data to the GPU inside the step (a tensor made on the CPU and moved, or mixed with a CUDA tensor), "
                  + "which a CUDA graph would copy again from memory that no longer holds it"
                : "it reads tensor values on the host between kernels (a value that may decide what runs next, such as item() or "
                  + "toFloatArray()), which a CUDA graph cannot contain")
                + " (at " + Tape.callSite() + ")");
    }

    /** A draw from a {@link Generator}; refused while capturing. */
    static void hostRandom() {
        if (!active()) return;
        throw new Refused("it draws random numbers on the host inside the step, which a CUDA graph would freeze into its kernels' "
                + "arguments and repeat at every launch (at " + Tape.callSite() + ")");
    }
}
