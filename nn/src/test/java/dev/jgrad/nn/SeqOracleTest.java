package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.Json;
import dev.jgrad.tensor.io.Safetensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The sequence layers against PyTorch: each fixture in {@code src/test/resources/oracle-seq}
 * (written by {@code tools/oracle/generate_seq.py}, which with tools/oracle/README.md documents
 * the format) holds, per configuration, torch's state dict, the inputs, the outputs, an upstream
 * gradient per output and the gradients of Σ out·gout for every floating input and every
 * parameter. Each configuration is built here, loaded with {@link Module#loadStateDict} (which
 * also checks that every parameter name and shape is PyTorch's), run forward and backward in
 * float64 and again in float32 (on the CPU, and on a CUDA device too when one is usable), and
 * compared. Configurations with a causal mask run twice: with {@code isCausal} and with the
 * stored explicit mask.
 */
class SeqOracleTest {
    /** float64: |a − b| ≤ 1e-12 + 1e-10·|b| (jgrad and torch differ by a few ulps, under 2e-15 seen). */
    private static final double[] F64 = {1e-12, 1e-10};
    /**
     * float32 compares with the float64 expectation, so it sees the rounding of inputs and
     * parameters to float32, amplified through a few recurrent steps, softmaxes and layer norms:
     * |a − b| ≤ 1e-5·(1 + |b|) (4e-7 seen).
     */
    private static final double[] F32 = {1e-5, 1e-5};

    private static final List<String> FAMILIES = List.of("rnn", "lstm", "gru", "mha", "encoder_layer", "encoder");

    static Path fixture(String family) throws URISyntaxException {
        var url = SeqOracleTest.class.getResource("/oracle-seq/" + family + ".safetensors");
        assertNotNull(url, "missing fixture oracle-seq/" + family + ".safetensors; run tools/oracle/generate_seq.py");
        return Path.of(url.toURI());
    }

    @Test
    void everyFixtureFileIsRun() throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(fixture("rnn").getParent())) {
            var names = new TreeSet<>(files.map(f -> f.getFileName().toString().replace(".safetensors", "")).toList());
            assertEquals(new TreeSet<>(FAMILIES), names, "fixture files and the families this test runs differ");
        }
    }

    @TestFactory
    Stream<DynamicNode> oracle() throws IOException, URISyntaxException {
        List<DynamicNode> nodes = new ArrayList<>();
        for (String family : FAMILIES) {
            Safetensors.Contents contents = Safetensors.read(fixture(family));
            assertEquals(family, contents.metadata().get("family"));
            int cases = Integer.parseInt(contents.metadata().get("cases"));
            List<DynamicTest> tests = new ArrayList<>();
            for (int i = 0; i < cases; i++) {
                Map<String, Object> p = Json.parseObject(contents.metadata().get("case" + i));
                Map<String, Tensor> c = caseTensors(contents.tensors(), i);
                List<Boolean> causalVariants = Boolean.TRUE.equals(p.get("causal")) ? List.of(true, false) : List.of(false);
                for (Device device : devices()) {
                    for (boolean viaFlag : causalVariants) {
                        for (DType precision : List.of(DType.FLOAT64, DType.FLOAT32)) {
                            String name = family + " case " + i + " " + precision + (viaFlag ? " isCausal" : "")
                                    + (device.equals(Device.CPU) ? "" : " " + device) + " " + Json.write(p);
                            tests.add(DynamicTest.dynamicTest(name, () -> runCase(name, family, p, c, device, precision, viaFlag)));
                        }
                    }
                }
            }
            nodes.add(DynamicContainer.dynamicContainer(family, tests));
        }
        return nodes.stream();
    }

    /** The CPU always; a CUDA device too when one is usable. */
    private static List<Device> devices() {
        Device best = Device.best();
        return best.equals(Device.CPU) ? List.of(Device.CPU) : List.of(Device.CPU, best);
    }

    /** The tensors of case i without their "c{i}." prefix. */
    static Map<String, Tensor> caseTensors(Map<String, Tensor> all, int i) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        String prefix = "c" + i + ".";
        all.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }

    /** Tensors under "{group}." with that prefix removed. */
    static Map<String, Tensor> group(Map<String, Tensor> c, String group) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        c.forEach((k, v) -> {
            if (k.startsWith(group + ".")) out.put(k.substring(group.length() + 1), v);
        });
        return out;
    }

    static int i(Map<String, Object> p, String key) {
        return ((Number) p.get(key)).intValue();
    }

    static double d(Map<String, Object> p, String key) {
        return ((Number) p.get(key)).doubleValue();
    }

    static boolean b(Map<String, Object> p, String key) {
        return Boolean.TRUE.equals(p.get(key));
    }

    /** The jgrad module for a fixture configuration. */
    static Module build(String family, Map<String, Object> p) {
        return switch (family) {
            case "rnn" -> new RNN(i(p, "input_size"), i(p, "hidden_size"), i(p, "num_layers"),
                    "relu".equals(p.get("nonlinearity")) ? RNN.Nonlinearity.RELU : RNN.Nonlinearity.TANH, b(p, "bias"), b(p, "batch_first"),
                    d(p, "dropout"), b(p, "bidirectional"));
            case "lstm" -> new LSTM(i(p, "input_size"), i(p, "hidden_size"), i(p, "num_layers"), b(p, "bias"), b(p, "batch_first"),
                    d(p, "dropout"), b(p, "bidirectional"), i(p, "proj_size"));
            case "gru" -> new GRU(i(p, "input_size"), i(p, "hidden_size"), i(p, "num_layers"), b(p, "bias"), b(p, "batch_first"),
                    d(p, "dropout"), b(p, "bidirectional"));
            case "mha" -> new MultiheadAttention(i(p, "embed_dim"), i(p, "num_heads"), 0, b(p, "bias"), b(p, "add_bias_kv"),
                    b(p, "add_zero_attn"), i(p, "kdim"), i(p, "vdim"), b(p, "batch_first"));
            case "encoder_layer" -> encoderLayer(p);
            case "encoder" -> new TransformerEncoder(k -> encoderLayer(p), i(p, "num_layers"), b(p, "final_norm") ? new LayerNorm(i(p, "d_model")) : null);
            default -> throw new AssertionError(family);
        };
    }

    private static TransformerEncoderLayer encoderLayer(Map<String, Object> p) {
        return new TransformerEncoderLayer(i(p, "d_model"), i(p, "nhead"), i(p, "dim_feedforward"), 0, (String) p.get("activation"),
                d(p, "layer_norm_eps"), b(p, "batch_first"), b(p, "norm_first"));
    }

    /** Runs the jgrad module as the generator ran torch's; the outputs by the fixture's names. */
    static Map<String, Tensor> call(String family, Map<String, Object> p, Module m, Map<String, Tensor> in, boolean viaFlag) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        switch (family) {
            case "rnn", "lstm", "gru" -> {
                RNNBase.Output o = switch ((RNNBase) m) {
                    case LSTM l -> l.forward(in.get("x"), in.get("h0"), in.get("c0"));
                    case RNN r -> r.forward(in.get("x"), in.get("h0"));
                    case GRU g -> g.forward(in.get("x"), in.get("h0"));
                };
                out.put("output", o.output());
                out.put("h_n", o.hN());
                if (o.cN() != null) out.put("c_n", o.cN());
            }
            case "mha" -> {
                Tensor q = in.get("query");
                MultiheadAttention.Output o = ((MultiheadAttention) m).forward(q, in.getOrDefault("key", q), in.getOrDefault("value", q),
                        in.get("key_padding_mask"), viaFlag ? null : in.get("attn_mask"), viaFlag, b(p, "need_weights"),
                        b(p, "average_attn_weights"));
                out.put("output", o.output());
                if (o.weights() != null) out.put("weights", o.weights());
            }
            case "encoder_layer" -> out.put("output", ((TransformerEncoderLayer) m).forward(in.get("src"), viaFlag ? null : in.get("mask"),
                    in.get("src_key_padding_mask"), viaFlag));
            case "encoder" -> out.put("output", ((TransformerEncoder) m).forward(in.get("src"), viaFlag ? null : in.get("mask"),
                    in.get("src_key_padding_mask"), viaFlag));
            default -> throw new AssertionError(family);
        }
        return out;
    }

    private static void runCase(String label, String family, Map<String, Object> p, Map<String, Tensor> c, Device device, DType precision,
                                boolean viaFlag) {
        Module m = build(family, p).to(precision).to(device);
        m.train(!p.containsKey("train") || b(p, "train"));
        m.loadStateDict(group(c, "p"));

        Map<String, Tensor> inputs = new LinkedHashMap<>();
        Map<String, Tensor> gradIn = group(c, "grad.in");
        group(c, "in").forEach((k, v) -> {
            Tensor t = v.detach().to(device);
            if (t.dtype().isFloating()) t = t.to(precision);
            if (gradIn.containsKey(k)) t.requiresGrad(true);
            inputs.put(k, t);
        });
        Map<String, Tensor> outs = call(family, p, m, inputs, viaFlag);
        Map<String, Tensor> expected = group(c, "out"), gouts = group(c, "gout");
        assertEquals(expected.keySet(), outs.keySet(), label + ": outputs");
        double[] tol = precision == DType.FLOAT64 ? F64 : F32;
        Tensor loss = null;
        for (String k : expected.keySet()) {
            assertEquals(device, outs.get(k).device(), label + ", out." + k + ": device");
            assertClose(label + ", out." + k, outs.get(k), expected.get(k), precision, tol);
            Tensor term = outs.get(k).mul(gouts.get(k).to(precision).to(device)).sum();
            loss = loss == null ? term : loss.add(term);
        }
        assertNotNull(loss);
        loss.backward();
        gradIn.forEach((k, g) -> assertClose(label + ", grad of input " + k, inputs.get(k).grad(), g, precision, tol));
        Map<String, Tensor> params = m.namedParameters(), gradP = group(c, "grad.p");
        assertEquals(new TreeSet<>(params.keySet()), new TreeSet<>(gradP.keySet()), label + ": parameters with gradients");
        gradP.forEach((k, g) -> assertClose(label + ", grad of " + k, params.get(k).grad(), g, precision, tol));
    }

    static void assertClose(String what, Tensor actual, Tensor expected, DType precision, double[] tol) {
        assertNotNull(actual, what + ": missing (no gradient reached it)");
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            fail(what + ": shape " + Arrays.toString(actual.shape()) + ", torch gives " + Arrays.toString(expected.shape()));
        }
        assertEquals(precision, actual.dtype(), what + ": dtype");
        double[] a = actual.toDoubleArray(), e = expected.toDoubleArray();
        assertFalse(a.length == 0, what + ": empty");
        int worst = -1;
        double worstRatio = 1;
        for (int k = 0; k < a.length; k++) {
            double err = Math.abs(a[k] - e[k]);
            double ratio = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / (tol[0] + tol[1] * Math.abs(e[k]));
            if (ratio > worstRatio) {
                worstRatio = ratio;
                worst = k;
            }
        }
        if (worst >= 0) {
            fail(what + ": worst element " + worst + " of " + Arrays.toString(expected.shape()) + ": jgrad " + a[worst] + ", torch " + e[worst]
                    + " (|diff| " + Math.abs(a[worst] - e[worst]) + ")");
        }
        assertTrue(true);
    }
}
