package dev.jgrad.autograd;

import dev.jgrad.testing.OracleAssert;
import dev.jgrad.testing.OracleAssert.Tolerance;

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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every op against PyTorch: the fixtures in {@code src/test/resources/oracle} (written by
 * {@code tools/oracle/generate.py}, which documents the format) hold each case's inputs, torch's
 * output, an upstream gradient and torch's input gradients, all in float64. Each case runs twice
 * here, in float64 and in float32 (on the CPU, and again on a CUDA device when one is usable),
 * and the forward output (shape, dtype, values) and every input gradient are compared with
 * torch's.
 *
 * <p>A fixture whose op has no entry in {@link OracleOps#OPS} fails, so a new fixture cannot be
 * skipped silently.
 */
class OracleTest {
    /** float64 runs: |a − b| ≤ 1e-10 + 1e-8·|b|. */
    private static final Tolerance F64 = new Tolerance(1e-10, 1e-8);
    /**
     * float32 runs compare with the float64 expectation, so they see the rounding of the inputs
     * to float32 (relative 6e-8, amplified by each op's conditioning) on top of float32
     * arithmetic: |a − b| ≤ 1e-5·(1 + |b|), about 80 float32 ulps (the worst op, conv2d with
     * 36-term sums, uses a twentieth of it).
     */
    private static final Tolerance F32 = new Tolerance(1e-5, 1e-5);
    /**
     * Looser float32 tolerances, each with the reason. softmax and log_softmax: case 5 has
     * logits around ±1000 (up to ±1500), whose float32 roundings are off by up to 3e-5 (half an
     * ulp at 1000) before any arithmetic. Every output depends on differences of logits, so it
     * inherits absolute errors of that size (2.1e-5 seen in log_softmax, right at
     * 1e-5·(1 + |b|)) however exactly it is computed; jgrad stays under a tenth of
     * 1e-4·(1 + |b|).
     */
    private static final Map<String, Tolerance> F32_BY_OP = Map.of(
            "softmax", new Tolerance(1e-4, 1e-4),
            "log_softmax", new Tolerance(1e-4, 1e-4));

    private static Path fixtureDir() throws URISyntaxException {
        var url = OracleTest.class.getResource("/oracle");
        assertNotNull(url, "the oracle fixtures are not on the test class path (src/test/resources/oracle)");
        return Path.of(url.toURI());
    }

    private static List<Path> fixtures() throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(fixtureDir())) {
            return files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    private static String opOf(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - ".safetensors".length());
    }

    @TestFactory
    Stream<DynamicNode> oracle() throws IOException, URISyntaxException {
        List<Path> files = fixtures();
        assertFalse(files.isEmpty(), "no oracle fixtures found");
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path file : files) {
            String op = opOf(file);
            Safetensors.Contents contents = Safetensors.read(file);
            Map<String, String> meta = contents.metadata();
            OracleOps.Call call = OracleOps.OPS.get(op);
            if (call == null || !op.equals(meta.get("op"))) {
                nodes.add(DynamicTest.dynamicTest(op + " has a jgrad call", () -> {
                    assertEquals(op, meta.get("op"), file.getFileName() + ": metadata op differs from the file name");
                    fail("fixture " + file.getFileName() + " has op \"" + op + "\", which OracleOps.OPS does not map to a jgrad call; add it");
                }));
                continue;
            }
            int cases = Integer.parseInt(meta.get("cases"));
            List<DynamicTest> tests = new ArrayList<>();
            tests.add(DynamicTest.dynamicTest(op + " fixture tensors", () -> checkTensorNames(op, cases, contents.tensors())));
            for (int i = 0; i < cases; i++) {
                OracleOps.Params params = new OracleOps.Params(Json.parseObject(meta.get("case" + i)));
                for (Device device : devices()) {
                    for (DType precision : List.of(DType.FLOAT64, DType.FLOAT32)) {
                        int c = i;
                        String name = op + " case " + i + " " + precision + (device.equals(Device.CPU) ? "" : " " + device);
                        tests.add(DynamicTest.dynamicTest(name,
                                () -> runCase(name, op, call, c, params, contents.tensors(), device, precision)));
                    }
                }
            }
            nodes.add(DynamicContainer.dynamicContainer(op, tests));
        }
        return nodes.stream();
    }

    /** The CPU always; a CUDA device too when one is usable. */
    private static List<Device> devices() {
        Device best = Device.best();
        return best.equals(Device.CPU) ? List.of(Device.CPU) : List.of(Device.CPU, best);
    }

    /**
     * The file holds exactly the tensors the format describes, so none is silently ignored:
     * c&lt;i&gt;.in&lt;j&gt; for j = 0, 1, …, c&lt;i&gt;.out, and, when out is floating,
     * c&lt;i&gt;.gout and c&lt;i&gt;.grad&lt;j&gt; for each floating input j.
     */
    private static void checkTensorNames(String op, int cases, Map<String, Tensor> ts) {
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < cases; i++) {
            String c = "c" + i + ".";
            assertTrue(ts.containsKey(c + "in0") && ts.containsKey(c + "out"), op + " case " + i + ": missing in0 or out");
            expected.add(c + "out");
            boolean floatOut = ts.get(c + "out").dtype().isFloating();
            if (floatOut) expected.add(c + "gout");
            for (int j = 0; ts.containsKey(c + "in" + j); j++) {
                expected.add(c + "in" + j);
                if (floatOut && ts.get(c + "in" + j).dtype().isFloating()) expected.add(c + "grad" + j);
            }
        }
        assertEquals(expected, new TreeSet<>(ts.keySet()), op + ": the fixture's tensors differ from what its " + cases + " cases use");
    }

    /** Every op in the table has a fixture (a stale entry would mean an op that is never checked). */
    @Test
    void everyTableOpHasAFixture() throws IOException, URISyntaxException {
        Set<String> ops = new TreeSet<>(OracleOps.OPS.keySet());
        for (Path f : fixtures()) ops.remove(opOf(f));
        assertTrue(ops.isEmpty(), "ops in OracleOps.OPS without a fixture: " + ops);
    }

    private static void runCase(String name, String op, OracleOps.Call call, int i, OracleOps.Params params,
                                Map<String, Tensor> ts, Device device, DType precision) {
        String label = name + " " + params.json();
        @SuppressWarnings("unchecked")
        Map<String, Object> views = (Map<String, Object>) params.json().getOrDefault("views", Map.of());
        List<Tensor> leaves = new ArrayList<>(), inputs = new ArrayList<>();
        for (int j = 0; ts.containsKey("c" + i + ".in" + j); j++) {
            Tensor base = ts.get("c" + i + ".in" + j).detach().to(device);  // a fresh leaf: no gradient carries over between runs
            if (base.dtype().isFloating()) {
                base = base.to(precision);
                if (ts.containsKey("c" + i + ".grad" + j)) base.requiresGrad(true);
            }
            leaves.add(base);
            inputs.add(OracleOps.applyViews(base, (List<?>) views.getOrDefault(String.valueOf(j), List.of())));
        }
        assertFalse(leaves.isEmpty(), label + ": the fixture has no inputs");

        Tensor out = call.apply(inputs, params);
        Tolerance tol = precision == DType.FLOAT64 ? F64 : F32_BY_OP.getOrDefault(op, F32);
        assertMatches(label, "out", out, ts.get("c" + i + ".out"), device, precision, tol);

        Tensor gout = ts.get("c" + i + ".gout");
        if (gout == null) return;
        assertTrue(out.requiresGrad(), label + ": the output does not require grad, so no gradient can flow back");
        out.backward(gout.to(precision).to(device));
        for (int j = 0; j < leaves.size(); j++) {
            Tensor expected = ts.get("c" + i + ".grad" + j);
            if (expected == null) continue;
            Tensor grad = leaves.get(j).grad();
            assertNotNull(grad, label + ": input " + j + " received no gradient (torch's is grad" + j + ")");
            assertMatches(label, "grad" + j, grad, expected, device, precision, tol);
        }
    }

    /** Same shape, the dtype torch would give, and values within the precision's tolerance (exact for ints and bools). */
    private static void assertMatches(String label, String name, Tensor actual, Tensor expected, Device device,
                                      DType precision, Tolerance tol) {
        OracleAssert.assertClose(label + ", " + name, actual, expected, precision, device, tol);
    }
}
