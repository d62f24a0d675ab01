package dev.jgrad.autograd;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Checks derivative rules against central differences in float64.
 *
 * <p>The function's output y is reduced to a scalar L = Σ y·v with a fixed random v (so every
 * output element matters and errors cannot cancel); then for every element xᵢ of every
 * floating input, (L(xᵢ + ε) − L(xᵢ − ε)) / 2ε is compared with the analytic ∂L/∂xᵢ from
 * {@code backward()}. Inputs are converted to float64 leaves first; the function may build
 * views of them (transposes, slices, broadcasts) to exercise non-contiguous paths.
 *
 * <pre>{@code
 * GradCheck.Result r = GradCheck.check(xs -> xs.get(0).matmul(xs.get(1)).tanh(),
 *         List.of(Tensor.randn(3, 4), Tensor.randn(4, 2)));
 * assert r.passed() : r;
 * }</pre>
 */
public final class GradCheck {
    /** Step for the central differences. */
    public static final double EPS = 1e-6;
    /** Absolute tolerance. */
    public static final double ATOL = 1e-5;
    /** Relative tolerance. */
    public static final double RTOL = 1e-3;

    private GradCheck() {}

    /**
     * The worst disagreement found, with where it was.
     *
     * @param passed   every element agreed within the tolerances
     * @param maxError the largest |analytic − numeric| found
     * @param input    the input where it was found
     * @param element  the element of that input (row-major)
     * @param analytic the gradient backward gave there
     * @param numeric  the central-difference estimate there
     */
    public record Result(boolean passed, double maxError, int input, int element, double analytic, double numeric) {
        @Override
        public String toString() {
            return passed ? "gradcheck passed (max error " + maxError + ")"
                    : "gradcheck failed at input " + input + ", element " + element + ": analytic " + analytic
                    + " vs numeric " + numeric + " (error " + maxError + ")";
        }
    }

    /**
     * Runs the check with the default step and tolerances.
     *
     * @param f      the function to check, of the inputs (reduced to a scalar by a fixed random weighting)
     * @param inputs the inputs; floating ones are checked, as float64 copies
     * @return the outcome, with the worst disagreement
     */
    public static Result check(Function<List<Tensor>, Tensor> f, List<Tensor> inputs) {
        return check(f, inputs, EPS, ATOL, RTOL);
    }

    /**
     * Runs the check; passes when |analytic − numeric| ≤ atol + rtol·|numeric| for every element.
     *
     * @param f      the function to check, of the inputs (reduced to a scalar by a fixed random weighting)
     * @param inputs the inputs; floating ones are checked, as float64 copies
     * @param eps    the step of the central differences
     * @param atol   the absolute tolerance
     * @param rtol   the relative tolerance
     * @return the outcome, with the worst disagreement
     */
    public static Result check(Function<List<Tensor>, Tensor> f, List<Tensor> inputs, double eps, double atol, double rtol) {
        List<Tensor> xs = new ArrayList<>();
        for (Tensor in : inputs) {
            Tensor x = in.dtype().isFloating() ? in.detach().to(DType.FLOAT64).clone().detach() : in;
            xs.add(x.dtype().isFloating() ? x.requiresGrad(true) : x);
        }
        Tensor y = f.apply(xs);
        Tensor v = Tensor.randn(new Generator(1234), y.shape()).to(DType.FLOAT64);
        y.mul(v).sum().backward();

        return compare(() -> f.apply(xs), v, xs, eps, atol, rtol);
    }

    /**
     * The numeric half of the check, for tensors that already hold the gradients
     * {@code backward()} gave for Σ f()·v: each element of each tensor that requires grad is
     * perturbed in place by ±eps, f is run again, and the central difference of Σ f()·v is
     * compared with the gradient (zero where there is none). For a function of state the caller
     * owns, such as a layer's own parameters, where {@link #check} would work on copies.
     *
     * <pre>{@code
     * Tensor v = Tensor.randn(y.shape()).to(DType.FLOAT64);
     * layer.call(x).mul(v).sum().backward();
     * GradCheck.Result r = GradCheck.compare(() -> layer.call(x), v, layer.parameters(), 1e-6, 1e-5, 1e-3);
     * }</pre>
     *
     * @param f       recomputes the output from the tensors' current values
     * @param v       the fixed weighting the gradients were computed for, of f's shape
     * @param tensors the tensors to perturb; those that do not require grad are skipped
     * @param eps     the step of the central differences
     * @param atol    the absolute tolerance
     * @param rtol    the relative tolerance
     * @return the outcome, with the worst disagreement ({@link Result#input()} indexes {@code tensors})
     */
    public static Result compare(Supplier<Tensor> f, Tensor v, List<Tensor> tensors, double eps, double atol, double rtol) {
        Result worst = new Result(true, 0, -1, -1, 0, 0);
        try (var _ = GradMode.noGrad()) {
            for (int k = 0; k < tensors.size(); k++) {
                Tensor x = tensors.get(k);
                if (!x.requiresGrad()) continue;
                double[] analytic = x.grad() == null ? new double[x.numel()] : x.grad().toDoubleArray();
                double[] values = x.toDoubleArray();
                Tensor flat = x.reshape(-1);
                for (int i = 0; i < values.length; i++) {
                    Tensor cell = flat.narrow(0, i, 1);
                    cell.fill(values[i] + eps);
                    double plus = f.get().mul(v).sum().item();
                    cell.fill(values[i] - eps);
                    double minus = f.get().mul(v).sum().item();
                    cell.fill(values[i]);
                    double numeric = (plus - minus) / (2 * eps);
                    double err = Math.abs(analytic[i] - numeric);
                    boolean ok = err <= atol + rtol * Math.abs(numeric);
                    if (!ok ? worst.passed() || err > worst.maxError() : worst.passed() && err > worst.maxError()) {
                        worst = new Result(ok, err, k, i, analytic[i], numeric);
                    }
                }
            }
        }
        return worst;
    }
}
