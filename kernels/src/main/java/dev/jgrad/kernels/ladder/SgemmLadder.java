package dev.jgrad.kernels.ladder;

import dev.jgrad.kernels.Simd;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The SGEMM ladder: eight versions of C = A·B, each a small class that adds one idea to the
 * one before, from the textbook triple loop to the kernel jgrad runs. {@code ./jgrad bench
 * ladder} times them on the reader's machine; docs/kernels.md explains each step.
 *
 * <pre>{@code
 * for (SgemmLadder.Rung r : SgemmLadder.rungs()) {
 *     if (r.available()) r.create().multiply(m, n, k, a, b, c);
 *     else System.out.println(r.title() + ": " + r.unavailableReason());
 * }
 * }</pre>
 */
public final class SgemmLadder {
    private SgemmLadder() {}

    /**
     * One version of the kernel.
     *
     * @param number    its place on the ladder, from 1
     * @param id        a short name for command lines and tables ({@code naive}, {@code ikj}, …)
     * @param title     what it is, in a few words
     * @param idea      what it adds to the rung before, in one sentence
     * @param vectorApi whether it needs the Vector API (rungs 3–7)
     * @param threaded  whether it runs on all of jgrad's threads (otherwise on the caller's)
     * @param factory   makes the kernel
     */
    public record Rung(int number, String id, String title, String idea, boolean vectorApi, boolean threaded, Supplier<Gemm> factory) {
        /**
         * {@return whether this rung can run in this JVM: the Vector API is readable, or not needed}
         * ({@code -Djgrad.simd=false} does not stop the Vector API rungs: they call it directly.)
         */
        public boolean available() {
            return !vectorApi || Simd.vectorModuleReadable();
        }

        /** {@return why the rung cannot run here, or "" when it can} */
        public String unavailableReason() {
            if (available()) return "";
            return "needs the Vector API: start the JVM with " + Simd.FLAG;
        }

        /**
         * {@return a new instance of the kernel}
         *
         * @throws IllegalStateException when the rung needs the Vector API and it is not readable
         */
        public Gemm create() {
            if (!available()) throw new IllegalStateException("SgemmLadder rung " + number + " (" + id + ") " + unavailableReason());
            return factory.get();
        }
    }

    private static final List<Rung> RUNGS = List.of(
            new Rung(1, "naive", "naive triple loop", "one dot product per element of C, walking down B's columns", false, false, NaiveGemm::new),
            new Rung(2, "ikj", "loop order i-k-j", "the inner loop runs along rows of B and C: unit stride, vectorised by the JIT", false, false,
                    IkjGemm::new),
            new Rung(3, "vector", "Vector API inner loop", "explicit vectors and fused multiply-adds", true, false, () -> new VectorGemm()),
            new Rung(4, "register", "register-blocked 6×2-vector tile",
                    "twelve accumulators stay in registers across the whole sum: no loads or stores of C inside it", true, false,
                    () -> new RegisterTileGemm()),
            new Rung(5, "blocked", "cache blocking (KC, MC, NC)", "a slice of B stays in L1 and a block of A in L2 while they are reused",
                    true, false, () -> new CacheBlockGemm()),
            new Rung(6, "packed", "packed panels", "blocks copied into contiguous panels: sequential reads, no cache-set conflicts", true,
                    false, () -> new PackedGemm()),
            new Rung(7, "threads", "all cores", "row blocks of C split over the thread pool, B's block packed once and shared", true, true,
                    () -> new ThreadedGemm()),
            new Rung(8, "production", "jgrad's SGEMM", "6×4-vector tile, blocking tuned per CPU, equal passes, shape-specific paths", false,
                    true, ProductionGemm::new));

    /** {@return the rungs in order, from the naive loop to the production kernel} */
    public static List<Rung> rungs() {
        return RUNGS;
    }

    /**
     * {@return the rung with this id or number}
     *
     * @param idOrNumber a rung's {@link Rung#id()} (any case) or its number
     * @throws IllegalArgumentException when no rung has it, naming the ones there are
     */
    public static Rung rung(String idOrNumber) {
        String key = idOrNumber.trim().toLowerCase(Locale.ROOT);
        for (Rung r : RUNGS) {
            if (r.id().equals(key) || Integer.toString(r.number()).equals(key)) return r;
        }
        throw new IllegalArgumentException("SgemmLadder: no rung '" + idOrNumber + "'; the rungs are "
                + String.join(", ", RUNGS.stream().map(r -> r.number() + " " + r.id()).toList()));
    }
}
