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
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every op of the oracle catalog ({@link OracleOps}, the cases of {@code src/test/resources/oracle})
 * on FLOAT16 and BFLOAT16 inputs, forward and backward, against the same op run in float32 on the
 * same (half-rounded) values with its result rounded to the half type — the definition of "CPU
 * compute in float32 with results rounded". An op that fails on half tensors, or returns another
 * dtype than float32 would give rounded, fails here.
 *
 * <p>Forward outputs agree bit for bit, except those of the ops composed of several rounded steps
 * ({@link #COMPOSED}: mean is a sum then a division, var a mean, a difference, a square, a sum and a
 * division; an einsum of three or more operands rounds after each pairwise contraction), as
 * PyTorch's half ops round after each step too. Gradients are mostly composed (the
 * derivative of exp multiplies g by exp(x), each rounded), so they and the composed ops are held to
 * {@link #ULPS} half ulps of (max |expected| + |expected|): measured, 1 is not enough (gelu's and
 * pow's gradients), 2 is.
 */
class HalfOpCatalogTest {
    /** Half ulps (of max |expected| + |expected|) a composed op or a gradient may differ by. */
    private static final double ULPS = 2;
    /** Ops whose forward pass is several rounded half ops, not one float32 kernel. */
    private static final Set<String> COMPOSED = Set.of("mean", "var", "einsum");

    private static Path fixtureDir() throws URISyntaxException {
        var url = HalfOpCatalogTest.class.getResource("/oracle");
        assertNotNull(url, "the oracle fixtures are not on the test class path");
        return Path.of(url.toURI());
    }

    @TestFactory
    Stream<DynamicNode> everyCatalogOpOnHalfTensors() throws IOException, URISyntaxException {
        List<Path> files;
        try (Stream<Path> s = Files.list(fixtureDir())) {
            files = s.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no oracle fixtures");
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path file : files) {
            Safetensors.Contents contents = Safetensors.read(file);
            String op = contents.metadata().get("op");
            OracleOps.Call call = OracleOps.OPS.get(op);
            if (call == null) continue;   // OracleTest fails for a fixture without a call
            int cases = Integer.parseInt(contents.metadata().get("cases"));
            List<DynamicTest> tests = new ArrayList<>();
            for (int i = 0; i < cases; i++) {
                OracleOps.Params params = new OracleOps.Params(Json.parseObject(contents.metadata().get("case" + i)));
                for (DType half : List.of(DType.FLOAT16, DType.BFLOAT16)) {
                    int c = i;
                    String name = op + " case " + c + " " + half;
                    tests.add(DynamicTest.dynamicTest(name, () -> runCase(name, op, call, c, params, contents.tensors(), half)));
                }
            }
            nodes.add(DynamicContainer.dynamicContainer(op, tests));
        }
        return nodes.stream();
    }

    /** One run of the case: floating inputs in {@code type} (leaves, requiring grad where torch computed one). */
    private record Run(Tensor out, List<Tensor> leaves) {}

    private static Run run(OracleOps.Call call, int i, OracleOps.Params params, Map<String, Tensor> ts, DType half, DType type) {
        @SuppressWarnings("unchecked")
        Map<String, Object> views = (Map<String, Object>) params.json().getOrDefault("views", Map.of());
        List<Tensor> leaves = new ArrayList<>(), inputs = new ArrayList<>();
        for (int j = 0; ts.containsKey("c" + i + ".in" + j); j++) {
            Tensor base = ts.get("c" + i + ".in" + j).detach();
            if (base.dtype().isFloating()) {
                base = base.to(half).to(type).detach();   // both runs see the same, half-representable values
                if (ts.containsKey("c" + i + ".grad" + j)) base.requiresGrad(true);
            }
            leaves.add(base);
            inputs.add(OracleOps.applyViews(base, (List<?>) views.getOrDefault(String.valueOf(j), List.of())));
        }
        Tensor out = call.apply(inputs, params);
        Tensor gout = ts.get("c" + i + ".gout");
        if (gout != null && out.requiresGrad()) out.backward(gout.to(half).to(type));
        return new Run(out, leaves);
    }

    private static void runCase(String name, String op, OracleOps.Call call, int i, OracleOps.Params params, Map<String, Tensor> ts, DType half) {
        String label = name + " " + params.json();
        Run h = run(call, i, params, ts, half, half);
        Run f = run(call, i, params, ts, half, DType.FLOAT32);
        compare(label + ", out", h.out(), f.out(), half, COMPOSED.contains(op) ? ULPS : 0);
        for (int j = 0; j < h.leaves().size(); j++) {
            if (!ts.containsKey("c" + i + ".grad" + j)) continue;
            Tensor gh = h.leaves().get(j).grad(), gf = f.leaves().get(j).grad();
            assertNotNull(gh, label + ": input " + j + " received no gradient in " + half);
            compare(label + ", grad" + j, gh, gf, half, ULPS);
        }
    }

    /** {@code actual} (the half run) against {@code float32} rounded to {@code half}; non-floating results exactly. */
    private static void compare(String what, Tensor actual, Tensor float32, DType half, double ulps) {
        assertArrayEquals(float32.shape(), actual.shape(), what + ": shape");
        if (!float32.dtype().isFloating()) {
            assertEquals(float32.dtype(), actual.dtype(), what + ": dtype");
            assertArrayEquals(float32.toLongArray(), actual.toLongArray(), what + ": values");
            return;
        }
        assertEquals(half, actual.dtype(), what + ": dtype");
        Tensor expected = float32.to(half);
        double[] a = actual.toDoubleArray(), b = expected.toDoubleArray();
        double scale = 0;
        for (double v : b) if (Double.isFinite(v)) scale = Math.max(scale, Math.abs(v));
        double ulp = half == DType.FLOAT16 ? 0x1p-10 : 0x1p-7;
        for (int k = 0; k < a.length; k++) {
            if (a[k] == b[k] || (Double.isNaN(a[k]) && Double.isNaN(b[k]))) continue;
            double tol = ulps * ulp * (scale + Math.abs(b[k]));
            if (!(Math.abs(a[k] - b[k]) <= tol)) {
                fail(what + ": element " + OracleAssert.coords(k, actual.shape()) + ": " + half + " run " + a[k] + ", float32 run rounded "
                        + b[k] + " (|diff| " + Math.abs(a[k] - b[k]) + " > " + tol + ")");
            }
        }
    }
}
