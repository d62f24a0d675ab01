package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.LinkedHashMap;
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
        for (Map.Entry<String, Tensor> e : wrt.entrySet()) {
            Tensor t = e.getValue();
            assertNotNull(t.grad(), what + ": no gradient for " + e.getKey());
            double[] analytic = t.grad().toDoubleArray();
            try (var _ = GradMode.noGrad()) {
                double[] values = t.toDoubleArray();
                Tensor flat = t.reshape(-1);
                for (int i = 0; i < values.length; i++) {
                    Tensor cell = flat.narrow(0, i, 1);
                    cell.fill(values[i] + EPS);
                    double plus = m.call(in).mul(v).sum().item();
                    cell.fill(values[i] - EPS);
                    double minus = m.call(in).mul(v).sum().item();
                    cell.fill(values[i]);
                    double numeric = (plus - minus) / (2 * EPS);
                    double err = Math.abs(analytic[i] - numeric);
                    int at = i;
                    assertTrue(err <= ATOL + RTOL * Math.abs(numeric), () -> what + ": gradient of " + e.getKey() + " element " + at
                            + ": analytic " + analytic[at] + " vs numeric " + numeric);
                }
            }
        }
    }
}
