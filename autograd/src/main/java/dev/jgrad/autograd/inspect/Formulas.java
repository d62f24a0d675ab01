package dev.jgrad.autograd.inspect;

import dev.jgrad.tensor.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The derivative rule of every op in words: its name, the forward formula and the backward
 * formula that {@link dev.jgrad.autograd.Derivatives} implements, with g = ∂L/∂out. The {@code switch} is over the
 * sealed {@link Op}, so an op without a formula does not compile. The learner's
 * {@link BackwardStepper} and the graph exports show these.
 *
 * <pre>{@code
 * Formulas.Rule r = Formulas.of(y.op());   // y = a.mul(b)
 * r.name();       // "product rule"
 * r.backward();   // "∂L/∂a = g · b,  ∂L/∂b = g · a"
 * }</pre>
 */
public final class Formulas {
    private Formulas() {}

    /**
     * One derivative rule in words.
     *
     * @param name     the rule's name ("product rule", "chain rule through tanh", …)
     * @param forward  what the op computes, e.g. {@code out = a · b}
     * @param backward the gradient of each input in terms of g = ∂L/∂out
     */
    public record Rule(String name, String forward, String backward) {
        @Override
        public String toString() {
            return name + ": " + forward + "  ⇒  " + backward;
        }
    }

    /**
     * {@return the rule applied when backward passes through {@code op}}
     *
     * @param op the op
     */
    public static Rule of(Op op) {
        return switch (op) {
            case Op.Neg _ -> r("negation", "out = −x", "∂L/∂x = −g");
            case Op.Exp _ -> r("exponential", "out = eˣ", "∂L/∂x = g · eˣ = g · out");
            case Op.Expm1 _ -> r("exponential minus one", "out = eˣ − 1", "∂L/∂x = g · eˣ = g · (out + 1)");
            case Op.Log _ -> r("logarithm", "out = ln x", "∂L/∂x = g / x");
            case Op.Sqrt _ -> r("square root", "out = √x", "∂L/∂x = g / (2√x) = g / (2·out)");
            case Op.Abs _ -> r("absolute value", "out = |x|", "∂L/∂x = g · sign(x)");
            case Op.Relu _ -> r("ReLU gate", "out = max(x, 0)", "∂L/∂x = g · [x > 0]");
            case Op.Sigmoid _ -> r("sigmoid", "out = σ(x) = 1 / (1 + e⁻ˣ)", "∂L/∂x = g · σ(x)·(1 − σ(x))");
            case Op.Tanh _ -> r("tanh", "out = tanh x", "∂L/∂x = g · (1 − tanh²x)");
            case Op.Erf _ -> r("error function", "out = erf x", "∂L/∂x = g · (2/√π)·e^(−x²)");
            case Op.Gelu(_, var tanh) -> tanh
                    ? r("GELU (tanh approximation)", "out = ½x·(1 + tanh u),  u = √(2/π)·(x + 0.044715x³)",
                            "∂L/∂x = g · (½(1 + tanh u) + ½x·(1 − tanh²u)·du/dx)")
                    : r("GELU", "out = x·Φ(x)", "∂L/∂x = g · (Φ(x) + x·φ(x))");
            case Op.Sin _ -> r("sine", "out = sin x", "∂L/∂x = g · cos x");
            case Op.Cos _ -> r("cosine", "out = cos x", "∂L/∂x = −g · sin x");
            case Op.PowScalar(_, var p) -> r("power rule", "out = x^" + num(p), "∂L/∂x = g · " + powerSlope(p));
            case Op.Clamp(_, var lo, var hi) -> r("clamp", "out = min(max(x, " + num(lo) + "), " + num(hi) + ")",
                    "∂L/∂x = g · [" + num(lo) + " ≤ x ≤ " + num(hi) + "]");
            case Op.Cast(_, var from) -> r("cast", "out = x as another dtype", "∂L/∂x = g cast back to " + from);
            case Op.Copy _ -> r("copy", "out = x (a copy)", "∂L/∂x = g (moved back to x's device)");

            case Op.Add _ -> r("sum rule", "out = a + b", "∂L/∂a = g,  ∂L/∂b = g" + BROADCAST);
            case Op.Sub _ -> r("difference rule", "out = a − b", "∂L/∂a = g,  ∂L/∂b = −g" + BROADCAST);
            case Op.Mul _ -> r("product rule", "out = a · b", "∂L/∂a = g · b,  ∂L/∂b = g · a" + BROADCAST);
            case Op.Div _ -> r("quotient rule", "out = a / b", "∂L/∂a = g / b,  ∂L/∂b = −g · a / b²" + BROADCAST);
            case Op.Pow _ -> r("power rule (tensor exponent)", "out = aᵇ", "∂L/∂a = g · b·aᵇ⁻¹,  ∂L/∂b = g · aᵇ·ln a" + BROADCAST);
            case Op.Maximum _ -> r("maximum", "out = max(a, b)", "∂L/∂a = g · [a > b],  ∂L/∂b = g · [b > a]  (a tie gives ½ to each)");
            case Op.Minimum _ -> r("minimum", "out = min(a, b)", "∂L/∂a = g · [a < b],  ∂L/∂b = g · [b < a]  (a tie gives ½ to each)");
            case Op.Where _ -> r("select", "out = cond ? a : b", "∂L/∂a = g where cond,  ∂L/∂b = g where not cond");

            case Op.Sum(_, var dims, _) -> r("sum reduction", "out = Σ x over dims " + Arrays.toString(dims),
                    "∂L/∂x = g copied back over dims " + Arrays.toString(dims));
            case Op.Amax(_, var dims, _) -> r("max reduction", "out = max x over dims " + Arrays.toString(dims),
                    "∂L/∂x = g at the maximum (shared among ties), 0 elsewhere");
            case Op.Amin(_, var dims, _) -> r("min reduction", "out = min x over dims " + Arrays.toString(dims),
                    "∂L/∂x = g at the minimum (shared among ties), 0 elsewhere");
            case Op.Softmax(_, var dim) -> r("softmax", "out = s = eˣ / Σ eˣ along dim " + dim, "∂L/∂x = s · (g − Σ g·s)");
            case Op.LogSumExp(_, var dims, _) -> r("log-sum-exp", "out = ln Σ eˣ over dims " + Arrays.toString(dims),
                    "∂L/∂x = g · eˣ⁻ᵒᵘᵗ = g · softmax(x) over those dims");
            case Op.LogSoftmax(_, var dim) -> r("log-softmax", "out = x − ln Σ eˣ along dim " + dim, "∂L/∂x = g − softmax(x) · Σ g");

            case Op.Prod(_, var dims, _) -> r("product reduction", "out = Π x over dims " + Arrays.toString(dims),
                    "∂L/∂x = g · Π of the other elements (out / x where no element is 0)");
            case Op.Norm(_, var p, var dims, _) -> r("vector norm", "out = ‖x‖_" + num(p) + " over dims " + Arrays.toString(dims),
                    normSlope(p));
            case Op.CumSum(_, var dim) -> r("cumulative sum", "out_i = x_0 + … + x_i along dim " + dim, "∂L/∂x_i = Σ_{j ≥ i} g_j");
            case Op.CumProd(_, var dim) -> r("cumulative product", "out_i = x_0 · … · x_i along dim " + dim,
                    "∂L/∂x_i = Σ_{j ≥ i} g_j · out_j / x_i  (with x_i left out of the product where it is 0)");
            case Op.Flip(_, var dims) -> r("flip", "out = x reversed along dims " + Arrays.toString(dims), "∂L/∂x = g reversed along the same dims");

            case Op.Reshape _ -> r("reshape", "out = x in a new shape", "∂L/∂x = g reshaped to x's shape");
            case Op.Permute(_, var dims) -> r("permute", "out = x with dims reordered by " + Arrays.toString(dims),
                    "∂L/∂x = g with the order undone");
            case Op.Expand _ -> r("broadcast", "out = x repeated along new or size-1 dims", "∂L/∂x = g summed over the repeated dims");
            case Op.Slice(_, var dim, var start, var end, var step) -> r("slice",
                    "out = x[" + start + ":" + end + (step != 1 ? ":" + step : "") + "] along dim " + dim,
                    "∂L/∂x = g at the sliced positions, 0 elsewhere");
            case Op.Cat(var xs, var dim) -> r("concatenation", "out = cat(x₀ … x" + (xs.size() - 1) + ") along dim " + dim,
                    "∂L/∂xᵢ = the part of g where xᵢ was placed");
            case Op.Resample(_, var dim, _, var i1, _, _) -> r(i1 == null ? "nearest-neighbour resampling" : "linear resampling",
                    i1 == null ? "out[j] = x[i(j)] along dim " + dim : "out[j] = w₀(j)·x[i₀(j)] + w₁(j)·x[i₁(j)] along dim " + dim,
                    i1 == null ? "∂L/∂x[i] = Σ of g[j] over the outputs j that read i" : "∂L/∂x[i] = Σ of wₖ(j)·g[j] over the outputs j whose tap k reads i");
            case Op.Gather(_, var dim, _) -> r("gather", "out[p] = x[p with dim " + dim + " ← index[p]]",
                    "∂L/∂x = zeros with g scatter-added at index");
            case Op.ScatterAdd(_, var dim, _, _) -> r("scatter-add",
                    "out = x;  out[p with dim " + dim + " ← index[p]] += src[p]", "∂L/∂x = g,  ∂L/∂src = g gathered at index");

            case Op.MatMul _ -> r("matrix product rule", "out = a @ b", "∂L/∂a = g @ bᵀ,  ∂L/∂b = aᵀ @ g");
            case Op.Conv2d(_, _, var b, var cs) -> r("convolution",
                    "out = x ⋆ w" + (b != null ? " + b" : "") + "  (stride " + cs.strideH() + "×" + cs.strideW() + ", padding " + cs.padH()
                            + "×" + cs.padW() + ")",
                    "∂L/∂x = transposed convolution of g with w,  ∂L/∂w = x ⋆ g (each weight: Σ input · g over the positions it touched)"
                            + (b != null ? ",  ∂L/∂b = g summed per channel" : ""));
            case Op.ConvTranspose2d(_, _, var b, var cs) -> r("transposed convolution",
                    "out = x ⋆ᵀ w" + (b != null ? " + b" : "") + "  (the input gradient of a convolution with stride " + cs.strideH() + "×"
                            + cs.strideW() + ", padding " + cs.padH() + "×" + cs.padW() + ")",
                    "∂L/∂x = g ⋆ w (that convolution, forward),  ∂L/∂w = g correlated with x"
                            + (b != null ? ",  ∂L/∂b = g summed per channel" : ""));
            case Op.MaxPool2d _ -> r("max pooling", "out = max over each window", "∂L/∂x = g sent to each window's maximum, 0 elsewhere");
            case Op.AvgPool2d _ -> r("average pooling", "out = mean over each window", "∂L/∂x = g / (window size), spread over each window");
            case Op.Attention _ -> r("scaled dot-product attention", "out = P·v, P = softmax(scale·q·kᵀ + mask)",
                    "∂L/∂v = Pᵀ·g, dS = P ⊙ (g·vᵀ − rowsum(g ⊙ out)), ∂L/∂q = scale·dS·k, ∂L/∂k = scale·dSᵀ·q  (P recomputed by tiles)");
            case Op.LayerNorm(_, var w, var b, var ns, _, _, _) -> r("layer normalisation",
                    "out = x̂" + (w != null ? " · w" : "") + (b != null ? " + b" : "") + ",  x̂ = (x − mean)·rstd over the last "
                            + ns.length + " dim(s), rstd = 1/√(var + eps)",
                    "∂L/∂x = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)),  ĝ = g" + (w != null ? " · w" : "")
                            + (w != null ? ",  ∂L/∂w = Σ g · x̂" : "") + (b != null ? ",  ∂L/∂b = Σ g" : "") + "  (sums over the leading dims)");
            case Op.GroupNorm(_, var w, var b, var groups, _, _, _) -> r("group normalisation",
                    "out = x̂" + (w != null ? " · w[c]" : "") + (b != null ? " + b[c]" : "") + ",  x̂ = (x − mean)·rstd over each of the "
                            + groups + " channel groups of each sample, rstd = 1/√(var + eps)",
                    "∂L/∂x = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)) per group,  ĝ = g" + (w != null ? " · w[c]" : "")
                            + (w != null ? ",  ∂L/∂w = Σ g · x̂" : "") + (b != null ? ",  ∂L/∂b = Σ g" : "") + "  (sums per channel)");
            case Op.CrossEntropy(_, _, var ignore, _) -> r("softmax cross-entropy",
                    "out[n] = ln Σⱼ e^x[n, j] − x[n, target[n]]  (0 where target = " + ignore + ")",
                    "∂L/∂x[n] = g[n] · (softmax(x[n]) − one-hot(target[n]))");
            case Op.Dropout(_, var p, _) -> r("dropout", "out = x / (1 − " + num(p) + ") where kept, 0 where dropped",
                    "∂L/∂x = g / (1 − " + num(p) + ") where kept, 0 where dropped");
        };
    }

