package dev.jgrad.tensor;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.PoolShape;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.UnaryFn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;

/**
 * An n-dimensional array of one {@link DType} on one {@link Device}, which records the ops that
 * produce it so that {@link #backward()} can compute gradients.
 *
 * <p>A tensor is a {@code Storage} (a flat block of elements) seen through a layout (shape,
 * strides, offset). Views — {@link #reshape}, {@link #permute}, {@link #slice}, {@link #expand},
 * {@link #select}, … — share the storage; everything else allocates a new one. Elementwise ops
 * broadcast as NumPy and PyTorch do. When an op's input {@linkplain #requiresGrad() requires a
 * gradient} and {@link GradMode} is enabled, the result remembers the op in an {@link Op} record.
 *
 * <pre>{@code
 * Tensor w = Tensor.randn(3, 2).requiresGrad(true);
 * Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
 * Tensor loss = x.matmul(w).relu().sum();
 * loss.backward();
 * System.out.println(w.grad());
 * }</pre>
 *
 * <p>Integer tensors compute in their own type, as PyTorch's do: every int64 value exactly (not
 * only those below 2^53 that a double holds), overflow wrapping in two's complement — int64 like
 * Java's {@code long}, int32 like Java's {@code int} ({@code Long.MAX_VALUE + 1} is
 * {@code Long.MIN_VALUE}). True division ({@link #div}) of integers gives floats; a cast from
 * int64 to int32 keeps the low 32 bits, from int64 to a float rounds once to nearest, and from a
 * float to an integer truncates toward zero. Scalar arguments are Java doubles: a {@code long}
 * passed to {@code add(double)} or {@code eq(double)} is rounded by Java before jgrad sees it when
 * it exceeds 2^53; pass a tensor ({@code Tensor.of(new long[] {v})}) for those.
 *
 * <p>Tensors are not thread-safe while being written (in-place ops, gradient accumulation);
 * reading one from several threads is safe.
 *
 * <p>Bad arguments fail before any work, with a message naming the op and the offending values:
 * {@link IllegalArgumentException} for shapes, dimensions, dtypes, devices, sizes no array or
 * heap can hold, and null arguments; {@link IndexOutOfBoundsException} for index values;
 * {@link IllegalStateException} for misuse of the graph (in-place updates of tensors that require
 * grad, a second backward pass, a backward pass through an op whose saved tensors were modified in
 * place since it ran — see {@link #version()}). See docs/robustness.md; {@link Anomaly} finds the
 * op that first produced a NaN or infinity.
 */
public final class Tensor {
    // Not final only so that setData can re-home a leaf (Module.to(device), checkpoint loading).
    Storage storage;
    Layout layout;

    private Op op;
    /** The versions of {@code op.savedTensors(this)} when the op ran; set with {@code op}. */
    private int[] savedVersions;
    private boolean requiresGrad;
    private boolean retainsGrad;
    private boolean graphReleased;
    private Tensor grad;
    private String name;
    /** Where the op that made this tensor ran, captured only inside {@link Anomaly#detect()}. */
    StackTraceElement[] creationSite;

    static {   // the engine's and the optimizers' hooks (TensorInternals, exported to those modules only)
        dev.jgrad.tensor.internal.TensorInternals.install(new InternalAccess());
    }

    Tensor(Storage storage, Layout layout) {
        this.storage = storage;
        this.layout = layout;
    }

    // =============================================================================================
    // Creation
    // =============================================================================================

    /** A tensor over {@code data} (copied) with the given shape; a 1-D tensor when no shape is given. */
    public static Tensor of(float[] data, int... shape) {
        return fromFlat(Checks.notNull("of", "data", data).clone(), data.length, shape);
    }

    /** A float64 tensor over {@code data} (copied). */
    public static Tensor of(double[] data, int... shape) {
        return fromFlat(Checks.notNull("of", "data", data).clone(), data.length, shape);
    }

    /** An int64 tensor over {@code data} (copied). */
    public static Tensor of(long[] data, int... shape) {
        return fromFlat(Checks.notNull("of", "data", data).clone(), data.length, shape);
    }

    /** An int32 tensor over {@code data} (copied). */
    public static Tensor of(int[] data, int... shape) {
        return fromFlat(Checks.notNull("of", "data", data).clone(), data.length, shape);
    }

    /** A bool tensor over {@code data} (copied). */
    public static Tensor of(boolean[] data, int... shape) {
        return fromFlat(Checks.notNull("of", "data", data).clone(), data.length, shape);
    }

    /**
     * A {@code FLOAT16} or {@code BFLOAT16} tensor over raw 16-bit patterns (copied), as stored in
     * a checkpoint or produced by {@link #toHalfBits()}; a 1-D tensor when no shape is given.
     *
     * <pre>{@code
     * Tensor one = Tensor.ofHalfBits(new short[] {0x3C00}, DType.FLOAT16);   // [1.0]
     * Tensor b = Tensor.ofHalfBits(new short[] {0x3F80, 0x4000}, DType.BFLOAT16, 2, 1);
     * }</pre>
     *
     * @throws IllegalArgumentException when {@code dtype} is not a 16-bit float type, or the shape does not hold {@code bits.length} values
     */
    public static Tensor ofHalfBits(short[] bits, DType dtype, int... shape) {
        Checks.notNull("ofHalfBits", "bits", bits);
        Checks.notNull("ofHalfBits", "dtype", dtype);
        int[] s = Checks.notNull("ofHalfBits", "shape", shape).length == 0 ? new int[] {bits.length} : Shapes.checked("ofHalfBits", shape);
        if (Shapes.numel(s) != bits.length) {
            throw new IllegalArgumentException("ofHalfBits: " + bits.length + " values cannot fill shape " + Shapes.str(s)
                    + " (" + Shapes.numel(s) + " elements)");
        }
        if (!dtype.isHalf()) {
            throw new IllegalArgumentException("ofHalfBits: dtype must be FLOAT16 or BFLOAT16, got " + dtype
                    + " (other dtypes: Tensor.of with their Java array type)");
        }
        return new Tensor(CpuStorage.wrapHalf(bits.clone(), dtype), Layout.contiguous(s));
    }

    /** A tensor over {@code array} (not copied) with exactly {@code shape} (which may be 0-d). */
    static Tensor wrap(Object array, int[] shape) {
        return new Tensor(CpuStorage.wrap(array), Layout.contiguous(shape.clone()));
    }

    private static Tensor fromFlat(Object array, int length, int[] shape) {
        int[] s = Checks.notNull("of", "shape", shape).length == 0 ? new int[] {length} : Shapes.checked("of", shape);
        if (Shapes.numel(s) != length) {
            throw new IllegalArgumentException("of: " + length + " values cannot fill shape " + Shapes.str(s)
                    + " (" + Shapes.numel(s) + " elements)");
        }
        return new Tensor(CpuStorage.wrap(array), Layout.contiguous(s));
    }

    /**
     * A tensor from a nested Java array such as {@code float[][]} or {@code long[][][]}; the
     * shape follows the nesting and every row must have the same length.
     *
     * <pre>{@code
     * Tensor m = Tensor.fromArray(new double[][] {{1, 2}, {3, 4}});   // 2x2 float64
     * }</pre>
     */
    public static Tensor fromArray(Object nested) {
        return Creation.fromNested(nested);
    }

    /** A 0-d float32 tensor. */
    public static Tensor scalar(double value) {
        return scalar(value, DType.FLOAT32);
    }

