package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.GradCheck;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A float64 central-difference gradient check of a whole layer: the gradients {@code backward}
 * gives for the input (when floating) and for every parameter, against (f(t + ε) − f(t − ε)) / 2ε
 * of f = Σ layer(x)·v for a fixed random v, perturbing each element of the input and of the
 * layer's own parameters in place. It checks the layer as users run it ({@link Module#call}),
 * not a functional copy of it.
 */
final class LayerGradCheck {
    private static final double EPS = 1e-6, ATOL = 1e-5, RTOL = 1e-3;

    private LayerGradCheck() {}

    /** Converts {@code m} to float64 and checks it at input {@code x}. */
    static void check(String what, Module m, Tensor x) {
        m.to(DType.FLOAT64);
        Tensor in = x.dtype().isFloating() ? x.detach().to(DType.FLOAT64).clone().requiresGrad(true) : x;
        Tensor y = m.call(in);
        Tensor v = Tensor.randn(new Generator(99), y.shape()).to(DType.FLOAT64);
        m.zeroGrad();
        y.mul(v).sum().backward();
        Map<String, Tensor> wrt = new LinkedHashMap<>();
        if (in.dtype().isFloating()) wrt.put("input", in);
        wrt.putAll(m.namedParameters());
        for (Map.Entry<String, Tensor> e : wrt.entrySet()) assertNotNull(e.getValue().grad(), what + ": no gradient for " + e.getKey());
        List<String> names = List.copyOf(wrt.keySet());
        GradCheck.Result r = GradCheck.compare(() -> m.call(in), v, List.copyOf(wrt.values()), EPS, ATOL, RTOL);
        assertTrue(r.passed(), () -> what + ": gradient of " + names.get(r.input()) + " element " + r.element() + ": analytic "
                + r.analytic() + " vs numeric " + r.numeric());
    }
}
