package dev.jgrad.nn.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgrad.nn.LayerNorm;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Loss;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.RNN;
import dev.jgrad.nn.Reduction;
import dev.jgrad.nn.TransformerEncoderLayer;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.Dataset;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.nn.optim.SGD;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The nn counterpart of autograd's TensorApiFuzzTest: every public constructor and static
 * method of the layers, losses, initialisers, optimizers, schedulers, clipping, metrics and data
 * classes (found by scanning the module's classes; the file readers are fuzzed by
 * ParserFuzzTest) is called with hostile arguments, and every module so built is run forward on
 * hostile tensors, and every optimizer stepped and given hostile learning rates. Only documented
 * exceptions may escape, and a NaN hyperparameter is never accepted silently.
 */
class NnApiFuzzTest {
    private static final long SEED = 77;
    private static final int RANDOM_COMBOS = 60;
    /** Classes whose entry points take files or streams, or run whole training loops: covered elsewhere. */
    private static final Set<String> SKIPPED = Set.of("Csv", "Idx", "ImageFolder", "Checkpoint", "CheckpointEveryEpoch", "CurvePlot",
            "LinePlot", "ProgressBar", "Trainer", "History", "Batch", "Example");
    /** Entry points for which NaN is a meaningful argument: filling a tensor with NaN on purpose, or NaN documented as "the default". */
    private static final Set<String> NAN_ALLOWED = Set.of("Init.constant", "Activation.leakyRelu(Tensor,double)",
            "MultiheadAttention.scaledDotProductAttention");

    static final Map<Class<?>, List<Supplier<?>>> VALUES = new LinkedHashMap<>();
    private static final long SLOW_MS = 2000;
    static volatile String current = "";

    static {
        Thread watch = new Thread(() -> {
            String last = null;
            while (true) {
                try {
                    Thread.sleep(3000);
                } catch (InterruptedException e) {
                    return;
                }
                String now = current;
                if (now.equals(last)) System.err.println("NnApiFuzzTest: still in " + now);
                last = now;
            }
        });
        watch.setDaemon(true);
        watch.start();
    }

    @SafeVarargs
    private static <T> void values(Class<?> type, Supplier<T>... vs) {
        VALUES.put(type, List.of(vs));
    }

    private static Tensor param(int... shape) {
        return Tensor.randn(new Generator(shape.length), shape).requiresGrad(true);
    }