    /** A 0-d tensor of {@code dtype}. */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype);
    }

    /** Zeros of the given shape, float32. */
    public static Tensor zeros(int... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    /** Zeros of the given dtype and shape. */
    public static Tensor zeros(DType dtype, int... shape) {
        Checks.notNull("zeros", "dtype", dtype);
        return empty(Shapes.checked("zeros", shape), dtype, Device.CPU);
    }

    /** Ones of the given shape, float32. */
    public static Tensor ones(int... shape) {
        return full(1, DType.FLOAT32, shape);
    }

    /** Ones of the given dtype and shape. */
    public static Tensor ones(DType dtype, int... shape) {
        return full(1, dtype, shape);
    }

    /** {@code value} everywhere, float32. */
    public static Tensor full(double value, int... shape) {
        return full(value, DType.FLOAT32, shape);
    }

    /** {@code value} everywhere, in {@code dtype}. */
    public static Tensor full(double value, DType dtype, int... shape) {
        Checks.notNull("full", "dtype", dtype);
        Tensor t = empty(Shapes.checked("full", shape), dtype, Device.CPU);
        if (value != 0) ElementwiseOps.fill(t, value);
        return t;
    }

    /** Zeros with the shape, dtype and device of {@code like}. */
    public static Tensor zerosLike(Tensor like) {
        Checks.notNull("zeros_like", "the tensor", like);
        return empty(like.layout.shape, like.dtype(), like.device());
    }

    /** Ones with the shape, dtype and device of {@code like}. */
    public static Tensor onesLike(Tensor like) {
        return fullLike(like, 1);
    }

    /** {@code value} everywhere, with the shape, dtype and device of {@code like}. */
    public static Tensor fullLike(Tensor like, double value) {
        Tensor t = zerosLike(like);
        if (value != 0) ElementwiseOps.fill(t, value);
        return t;
    }

    /** 0, 1, …, end−1 as int64. */
    public static Tensor arange(long end) {
        return arange(0, end, 1);
    }

    /** start, start+step, … up to (excluding) end, as int64. */
    public static Tensor arange(long start, long end, long step) {
        return Creation.arange(start, end, step);
    }

    /** start, start+step, … up to (excluding) end, as float32. */
    public static Tensor arange(double start, double end, double step) {
        return Creation.arange(start, end, step);
    }

    /** {@code steps} evenly spaced values from start to end inclusive, float32. */
    public static Tensor linspace(double start, double end, int steps) {
        return Creation.linspace(start, end, steps);
    }

    /** The n×n identity matrix, float32. */
    public static Tensor eye(int n) {
        return eye(n, n);
    }

    /** The n×m matrix with ones on the diagonal, float32. */
    public static Tensor eye(int n, int m) {
        return Creation.eye(n, m);
    }

    /** Uniform in [0, 1), float32, from the default generator. */
    public static Tensor rand(int... shape) {
        return rand(Generator.getDefault(), shape);
    }

    /** Uniform in [0, 1), float32. */
    public static Tensor rand(Generator g, int... shape) {
        Checks.notNull("rand", "generator", g);
        return Creation.random(Shapes.checked("rand", shape), g::nextDouble);
    }

    /** Standard normal, float32, from the default generator. */
    public static Tensor randn(int... shape) {
        return randn(Generator.getDefault(), shape);
    }

    /** Standard normal, float32. */
    public static Tensor randn(Generator g, int... shape) {
        Checks.notNull("randn", "generator", g);
        return Creation.random(Shapes.checked("randn", shape), g::nextGaussian);
    }

    /** Uniform integers in [low, high), int64, from the default generator. */
    public static Tensor randint(long low, long high, int... shape) {
        return randint(Generator.getDefault(), low, high, shape);
    }

    /** Uniform integers in [low, high), int64. */
    public static Tensor randint(Generator g, long low, long high, int... shape) {
        Checks.notNull("randint", "generator", g);
        return Creation.randint(g, low, high, Shapes.checked("randint", shape));
    }

    /** Reseeds the default generator. */
    public static void manualSeed(long seed) {
        Generator.getDefault().manualSeed(seed);
    }

    /** A zero-filled tensor (allocation on {@code device}). */
    static Tensor empty(int[] shape, DType dtype, Device device) {
        Checks.notNull("tensor creation", "dtype", dtype);
        if (device.type() == Device.Type.CPU) Checks.heapAllocation("tensor creation", dtype, Shapes.numel(shape), shape);
        return new Tensor(Backends.of(device).allocate(dtype, Shapes.numel(shape)), Layout.contiguous(shape.clone()));
    }

    /** A 0-d tensor holding {@code v} in the dtype an op between {@code like} and a Java number computes in. */
    static Tensor scalarLike(double v, Tensor like) {
        DType t = like.dtype();
        DType dtype = t.isFloating() ? t : v == Math.rint(v) && !Double.isInfinite(v) ? (t == DType.BOOL ? DType.INT64 : t) : DType.FLOAT32;
        Tensor s = empty(new int[0], dtype, like.device());
        ElementwiseOps.fill(s, v);
        return s;
    }

    // =============================================================================================
    // Properties and conversion
    // =============================================================================================

    /** Element type. */
    public DType dtype() {
        return storage.dtype();
    }

    /** Where the elements live. */
    public Device device() {
        return storage.device();
    }

    /** The sizes of the dimensions (a copy). */
    public int[] shape() {
        return layout.shape.clone();
    }

    /** The size of dimension {@code dim} (negative counts from the end). */
    public int size(int dim) {
        return layout.shape[indexedDim("size", dim)];
    }

    /** Number of dimensions. */
    public int dim() {
        return layout.shape.length;
    }

    /** Number of elements. */
    public int numel() {
        return layout.numel();
    }

    /** Element strides of the dimensions (a copy): how far apart neighbours are in storage. */
    public int[] strides() {
        return layout.strides.clone();
    }

    /** Position of element (0, …, 0) in the storage. */
    public int storageOffset() {
        return layout.offset;
    }

    /** Whether the elements are laid out row-major with no gaps. */
    public boolean isContiguous() {
        return layout.isContiguous();
    }

    /** The primitives of this tensor's device (op families time their calls for the {@link Profiler}). */
    Backend backend() {
        return storage.backend();
    }

    /** This tensor in {@code dtype} (itself when it already is); differentiable between floating types. */
    public Tensor to(DType dtype) {
        Checks.notNull("to", "dtype", dtype);
        if (dtype == dtype()) return this;
        return ElementwiseOps.copy(this, dtype).record(dtype.isFloating() ? new Op.Cast(this, dtype()) : null);
    }

    /** This tensor on {@code device} (itself when it already is there). */
    public Tensor to(Device device) {
        Checks.notNull("to", "device", device);
        if (device.equals(device())) return this;
        return Backends.transfer(this, device).record(new Op.Copy(this));
    }

    /** This tensor on the CPU. */
    public Tensor cpu() {
        return to(Device.CPU);
    }

    /** The elements in row-major order as float (converted from any dtype). */
    public float[] toFloatArray() {
        return (float[]) hostCopy(DType.FLOAT32);
    }

    /** The elements in row-major order as double. */
    public double[] toDoubleArray() {
        return (double[]) hostCopy(DType.FLOAT64);
    }

    /** The elements in row-major order as long. */
    public long[] toLongArray() {
        return (long[]) hostCopy(DType.INT64);
    }

    /** The elements in row-major order as int. */
    public int[] toIntArray() {
        return (int[]) hostCopy(DType.INT32);
    }

    /**
     * The raw 16-bit patterns of a {@code FLOAT16} or {@code BFLOAT16} tensor, in row-major order
     * (what a checkpoint stores; {@link #toFloatArray()} gives the values).
     *
     * <pre>{@code
     * short[] bits = Tensor.of(new float[] {1, 2}).to(DType.BFLOAT16).toHalfBits();   // {0x3F80, 0x4000}
     * }</pre>
     *
     * @throws IllegalArgumentException when this tensor is not of a 16-bit float type
     */
    public short[] toHalfBits() {
        if (!dtype().isHalf()) {
            throw new IllegalArgumentException("toHalfBits: expected a FLOAT16 or BFLOAT16 tensor, got " + dtype()
                    + " (convert with to(DType.FLOAT16) or to(DType.BFLOAT16) first)");
        }
        return (short[]) hostCopy(dtype());
    }

    /** The elements in row-major order as boolean (non-zero is true). */
    public boolean[] toBooleanArray() {
        return (boolean[]) hostCopy(DType.BOOL);
    }

    private Object hostCopy(DType dtype) {
        Tensor host = to(Device.CPU);
        Tensor out = empty(host.layout.shape, dtype, Device.CPU);
        ElementwiseOps.copyInto(host, out);
        return ((CpuStorage) out.storage).buf().array();
    }

    /** The elements as a nested Java array matching the shape ({@code float[][]} for a 2-D float32 tensor, …). */
    public Object toArray() {
        return Creation.toNested(this);
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: only a tensor with one element can be converted to a number, got shape "
                    + Shapes.str(layout.shape));
        }
        return toDoubleArray()[0];
    }

    /** The value of a one-element integer tensor, exactly. */
    public long itemLong() {
        if (numel() != 1) {
            throw new IllegalArgumentException("itemLong: only a tensor with one element can be converted to a number, got shape "
                    + Shapes.str(layout.shape));
        }
        return toLongArray()[0];
    }

    /** Whether both have the same shape and |a − b| ≤ atol + rtol·|b| everywhere (NaN equals nothing). */
    public boolean allClose(Tensor other, double rtol, double atol) {
        Checks.notNull("allClose", "other", other);
        if (!Arrays.equals(layout.shape, other.layout.shape)) return false;
        double[] a = toDoubleArray(), b = other.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) return false;
        }
        return true;
    }

    /** PyTorch-style text: values (abbreviated past 1000 elements), then shape, dtype, device and op. */
    @Override
    public String toString() {
        return TensorFormat.format(this);
    }

    // =============================================================================================
    // Elementwise arithmetic and functions
    // =============================================================================================

    /** this + other, broadcasting. */
    public Tensor add(Tensor other) {
        return ElementwiseOps.arithmetic("add", BinaryFn.ADD, this, other).record(new Op.Add(this, other));
    }

    /** this + value. A whole-number value keeps an integer tensor's dtype. */
    public Tensor add(double value) {
        return add(scalarLike(value, this));
    }

    /** this − other, broadcasting. */
    public Tensor sub(Tensor other) {
        return ElementwiseOps.arithmetic("sub", BinaryFn.SUB, this, other).record(new Op.Sub(this, other));
    }

    /** this − value. */
    public Tensor sub(double value) {
        return sub(scalarLike(value, this));
    }

    /** this · other elementwise, broadcasting. */
    public Tensor mul(Tensor other) {
        return ElementwiseOps.arithmetic("mul", BinaryFn.MUL, this, other).record(new Op.Mul(this, other));
    }

    /** this · value. */
    public Tensor mul(double value) {
        return mul(scalarLike(value, this));
    }

    /** this / other elementwise (true division: integers give float32), broadcasting. */
    public Tensor div(Tensor other) {
        return ElementwiseOps.divide(this, other).record(new Op.Div(this, other));
    }

    /** this / value. */
    public Tensor div(double value) {
        return div(scalarLike(value, this));
    }

    /** thisᵒᵗʰᵉʳ elementwise, broadcasting. */
    public Tensor pow(Tensor exponent) {
        return ElementwiseOps.arithmetic("pow", BinaryFn.POW, this, exponent).record(new Op.Pow(this, exponent));
    }

    /** thisᵖ for a constant p. */
    public Tensor pow(double exponent) {
        return ElementwiseOps.arithmetic("pow", BinaryFn.POW, this, scalarLike(exponent, this))
                .record(new Op.PowScalar(this, exponent));
    }

    /** −this. */
    public Tensor neg() {
        return ElementwiseOps.unary(UnaryFn.NEG, this, dtype()).record(new Op.Neg(this));
    }

    /** eˣ. */
    public Tensor exp() {
        return ElementwiseOps.floating(UnaryFn.EXP, this).record(new Op.Exp(this));
    }

    /** eˣ − 1, accurate for x near 0 (where {@code exp().sub(1)} loses the digits). */
    public Tensor expm1() {
        return ElementwiseOps.floating(UnaryFn.EXPM1, this).record(new Op.Expm1(this));
    }

    /** Natural logarithm. */
    public Tensor log() {
        return ElementwiseOps.floating(UnaryFn.LOG, this).record(new Op.Log(this));
    }

    /** Square root. */
    public Tensor sqrt() {
        return ElementwiseOps.floating(UnaryFn.SQRT, this).record(new Op.Sqrt(this));
    }

    /** |x|. */
    public Tensor abs() {
        return ElementwiseOps.unary(UnaryFn.ABS, this, dtype()).record(new Op.Abs(this));
    }

    /** −1, 0 or 1 by the sign of each element (not differentiable: its derivative is 0 almost everywhere). */
    public Tensor sign() {
        return ElementwiseOps.unary(UnaryFn.SIGN, this, dtype());
    }

    /** max(x, 0). */
    public Tensor relu() {
        return ElementwiseOps.unary(UnaryFn.RELU, this, dtype()).record(new Op.Relu(this));
    }

    /** 1 / (1 + e⁻ˣ), computed without overflow. */
    public Tensor sigmoid() {
        return ElementwiseOps.floating(UnaryFn.SIGMOID, this).record(new Op.Sigmoid(this));
    }

    /** Hyperbolic tangent. */
    public Tensor tanh() {
        return ElementwiseOps.floating(UnaryFn.TANH, this).record(new Op.Tanh(this));
    }

    /** The error function. */
    public Tensor erf() {
        return ElementwiseOps.floating(UnaryFn.ERF, this).record(new Op.Erf(this));
    }

    /** Exact GELU, x·Φ(x). */
    public Tensor gelu() {
        return gelu(false);
    }

    /** GELU, exact or with the tanh approximation. */
    public Tensor gelu(boolean tanhApproximation) {
        return ElementwiseOps.floating(tanhApproximation ? UnaryFn.GELU_TANH : UnaryFn.GELU, this)
                .record(new Op.Gelu(this, tanhApproximation));
    }

    /** Sine. */
    public Tensor sin() {
        return ElementwiseOps.floating(UnaryFn.SIN, this).record(new Op.Sin(this));
    }

    /** Cosine. */
    public Tensor cos() {
        return ElementwiseOps.floating(UnaryFn.COS, this).record(new Op.Cos(this));
    }

    /** x². */
    public Tensor square() {
        return pow(2);
    }

    /** min(max(x, min), max); pass ±infinity for a one-sided clamp. The gradient flows where min ≤ x ≤ max. */
    public Tensor clamp(double min, double max) {
        return ElementwiseOps.clamp(this, min, max).record(new Op.Clamp(this, min, max));
    }

    /** max(x, min). */
    public Tensor clampMin(double min) {
        return clamp(min, Double.POSITIVE_INFINITY);
    }

    /** min(x, max). */
    public Tensor clampMax(double max) {
        return clamp(Double.NEGATIVE_INFINITY, max);
    }

    /** Elementwise maximum, broadcasting; NaN propagates. Where equal, each side gets half the gradient. */
    public Tensor maximum(Tensor other) {
        return ElementwiseOps.arithmetic("maximum", BinaryFn.MAXIMUM, this, other).record(new Op.Maximum(this, other));
    }

    /** Elementwise minimum, broadcasting; NaN propagates. */
    public Tensor minimum(Tensor other) {
        return ElementwiseOps.arithmetic("minimum", BinaryFn.MINIMUM, this, other).record(new Op.Minimum(this, other));
    }

    /** cond ? a : b elementwise, broadcasting all three; {@code cond} must be bool. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return ElementwiseOps.where(cond, a, b).record(new Op.Where(cond, a, b));
    }

    // ---- comparisons and logic (bool results, not differentiable) --------------------------------

    /** this == other elementwise. */
    public Tensor eq(Tensor other) {
        return ElementwiseOps.compare("eq", BinaryFn.EQ, this, other);
    }

    /** this == value. */
    public Tensor eq(double value) {
        return eq(scalarLike(value, this));
    }

    /** this != other elementwise. */
    public Tensor ne(Tensor other) {
        return ElementwiseOps.compare("ne", BinaryFn.NE, this, other);
    }

    /** this != value. */
    public Tensor ne(double value) {
        return ne(scalarLike(value, this));
    }

    /** this &lt; other elementwise. */
    public Tensor lt(Tensor other) {
        return ElementwiseOps.compare("lt", BinaryFn.LT, this, other);
    }

    /** this &lt; value. */
    public Tensor lt(double value) {
        return lt(scalarLike(value, this));
    }

    /** this ≤ other elementwise. */
    public Tensor le(Tensor other) {
        return ElementwiseOps.compare("le", BinaryFn.LE, this, other);
    }

    /** this ≤ value. */
    public Tensor le(double value) {
        return le(scalarLike(value, this));
    }

    /** this &gt; other elementwise. */
    public Tensor gt(Tensor other) {
        return ElementwiseOps.compare("gt", BinaryFn.GT, this, other);
    }

    /** this &gt; value. */
    public Tensor gt(double value) {
        return gt(scalarLike(value, this));
    }

    /** this ≥ other elementwise. */
    public Tensor ge(Tensor other) {
        return ElementwiseOps.compare("ge", BinaryFn.GE, this, other);
    }

    /** this ≥ value. */
    public Tensor ge(double value) {
        return ge(scalarLike(value, this));
    }

    /** Logical and (non-zero is true). */
    public Tensor logicalAnd(Tensor other) {
        return ElementwiseOps.compare("logical_and", BinaryFn.AND, this, other);
    }

    /** Logical or (non-zero is true). */
    public Tensor logicalOr(Tensor other) {
        return ElementwiseOps.compare("logical_or", BinaryFn.OR, this, other);
    }

    /** Logical not (zero is true). */
    public Tensor logicalNot() {
        return ElementwiseOps.unary(UnaryFn.NOT, this, DType.BOOL);
    }

    /** True where the element is NaN or ±infinity. */
    public Tensor isNonFinite() {
        return ElementwiseOps.unary(UnaryFn.IS_NONFINITE, this, DType.BOOL);
    }

    // =============================================================================================
    // Reductions and softmax
    // =============================================================================================

    /** Sum of all elements, 0-d. */
    public Tensor sum() {
        return sum(null, false);
    }

    /** Sum over {@code dim}, removing it. */
    public Tensor sum(int dim) {
        return sum(new int[] {dim}, false);
    }

    /** Sum over {@code dims} (null or empty: all), keeping them as size 1 when {@code keepDim}. Integers sum as int64. */
    public Tensor sum(int[] dims, boolean keepDim) {
        int[] d = Shapes.dims("sum", dims, dim());
        return ReductionOps.reduce("sum", ReduceFn.SUM, this, d, keepDim, ReductionOps.sumType(dtype()))
                .record(new Op.Sum(this, d, keepDim));
    }

    /** Mean of all elements, 0-d. */
    public Tensor mean() {
        return mean(null, false);
    }

    /** Mean over {@code dim}, removing it. */
    public Tensor mean(int dim) {
        return mean(new int[] {dim}, false);
    }

    /** Mean over {@code dims} (null or empty: all); floating tensors only. */
    public Tensor mean(int[] dims, boolean keepDim) {
        requireFloating("mean");
        int[] d = Shapes.dims("mean", dims, dim());
        return sum(d, keepDim).div(ReductionOps.count(layout.shape, d));
    }

    /** Largest element, 0-d. */
    public Tensor max() {
        return amax(null, false);
    }

    /** Smallest element, 0-d. */
    public Tensor min() {
        return amin(null, false);
    }

    /** Maximum over {@code dim}, removing it. */
    public Tensor amax(int dim) {
        return amax(new int[] {dim}, false);
    }

    /** Maximum over {@code dims} (null or empty: all). Tied maxima share the gradient equally. */
    public Tensor amax(int[] dims, boolean keepDim) {
        int[] d = Shapes.dims("amax", dims, dim());
        return ReductionOps.reduce("amax", ReduceFn.MAX, this, d, keepDim, dtype()).record(new Op.Amax(this, d, keepDim));
    }

    /** Minimum over {@code dim}, removing it. */
    public Tensor amin(int dim) {
        return amin(new int[] {dim}, false);
    }

    /** Minimum over {@code dims} (null or empty: all). Tied minima share the gradient equally. */
    public Tensor amin(int[] dims, boolean keepDim) {
        int[] d = Shapes.dims("amin", dims, dim());
        return ReductionOps.reduce("amin", ReduceFn.MIN, this, d, keepDim, dtype()).record(new Op.Amin(this, d, keepDim));
    }

    /** Position of the largest element of the flattened tensor, int64 0-d. */
    public Tensor argmax() {
        return ReductionOps.argReduce("argmax", true, this, null, false);
    }

    /** Position of the largest element along {@code dim}, int64; the first wins ties. */
    public Tensor argmax(int dim, boolean keepDim) {
        return ReductionOps.argReduce("argmax", true, this, dim, keepDim);
    }

    /** Position of the smallest element of the flattened tensor, int64 0-d. */
    public Tensor argmin() {
        return ReductionOps.argReduce("argmin", false, this, null, false);
    }

    /** Position of the smallest element along {@code dim}, int64. */
    public Tensor argmin(int dim, boolean keepDim) {
        return ReductionOps.argReduce("argmin", false, this, dim, keepDim);
    }

    /** Unbiased variance of all elements. */
    public Tensor var() {
        return var(null, false, 1);
    }

    /**
     * Variance over {@code dims}: Σ(x − mean)² / (N − correction). {@code correction = 1} is the
     * unbiased estimate (PyTorch's default), 0 the population variance.
     */
    public Tensor var(int[] dims, boolean keepDim, int correction) {
        requireFloating("var");
        int[] d = Shapes.dims("var", dims, dim());
        Tensor centered = sub(mean(d, true));
        return centered.mul(centered).sum(d, keepDim).div(Math.max(ReductionOps.count(layout.shape, d) - correction, 0));
    }

    /** Standard deviation: √var. */
    public Tensor std(int[] dims, boolean keepDim, int correction) {
        return var(dims, keepDim, correction).sqrt();
    }

    /** softmax along {@code dim}: eˣ / Σeˣ, stable for any magnitude. */
    public Tensor softmax(int dim) {
        return ReductionOps.softmax("softmax", false, this, dim).record(new Op.Softmax(this, Shapes.dim("softmax", dim, dim())));
    }

    /** log-softmax along {@code dim}: x − log Σeˣ, stable for any magnitude. */
    public Tensor logSoftmax(int dim) {
        return ReductionOps.softmax("log_softmax", true, this, dim)
                .record(new Op.LogSoftmax(this, Shapes.dim("log_softmax", dim, dim())));
    }

    /**
     * log Σ eˣ over {@code dims} (all of them when empty), computed stably (the maximum taken out
     * first) in one fused pass per row; an empty reduction gives −∞, as PyTorch's {@code logsumexp}.
     *
     * <pre>{@code
     * Tensor lse = logits.logsumexp(new int[] {-1}, true);   // the softmax normaliser, kept as [N, 1]
     * }</pre>
     */
    public Tensor logsumexp(int[] dims, boolean keepDim) {
        return ReductionOps.logSumExp(this, Shapes.dims("logsumexp", dims, dim()), keepDim);
    }

    /**
     * Sums this tensor down to {@code shape}, the reverse of broadcasting: leading dimensions are
     * summed away and dimensions that are 1 in {@code shape} are summed with keepdim. The
     * gradient of a broadcast operand is the upstream gradient summed to its shape.
     */
    public Tensor sumTo(int... shape) {
        Checks.notNull("sumTo", "shape", shape);
        if (Arrays.equals(shape, layout.shape)) return this;
        int lead = dim() - shape.length;
        if (lead < 0) throw new IllegalArgumentException("sumTo: cannot sum shape " + Shapes.str(layout.shape) + " to " + Shapes.str(shape));
        List<Integer> dims = new ArrayList<>();
        for (int i = 0; i < dim(); i++) {
            if (i < lead) dims.add(i);
            else if (shape[i - lead] == 1 && layout.shape[i] != 1) dims.add(i);
            else if (shape[i - lead] != layout.shape[i]) {
                throw new IllegalArgumentException("sumTo: cannot sum shape " + Shapes.str(layout.shape) + " to " + Shapes.str(shape));
            }
        }
        Tensor summed = sum(dims.stream().mapToInt(Integer::intValue).toArray(), true);
        return summed.reshape(shape);
    }

    /** Wraps {@code dim} for an op that indexes into that dimension, which a 0-d tensor does not have. */
    private int indexedDim(String op, int dim) {
        if (dim() == 0) throw new IllegalArgumentException(op + ": a 0-d tensor has no dimension " + dim + " to index into");
        return Shapes.dim(op, dim, dim());
    }

    private void requireFloating(String op) {
        if (!dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": expected a floating-point tensor, got " + dtype() + "; convert with to(DType.FLOAT32)");
        }
    }

    // =============================================================================================
    // Views and data movement
    // =============================================================================================

    /** The same elements in {@code shape} (one size may be −1); a view when the strides allow, else a copy. */
    public Tensor reshape(int... shape) {
        if (Arrays.equals(shape, layout.shape)) return this;
        return ViewOps.reshape(this, shape).record(new Op.Reshape(this));
    }

    /** Like {@link #reshape} but never copies: fails when the strides do not allow a view. */
    public Tensor view(int... shape) {
        return ViewOps.view(this, shape).record(new Op.Reshape(this));
    }

    /** Dimensions reordered: result dimension i is this tensor's dimension {@code dims[i]}. A view. */
    public Tensor permute(int... dims) {
        int[] p = ViewOps.checkPermutation("permute", dims, dim());
        return viewOf(layout.permute(p)).record(new Op.Permute(this, p));
    }

    /** Dimensions {@code d0} and {@code d1} swapped. A view. */
    public Tensor transpose(int d0, int d1) {
        int a = Shapes.dim("transpose", d0, dim()), b = Shapes.dim("transpose", d1, dim());
        if (dim() == 0) return this;
        int[] p = new int[dim()];
        for (int i = 0; i < p.length; i++) p[i] = i;
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /** The transpose of a matrix (a 0-d or 1-d tensor is returned as is). */
    public Tensor t() {
        if (dim() > 2) throw new IllegalArgumentException("t: expects a tensor with at most 2 dimensions, got shape " + Shapes.str(layout.shape));
        return dim() < 2 ? this : transpose(0, 1);
    }

    /** Broadcast view to {@code shape} (−1 keeps a size); expanded dimensions have stride 0. */
    public Tensor expand(int... shape) {
        int[] target = ViewOps.expandTarget(layout.shape, shape);
        if (Arrays.equals(target, layout.shape)) return this;
        return viewOf(layout.expand(target)).record(new Op.Expand(this));
    }

    /** Elements [start, end) of {@code dim} taking every {@code step}-th; Python slice rules for negative and out-of-range positions. A view. */
    public Tensor slice(int dim, int start, int end, int step) {
        int d = indexedDim("slice", dim);
        int[] b = ViewOps.sliceBounds(layout.shape[d], start, end, step);
        return viewOf(layout.slice(d, b[0], b[1], step)).record(new Op.Slice(this, d, b[0], b[1], step));
    }

    /** {@code length} elements of {@code dim} from {@code start}; the range must lie inside the dimension. A view. */
    public Tensor narrow(int dim, int start, int length) {
        int d = indexedDim("narrow", dim);
        int size = layout.shape[d];
        int s = start < 0 ? start + size : start;
        if (s < 0 || length < 0 || s + length > size) {
            throw new IllegalArgumentException("narrow: start " + start + " + length " + length + " exceeds dimension " + dim
                    + " of size " + size + " (shape " + Shapes.str(layout.shape) + ")");
        }
        return slice(d, s, s + length, 1);
    }

    /** The slice at {@code index} of {@code dim}, with that dimension removed. A view. */
    public Tensor select(int dim, int index) {
        int d = indexedDim("select", dim);
        int size = layout.shape[d];
        if (index < -size || index >= size) {
            throw new IllegalArgumentException("select: index " + index + " is out of range for dimension " + dim + " of size "
                    + size + " (shape " + Shapes.str(layout.shape) + ")");
        }
        int i = index < 0 ? index + size : index;
        return slice(d, i, i + 1, 1).squeeze(d);
    }

    /** All size-1 dimensions removed. A view. */
    public Tensor squeeze() {
        return reshape(Arrays.stream(layout.shape).filter(s -> s != 1).toArray());
    }

    /** Dimension {@code dim} removed if its size is 1 (otherwise this tensor). A view. */
    public Tensor squeeze(int dim) {
        if (dim() == 0) return this;
        int d = Shapes.dim("squeeze", dim, dim());
        if (layout.shape[d] != 1) return this;
        int[] s = new int[dim() - 1];
        for (int i = 0, j = 0; i < dim(); i++) if (i != d) s[j++] = layout.shape[i];
        return reshape(s);
    }

    /** A size-1 dimension inserted at {@code dim} (−1 appends). A view. */
    public Tensor unsqueeze(int dim) {
        if (dim() >= Shapes.MAX_RANK) {
            throw new IllegalArgumentException("unsqueeze: a tensor of shape " + Shapes.str(layout.shape) + " already has the most dimensions ("
                    + Shapes.MAX_RANK + ")");
        }
        int d = Shapes.dim("unsqueeze", dim, dim() + 1);
        int[] s = new int[dim() + 1];
        for (int i = 0, j = 0; i < s.length; i++) s[i] = i == d ? 1 : layout.shape[j++];
        return reshape(s);
    }

    /** All dimensions merged into one. */
    public Tensor flatten() {
        return flatten(0, -1);
    }

    /** Dimensions {@code start} to {@code end} (inclusive) merged into one. */
    public Tensor flatten(int start, int end) {
        if (dim() == 0) return reshape(1);
        int s = Shapes.dim("flatten", start, dim()), e = Shapes.dim("flatten", end, dim());
        if (s > e) throw new IllegalArgumentException("flatten: start dimension " + start + " comes after end dimension " + end);
        int[] shape = new int[dim() - (e - s)];
        for (int i = 0, j = 0; i < dim(); i++) {
            if (i <= s || i > e) shape[j++] = layout.shape[i];
            else shape[j - 1] *= layout.shape[i];
        }
        return reshape(shape);
    }

    /** This tensor if it is contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : clone();
    }

    /** A contiguous copy that stays in the graph (gradients flow back to this tensor). */
    @Override
    public Tensor clone() {
        return ElementwiseOps.copy(this, dtype()).record(new Op.Copy(this));
    }

    /** The same storage with no graph: gradients do not flow through the result. */
    public Tensor detach() {
        return viewOf(layout);
    }

    /** Concatenation along {@code dim}; sizes must match in the other dimensions. */
    public static Tensor cat(List<Tensor> tensors, int dim) {
        Tensor out = ViewOps.cat(Checks.tensors("cat", tensors), dim);
        return out.record(new Op.Cat(List.copyOf(tensors), Shapes.dim("cat", dim, tensors.get(0).dim())));
    }

    /** Tensors of one shape stacked along a new dimension {@code dim}. */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        ViewOps.checkStack(Checks.tensors("stack", tensors));
        int d = Shapes.dim("stack", dim, tensors.get(0).dim() + 1);
        return cat(tensors.stream().map(t -> t.unsqueeze(d)).toList(), d);
    }

    // =============================================================================================
    // Indexing
    // =============================================================================================

    /**
     * out[p] = this[p with coordinate {@code dim} replaced by index[p]]; {@code index} has this
     * tensor's rank and its values lie in [0, size(dim)).
     *
     * @throws IndexOutOfBoundsException for an index outside [0, size(dim)), negative ones included
     *     (as PyTorch: they do not count from the end), naming the op, the index, the dimension and its size
     */
    public Tensor gather(int dim, Tensor index) {
        return IndexingOps.gather(this, dim, index).record(new Op.Gather(this, Shapes.dim("gather", dim, dim()), index));
    }

    /**
     * A copy of this tensor with src[p] added at position p with coordinate {@code dim} replaced
     * by index[p]; repeats accumulate (integers exactly, wrapping on overflow).
     *
     * @throws IndexOutOfBoundsException for an index outside [0, size(dim)), negative ones included
     */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        return IndexingOps.scatterAdd(this, dim, index, src)
                .record(new Op.ScatterAdd(this, Shapes.dim("scatter_add", dim, dim()), index, src));
    }

    /**
     * The entries {@code index} (1-D, int, each in [0, size(dim))) of dimension {@code dim}, in that
     * order, repeats allowed.
     *
     * @throws IndexOutOfBoundsException for an index outside [0, size(dim)), negative ones included
     */
    public Tensor indexSelect(int dim, Tensor index) {
        return gather(dim, IndexingOps.selectionIndex(this, dim, index));
    }

    /** One-hot encoding of an integer tensor: shape [..., numClasses], int64. */
    public Tensor oneHot(int numClasses) {
        if (!dtype().isInteger()) throw new IllegalArgumentException("one_hot: expected an integer tensor of class indices, got " + dtype());
        if (numClasses < 0) throw new IllegalArgumentException("one_hot: numClasses must be >= 0, got " + numClasses);
        int[] outShape = Shapes.concat(layout.shape, new int[] {numClasses});
        Checks.heapAllocation("one_hot", DType.INT64, Shapes.numel("one_hot", outShape), outShape);
        if (numel() == 0) return empty(outShape, DType.INT64, device());
        if (numel() > 0) {
            long lo = amin(null, false).itemLong(), hi = amax(null, false).itemLong();
            if (lo < 0 || hi >= numClasses) {
                throw new IllegalArgumentException("one_hot: class values must be in [0, " + numClasses + "), got values from " + lo + " to " + hi);
            }
        }
        Tensor classes = arange(numClasses).to(device());
        return unsqueeze(-1).eq(classes).to(DType.INT64);
    }

    /**
     * Rows of {@code weight} [num, dim] picked by {@code indices} (any shape, values in [0, num)):
     * shape indices.shape + [dim].
     *
     * @throws IndexOutOfBoundsException for an index outside [0, num), negative ones included
     */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        Checks.notNull("embedding", "indices", indices);
        Checks.notNull("embedding", "weight", weight);
        if (weight.dim() != 2) throw new IllegalArgumentException("embedding: weight must be 2-D [num, dim], got " + Shapes.str(weight.layout.shape));
        IndexingOps.checkIndex("embedding", indices);
        IndexingOps.checkRange("embedding", indices, 0, weight.layout.shape[0]);
        int[] outShape = Shapes.concat(indices.layout.shape, new int[] {weight.layout.shape[1]});
        return weight.indexSelect(0, indices.reshape(-1)).reshape(outShape);
    }

    // =============================================================================================
    // Linear algebra, convolution, pooling
    // =============================================================================================

    /**
     * Matrix product with PyTorch's rules: 1-D·1-D is a dot product, a 1-D operand is treated as
     * a row (left) or column (right) vector and that dimension removed, and the batch
     * dimensions of N-D operands broadcast.
     */
    public Tensor matmul(Tensor other) {
        Checks.notNull("matmul", "other", other);
        if (dim() == 0 || other.dim() == 0) {
            throw new IllegalArgumentException("matmul: both arguments need at least 1 dimension, got shapes "
                    + Shapes.str(layout.shape) + " and " + Shapes.str(other.layout.shape));
        }
        int k = layout.shape[dim() - 1], k2 = other.layout.shape[Math.max(other.dim() - 2, 0)];
        if (k != k2) {
            // checked here so that the message shows the caller's shapes, not the 2-D forms of 1-D operands
            throw new IllegalArgumentException("matmul: shapes " + Shapes.str(layout.shape) + " and " + Shapes.str(other.layout.shape)
                    + " cannot be multiplied (" + k + " != " + k2 + ")");
        }
        Tensor a = dim() == 1 ? unsqueeze(0) : this;
        Tensor b = other.dim() == 1 ? other.unsqueeze(1) : other;
        Tensor out = LinalgOps.matmul(a, b).record(new Op.MatMul(a, b));
        if (dim() == 1) out = out.squeeze(-2);
        if (other.dim() == 1) out = out.squeeze(-1);
        return out;
    }

    /**
     * 2-D convolution (cross-correlation) of this NCHW input with KCRS {@code weight}, plus an
     * optional {@code bias} [K]. {@code stride}, {@code padding} and {@code dilation} take one
     * value for both axes or two (height, width).
     */
    public Tensor conv2d(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return ConvOps.conv2d(this, weight, bias, stride, padding, dilation, groups);
    }

    /**
     * Scaled dot-product attention, softmax(scale·q·kᵀ + mask)·v, over q [..., L, E], k [..., S, E],
     * v [..., S, Ev]. {@code mask} is null, bool (true where attention is allowed, PyTorch's
     * convention for this function) or float (added to the scores), broadcastable to [..., L, S];
     * {@code causal} hides key j from query i when j &gt; i; {@code scale} NaN means 1/√E. Runs as
     * one fused, tiled op with its own backward pass where the device has the kernel and the
     * shapes fit, else as matmul and softmax. Queries that may attend to nothing give zeros.
     *
     * <pre>{@code
     * Tensor y = Tensor.scaledDotProductAttention(q, k, v, null, true, Double.NaN);   // causal self-attention
     * }</pre>
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale) {
        return AttentionOps.scaledDotProductAttention(q, k, v, mask, causal, scale);
    }

    /**
     * The attention weights softmax(scale·q·kᵀ + mask) that {@link #scaledDotProductAttention}
     * applies to v, for when they are wanted themselves (same arguments; a float mask here).
     */
    public static Tensor attentionWeights(Tensor q, Tensor k, Tensor mask, boolean causal, double scale) {
        return AttentionOps.attentionWeights(q, k, mask, causal, scale);
    }

    /**
     * Layer normalisation over the trailing dimensions matching {@code normalizedShape} (any
     * leading shape): y = (x − mean)·rstd·weight + bias with rstd = 1/√(var + eps) and the biased
     * variance, as PyTorch's {@code layer_norm}. {@code weight} and {@code bias} (shaped
     * {@code normalizedShape}, either may be null: 1 and 0) are cast to this tensor's dtype. Runs
     * as one fused op whose backward pass computes the gradients of x, weight and bias from the
     * saved row means and reciprocal standard deviations (the gradients are not themselves
     * differentiable). A non-contiguous input is copied to a contiguous one first.
     *
     * <pre>{@code
     * Tensor x = Tensor.randn(16, 128, 768);
     * Tensor w = Tensor.ones(768).requiresGrad(true), b = Tensor.zeros(768).requiresGrad(true);
     * Tensor y = x.layerNorm(new int[] {768}, w, b, 1e-5);   // each of the 16·128 rows: mean 0, variance ≈ 1
     * }</pre>
     *
     * @throws IllegalArgumentException if the input does not end in {@code normalizedShape},
     *     weight or bias is not shaped {@code normalizedShape}, or eps is negative, infinite or NaN
     */
    public Tensor layerNorm(int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return LayerNormOps.layerNorm(this, normalizedShape, weight, bias, eps);
    }

    /** conv2d with stride 1, no padding. */
    public Tensor conv2d(Tensor weight, Tensor bias) {
        return conv2d(weight, bias, new int[] {1}, new int[] {0}, new int[] {1}, 1);
    }

    /** conv2d with equal stride and padding on both axes. */
    public Tensor conv2d(Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(weight, bias, new int[] {stride}, new int[] {padding}, new int[] {1}, 1);
    }

    /** Max pooling with a square window and stride equal to it. */
    public Tensor maxPool2d(int kernel) {
        return maxPool2d(new int[] {kernel}, null, new int[] {0}, new int[] {1}, false);
    }

    /** Max pooling over NCHW input; {@code stride} null means the kernel size. */
    public Tensor maxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return PoolOps.maxPool2d(this, kernel, stride, padding, dilation, ceilMode);
    }

    /** Average pooling with a square window and stride equal to it. */
    public Tensor avgPool2d(int kernel) {
        return avgPool2d(new int[] {kernel}, null, new int[] {0}, false, true);
    }

    /** Average pooling over NCHW input; {@code stride} null means the kernel size. */
    public Tensor avgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return PoolOps.avgPool2d(this, kernel, stride, padding, ceilMode, countIncludePad);
    }

    /**
     * Softmax cross-entropy of these logits [N, C] against class indices {@code target} [N]
     * (int64 or int32), per sample: ln Σ_j e^(x_j) − x_target, and 0 where the target equals
     * {@code ignoreIndex}. One fused op: the probabilities are never stored, and the backward pass
     * writes (softmax − one-hot)·g in one pass. Reduce the result as the loss needs (nn's
     * {@code Losses.crossEntropy} does, with PyTorch's options).
     *
     * <pre>{@code
     * Tensor loss = logits.crossEntropy(labels, -100).mean();
     * }</pre>
     *
     * @throws IllegalArgumentException if the shapes do not fit or a target is outside [0, C) and not {@code ignoreIndex}
     */
    public Tensor crossEntropy(Tensor target, long ignoreIndex) {
        return LossOps.crossEntropy(this, target, ignoreIndex);
    }

    /**
     * Inverted dropout: each element is zeroed with probability {@code p} and the others are
     * scaled by 1/(1 − p), with a mask drawn from {@code generator} by the Philox4x32-10
     * generator — the same mask for the same seed on the CPU and on a GPU, where it is drawn on
     * the device. Always applies (nn's {@code Dropout} module skips it in evaluation mode).
     *
     * <pre>{@code
     * Tensor y = x.dropout(0.1, new Generator(42));
     * }</pre>
     */
    public Tensor dropout(double p, Generator generator) {
        return DropoutOps.dropout(this, p, generator);
    }

    /** {@link #dropout(double, Generator)} with the default generator. */
    public Tensor dropout(double p) {
        return dropout(p, Generator.getDefault());
    }

    // =============================================================================================
    // In-place updates (optimizers, initialisation)
    // =============================================================================================

    /** Copies {@code src} (broadcast to this shape, any dtype) into this tensor's elements. */
    public Tensor copyFrom(Tensor src) {
        checkInPlace("copyFrom");
        checkSameDevice("copyFrom", this, src);
        Tensor operand = inPlaceOperand("copyFrom", src);
        storage.bumpVersion();
        ElementwiseOps.copyInto(operand, this);
        return this;
    }

    /** Sets every element to {@code value}. */
    public Tensor fill(double value) {
        checkInPlace("fill");
        storage.bumpVersion();
        ElementwiseOps.fill(this, value);
        return this;
    }

    /** Sets every element to 0. */
    public Tensor zero() {
        return fill(0);
    }

    /** this += alpha · other, in place (other broadcast to this shape). */
    public Tensor addInPlace(Tensor other, double alpha) {
        checkInPlace("addInPlace");
        checkSameDevice("addInPlace", this, other);
        Tensor update = inPlaceOperand("addInPlace", alpha == 1 ? other : other.mul(alpha));
        storage.bumpVersion();
        ElementwiseOps.binaryInto(BinaryFn.ADD, this, update, this);
        return this;
    }

    /** this *= value, in place. */
    public Tensor mulInPlace(double value) {
        checkInPlace("mulInPlace");
        Tensor factor = scalarLike(value, this).broadcastView(layout.shape);
        storage.bumpVersion();
        ElementwiseOps.binaryInto(BinaryFn.MUL, this, factor, this);
        return this;
    }

    /** {@code src} as a view of this tensor's shape; it must broadcast to that shape without changing it. */
    private Tensor inPlaceOperand(String op, Tensor src) {
        if (!Arrays.equals(Shapes.broadcast(op, src.layout.shape, layout.shape), layout.shape)) {
            throw new IllegalArgumentException(op + ": cannot broadcast shape " + Shapes.str(src.layout.shape) + " to the shape "
                    + Shapes.str(layout.shape) + " of the tensor updated in place");
        }
        return src.broadcastView(layout.shape);
    }

    /**
     * How many in-place writes this tensor's elements have had ({@link #copyFrom}, {@link #fill},
     * {@link #addInPlace}, {@link #mulInPlace}, an optimizer step, …), counted per storage, so a
     * write through any view of the same elements counts; PyTorch's {@code _version}. The backward
     * pass compares it with the version each op recorded for the tensors its derivative rule reads
     * ({@link Op#savedTensors}) and fails when they differ.
     *
     * <pre>{@code
     * Tensor x = Tensor.zeros(3);
     * x.slice(0, 0, 1, 1).fill(1);
     * x.version();   // 1
     * }</pre>
     */
    public int version() {
        return storage.version();
    }

    private void checkInPlace(String op) {
        if (requiresGrad && GradMode.isEnabled()) {
            throw new IllegalStateException(op + ": a tensor that requires grad cannot be modified in place while the graph is "
                    + "recorded; wrap the update in try (var g = GradMode.noGrad()) { ... }");
        }
    }

    // =============================================================================================
    // Autograd
    // =============================================================================================

    /** Whether gradients are computed for this tensor. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as a parameter whose gradient {@link #backward()} computes; returns this tensor. */
    public Tensor requiresGrad(boolean requires) {
        if (op != null) {
            throw new IllegalStateException("requiresGrad: can only be changed on leaf tensors; this one was produced by " + op.name()
                    + " (use detach() for a leaf copy)");
        }
        if (requires && !dtype().isFloating()) {
            throw new IllegalArgumentException("requiresGrad: only floating-point tensors can require gradients, got " + dtype());
        }
        requiresGrad = requires;
        return this;
    }

    /** The accumulated gradient, or null before the first backward pass (and after {@link #zeroGrad()}). */
    public Tensor grad() {
        return grad;
    }

    /** Replaces the gradient (null clears it); it must match this tensor's shape. */
    public void setGrad(Tensor g) {
        if (g != null) checkSameDevice("setGrad", this, g);
        if (g != null && !Arrays.equals(g.layout.shape, layout.shape)) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Shapes.str(g.layout.shape) + " does not match tensor shape "
                    + Shapes.str(layout.shape));
        }
        grad = g;
    }

    /** Clears the gradient (sets it to null, as PyTorch's {@code zero_grad(set_to_none=True)}). */
    public void zeroGrad() {
        grad = null;
    }

    /** Adds {@code g} to the gradient (the engine calls this for leaves and retained non-leaves, through TensorInternals). */
    void accumulateGrad(Tensor g) {
        Checks.notNull("accumulateGrad", "gradient", g);
        checkSameDevice("accumulateGrad", this, g);
        try (var _ = GradMode.noGrad()) {
            Tensor gg = g.dtype() == dtype() ? g : g.to(dtype());
            grad = grad == null ? ElementwiseOps.copy(gg, dtype()) : grad.add(gg);
        }
    }

    /**
     * Makes this leaf hold {@code source}'s elements (its storage and layout, so possibly another
     * device or dtype), keeping its identity, {@code requiresGrad} flag and name — how modules move
     * their parameters between devices (through TensorInternals). The gradient is cleared when the device or dtype changes.
     */
    void setData(Tensor source) {
        Checks.notNull("setData", "source", source);
        if (op != null) throw new IllegalStateException("setData: only leaf tensors can be re-homed; this one was produced by " + op.name());
        if (!Arrays.equals(source.layout.shape, layout.shape)) {
            throw new IllegalArgumentException("setData: shape " + Shapes.str(source.layout.shape) + " does not match "
                    + Shapes.str(layout.shape));
        }
        if (requiresGrad && !source.dtype().isFloating()) {
            throw new IllegalArgumentException("setData: a tensor that requires grad cannot hold " + source.dtype());
        }
        if (!source.device().equals(device()) || source.dtype() != dtype()) grad = null;
        if (source.storage == storage && Arrays.equals(source.layout.strides, layout.strides) && source.layout.offset == layout.offset) return;
        // The leaf's values change: its new version must differ from any a node recorded for it.
        source.storage.bumpPast(storage);
        storage = source.storage;
        layout = source.layout;
    }

    /** Whether this tensor was created by the user rather than by a recorded op. */
    public boolean isLeaf() {
        return op == null;
    }

    /** The op that produced this tensor, or null for a leaf. */
    public Op op() {
        return op;
    }

    /** The versions of {@code op().savedTensors(this)} when the op ran (the engine's check, through TensorInternals); null for a leaf. */
    int[] savedVersions() {
        return savedVersions;
    }

    /** Asks the next backward pass to store this non-leaf tensor's gradient in {@link #grad()}. */
    public Tensor retainGrad() {
        if (!requiresGrad) throw new IllegalStateException("retainGrad: this tensor does not require grad");
        retainsGrad = true;
        return this;
    }

    /** Whether {@link #retainGrad()} was called on this tensor. */
    public boolean retainsGrad() {
        return retainsGrad;
    }

    /** A display name for graphs and error messages; returns this tensor. */
    public Tensor name(String name) {
        this.name = name;
        return this;
    }

    /** The display name, or null. */
    public String name() {
        return name;
    }

    /**
     * Marks this node's graph as consumed: a later backward pass through it fails, as in PyTorch
     * without {@code retain_graph}. Called by the engine, through TensorInternals.
     */
    void releaseGraph() {
        graphReleased = true;
    }

    /** Whether a backward pass without {@code retainGraph} already went through this node. */
    boolean isGraphReleased() {
        return graphReleased;
    }

    /** Computes the gradient of this scalar with respect to every leaf that requires grad, accumulating into their {@link #grad()}. */
    public void backward() {
        backward(null, false);
    }

    /** Backward from a non-scalar tensor, with {@code seed} as ∂loss/∂this. */
    public void backward(Tensor seed) {
        backward(seed, false);
    }

    /** Backward; with {@code retainGraph} the graph can be walked again. */
    public void backward(Tensor seed, boolean retainGraph) {
        Engines.get().backward(this, seed, retainGraph);
    }

    // =============================================================================================
    // Internals shared by the op implementations
    // =============================================================================================

    /** Another tensor over this storage with {@code layout}, outside the graph. */
    Tensor viewOf(Layout l) {
        return new Tensor(storage, l);
    }

    /** This tensor broadcast to {@code shape} as a stride-0 view, outside the graph. */
    Tensor broadcastView(int[] shape) {
        return Arrays.equals(shape, layout.shape) ? this : viewOf(layout.expand(shape));
    }

    /** Attaches {@code producedBy} when grad mode is on and an input requires grad; returns this tensor. */
    Tensor record(Op producedBy) {
        if (producedBy == null) return this;
        if (Anomaly.isEnabled()) Anomaly.forward(this, producedBy);
        if (!GradMode.isEnabled() || !dtype().isFloating()) return this;
        for (Tensor in : producedBy.inputs()) {
            if (in.requiresGrad) {
                op = producedBy;
                requiresGrad = true;
                savedVersions = versionsOf(producedBy.savedTensors(this));
                return this;
            }
        }
        return this;
    }

    private static final int[] NO_VERSIONS = {};

    private static int[] versionsOf(List<Tensor> saved) {
        if (saved.isEmpty()) return NO_VERSIONS;
        int[] v = new int[saved.size()];
        for (int i = 0; i < v.length; i++) v[i] = saved.get(i).storage.version();
        return v;
    }

    static void checkSameDevice(String op, Tensor a, Tensor b) {
        Checks.notNull(op, "a tensor argument", a);
        Checks.notNull(op, "a tensor argument", b);
        if (!a.device().equals(b.device())) {
            throw new IllegalArgumentException(op + ": expected all tensors on the same device, got " + a.device() + " and "
                    + b.device() + " (move one with to(Device))");
        }
    }

    /** Finds the autograd engine once, through the service loader. */
    private static final class Engines {
        private static final BackwardEngine ENGINE = ServiceLoader.load(BackwardEngine.class, Tensor.class.getClassLoader())
                .findFirst().orElse(null);

        static BackwardEngine get() {
            if (ENGINE == null) {
                throw new IllegalStateException("backward: no autograd engine found; add the jgrad-autograd module to the class or module path");
            }
            return ENGINE;
        }
    }
}
