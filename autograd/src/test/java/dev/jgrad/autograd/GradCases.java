package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Gradient-check cases shared by the {@code GradCheck*Test} classes: a named function with its
 * inputs, and seeded input data kept away from the points where an op is not differentiable.
 * Each test class lists its cases in a static {@code cases()} method; the parameterized test runs
 * {@link GradCheck} on each, and {@link GradCheckCoverageTest} walks the graph each case builds to
 * prove that every primitive op is checked. Public, with its {@link GradCase} record, because the
 * inspect package's stepper test replays every case.
 */
public final class GradCases {
    private GradCases() {}

    /** One gradient check: {@code f} applied to float64 leaves made from {@code inputs}. */
    public record GradCase(String name, Function<List<Tensor>, Tensor> f, List<Tensor> inputs, double eps, double atol, double rtol) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A case with GradCheck's default step and tolerances. */
    static GradCase gc(String name, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        return new GradCase(name, f, List.of(inputs), GradCheck.EPS, GradCheck.ATOL, GradCheck.RTOL);
    }

    /** A one-input case. */
    static GradCase unary(String name, UnaryOperator<Tensor> f, Tensor x) {
        return gc(name, xs -> f.apply(xs.get(0)), x);
    }

    /** A two-input case. */
    static GradCase binary(String name, BinaryOperator<Tensor> f, Tensor a, Tensor b) {
        return gc(name, xs -> f.apply(xs.get(0), xs.get(1)), a, b);
    }

    /** Runs the check and asserts that it passed, with the result as the message. */
    static void assertPasses(GradCase c) {
        GradCheck.Result r;
        try {
            r = GradCheck.check(c.f(), c.inputs(), c.eps(), c.atol(), c.rtol());
        } catch (RuntimeException e) {
            throw new AssertionError(c.name() + ": " + e, e);
        }
        assertTrue(r.passed(), c.name() + ": " + r);
    }

    // ---- seeded data ------------------------------------------------------------------------------

    /** Standard normal values, float64. */
    static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape).to(DType.FLOAT64);
    }

    /** Uniform values in [lo, hi), float64. */
    static Tensor uniform(long seed, double lo, double hi, int... shape) {
        return Tensor.rand(new Generator(seed), shape).to(DType.FLOAT64).mul(hi - lo).add(lo);
    }

    /**
     * Distinct values in random order, at least 0.06 apart and at least 0.03 away from every
     * multiple of 0.1 (so away from 0, from clamp bounds chosen on that grid, and free of ties
     * for max, min and max pooling).
     */
    static Tensor spread(long seed, int... shape) {
        Generator g = new Generator(seed);
        int n = 1;
        for (int s : shape) n *= s;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int) g.nextLong(0, i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (perm[i] - n / 2) * 0.1 + 0.05 + (g.nextDouble() - 0.5) * 0.04;
        return Tensor.of(v).reshape(shape);
    }

    /** Random int64 indices in [0, high). */
    static Tensor indices(long seed, long high, int... shape) {
        return Tensor.randint(new Generator(seed), 0, high, shape);
    }
}