    /**
     * The role of each of {@code op}'s {@link Op#inputs() inputs}, as the formulas name them:
     * {@code x} for one input, {@code a, b} for two, {@code x₀ … } for a concatenation.
     *
     * @param op the op
     * @return one name per input
     */
    public static List<String> inputNames(Op op) {
        return switch (op) {
            case Op.UnaryOp _ -> List.of("x");
            case Op.BinaryOp _ -> List.of("a", "b");
            case Op.Where _ -> List.of("cond", "a", "b");
            case Op.Gather _ -> List.of("x", "index");
            case Op.CrossEntropy _ -> List.of("logits", "target");
            case Op.ScatterAdd _ -> List.of("x", "index", "src");
            case Op.Conv2d c -> c.b() == null ? List.of("x", "w") : List.of("x", "w", "b");
            case Op.ConvTranspose2d c -> c.b() == null ? List.of("x", "w") : List.of("x", "w", "b");
            case Op.Attention _ -> List.of("q", "k", "v");
            case Op.LayerNorm l -> {
                List<String> names = new ArrayList<>(List.of("x"));
                if (l.weight() != null) names.add("w");
                if (l.bias() != null) names.add("b");
                yield names;
            }
            case Op.GroupNorm l -> {
                List<String> names = new ArrayList<>(List.of("x"));
                if (l.weight() != null) names.add("w");
                if (l.bias() != null) names.add("b");
                yield names;
            }
            case Op.Cat c -> {
                List<String> names = new ArrayList<>();
                for (int i = 0; i < c.xs().size(); i++) names.add("x" + subscript(i));
                yield names;
            }
        };
    }

