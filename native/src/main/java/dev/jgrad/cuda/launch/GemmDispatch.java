package dev.jgrad.cuda.launch;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.launch.GemmKernels.Precision;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which implementation runs a float32 matrix product on the GPU: cuBLAS, or one of jgrad's own
 * versions ({@link GemmKernels}) on a shape class where a benchmark measured it faster.
 *
 * <p>The choice, in order:
 * <ol>
 *   <li>{@code -Djgrad.cuda.gemm=cublas|v1|v2|v3|v4|v5|v5bf16|v6} forces cuBLAS or a version for every
 *       product it can run ({@code v5} only while TF32 or BF16 is allowed, see {@link Cuda#setAllowTf32};
 *       {@code v5bf16} and {@code v6}, which round the float32 operands to bfloat16 first, only while BF16
 *       is allowed, see {@link Cuda#setAllowBf16}).
 *       {@link #force} does the same at run time.</li>
 *   <li>Otherwise the per-shape-class table: entries {@link #record recorded} at run time, then the
 *       resource {@code dev/jgrad/cuda/gemm-dispatch.properties} ({@code <class>=v4} lines, written
 *       from a benchmark run on a GPU).</li>
 *   <li>Otherwise cuBLAS.</li>
 * </ol>
 * A version the operands do not suit (column-major operands, alignment, grid limits: see
 * {@link GemmKernels#unsupported}) falls back to cuBLAS.
 *
 * <p>A shape class is the precision and each of batch, M, N and K rounded up to a power of two:
 * {@code f32.b1.m4096.n4096.k4096}, {@code tf32.b8.m512.n64.k512}.
 *
 * <pre>{@code
 * GemmDispatch.record(GemmDispatch.shapeClass(false, 1, 4096, 4096, 4096), GemmDispatch.Choice.V4);
 * }</pre>
 */
public final class GemmDispatch {
    private GemmDispatch() {}

    /** cuBLAS or one of jgrad's float32-input versions (v5 = TF32 tensor cores). */
    public enum Choice {
        CUBLAS(null), V1(GemmKernels.Version.V1), V2(GemmKernels.Version.V2), V3(GemmKernels.Version.V3), V4(GemmKernels.Version.V4),
        V5(GemmKernels.Version.V5_TF32), V5BF16(GemmKernels.Version.V5_BF16), V6(GemmKernels.Version.V6_BF16);

        /** The kernel version, null for cuBLAS. */
        public final GemmKernels.Version version;

        Choice(GemmKernels.Version version) {
            this.version = version;
        }

        /** "cublas", "v1", …, "v5", "v5bf16", "v6" (case-insensitive). */
        public static Choice parse(String s) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (t.equals("cublas")) return CUBLAS;
            if (t.matches("v[1-5]")) return values()[t.charAt(1) - '0'];
            if (t.equals("v5bf16")) return V5BF16;
            if (t.equals("v6")) return V6;
            throw new IllegalArgumentException("gemm choice: expected cublas, v1..v5, v5bf16 or v6, got '" + s + "'");
        }
    }

    static final String PROPERTY = "jgrad.cuda.gemm";
    static final String TABLE = "/dev/jgrad/cuda/gemm-dispatch.properties";

    private static volatile Choice forced = fromProperty(System.getProperty(PROPERTY));
    private static final Map<String, Choice> TABLE_ENTRIES = new ConcurrentHashMap<>(load(TABLE));

    static Choice fromProperty(String value) {
        return value == null || value.isBlank() ? null : Choice.parse(value);
    }

    static Map<String, Choice> load(String resource) {
        Map<String, Choice> m = new ConcurrentHashMap<>();
        try (InputStream in = GemmDispatch.class.getResourceAsStream(resource)) {
            if (in == null) return m;
            Properties p = new Properties();
            p.load(in);
            for (String key : p.stringPropertyNames()) m.put(key.trim(), Choice.parse(p.getProperty(key)));
        } catch (IOException e) {
            throw new IllegalStateException("reading " + resource, e);
        }
        return m;
    }

    /** Forces {@code c} for every product (null: back to the table and cuBLAS). */
    public static void force(Choice c) {
        forced = c;
    }

    /** The forced choice, or null. */
    public static Choice forced() {
        return forced;
    }

    /** Records that {@code c} is the choice for shape class {@code shapeClass} (see {@link #shapeClass}). */
    public static void record(String shapeClass, Choice c) {
        TABLE_ENTRIES.put(shapeClass, c);
    }

    /** Forgets the run-time records and reloads the resource table. */
    public static void resetTable() {
        TABLE_ENTRIES.clear();
        TABLE_ENTRIES.putAll(load(TABLE));
    }

    static int pow2(int v) {
        return v <= 1 ? 1 : Integer.highestOneBit(v - 1) << 1;
    }

    /** The shape class of a product: precision, then batch, M, N, K rounded up to powers of two. */
    public static String shapeClass(boolean tf32, int batch, int m, int n, int k) {
        return shapeClass(tf32 ? Precision.TF32 : Precision.F32, batch, m, n, k);
    }

    /** The shape class of a product computed at {@code precision} ("bf16.b1.m4096.n4096.k4096"). */
    public static String shapeClass(Precision precision, int batch, int m, int n, int k) {
        return precision.name().toLowerCase(Locale.ROOT) + ".b" + pow2(batch) + ".m" + pow2(m) + ".n" + pow2(n) + ".k" + pow2(k);
    }

    /** {@link #choose(Precision, int, int, int, int)} with TF32 allowed or not (no BF16). */
    public static Choice choose(boolean tf32, int batch, int m, int n, int k) {
        return choose(tf32 ? Precision.TF32 : Precision.F32, batch, m, n, k);
    }

    /**
     * The choice for one product before operand checks, where {@code allowed} is the lowest input
     * precision the caller accepts (F32; TF32 with {@link Cuda#allowTf32}; BF16 with
     * {@link Cuda#allowBf16}): the forced one, else the table's entry for its class, else cuBLAS —
     * and cuBLAS as well when that choice would round the inputs below {@code allowed}.
     */
    public static Choice choose(Precision allowed, int batch, int m, int n, int k) {
        Choice c = forced;
        if (c == null) c = TABLE_ENTRIES.getOrDefault(shapeClass(allowed, batch, m, n, k), Choice.CUBLAS);
        if (c.version != null && c.version.precision.compareTo(allowed) > 0) return Choice.CUBLAS;
        return c;
    }
}
