package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.Json;
import dev.jgrad.tensor.io.Safetensors;
import dev.jgrad.testing.OracleAssert;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Ops on float16 and bfloat16 tensors against PyTorch: the fixtures in
 * {@code src/test/resources/oracle-half} (written by {@code tools/oracle/generate_half.py}, which
 * says where torch 1.13 computes natively and where the fixture is torch's float32 result rounded)
 * hold half inputs, torch's half output, an upstream gradient and torch's half input gradients.
 * The inputs are read as stored (F16/BF16), so this also reads half tensors written by another
 * safetensors writer.
 *
 * <p>Forward outputs must be within {@link #OUT_ULPS} half ulp of torch's: both compute in float32
 * and round once, and a float32 sum in another order can land on the other side of a rounding
 * boundary. Gradients are within {@link #GRAD_ULPS} half ulps of (max |torch| + |torch|): jgrad's
 * softmax gradient is composed of half ops that each round (y·(g − Σ g·y)), where torch's is one
 * kernel; measured, 1 ulp is not enough for it, 2 are.
 */
class HalfOracleTest {
    private static final double OUT_ULPS = 1;
    private static final double GRAD_ULPS = 2;

    @TestFactory
    Stream<DynamicNode> halfOpsMatchPyTorch() throws IOException, URISyntaxException {
        var url = HalfOracleTest.class.getResource("/oracle-half");
        assertNotNull(url, "the half-precision oracle fixtures are not on the test class path");
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(url.toURI()))) {
            files = s.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no half-precision fixtures");
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path file : files) {
            Safetensors.Contents contents = Safetensors.read(file);
            String op = contents.metadata().get("op");
            OracleOps.Call call = OracleOps.OPS.get(op);
            int cases = Integer.parseInt(contents.metadata().get("cases"));
            List<DynamicTest> tests = new ArrayList<>();
            for (int i = 0; i < cases; i++) {
                Map<String, Object> json = Json.parseObject(contents.metadata().get("case" + i));
                int c = i;
                String name = op + " case " + i + " " + json.get("dtype") + " (" + json.get("reference") + ")";
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    assertNotNull(call, op + " has no jgrad call in OracleOps");
                    runCase(name + " " + json, call, c, new OracleOps.Params(json), contents.tensors());
                }));
            }
            nodes.add(DynamicContainer.dynamicContainer(op, tests));
        }
        return nodes.stream();
    }

    private static void runCase(String label, OracleOps.Call call, int i, OracleOps.Params params, Map<String, Tensor> ts) {
        List<Tensor> leaves = new ArrayList<>();
        for (int j = 0; ts.containsKey("c" + i + ".in" + j); j++) leaves.add(ts.get("c" + i + ".in" + j).detach().requiresGrad(true));
        DType half = leaves.get(0).dtype();
        Tensor out = call.apply(leaves, params);
        check(label + ", out", out, ts.get("c" + i + ".out"), half, OUT_ULPS);
        out.backward(ts.get("c" + i + ".gout"));
        for (int j = 0; j < leaves.size(); j++) {
            Tensor g = leaves.get(j).grad();
            assertNotNull(g, label + ": input " + j + " received no gradient");
            check(label + ", grad" + j, g, ts.get("c" + i + ".grad" + j), half, GRAD_ULPS);
        }
    }

    private static void check(String what, Tensor actual, Tensor torch, DType half, double ulps) {
        assertEquals(half, torch.dtype(), what + ": the fixture's dtype");
        assertEquals(half, actual.dtype(), what + ": dtype");
        assertArrayEquals(torch.shape(), actual.shape(), what + ": shape");
        double[] a = actual.toDoubleArray(), b = torch.toDoubleArray();
        double scale = 0;
        for (double v : b) scale = Math.max(scale, Math.abs(v));
        double ulp = half == DType.FLOAT16 ? 0x1p-10 : 0x1p-7;
        for (int k = 0; k < a.length; k++) {
            double tol = ulps == OUT_ULPS ? ulps * ulp * Math.abs(b[k]) : ulps * ulp * (scale + Math.abs(b[k]));
            if (!(Math.abs(a[k] - b[k]) <= tol)) {
                fail(what + ": element " + OracleAssert.coords(k, actual.shape()) + ": jgrad " + a[k] + ", torch " + b[k] + " (|diff| "
                        + Math.abs(a[k] - b[k]) + " > " + tol + ")");
            }
        }
    }
}
