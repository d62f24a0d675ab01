package dev.jgrad.nn;

import dev.jgrad.testing.OracleAssert;
import dev.jgrad.testing.OracleAssert.Tolerance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.Json;
import dev.jgrad.tensor.io.Safetensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

/**
 * Reading the PyTorch fixtures of {@code src/test/resources/oracle-nn} (written by
 * {@code tools/oracle/generate_nn.py}, whose header and {@code tools/oracle/README.md} describe
 * the tensors of each group) and comparing jgrad's results with them.
 */
public final class Oracle {
    private Oracle() {}

    /** One fixture file: its metadata and tensors. */
    public record Fixture(String group, String name, Map<String, String> meta, Map<String, Tensor> tensors) {
        public int cases() {
            return Integer.parseInt(meta.get("cases"));
        }

        /** The JSON params of case {@code i}. */
        public Params params(int i) {
            String json = meta.get("case" + i);
            assertNotNull(json, group + "/" + name + ": no metadata for case " + i);
            return new Params(Json.parseObject(json));
        }

        /** Tensor {@code c<i>.<suffix>}, which must exist. */
        public Tensor get(int i, String suffix) {
            Tensor t = tensors.get("c" + i + "." + suffix);
            assertNotNull(t, group + "/" + name + ": no tensor c" + i + "." + suffix);
            return t;
        }

        /** Tensor {@code c<i>.<suffix>}, or null. */
        public Tensor opt(int i, String suffix) {
            return tensors.get("c" + i + "." + suffix);
        }

        /** The tensors of case {@code i} whose names start with {@code c<i>.<prefix>}, by the rest of the name, in file order. */
        public Map<String, Tensor> withPrefix(int i, String prefix) {
            String p = "c" + i + "." + prefix;
            Map<String, Tensor> out = new LinkedHashMap<>();
            tensors.forEach((k, v) -> {
                if (k.startsWith(p)) out.put(k.substring(p.length()), v);
            });
            return out;
        }

        /** Every tensor name of case {@code i}. */
        public Set<String> names(int i) {
            Set<String> out = new TreeSet<>();
            for (String k : tensors.keySet()) if (k.startsWith("c" + i + ".")) out.add(k);
            return out;
        }
    }

    /**
     * A case's JSON params; JSON integers arrive as {@code Long}, other numbers as {@code Double}.
     * It records which keys were read, so a test can require that none was ignored.
     */
    public static final class Params {
        private final Map<String, Object> json;
        private final Set<String> used = new LinkedHashSet<>();

        Params(Map<String, Object> json) {
            this.json = json;
        }

        public Map<String, Object> json() {
            return json;
        }

        public boolean has(String key) {
            return json.containsKey(key);
        }

        private Object get(String key) {
            if (!json.containsKey(key)) throw new IllegalArgumentException("fixture params lack \"" + key + "\": " + json);
            used.add(key);
            return json.get(key);
        }

        public int integer(String key) {
            return Math.toIntExact((Long) get(key));
        }

        public int integer(String key, int absent) {
            return has(key) ? integer(key) : absent;
        }

        public double number(String key) {
            return ((Number) get(key)).doubleValue();
        }

        public double number(String key, double absent) {
            return has(key) ? number(key) : absent;
        }

        public boolean bool(String key) {
            return (Boolean) get(key);
        }

        public boolean bool(String key, boolean absent) {
            return has(key) ? bool(key) : absent;
        }

        public String string(String key) {
            return (String) get(key);
        }

        /** An integer list, or null for JSON null. */
        public int[] ints(String key) {
            Object v = get(key);
            return v == null ? null : ((List<?>) v).stream().mapToInt(x -> Math.toIntExact((Long) x)).toArray();
        }

        public double[] numbers(String key) {
            return ((List<?>) get(key)).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
        }

        /** A number list, or null for JSON null. */
        public double[] numbersOrNull(String key) {
            Object v = get(key);
            return v == null ? null : ((List<?>) v).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
        }

        @SuppressWarnings("unchecked")
        public Params object(String key) {
            return new Params((Map<String, Object>) get(key));
        }

        @SuppressWarnings("unchecked")
        public List<Params> objects(String key) {
            return ((List<Object>) get(key)).stream().map(o -> new Params((Map<String, Object>) o)).toList();
        }

        /** Fails naming the keys that were never read (a fixture option the test would otherwise ignore). */
        public void assertAllUsed(String what, String... exempt) {
            Set<String> unused = new TreeSet<>(json.keySet());
            unused.removeAll(used);
            unused.removeAll(List.of(exempt));
            assertEquals(Set.of(), unused, what + ": fixture options the jgrad call does not read: " + json);
        }

        @Override
        public String toString() {
            return Json.write(json);
        }
    }

    private static Path root() {
        var url = Oracle.class.getResource("/oracle-nn");
        assertNotNull(url, "the nn oracle fixtures are not on the test class path (src/test/resources/oracle-nn)");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every fixture of {@code group}, sorted by name. */
    public static List<Fixture> load(String group) {
        try (Stream<Path> files = Files.list(root().resolve(group))) {
            List<Fixture> out = files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().map(f -> {
                try {
                    Safetensors.Contents c = Safetensors.read(f);
                    String file = f.getFileName().toString();
                    String name = file.substring(0, file.length() - ".safetensors".length());
                    assertEquals(group, c.metadata().get("group"), f + ": metadata group");
                    assertEquals(name, c.metadata().get("name"), f + ": metadata name");
                    return new Fixture(group, name, c.metadata(), c.tensors());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
            assertFalse(out.isEmpty(), "no fixtures in oracle-nn/" + group);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One fixture case run on a device in a precision; {@code label} names the case and its parameters. */
    @FunctionalInterface
    public interface CaseRunner {
        void run(String label, Fixture f, int i, Device device, DType precision) throws Throwable;
    }

    /**
     * The dynamic tests of a fixture group: a container per fixture, a test per case × device
     * ({@link #devices}) × precision, labelled "name case i [precision] [device]". A null
     * precision runs the case once and leaves the precision out of the label.
     */
    public static Stream<DynamicNode> cases(String group, List<DType> precisions, CaseRunner runner) {
        List<DynamicNode> nodes = new ArrayList<>();
        for (Fixture f : load(group)) {
            List<DynamicTest> tests = new ArrayList<>();
            for (int i = 0; i < f.cases(); i++) {
                for (Device device : devices()) {
                    for (DType precision : precisions) {
                        int c = i;
                        String label = f.name() + " case " + i + (precision == null ? "" : " " + precision)
                                + (device.equals(Device.CPU) ? "" : " " + device);
                        tests.add(DynamicTest.dynamicTest(label, () -> runner.run(label + " " + f.params(c), f, c, device, precision)));
                    }
                }
            }
            nodes.add(DynamicContainer.dynamicContainer(f.name(), tests));
        }
        return nodes.stream();
    }

    /** The CPU always; a CUDA device too when one is usable. */
    public static List<Device> devices() {
        Device best = Device.best();
        return best.equals(Device.CPU) ? List.of(Device.CPU) : List.of(Device.CPU, best);
    }

    /** A fixture tensor as jgrad input: floating tensors converted to {@code precision}, all moved to {@code device}. */
    public static Tensor input(Tensor t, DType precision, Device device) {
        Tensor x = t.dtype().isFloating() ? t.to(precision) : t;
        return x.detach().to(device).clone();
    }

    /** See {@link OracleAssert#assertClose}. */
    public static void assertClose(String what, Tensor actual, Tensor expected, DType precision, Device device, Tolerance tol) {
        OracleAssert.assertClose(what, actual, expected, precision, device, tol);
    }
}