    static {
        values(int.class, () -> 0, () -> 1, () -> 2, () -> 3, () -> 4, () -> -1, () -> 16, () -> Integer.MAX_VALUE, () -> Integer.MIN_VALUE);
        values(long.class, () -> 0L, () -> -1L, () -> -100L, () -> 2L, () -> Long.MAX_VALUE, () -> Long.MIN_VALUE);
        values(double.class, () -> 0.0, () -> 0.5, () -> 1.0, () -> -1.0, () -> 1e-5, () -> 2.0, () -> Double.NaN,
                () -> Double.POSITIVE_INFINITY, () -> Double.NEGATIVE_INFINITY);
        values(boolean.class, () -> true, () -> false);
        values(int[].class, () -> null, () -> new int[0], () -> new int[] {4}, () -> new int[] {2, 2}, () -> new int[] {-1}, () -> new int[] {0},
                () -> new int[] {Integer.MAX_VALUE}, () -> new int[] {1, 2, 3});
        values(Tensor.class, () -> Tensor.randn(new Generator(1), 4, 4), () -> param(2, 4), () -> Tensor.of(new long[] {0, 1, 2, 3}),
                () -> Tensor.of(new long[] {-5, 9, 0, 1}), () -> Tensor.of(new float[] {Float.NaN, 1, Float.POSITIVE_INFINITY, 0}),
                () -> Tensor.zeros(0, 4), () -> Tensor.scalar(0.5), () -> Tensor.randn(new Generator(2), 2, 3, 4),
                () -> Tensor.randn(new Generator(3), 1, 1, 8, 8), () -> Tensor.of(new boolean[] {true, false, true, false}),
                () -> Tensor.rand(new Generator(4), 4), () -> null);
        values(List.class, () -> null, List::of, () -> List.of(param(4, 4), param(4)), () -> List.of(Tensor.ones(2)),
                () -> Arrays.asList((Tensor) null), () -> List.of(param(0)));
        values(double[].class, () -> null, () -> new double[0], () -> new double[] {2}, () -> new double[] {0.5, 1.5},
                () -> new double[] {Double.NaN}, () -> new double[] {-1}, () -> new double[] {1e9}, () -> new double[] {2, 2, 2, 2});
        values(Map.class, () -> null, Map::of, () -> Map.of("a", new Linear(4, 4)), () -> Map.of("a.b", new Linear(4, 4)),
                () -> Map.of("", new Linear(4, 4)), () -> new java.util.HashMap<>(java.util.Collections.singletonMap("x", null)),
                () -> Map.of("t", Tensor.ones(2)));
        values(Iterable.class, () -> null, List::of, () -> List.of(param(3)), () -> Arrays.asList(param(2), null));
        values(Optimizer.class, () -> new SGD(List.of(param(3)), 0.1), () -> null);
        values(Generator.class, () -> new Generator(5), () -> null);
        List<Supplier<?>> reductions = new ArrayList<>();
        for (Reduction r : Reduction.values()) reductions.add(() -> r);
        reductions.add(() -> null);
        VALUES.put(Reduction.class, reductions);
        values(Module.class, () -> new Linear(4, 4), () -> null);
        values(Module[].class, () -> new Module[0], () -> new Module[] {new Linear(4, 4)}, () -> new Module[] {null}, () -> null);
        values(RNN.Nonlinearity.class, () -> RNN.Nonlinearity.TANH, () -> RNN.Nonlinearity.RELU, () -> null);
        values(LayerNorm.class, () -> new LayerNorm(4), () -> new LayerNorm(3), () -> null);
        values(IntFunction.class, () -> (IntFunction<TransformerEncoderLayer>) i -> new TransformerEncoderLayer(4, 2, 8, 0.1, "relu", 1e-5,
                true, false), () -> (IntFunction<TransformerEncoderLayer>) i -> null, () -> null);
        values(UnaryOperator.class, () -> (UnaryOperator<Tensor>) Tensor::relu, () -> (UnaryOperator<Tensor>) x -> null, () -> null);
        values(String.class, () -> "relu", () -> "gelu", () -> "loss", () -> "bogus", () -> "", () -> null, () -> "nearest", () -> "bilinear");
        values(Loss.class, () -> (Loss) Losses::mse, () -> (Loss) Losses::crossEntropy, () -> (Loss) (o, t) -> null, () -> null);
        values(Batch.class, () -> new Batch(Tensor.randn(new Generator(7), 5, 4), Tensor.randn(new Generator(8), 5, 4)),
                () -> new Batch(Tensor.randn(new Generator(7), 5, 4), Tensor.of(new long[] {0, 1, 2, 3, 9})), () -> new Batch(null, null), () -> null);
        values(DType.class, () -> DType.BFLOAT16, () -> DType.FLOAT32, () -> DType.INT64, () -> null);
        values(Dataset.class, () -> Dataset.of(Tensor.randn(new Generator(6), 5, 4), Tensor.of(new long[] {0, 1, 2, 3, 0})), () -> null);
    }