    /** The norm rule for one p, in words. */
    private static String normSlope(double p) {
        if (p == 0) return "∂L/∂x = 0 (the count of non-zeros is piecewise constant)";
        if (p == 1) return "∂L/∂x = g · sign(x)";
        if (p == 2) return "∂L/∂x = g · x / out  (0 where out = 0)";
        if (Double.isInfinite(p)) return "∂L/∂x = g · sign(x) at the elements where |x| = out (shared among ties), 0 elsewhere";
        return "∂L/∂x = g · sign(x)·|x|^" + num(p - 1) + " / out^" + num(p - 1) + "  (0 where out = 0)";
    }

    private static final String BROADCAST = "  (each summed back to its input's shape)";

    private static Rule r(String name, String forward, String backward) {
        return new Rule(name, forward, backward);
    }

    /** d/dx xᵖ written out: p·x^(p−1), simplified for p − 1 ∈ {0, 1}. */
    private static String powerSlope(double p) {
        if (p == 0) return "0";
        double q = p - 1;
        String xq = q == 0 ? "" : q == 1 ? "·x" : "·x^" + num(q);
        return num(p) + xq;
    }

    /** A short decimal: whole numbers without a fraction, ±∞ as symbols. */
    static String num(double v) {
        if (v == Double.POSITIVE_INFINITY) return "∞";
        if (v == Double.NEGATIVE_INFINITY) return "−∞";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return TensorText.number(v);
    }

    private static String subscript(int i) {
        StringBuilder sb = new StringBuilder();
        for (char c : Integer.toString(i).toCharArray()) sb.append((char) ('₀' + (c - '0')));
        return sb.toString();
    }
}
