package dev.jgrad.bench;

import dev.jgrad.tensor.Tensor;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One benchmark case: what it computes, how much work one call does, how to set it up through
 * the public Tensor/nn API, how the peers compute the same thing, and the target it is held to.
 *
 * <p>{@link #setup()} builds the inputs (outside the timed region) and returns the body to time;
 * the JMH benchmarks and the CLI share these definitions, so both measure the same thing.
 *
 * @param id     unique key, also used in the CSV and by the peer script ("matmul/1024")
 * @param op     what the table prints in its op column ("matmul", "conv2d fwd+bwd", …)
 * @param size   human-readable shape ("1024³", "64×32×14×14 → 64, 3×3 p1")
 * @param unit   whether {@link #work} counts floating-point operations or bytes moved
 * @param work   FLOPs (or bytes) of one call
 * @param series a sweep this case belongs to (e.g. "sgemm") and its x value, or null
 * @param peer   the peer script's description of the same computation (kind + parameters)
 * @param openBlas whether numpy/OpenBLAS computes this case too (only plain matmuls)
 * @param target what the case is held to, or null
 * @param setup  builds inputs and returns the timed body
 */
public record Workload(String id, String op, String size, Unit unit, double work, Series series, Map<String, Object> peer,
        boolean openBlas, Target target, Supplier<Body> setup) {

    /** What {@link Workload#work} counts. */
    public enum Unit {
        FLOP("GFLOP/s"), BYTE("GB/s"), CALL("ops/s");

        /** The rate label printed in the table. */
        public final String rateLabel;

        Unit(String rateLabel) {
            this.rateLabel = rateLabel;
        }
    }

    /** The timed computation; returns its result so that nothing can be optimised away. */
    @FunctionalInterface
    public interface Body {
        Object run();
    }

    /** A point of a sweep: the series name and this case's x coordinate (e.g. n of an n³ SGEMM). */
    public record Series(String name, double x) {}

    /**
     * A goal this case is reported against (never asserted).
     *
     * @param peer  "openblas" or "torch" for a speed ratio (jgrad time / peer time ≤ 1/ratio),
     *              "abs" for an absolute bound on one call's time, or "case:&lt;id&gt;" for a ratio of
     *              rates (GB/s) to another case of the same run
     * @param ratio minimum speed ratio to the peer (for "abs": the bound in seconds)
     */
    public record Target(String peer, double ratio) {
        public static Target vsOpenBlas(double ratio) {
            return new Target("openblas", ratio);
        }

        public static Target vsTorch(double ratio) {
            return new Target("torch", ratio);
        }

        public static Target atMostSeconds(double seconds) {
            return new Target("abs", seconds);
        }

        /**
         * At least {@code ratio} times the rate of case {@code id} measured in the same run (both
         * rates in their unit, e.g. GB/s read + written).
         *
         * <pre>{@code
         * Target t = Target.vsCase("copy_f32", 0.8);   // ≥0.8× the float32 copy's GB/s
         * }</pre>
         */
        public static Target vsCase(String id, double ratio) {
            return new Target("case:" + id, ratio);
        }

        /** The id of the case this target compares with, or null when it is not a case target. */
        public String caseId() {
            return peer.startsWith("case:") ? peer.substring(5) : null;
        }

        /** The target as the table prints it. */
        public String describe() {
            return switch (peer) {
                case "openblas" -> String.format(java.util.Locale.ROOT, "≥%.1f× OpenBLAS", ratio);
                case "torch" -> String.format(java.util.Locale.ROOT, "≥%.1f× PyTorch", ratio);
                case String p when p.startsWith("case:") -> String.format(java.util.Locale.ROOT, "≥%.1f× %s", ratio, caseId());
                default -> "≤" + Report.formatTime(ratio);
            };
        }
    }

    /**
     * Builds the inputs and returns the body to time. Each call runs in a {@link Tensor#scope()}:
     * its result and intermediates are closed when it returns, so their arrays go back to the
     * pool for the next call, as a dropped result's block goes back to PyTorch's allocator (the
     * inputs, made by the setup, stay open).
     *
     * @return the timed body
     */
    public Body build() {
        Body body = setup.get();
        return () -> {
            try (var _ = Tensor.scope()) {
                return body.run();
            }
        };
    }
}
