package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * toString against PyTorch's str() of the same tensors ({@code oracle-print/tensor_str.json},
 * written by {@code tools/oracle/generate_print.py}): every case must print exactly PyTorch's
 * text, apart from the deliberate differences listed in {@link #DIFFERENCES}.
 */
class TensorFormatOracleTest {

    /**
     * What jgrad prints on purpose differently from PyTorch: {@code {case or "*" for all, PyTorch's
     * text, jgrad's}}. Each is a name, never layout or numbers.
     */
    private static final String[][] DIFFERENCES = {
        // jgrad's dtypes have no torch namespace: DType.FLOAT64 prints as float64
        {"*", "dtype=torch.", "dtype="},
        // grad_fn names the jgrad op that made the tensor, as graph views and the backward
        // stepper show it, where that op is not PyTorch's:
        {"op_mean", "MeanBackward0", "DivBackward0"},              // mean is a sum divided by the count
        {"op_pow", "PowBackward0", "PowScalarBackward0"},          // a number exponent is its own primitive
        {"op_reshape", "ReshapeAliasBackward0", "ReshapeBackward0"},
        {"op_matmul", "MmBackward0", "MatMulBackward0"},            // one matmul for every rank
        {"op_cast", "ToCopyBackward0", "CastBackward0"},
    };

    @TestFactory
    Stream<DynamicTest> printsAsPyTorch() throws IOException {
        List<Map<String, Object>> cases = cases();
        assertTrue(cases.size() > 50, "the fixture has its cases");
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> {
            String name = (String) c.get("name");
            assertEquals(expected(name, (String) c.get("str")), build(c).toString(), name);
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyDifferenceIsUsed() throws IOException {
        List<Map<String, Object>> cases = cases();
        return Stream.of(DIFFERENCES).map(d -> DynamicTest.dynamicTest(d[0] + ": " + d[1], () -> {
            boolean used = cases.stream().anyMatch(c -> (d[0].equals("*") || d[0].equals(c.get("name")))
                    && ((String) c.get("str")).contains(d[1]));
            assertTrue(used, "a listed difference no fixture case has: " + String.join(" ", d));
        }));
    }

    private static String expected(String name, String torch) {
        String s = torch;
        for (String[] d : DIFFERENCES) {
            if (d[0].equals("*") || d[0].equals(name)) s = s.replace(d[1], d[2]);
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> cases() throws IOException {
        try (InputStream in = TensorFormatOracleTest.class.getResourceAsStream("/oracle-print/tensor_str.json")) {
            assertNotNull(in, "oracle-print/tensor_str.json (tools/oracle/generate_print.py writes it)");
            Map<String, Object> root = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return (List<Map<String, Object>>) root.get("cases");
        }
    }

    /** The tensor a case describes, built as generate_print.py's build() builds it in PyTorch. */
    @SuppressWarnings("unchecked")
    private static Tensor build(Map<String, Object> c) {
        DType dtype = DType.valueOf(((String) c.get("dtype")).toUpperCase(Locale.ROOT));
        int[] shape = ints((List<Object>) c.get("shape"));
        Tensor t;
        if (c.containsKey("arange")) {
            List<Object> range = (List<Object>) c.get("arange");
            t = Tensor.arange(((Number) range.get(0)).longValue(), ((Number) range.get(1)).longValue(), 1).to(dtype);
        } else {
            t = values((List<Object>) c.get("values"), dtype);
        }
        t = t.reshape(shape);
        if (Boolean.TRUE.equals(c.get("requires_grad"))) t = t.requiresGrad(true);
        for (Object s : (List<Object>) c.getOrDefault("then", List.of())) {
            List<Object> step = (List<Object>) s;
            t = apply(t, (String) step.get(0), step.subList(1, step.size()));
        }
        return t;
    }

    private static Tensor values(List<Object> values, DType dtype) {
        int n = values.size();
        return switch (dtype) {
            case BOOL -> {
                boolean[] b = new boolean[n];
                for (int i = 0; i < n; i++) b[i] = (Boolean) values.get(i);
                yield Tensor.of(b, n);
            }
            case INT32 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) v[i] = ((Number) values.get(i)).intValue();
                yield Tensor.of(v, n);
            }
            case INT64 -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = ((Number) values.get(i)).longValue();
                yield Tensor.of(v, n);
            }
            case FLOAT32, FLOAT16, BFLOAT16 -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) v[i] = (float) number(values.get(i));
                yield Tensor.of(v, n).to(dtype);
            }
            case FLOAT64 -> {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) v[i] = number(values.get(i));
                yield Tensor.of(v, n);
            }
        };
    }

    /** A stored float: a JSON number, or "nan", "inf", "-inf". */
    private static double number(Object v) {
        if (v instanceof Number x) return x.doubleValue();
        return switch ((String) v) {
            case "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> throw new IllegalArgumentException("not a number: " + v);
        };
    }

    @SuppressWarnings("unchecked")
    private static Tensor apply(Tensor t, String op, List<Object> args) {
        return switch (op) {
            case "mul" -> t.mul(number(args.get(0)));
            case "add" -> t.add(number(args.get(0)));
            case "div" -> t.div(number(args.get(0)));
            case "sub_self" -> t.sub(t);
            case "sum" -> t.sum();
            case "mean" -> t.mean();
            case "exp" -> t.exp();
            case "neg" -> t.neg();
            case "relu" -> t.relu();
            case "tanh" -> t.tanh();
            case "sigmoid" -> t.sigmoid();
            case "log" -> t.log();
            case "abs" -> t.abs();
            case "sqrt" -> t.sqrt();
            case "softmax" -> t.softmax(((Number) args.get(0)).intValue());
            case "pow" -> t.pow(number(args.get(0)));
            case "reshape" -> t.reshape(ints((List<Object>) args.get(0)));
            case "matmul_t" -> t.matmul(t.t());
            case "to" -> t.to(DType.valueOf(((String) args.get(0)).toUpperCase(Locale.ROOT)));
            case "t" -> t.t();
            default -> throw new IllegalArgumentException("unknown op in the fixture: " + op);
        };
    }

    private static int[] ints(List<Object> list) {
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) list.get(i)).intValue();
        return out;
    }
}
