package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.PadMode;
import dev.jgrad.tensor.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
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
import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * Calls every public method of {@link Tensor} (found by reflection) with hostile arguments:
 * 0-d, empty, non-contiguous and NaN tensors, tensors of every dtype, huge, negative and
 * repeated dimensions, null, NaN and infinite numbers. Every call must either return or throw one
 * of the documented exception types — {@link IllegalArgumentException}, {@link
 * IndexOutOfBoundsException}, {@link IllegalStateException} or {@link
 * UnsupportedOperationException}, with a message — never an internal exception
 * (ArrayIndexOutOfBounds, NullPointer, ClassCast, Arithmetic, NegativeArraySize…), an error or a
 * hang. When a call returns a tensor that requires grad, a backward pass through it is held to
 * the same rule.
 *
 * <p>The argument table is keyed by parameter type; a public method with a parameter type the
 * table lacks fails {@link #everyParameterTypeHasHostileValues()}, so a new method cannot escape
 * the sweep.
 */
class TensorApiFuzzTest {
    private static final long SEED = 20260507L;
    /** Random argument combinations per method, on top of varying each parameter alone. */
    private static final int RANDOM_COMBOS = 120;

    /** Exception types a public method may throw on bad input. Subclasses count only when they are jgrad's own. */
    static final Set<Class<?>> DOCUMENTED = Set.of(IllegalArgumentException.class, IndexOutOfBoundsException.class,
            IllegalStateException.class, UnsupportedOperationException.class);

    static boolean documented(Throwable t) {
        for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
            if (DOCUMENTED.contains(c)) return c == t.getClass() || t.getClass().getName().startsWith("dev.jgrad.");
        }
        return false;
    }

    // ---- hostile values, by parameter type ------------------------------------------------------

    /** Fresh tensors each time: some methods modify their receiver or arguments in place. */
    static List<Supplier<Tensor>> tensors() {
        List<Supplier<Tensor>> t = new ArrayList<>();
        t.add(() -> Tensor.scalar(1.5));                                            // 0-d
        t.add(() -> Tensor.zeros(0));                                               // empty 1-d
        t.add(() -> Tensor.zeros(2, 0, 3));                                         // empty with a zero in the middle
        t.add(() -> Tensor.randn(new Generator(1), 2, 3));
        t.add(() -> Tensor.randn(new Generator(2), 2, 3).requiresGrad(true));        // leaf that requires grad
        t.add(() -> Tensor.randn(new Generator(3), 2, 3).requiresGrad(true).mul(2)); // non-leaf
        t.add(() -> Tensor.of(new long[] {0, 1, 2}));
        t.add(() -> Tensor.of(new long[] {-5, 1L << 40}));                          // indices out of every range
        t.add(() -> Tensor.of(new int[] {1, 0, 1, 0}, 2, 2));
        t.add(() -> Tensor.of(new boolean[] {true, false}));
        t.add(() -> Tensor.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}));
        t.add(() -> Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
        t.add(() -> Tensor.randn(new Generator(4), 2, 3).t());                      // non-contiguous
        t.add(() -> Tensor.ones(1, 3).expand(4, 3));                                // stride 0
        t.add(() -> Tensor.randn(new Generator(5), 1, 1, 3, 3));                   // NCHW
        t.add(() -> Tensor.randn(new Generator(6), 1, 1, 3, 3).requiresGrad(true));
        t.add(() -> Tensor.ones(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));   // the largest rank
        t.add(() -> Tensor.zeros(0, 0).requiresGrad(true));
        t.add(() -> Tensor.scalar(2).requiresGrad(true));
        t.add(() -> Tensor.of(new float[] {1, -2, Float.NaN, 70000}).to(DType.FLOAT16).requiresGrad(true));   // 16-bit: NaN, overflow to ∞
        t.add(() -> Tensor.randn(new Generator(7), 3, 2).to(DType.BFLOAT16).t().requiresGrad(true));   // 16-bit, non-contiguous
        t.add(TensorApiFuzzTest::closed);                                          // closed: every op on it must say so
        t.add(() -> closed().requiresGrad(true));
        t.add(() -> { Tensor base = Tensor.randn(new Generator(7), 2, 3); Tensor v = base.t(); base.close(); return v; });   // open view of a closed tensor
        t.add(() -> null);
        return t;
    }

    private static Tensor closed() {
        Tensor c = Tensor.randn(new Generator(8), 2, 3);
        c.close();
        return c;
    }

    static final Map<Class<?>, List<Supplier<?>>> VALUES = new LinkedHashMap<>();

    private static void values(Class<?> type, Object... vs) {
        List<Supplier<?>> list = new ArrayList<>();
        for (Object v : vs) list.add(() -> v instanceof Object[] a ? a.clone() : copyArray(v));
        VALUES.put(type, list);
    }

    private static Object copyArray(Object v) {
        return switch (v) {
            case int[] a -> a.clone();
            case long[] a -> a.clone();
            case float[] a -> a.clone();
            case double[] a -> a.clone();
            case boolean[] a -> a.clone();
            case short[] a -> a.clone();
            case null, default -> v;
        };
    }

    static {
        VALUES.put(Tensor.class, new ArrayList<>(tensors()));
        values(int.class, 0, 1, 2, -1, -2, 3, 7, Integer.MAX_VALUE, Integer.MIN_VALUE);
        values(long.class, 0L, 1L, -1L, 5L, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40);
        values(double.class, 0.0, 1.0, -1.0, 0.5, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.MAX_VALUE, 1e-300, 1e10);
        values(boolean.class, true, false);
        values(int[].class, null, new int[0], new int[] {0}, new int[] {-1}, new int[] {1}, new int[] {2, 3}, new int[] {3, 2},
                new int[] {0, 1}, new int[] {1, 0}, new int[] {-3}, new int[] {Integer.MAX_VALUE}, new int[] {1 << 16, 1 << 16},
                new int[] {Integer.MIN_VALUE}, new int[17], new int[] {1, 1, 3, 3}, new int[] {2, 2}, new int[] {1, -1},
                new int[] {-1, -1}, new int[] {0, 0});
        values(long[].class, null, new long[0], new long[] {1, 2, 3, 4, 5, 6}, new long[] {Long.MIN_VALUE});
        values(float[].class, null, new float[0], new float[] {1, 2, 3, 4, 5, 6}, new float[] {Float.NaN});
        values(double[].class, null, new double[0], new double[] {1, 2, 3, 4, 5, 6}, new double[] {Double.NEGATIVE_INFINITY});
        values(boolean[].class, null, new boolean[0], new boolean[] {true, false, true, false, true, false});
        // 16-bit float bits: empty, six values with the NaNs and infinities of both formats
        values(short[].class, null, new short[0], new short[] {0x3C00, (short) 0xFC00, 0x7E00, 0x7FC0, (short) 0xFF80, 0x0001});
        List<Supplier<?>> dtypes = new ArrayList<>();
        for (DType d : DType.values()) dtypes.add(() -> d);
        dtypes.add(() -> null);
        VALUES.put(DType.class, dtypes);
        values(Device.class, Device.CPU, Device.cuda(0), Device.cuda(7), null);
        List<Supplier<?>> padModes = new ArrayList<>();
        for (PadMode m : PadMode.values()) padModes.add(() -> m);
        padModes.add(() -> null);
        VALUES.put(PadMode.class, padModes);
        List<Supplier<?>> tensorArrays = new ArrayList<>();
        tensorArrays.add(() -> null);
        tensorArrays.add(() -> new Tensor[0]);
        tensorArrays.add(() -> new Tensor[] {null});
        tensorArrays.add(() -> new Tensor[] {Tensor.randn(new Generator(10), 2, 3), Tensor.randn(new Generator(11), 3, 2).requiresGrad(true)});
        tensorArrays.add(() -> new Tensor[] {Tensor.scalar(2), Tensor.zeros(0, 3)});
        tensorArrays.add(() -> new Tensor[] {Tensor.of(new long[] {1, 2}), Tensor.ones(2)});
        tensorArrays.add(() -> new Tensor[] {Tensor.randn(new Generator(12), 3, 3).requiresGrad(true)});
        VALUES.put(Tensor[].class, tensorArrays);
        values(Generator.class, null, new Generator(9));
        values(java.util.function.UnaryOperator.class, null, (java.util.function.UnaryOperator<Tensor>) g -> g,
                (java.util.function.UnaryOperator<Tensor>) g -> null, (java.util.function.UnaryOperator<Tensor>) Tensor::sum);   // gradient hooks
        values(java.util.function.Consumer.class, null, (java.util.function.Consumer<Tensor>) p -> {},
                (java.util.function.Consumer<Tensor>) p -> { throw new IllegalStateException("a hook that fails"); });   // post-accumulate hooks
        values(String.class, null, "", "x", "ij,jk->ik", "ii", "...ij->...", "i..j", "ij->jj", "i,i->", "ij->k", "->", "a,b,c");
        List<Supplier<?>> lists = new ArrayList<>();
        lists.add(() -> null);
        lists.add(List::of);
        lists.add(() -> Arrays.asList((Tensor) null));
        lists.add(() -> Arrays.asList(Tensor.ones(2), null));
        lists.add(() -> List.of(Tensor.scalar(1), Tensor.scalar(2)));
        lists.add(() -> List.of(Tensor.ones(2, 3), Tensor.ones(3, 2)));
        lists.add(() -> List.of(Tensor.ones(2, 3), Tensor.ones(2, 3, 1)));
        lists.add(() -> List.of(Tensor.ones(2), Tensor.of(new long[] {1, 2}), Tensor.of(new boolean[] {true, true})));
        lists.add(() -> List.of(Tensor.zeros(0), Tensor.zeros(0)));
        lists.add(() -> List.of(Tensor.zeros(0, 2), Tensor.ones(3, 2).requiresGrad(true)));
        VALUES.put(List.class, lists);
        List<Supplier<?>> bodies = new ArrayList<>();   // Tensor.scope(Supplier)
        bodies.add(() -> null);
        bodies.add(() -> (Supplier<Object>) () -> null);
        bodies.add(() -> (Supplier<Object>) () -> Tensor.ones(2, 3).mul(2));
        bodies.add(() -> (Supplier<Object>) () -> List.of(Tensor.ones(2).exp(), 1.5));
        bodies.add(() -> (Supplier<Object>) () -> Tensor.randn(new Generator(10), 2).requiresGrad(true).mul(3));
        VALUES.put(Supplier.class, bodies);
        values(Object.class, null, "text", new int[0], new float[2][0], new float[][] {{1}, {1, 2}}, new Object[] {1, 2},
                new String[] {"a"}, new int[][] {null}, new float[0][][], new double[][] {{1, 2}, {3, 4}},
                new long[1][1][1][1][1][1][1][1][1][1][1][1][1][1][1][1][1]);
    }

    /** Every public method of Tensor, minus Object's (equals, hashCode, getClass, wait, notify…). */
    static List<Method> publicMethods() {
        List<Method> ms = new ArrayList<>();
        for (Method m : Tensor.class.getMethods()) {
            if (m.getDeclaringClass() == Object.class) continue;
            ms.add(m);
        }
        ms.sort(Comparator.comparing(Method::toGenericString));
        return ms;
    }

    @Test
    void everyParameterTypeHasHostileValues() {
        List<String> missing = new ArrayList<>();
        for (Method m : publicMethods()) {
            for (Type t : m.getGenericParameterTypes()) {
                Class<?> raw = t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) t;
                if (!VALUES.containsKey(raw)) missing.add(m.getName() + ": " + t.getTypeName());
            }
        }
        assertEquals(List.of(), missing, "add hostile values for these parameter types");
        assertTrue(publicMethods().size() > 120, "the sweep found only " + publicMethods().size() + " public methods");
    }

    @Test
    void everyPublicMethodFailsCleanlyOnHostileArguments() {
        Map<String, String> failures = new TreeMap<>();
        int[] calls = {0};
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Random rnd = new Random(SEED);
            for (Method m : publicMethods()) {
                boolean isStatic = Modifier.isStatic(m.getModifiers());
                List<Supplier<?>> receivers = isStatic ? List.of(() -> null) : VALUES.get(Tensor.class);
                Class<?>[] types = m.getParameterTypes();
                List<int[]> combos = new ArrayList<>();
                // every receiver with each parameter through all its values, the others random; then random combinations
                for (int r = 0; r < receivers.size(); r++) {
                    for (int p = 0; p < types.length; p++) {
                        for (int v = 0; v < VALUES.get(types[p]).size(); v++) {
                            int[] c = randomCombo(rnd, receivers.size(), types);
                            c[0] = r;
                            c[p + 1] = v;
                            combos.add(c);
                        }
                    }
                    int[] c = randomCombo(rnd, receivers.size(), types);
                    c[0] = r;
                    combos.add(c);
                }
                for (int i = 0; i < RANDOM_COMBOS; i++) combos.add(randomCombo(rnd, receivers.size(), types));
                for (int[] c : combos) {
                    calls[0]++;
                    String problem = call(m, receivers.get(c[0]).get(), args(types, c));
                    if (problem != null) failures.putIfAbsent(m.getName() + Arrays.toString(types) + " " + problem, describe(m, c));
                }
            }
        });
        if (!failures.isEmpty()) {
            StringBuilder sb = new StringBuilder(failures.size() + " kinds of failure in " + calls[0] + " calls:\n");
            failures.forEach((k, v) -> sb.append("  ").append(k).append("\n      e.g. ").append(v).append('\n'));
            fail(sb.toString());
        }
    }

    private static int[] randomCombo(Random rnd, int receivers, Class<?>[] types) {
        int[] c = new int[types.length + 1];
        c[0] = rnd.nextInt(receivers);
        for (int p = 0; p < types.length; p++) c[p + 1] = rnd.nextInt(VALUES.get(types[p]).size());
        return c;
    }

    private static Object[] args(Class<?>[] types, int[] combo) {
        Object[] a = new Object[types.length];
        for (int p = 0; p < types.length; p++) a[p] = VALUES.get(types[p]).get(combo[p + 1]).get();
        return a;
    }

    private static String describe(Method m, int[] c) {
        StringBuilder sb = new StringBuilder(m.getName()).append(" receiver#").append(c[0]).append(" args#");
        for (int i = 1; i < c.length; i++) sb.append(i > 1 ? "," : "").append(c[i]);
        return sb.toString();
    }

    /** Null when the call behaved; otherwise what went wrong. */
    private static String call(Method m, Object receiver, Object[] args) {
        if (!Modifier.isStatic(m.getModifiers()) && receiver == null) return null;   // not a Tensor call
        Object result;
        try {
            result = m.invoke(receiver, args);
        } catch (InvocationTargetException e) {
            String p = judge(e.getCause());
            if (p == null && !namesTheOp(m.getName(), e.getCause().getMessage())) return "message does not name the op: " + describe(e.getCause());
            return p;
        } catch (IllegalAccessException e) {
            return "not accessible: " + e;
        } catch (IllegalArgumentException e) {
            return "reflection: " + e;   // a value of the wrong type in the table
        }
        if (result instanceof Tensor t && t.requiresGrad() && t.dtype().isFloating()) {
            try {
                Tensor loss = t.numel() == 1 ? t.reshape() : t.sum();
                loss.backward();
            } catch (Throwable e) {
                String p = judge(e);
                return p == null ? null : "in backward: " + p;
            }
        }
        if (result instanceof Tensor t) {
            try {
                t.toString();   // printing must work for anything an op returns
            } catch (Throwable e) {
                return "toString: " + describe(e);
            }
        }
        return null;
    }

    /** Ops whose errors come from the op they are built on (composites), by method name. */
    static final Map<String, List<String>> ALIASES = Map.ofEntries(
            Map.entry("square", List.of("pow")),
            Map.entry("clampmin", List.of("clamp")),
            Map.entry("clampmax", List.of("clamp")),
            Map.entry("std", List.of("var")),
            Map.entry("indexselect", List.of("indexselect", "gather")),
            Map.entry("embedding", List.of("embedding", "indexselect", "gather", "reshape")),
            Map.entry("zeroslike", List.of("zeroslike")),
            Map.entry("oneslike", List.of("zeroslike")),
            Map.entry("fulllike", List.of("zeroslike")),
            Map.entry("zero", List.of("fill")),
            Map.entry("cpu", List.of("to")),
            Map.entry("max", List.of("max")),    // amax, and max(dim) with its indices
            Map.entry("min", List.of("min")),
            Map.entry("ones", List.of("full")),
            Map.entry("scalar", List.of("full")),
            Map.entry("avgpool2d", List.of("pool2d")),
            Map.entry("maxpool2d", List.of("pool2d")),
            Map.entry("backward", List.of("backward")));

    /** Whether an error message starts by naming the method (or the op it is built on), PyTorch's snake_case allowed. */
    static boolean namesTheOp(String method, String message) {
        if (message == null) return false;
        String m = message.toLowerCase(java.util.Locale.ROOT).replace("_", "");
        String name = method.toLowerCase(java.util.Locale.ROOT);
        for (String alias : ALIASES.getOrDefault(name, List.of(name))) {
            if (m.contains(alias)) return true;
        }
        return false;
    }

    static String judge(Throwable e) {
        if (!documented(e)) return describe(e);
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) return "no message: " + describe(e);
        if (msg.contains("internal error")) return describe(e);
        return null;
    }

    static String describe(Throwable e) {
        StackTraceElement[] st = e.getStackTrace();
        String where = st.length == 0 ? "?" : st[0].toString();
        return e.getClass().getSimpleName() + " at " + where + ": " + e.getMessage();
    }

    @Test
    void gradModeIsRestoredAfterTheSweep() {
        assertTrue(GradMode.isEnabled());
    }
}