    /** The public constructors and static methods under test, by scanning the module's class files. */
    static List<Executable> entryPoints() throws Exception {
        Path root = Path.of(Module.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Executable> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().contains("-info")).toList()) {
                String name = root.relativize(f).toString().replace(java.io.File.separatorChar, '.').replaceAll("\\.class$", "");
                Class<?> c = Class.forName(name);
                Class<?> top = c;
                while (top.getEnclosingClass() != null) top = top.getEnclosingClass();
                if (!Modifier.isPublic(c.getModifiers()) || SKIPPED.contains(top.getSimpleName()) || c.isEnum() || c.isInterface()) continue;
                if (name.contains("$") && !Modifier.isStatic(c.getModifiers())) continue;
                if (!Modifier.isAbstract(c.getModifiers())) out.addAll(Arrays.asList(c.getConstructors()));
                for (Method m : c.getDeclaredMethods()) {
                    if (Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers())) out.add(m);
                }
            }
        }
        out.sort(Comparator.comparing(Executable::toGenericString));
        return out;
    }

    private static Class<?> raw(Type t) {
        return t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) t;
    }

    @Test
    void everyParameterTypeHasHostileValues() throws Exception {
        List<String> missing = new ArrayList<>();
        for (Executable e : entryPoints()) {
            for (Type t : e.getGenericParameterTypes()) if (!VALUES.containsKey(raw(t))) missing.add(e + ": " + t);
        }
        assertEquals(List.of(), missing);
        assertTrue(entryPoints().size() > 80, "found only " + entryPoints().size() + " entry points");
    }

    @Test
    void everyEntryPointFailsCleanlyOnHostileArguments() throws Exception {
        List<Executable> entries = entryPoints();
        Map<String, String> failures = new TreeMap<>();
        int[] calls = {0};
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Random rnd = new Random(SEED);
            for (Executable e : entries) {
                Class<?>[] types = e.getParameterTypes();
                List<int[]> combos = new ArrayList<>();
                for (int p = 0; p < types.length; p++) {
                    for (int v = 0; v < VALUES.get(types[p]).size(); v++) {
                        int[] c = randomCombo(rnd, types);
                        c[p] = v;
                        combos.add(c);
                    }
                }
                for (int i = 0; i < RANDOM_COMBOS; i++) combos.add(randomCombo(rnd, types));
                for (int[] c : combos) {
                    Object[] args = new Object[types.length];
                    for (int p = 0; p < types.length; p++) args[p] = VALUES.get(types[p]).get(c[p]).get();
                    calls[0]++;
                    current = label(e) + " " + Arrays.toString(args);
                    long t0 = System.nanoTime();
                    String problem = call(e, args, calls);
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    if (problem == null && ms > SLOW_MS) problem = "took " + ms + " ms";
                    if (problem != null) failures.putIfAbsent(label(e) + ": " + problem.replaceAll("\\d{3,}", "N"), Arrays.toString(args));
                }
            }
        });
        if (!failures.isEmpty()) {
            StringBuilder sb = new StringBuilder(failures.size() + " kinds of failure in " + calls[0] + " calls:\n");
            failures.forEach((k, v) -> sb.append("  ").append(k).append("\n      e.g. ").append(v, 0, Math.min(v.length(), 300)).append('\n'));
            fail(sb.toString());
        }
    }

    private static int[] randomCombo(Random rnd, Class<?>[] types) {
        int[] c = new int[types.length];
        for (int p = 0; p < types.length; p++) c[p] = rnd.nextInt(VALUES.get(types[p]).size());
        return c;
    }

    static String label(Executable e) {
        String params = String.join(",", Arrays.stream(e.getParameterTypes()).map(Class::getSimpleName).toList());
        return e.getDeclaringClass().getSimpleName() + (e instanceof Method m ? "." + m.getName() : "") + "(" + params + ")";
    }

    private static boolean nanHyperparameter(Executable e, Object[] args) {
        String l = label(e);
        if (NAN_ALLOWED.stream().anyMatch(l::startsWith)) return false;
        Class<?>[] types = e.getParameterTypes();
        for (int i = 0; i < args.length; i++) if (types[i] == double.class && Double.isNaN((Double) args[i])) return true;
        return false;
    }

    /** Null when the call behaved. Objects it builds are exercised further. */
    private static String call(Executable e, Object[] args, int[] calls) {
        Object result;
        try {
            result = e instanceof Constructor<?> k ? k.newInstance(args) : ((Method) e).invoke(null, args);
        } catch (InvocationTargetException ex) {
            return judge(ex.getCause());
        } catch (ReflectiveOperationException | IllegalArgumentException ex) {
            return "reflection: " + ex;
        }
        if (nanHyperparameter(e, args)) return "accepted a NaN hyperparameter";
        try {
            exercise(result, calls);
        } catch (Throwable t) {
            String p = judge(t);
            if (p != null) return "using the result: " + p;
        }
        return null;
    }

    /** Runs a built module forward on every hostile tensor, steps a built optimizer, and so on. */
    private static void exercise(Object o, int[] calls) {
        switch (o) {
            case Module m -> {
                for (Supplier<?> s : VALUES.get(Tensor.class)) {
                    for (boolean training : new boolean[] {true, false}) {
                        m.train(training);
                        calls[0]++;
                        try {
                            Tensor y = m.forward((Tensor) s.get());
                            if (y != null && y.requiresGrad()) y.sum().backward();
                        } catch (Throwable t) {
                            String p = judge(t);
                            if (p != null) throw new AssertionError(m.getClass().getSimpleName() + ".forward: " + p, t);
                        }
                    }
                }
            }
            case Optimizer opt -> {
                for (Tensor p : opt.parameters()) {
                    try (var g = GradMode.noGrad()) {
                        p.setGrad(Tensor.fullLike(p, 0.5));
                    }
                }
                opt.step();
                for (Supplier<?> s : VALUES.get(double.class)) {
                    double lr = (Double) s.get();
                    calls[0]++;
                    try {
                        opt.setLearningRate(lr);
                        if (Double.isNaN(lr) || lr < 0 || Double.isInfinite(lr)) throw new AssertionError("setLearningRate accepted " + lr);
                    } catch (IllegalArgumentException expected) {
                        // documented
                    }
                }
                opt.loadStateDict(opt.stateDict());
            }
            case null, default -> {
            }
        }
    }

    static String judge(Throwable t) {
        if (t instanceof AssertionError a) return a.getMessage();
        boolean documented = t.getClass() == IllegalArgumentException.class || t.getClass() == IndexOutOfBoundsException.class
                || t.getClass() == IllegalStateException.class || t.getClass() == UnsupportedOperationException.class
                || (t instanceof IllegalStateException || t instanceof IllegalArgumentException) && t.getClass().getName().startsWith("dev.jgrad.");
        if (!documented) {
            StackTraceElement[] st = t.getStackTrace();
            return t.getClass().getSimpleName() + " at " + (st.length > 0 ? st[0] : "?") + ": " + t.getMessage();
        }
        if (t.getMessage() == null || t.getMessage().isBlank()) return t.getClass().getSimpleName() + " without a message";
        return null;
    }
}
