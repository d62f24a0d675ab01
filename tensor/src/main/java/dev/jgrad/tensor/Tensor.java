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
import java.util.function.UnaryOperator;

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
 * <p>Lifetimes: a tensor's elements are freed when the garbage collector finds them unreachable,
 * or at once by {@link #close()} (when no open view shares them) and at the end of a
 * {@link #scope()} for every tensor made inside it and not kept — which is how device memory comes
 * back without a collection (docs/memory.md):
 *
 * <pre>{@code
 * try (var scope = Tensor.scope()) {
 *     Tensor loss = model.forward(x).square().mean();
 *     loss.backward();
 * }   // every tensor of the step is closed; the parameters' gradients are theirs and stay
 * }</pre>
 *
 * <p>Bad arguments fail before any work, with a message naming the op and the offending values:
 * {@link IllegalArgumentException} for shapes, dimensions, dtypes, devices, sizes no array or
 * heap can hold, and null arguments; {@link IndexOutOfBoundsException} for index values;
 * {@link IllegalStateException} for misuse of the graph (in-place updates of tensors that require
 * grad, a second backward pass, a backward pass through an op whose saved tensors were modified in
 * place since it ran — see {@link #version()} — and any use of a closed tensor). See docs/robustness.md; {@link Anomaly} finds the
 * op that first produced a NaN or infinity.
 */
public final class Tensor implements AutoCloseable {
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
    /** Whether {@link #grad} was made by {@link #accumulateGrad} (this tensor frees it) rather than given with {@link #setGrad}. */
    private boolean ownsGrad;
    private String name;
    /**
     * The call a learner wrote that made this node, when it is not the primitive's own name
     * ({@link #callName()}); a string constant of the calling method, so naming costs one field
     * write and no string building.
     */
    private String callName;
    /** Hooks on this tensor's gradient ({@link #registerHook}); null until the first. */
    private GradHooks gradHooks;
    /** Hooks run after a backward pass accumulated this leaf's gradient ({@link #registerPostAccumulateGradHook}); null until the first. */
    private java.util.List<java.util.function.Consumer<Tensor>> postAccumulateHooks;
    /** Where the op that made this tensor ran, captured only inside {@link Anomaly#detect()}. */
    StackTraceElement[] creationSite;
    /** Set by {@link #close()}; the tensor then refuses every op that reads or writes its elements. */
    private boolean closed;
    /** False for an op's own short-lived operand view ({@link #borrow}), which neither holds the storage nor joins a scope. */
    private boolean holdsStorage;
    /** The open {@link TensorScope} that will close this tensor, or null (none: closed by the user, or left to the collector). */
    TensorScope owner;

    static {   // the engine's and the optimizers' hooks (TensorInternals, exported to those modules only)
        dev.jgrad.tensor.internal.TensorInternals.install(new InternalAccess());
    }

    /**
     * A tensor over {@code storage}, which was just allocated for it: its first holder, until it is
     * closed. Registered with the thread's open scope, if any. Views go through {@link #viewOf}.
     */
    Tensor(Storage storage, Layout layout) {
        this.storage = storage;
        this.layout = layout;
        this.holdsStorage = true;
        storage.acquireFresh();
        TensorScope.register(this);
    }

    /** A view ({@code holds}: another holder of a storage in use, registered like a new tensor) or a borrowed operand view. */
    private Tensor(Storage storage, Layout layout, boolean holds) {
        this.storage = storage;
        this.layout = layout;
        this.holdsStorage = holds;
        if (holds) {
            storage.acquire();
            TensorScope.register(this);
        }
    }

    /**
     * A view for an op's own use during one call (a kernel operand, a broadcast operand, a copy's
     * destination): it neither holds the storage nor joins a scope, so closing the tensors that do
     * frees the storage at once. It must not be returned, recorded in an {@link Op} or kept.
     */
    static Tensor borrow(Storage storage, Layout layout) {
        return new Tensor(storage, layout, false);
    }

    // =============================================================================================
    // Creation
    // =============================================================================================

    /**
     * {@return a tensor over {@code data} (copied) with the given shape; a 1-D tensor when no shape is given}
     *
     * @param data  the elements, in row-major order
     * @param shape the sizes of the dimensions
     */
    public static Tensor of(float[] data, int... shape) {
        return fromFlat(Checks.notNull("of", "data", data).clone(), data.length, shape);
    }

    /**
     * {@return a float64 tensor over {@code data} (copied)}
     *
     * @param data  the elements, in row-major order
     * @param shape the sizes of the dimensions
     */
    public static Tensor of(double[] data, int... shape) {
        return fromFlat(Checks.notNull("of", "data", data).clone(), data.length, shape);
    }

    /**
     * {@return an int64 tensor over {@code data} (copied)}
     *
     * @param data  the elements, in row-major order
     * @param shape the sizes of the dimensions
     */
    public static Tensor of(long[] data, int... shape) {
        return fromFlat(Checks.notNull("of", "data", data).clone(), data.length, shape);
    }

    /**
     * {@return an int32 tensor over {@code data} (copied)}
     *
     * @param data  the elements, in row-major order
     * @param shape the sizes of the dimensions
     */
    public static Tensor of(int[] data, int... shape) {
        return fromFlat(Checks.notNull("of", "data", data).clone(), data.length, shape);
    }

    /**
     * {@return a bool tensor over {@code data} (copied)}
     *
     * @param data  the elements, in row-major order
     * @param shape the sizes of the dimensions
     */
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
     * @param bits  the 16-bit patterns, in row-major order
     * @param dtype {@code FLOAT16} or {@code BFLOAT16}
     * @param shape the shape (none: 1-D)
     * @return the tensor
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
     *
     * @param nested a nested array of float, double, long, int or boolean
     * @return the new tensor
     */
    public static Tensor fromArray(Object nested) {
        return Creation.fromNested(nested);
    }

    /**
     * {@return a 0-d float32 tensor}
     *
     * @param value the value
     */
    public static Tensor scalar(double value) {
        return scalar(value, DType.FLOAT32);
    }

    /**
     * {@return a 0-d tensor of {@code dtype}}
     *
     * @param value the value
     * @param dtype the element type
     */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype);
    }

    /**
     * {@return zeros of the given shape, float32}
     *
     * @param shape the sizes of the dimensions
     */
    public static Tensor zeros(int... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    /**
     * {@return zeros of the given dtype and shape}
     *
     * @param dtype the element type
     * @param shape the sizes of the dimensions
     */
    public static Tensor zeros(DType dtype, int... shape) {
        Checks.notNull("zeros", "dtype", dtype);
        return empty(Shapes.checked("zeros", shape), dtype, Device.CPU);
    }

    /**
     * {@return ones of the given shape, float32}
     *
     * @param shape the sizes of the dimensions
     */
    public static Tensor ones(int... shape) {
        return full(1, DType.FLOAT32, shape);
    }

    /**
     * {@return ones of the given dtype and shape}
     *
     * @param dtype the element type
     * @param shape the sizes of the dimensions
     */
    public static Tensor ones(DType dtype, int... shape) {
        return full(1, dtype, shape);
    }

    /**
     * {@return {@code value} everywhere, float32}
     *
     * @param value the value
     * @param shape the sizes of the dimensions
     */
    public static Tensor full(double value, int... shape) {
        return full(value, DType.FLOAT32, shape);
    }

    /**
     * {@return {@code value} everywhere, in {@code dtype}}
     *
     * @param value the value
     * @param dtype the element type
     * @param shape the sizes of the dimensions
     */
    public static Tensor full(double value, DType dtype, int... shape) {
        Checks.notNull("full", "dtype", dtype);
        Tensor t = empty(Shapes.checked("full", shape), dtype, Device.CPU);
        if (value != 0) ElementwiseOps.fill(t, value);
        return t;
    }

    /**
     * {@return zeros with the shape, dtype and device of {@code like}}
     *
     * @param like the tensor whose shape, dtype and device are taken
     */
    public static Tensor zerosLike(Tensor like) {
        Checks.notNull("zeros_like", "the tensor", like);
        return empty(like.layout.shape, like.dtype(), like.device());
    }

    /**
     * {@return ones with the shape, dtype and device of {@code like}}
     *
     * @param like the tensor whose shape, dtype and device are taken
     */
    public static Tensor onesLike(Tensor like) {
        return fullLike(like, 1);
    }

    /**
     * {@return {@code value} everywhere, with the shape, dtype and device of {@code like}}
     *
     * @param like  the tensor whose shape, dtype and device are taken
     * @param value the value of every element
     */
    public static Tensor fullLike(Tensor like, double value) {
        Tensor t = zerosLike(like);
        if (value != 0) ElementwiseOps.fill(t, value);
        return t;
    }

    /**
     * {@return 0, 1, …, end−1 as int64}
     *
     * @param end one past the last value
     */
    public static Tensor arange(long end) {
        return arange(0, end, 1);
    }

    /**
     * {@return start, start+step, … up to (excluding) end, as int64}
     *
     * @param start the first value
     * @param end   the bound, not included
     * @param step  the distance between values (may be negative, not 0)
     */
    public static Tensor arange(long start, long end, long step) {
        return Creation.arange(start, end, step);
    }

    /**
     * {@return start, start+step, … up to (excluding) end, as float32}
     *
     * @param start the first value
     * @param end   the bound, not included
     * @param step  the distance between values (may be negative, not 0)
     */
    public static Tensor arange(double start, double end, double step) {
        return Creation.arange(start, end, step);
    }

    /**
     * {@return {@code steps} evenly spaced values from start to end inclusive, float32}
     *
     * @param start the first value
     * @param end   the last value
     * @param steps the number of values
     */
    public static Tensor linspace(double start, double end, int steps) {
        return Creation.linspace(start, end, steps);
    }

    /**
     * {@return the n×n identity matrix, float32}
     *
     * @param n the number of rows and columns
     */
    public static Tensor eye(int n) {
        return eye(n, n);
    }

    /**
     * {@return the n×m matrix with ones on the diagonal, float32}
     *
     * @param n the number of rows
     * @param m the number of columns
     */
    public static Tensor eye(int n, int m) {
        return Creation.eye(n, m);
    }

    /**
     * {@return uniform in [0, 1), float32, from the default generator}
     *
     * @param shape the sizes of the dimensions
     */
    public static Tensor rand(int... shape) {
        return rand(Generator.getDefault(), shape);
    }

    /**
     * {@return uniform in [0, 1), float32}
     *
     * @param g     the generator to draw from
     * @param shape the sizes of the dimensions
     */
    public static Tensor rand(Generator g, int... shape) {
        Checks.notNull("rand", "generator", g);
        return Creation.random(Shapes.checked("rand", shape), g::nextDouble);
    }

    /**
     * {@return standard normal, float32, from the default generator}
     *
     * @param shape the sizes of the dimensions
     */
    public static Tensor randn(int... shape) {
        return randn(Generator.getDefault(), shape);
    }

    /**
     * {@return standard normal, float32}
     *
     * @param g     the generator to draw from
     * @param shape the sizes of the dimensions
     */
    public static Tensor randn(Generator g, int... shape) {
        Checks.notNull("randn", "generator", g);
        return Creation.random(Shapes.checked("randn", shape), g::nextGaussian);
    }

    /**
     * {@return uniform integers in [low, high), int64, from the default generator}
     *
     * @param low   the smallest value
     * @param high  one past the largest value
     * @param shape the sizes of the dimensions
     */
    public static Tensor randint(long low, long high, int... shape) {
        return randint(Generator.getDefault(), low, high, shape);
    }

    /**
     * {@return uniform integers in [low, high), int64}
     *
     * @param g     the generator to draw from
     * @param low   the smallest value
     * @param high  one past the largest value
     * @param shape the sizes of the dimensions
     */
    public static Tensor randint(Generator g, long low, long high, int... shape) {
        Checks.notNull("randint", "generator", g);
        return Creation.randint(g, low, high, Shapes.checked("randint", shape));
    }

    /**
     * Reseeds the default generator.
     *
     * @param seed the new seed
     */
    public static void manualSeed(long seed) {
        Generator.getDefault().manualSeed(seed);
    }

    /** A zero-filled tensor (allocation on {@code device}). */
    static Tensor empty(int[] shape, DType dtype, Device device) {
        Checks.notNull("tensor creation", "dtype", dtype);
        if (device.type() == Device.Type.CPU) Checks.heapAllocation("tensor creation", dtype, Shapes.numel(shape), shape);
        return new Tensor(Backends.of(device).allocate(dtype, Shapes.numel(shape)), Layout.contiguous(shape.clone()));
    }

    /**
     * A tensor whose elements are unspecified, for an op that writes every element before any is
     * read (an elementwise result, a copy): on the CPU a pooled array is not zeroed again
     * ({@link HeapArrayPool}); on other devices the same as {@link #empty}.
     */
    static Tensor uninitialized(int[] shape, DType dtype, Device device) {
        if (device.type() != Device.Type.CPU) return empty(shape, dtype, device);
        Checks.notNull("tensor creation", "dtype", dtype);
        Checks.heapAllocation("tensor creation", dtype, Shapes.numel(shape), shape);
        return new Tensor(CpuStorage.allocateUninitialized(dtype, Shapes.numel(shape)), Layout.contiguous(shape.clone()));
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
    // Lifetime: close() and scopes
    // =============================================================================================

    /**
     * Frees this tensor's elements at once when no other open tensor shares them — device memory
     * goes back to the caching allocator's pool, a heap array to the collector — instead of when
     * the garbage collector finds the tensor unreachable. Views ({@link #reshape}, {@link #slice},
     * {@link #t()}, {@link #detach()}, …) share the storage and each holds it until it is itself
     * closed (or collected), so closing a tensor never invalidates a view of it that is still open.
     * Closing twice does nothing.
     *
     * <p>A closed tensor keeps its shape, dtype and device, but every op that reads or writes its
     * elements fails with an {@link IllegalStateException} naming the op, and so does a backward
     * pass whose derivative rules need it. A gradient this tensor accumulated ({@link #grad()}) is
     * its own and is closed with it; one given with {@link #setGrad} is not. Closing a parameter of
     * a model is allowed: the model then fails at its next use of it.
     *
     * <pre>{@code
     * try (Tensor big = Tensor.randn(4096, 4096).to(Device.cuda())) {
     *     System.out.println(big.square().mean().item());
     * }   // big's device memory is back in the pool here; the temporaries too if run in a scope
     * }</pre>
     *
     * See {@link #scope()} to close every temporary of a block at once, and docs/memory.md.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        owner = null;
        if (ownsGrad && grad != null) grad.close();
        grad = null;
        ownsGrad = false;
        if (holdsStorage) storage.release();
    }

    /** {@return whether this tensor was closed (or its elements freed with the last tensor that held them): ops on it fail} */
    public boolean isClosed() {
        return closed || storage.isFreed();
    }

    /**
     * Opens a scope on this thread: every tensor created on this thread until it closes — op
     * results, views, autograd intermediates and gradients of tensors made inside — is closed when
     * it closes, except those {@linkplain TensorScope#keep kept}. Tensors made before the scope
     * (a model's parameters, optimizer state, data) are not touched, and the gradients the backward
     * pass accumulates into them belong to them, not to the scope. Scopes nest; an exception thrown
     * inside still closes the scope.
     *
     * <pre>{@code
     * for (Batch b : loader) {
     *     try (var scope = Tensor.scope()) {
     *         Tensor loss = Losses.crossEntropy(model.forward(b.inputs()), b.targets());
     *         loss.backward();
     *         optimizer.step();
     *         optimizer.zeroGrad();
     *         total += loss.item();
     *     }   // the step's activations, graph and temporaries are freed here, on every device
     * }
     * }</pre>
     *
     * @return the open scope; close it (try-with-resources) to close what was made inside
     */
    public static TensorScope scope() {
        return TensorScope.open();
    }

    /**
     * Runs {@code body} in a new {@link #scope()} and keeps what it returns: a tensor, or the
     * tensors of a returned {@link Iterable}, {@link java.util.Map} (values) or array, are handed to
     * the enclosing scope (or to no scope); everything else made inside is closed.
     *
     * <pre>{@code
     * Tensor logits = Tensor.scope(() -> model.forward(x));        // the activations are freed, logits kept
     * double loss = Tensor.scope(() -> step(x, y).item());          // a number: nothing is kept
     * }</pre>
     *
     * @param <T>  what the body returns
     * @param body the work to run in the scope
     * @return what {@code body} returned, its tensors kept
     * @throws IllegalArgumentException if {@code body} is null
     */
    public static <T> T scope(java.util.function.Supplier<T> body) {
        return TensorScope.run(body);
    }

    /** Throws, naming {@code op}, when this tensor is closed or its storage freed: each op's check of its operands. */
    void checkUsable(String op) {
        if (closed || storage.isFreed()) throw closedError(op);
    }

    /** {@link #checkUsable} for an operand that may be null (null checks come from the op itself). */
    static void checkUsable(String op, Tensor t) {
        if (t != null) t.checkUsable(op);
    }

    private IllegalStateException closedError(String op) {
        String what = "a " + dtype() + " tensor of shape " + Shapes.str(layout.shape) + " on " + device() + (name == null ? "" : " ('" + name + "')");
        return new IllegalStateException(op + ": " + what + (closed ? " was closed" : " views storage that was freed when every tensor holding it was closed")
                + "; a tensor cannot be used after close() or after the Tensor.scope() that made it closed (keep it with scope.keep(t))");
    }

    // =============================================================================================
    // Properties and conversion
    // =============================================================================================

    /** {@return element type} */
    public DType dtype() {
        return storage.dtype();
    }

    /** {@return where the elements live} */
    public Device device() {
        return storage.device();
    }

    /** {@return the sizes of the dimensions (a copy)} */
    public int[] shape() {
        return layout.shape.clone();
    }

    /**
     * {@return the size of dimension {@code dim} (negative counts from the end)}
     *
     * @param dim the dimension (negative counts from the end)
     */
    public int size(int dim) {
        return layout.shape[indexedDim("size", dim)];
    }

    /** {@return number of dimensions} */
    public int dim() {
        return layout.shape.length;
    }

    /** {@return number of elements} */
    public int numel() {
        return layout.numel();
    }

    /** {@return element strides of the dimensions (a copy): how far apart neighbours are in storage} */
    public int[] strides() {
        return layout.strides.clone();
    }

    /** {@return position of element (0, …, 0) in the storage} */
    public int storageOffset() {
        return layout.offset;
    }

    /** {@return whether the elements are laid out row-major with no gaps} */
    public boolean isContiguous() {
        return layout.isContiguous();
    }

    /** The primitives of this tensor's device (op families time their calls for the {@link Profiler}). */
    Backend backend() {
        return storage.backend();
    }

    /**
     * {@return this tensor in {@code dtype} (itself when it already is); differentiable between floating
     * types}
     *
     * @param dtype the element type wanted
     */
    public Tensor to(DType dtype) {
        checkUsable("to");
        Checks.notNull("to", "dtype", dtype);
        if (dtype == dtype()) return this;
        return ElementwiseOps.copy(this, dtype).record(dtype.isFloating() ? new Op.Cast(this, dtype()) : null);
    }

    /**
     * {@return this tensor on {@code device} (itself when it already is there)}
     *
     * @param device the device wanted
     */
    public Tensor to(Device device) {
        checkUsable("to");
        Checks.notNull("to", "device", device);
        if (device.equals(device())) return this;
        return Backends.transfer(this, device).record(new Op.Copy(this));
    }

    /** {@return this tensor on the CPU} */
    public Tensor cpu() {
        return to(Device.CPU);
    }

    /** {@return the elements in row-major order as float (converted from any dtype)} */
    public float[] toFloatArray() {
        return (float[]) hostCopy(DType.FLOAT32);
    }

    /** {@return the elements in row-major order as double} */
    public double[] toDoubleArray() {
        return (double[]) hostCopy(DType.FLOAT64);
    }

    /** {@return the elements in row-major order as long} */
    public long[] toLongArray() {
        return (long[]) hostCopy(DType.INT64);
    }

    /** {@return the elements in row-major order as int} */
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
     * @return the bit patterns, one {@code short} per element
     * @throws IllegalArgumentException when this tensor is not of a 16-bit float type
     */
    public short[] toHalfBits() {
        checkUsable("toHalfBits");
        if (!dtype().isHalf()) {
            throw new IllegalArgumentException("toHalfBits: expected a FLOAT16 or BFLOAT16 tensor, got " + dtype()
                    + " (convert with to(DType.FLOAT16) or to(DType.BFLOAT16) first)");
        }
        return (short[]) hostCopy(dtype());
    }

    /** {@return the elements in row-major order as boolean (non-zero is true)} */
    public boolean[] toBooleanArray() {
        return (boolean[]) hostCopy(DType.BOOL);
    }

    private Object hostCopy(DType dtype) {
        checkUsable(dtype.isHalf() ? "toHalfBits" : "to" + (dtype == DType.BOOL ? "Boolean" : dtype == DType.INT64 ? "Long"
                : dtype == DType.INT32 ? "Int" : dtype == DType.FLOAT64 ? "Double" : "Float") + "Array");
        Tensor host = to(Device.CPU);
        Tensor out = empty(host.layout.shape, dtype, Device.CPU);
        ElementwiseOps.copyInto(host, out);
        Object array = ((CpuStorage) out.storage).surrenderArray();
        out.close();   // the array is the caller's now; the tensors around it were only ours
        if (host != this) host.close();
        return array;
    }

    /**
     * {@return the elements as a nested Java array matching the shape ({@code float[][]} for a 2-D float32
     * tensor, …)}
     */
    public Object toArray() {
        checkUsable("toArray");
        return Creation.toNested(this);
    }

    /** {@return the value of a one-element tensor} */
    public double item() {
        checkUsable("item");
        if (numel() != 1) {
            throw new IllegalArgumentException("item: only a tensor with one element can be converted to a number, got shape "
                    + Shapes.str(layout.shape));
        }
        return toDoubleArray()[0];
    }

    /** {@return the value of a one-element integer tensor, exactly} */
    public long itemLong() {
        checkUsable("itemLong");
        if (numel() != 1) {
            throw new IllegalArgumentException("itemLong: only a tensor with one element can be converted to a number, got shape "
                    + Shapes.str(layout.shape));
        }
        return toLongArray()[0];
    }

    /**
     * {@return whether both have the same shape and |a − b| ≤ atol + rtol·|b| everywhere (NaN equals
     * nothing)}
     *
     * @param other the tensor compared with
     * @param rtol  the relative tolerance
     * @param atol  the absolute tolerance
     */
    public boolean allClose(Tensor other, double rtol, double atol) {
        checkUsable("allClose");
        checkUsable("allClose", other);
        Checks.notNull("allClose", "other", other);
        if (!Arrays.equals(layout.shape, other.layout.shape)) return false;
        double[] a = toDoubleArray(), b = other.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) return false;
        }
        return true;
    }

    /**
     * PyTorch's text for the same tensor: values (abbreviated past 1000 elements, wrapped at 80
     * columns), then device, dtype and {@code grad_fn} or {@code requires_grad} as PyTorch shows them.
     *
     * <pre>{@code
     * Tensor.of(new double[] {1, 2}).requiresGrad(true)   // tensor([1., 2.], dtype=float64, requires_grad=True)
     * }</pre>
     */
    @Override
    public String toString() {
        if (isClosed()) {   // debuggers and log lines print tensors: say what it was instead of failing
            return "tensor(<closed>, shape=" + Shapes.str(layout.shape) + ", dtype=" + dtype() + ", device=" + device() + ")";
        }
        try (var _ = TensorScope.open()) {   // the summary views and host copies printing makes are freed with it
            return TensorFormat.format(this);
        }
    }

    // =============================================================================================
    // Elementwise arithmetic and functions
    // =============================================================================================

    /**
     * {@return this + other, broadcasting}
     *
     * @param other the other operand
     */
    public Tensor add(Tensor other) {
        return ElementwiseOps.arithmetic("add", BinaryFn.ADD, this, other).record(new Op.Add(this, other));
    }

    /**
     * {@return this + value} A whole-number value keeps an integer tensor's dtype.
     *
     * @param value the number added
     */
    public Tensor add(double value) {
        return add(scalarLike(value, this));
    }

    /**
     * {@return this − other, broadcasting}
     *
     * @param other the tensor subtracted
     */
    public Tensor sub(Tensor other) {
        return ElementwiseOps.arithmetic("sub", BinaryFn.SUB, this, other).record(new Op.Sub(this, other));
    }

    /**
     * {@return this − value}
     *
     * @param value the number subtracted
     */
    public Tensor sub(double value) {
        return sub(scalarLike(value, this));
    }

    /**
     * {@return this · other elementwise, broadcasting}
     *
     * @param other the other factor
     */
    public Tensor mul(Tensor other) {
        return ElementwiseOps.arithmetic("mul", BinaryFn.MUL, this, other).record(new Op.Mul(this, other));
    }

    /**
     * {@return this · value}
     *
     * @param value the factor
     */
    public Tensor mul(double value) {
        return mul(scalarLike(value, this));
    }

    /**
     * {@return this / other elementwise (true division: integers give float32), broadcasting}
     *
     * @param other the divisor
     */
    public Tensor div(Tensor other) {
        return ElementwiseOps.divide(this, other).record(new Op.Div(this, other));
    }

    /**
     * {@return this / value}
     *
     * @param value the divisor
     */
    public Tensor div(double value) {
        return div(scalarLike(value, this));
    }

    /**
     * {@return thisᵒᵗʰᵉʳ elementwise, broadcasting}
     *
     * @param exponent the exponents
     */
    public Tensor pow(Tensor exponent) {
        return ElementwiseOps.arithmetic("pow", BinaryFn.POW, this, exponent).record(new Op.Pow(this, exponent));
    }

    /**
     * {@return thisᵖ for a constant p}
     *
     * @param exponent the exponent p
     */
    public Tensor pow(double exponent) {
        return ElementwiseOps.arithmetic("pow", BinaryFn.POW, this, scalarLike(exponent, this))
                .record(new Op.PowScalar(this, exponent));
    }

    /** {@return −this} */
    public Tensor neg() {
        return ElementwiseOps.unary(UnaryFn.NEG, this, dtype()).record(new Op.Neg(this));
    }

    /** {@return eˣ} */
    public Tensor exp() {
        return ElementwiseOps.floating(UnaryFn.EXP, this).record(new Op.Exp(this));
    }

    /** {@return eˣ − 1, accurate for x near 0 (where {@code exp().sub(1)} loses the digits)} */
    public Tensor expm1() {
        return ElementwiseOps.floating(UnaryFn.EXPM1, this).record(new Op.Expm1(this));
    }

    /** {@return natural logarithm} */
    public Tensor log() {
        return ElementwiseOps.floating(UnaryFn.LOG, this).record(new Op.Log(this));
    }

    /** {@return square root} */
    public Tensor sqrt() {
        return ElementwiseOps.floating(UnaryFn.SQRT, this).record(new Op.Sqrt(this));
    }

    /** {@return |x|} */
    public Tensor abs() {
        return ElementwiseOps.unary(UnaryFn.ABS, this, dtype()).record(new Op.Abs(this));
    }

    /** {@return −1, 0 or 1 by the sign of each element (not differentiable: its derivative is 0 almost everywhere)} */
    public Tensor sign() {
        return ElementwiseOps.unary(UnaryFn.SIGN, this, dtype());
    }

    /** {@return max(x, 0)} */
    public Tensor relu() {
        return ElementwiseOps.unary(UnaryFn.RELU, this, dtype()).record(new Op.Relu(this));
    }

    /** {@return 1 / (1 + e⁻ˣ), computed without overflow} */
    public Tensor sigmoid() {
        return ElementwiseOps.floating(UnaryFn.SIGMOID, this).record(new Op.Sigmoid(this));
    }

    /** {@return hyperbolic tangent} */
    public Tensor tanh() {
        return ElementwiseOps.floating(UnaryFn.TANH, this).record(new Op.Tanh(this));
    }

    /** {@return the error function} */
    public Tensor erf() {
        return ElementwiseOps.floating(UnaryFn.ERF, this).record(new Op.Erf(this));
    }

    /** {@return exact GELU, x·Φ(x)} */
    public Tensor gelu() {
        return gelu(false);
    }

    /**
     * {@return GELU, exact or with the tanh approximation}
     *
     * @param tanhApproximation use the tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
     */
    public Tensor gelu(boolean tanhApproximation) {
        return ElementwiseOps.floating(tanhApproximation ? UnaryFn.GELU_TANH : UnaryFn.GELU, this)
                .record(new Op.Gelu(this, tanhApproximation));
    }

    /** {@return sine} */
    public Tensor sin() {
        return ElementwiseOps.floating(UnaryFn.SIN, this).record(new Op.Sin(this));
    }

    /** {@return cosine} */
    public Tensor cos() {
        return ElementwiseOps.floating(UnaryFn.COS, this).record(new Op.Cos(this));
    }

    /** {@return x²} */
    public Tensor square() {
        return pow(2).calledBy("square", this);
    }

    /**
     * {@return min(max(x, min), max); pass ±infinity for a one-sided clamp} The gradient flows where min ≤ x
     * ≤ max.
     *
     * @param min the lower bound
     * @param max the upper bound
     */
    public Tensor clamp(double min, double max) {
        return ElementwiseOps.clamp(this, min, max).record(new Op.Clamp(this, min, max));
    }

    /**
     * {@return max(x, min)}
     *
     * @param min the lower bound
     */
    public Tensor clampMin(double min) {
        return clamp(min, Double.POSITIVE_INFINITY);
    }

    /**
     * {@return min(x, max)}
     *
     * @param max the upper bound
     */
    public Tensor clampMax(double max) {
        return clamp(Double.NEGATIVE_INFINITY, max);
    }

    /**
     * {@return elementwise maximum, broadcasting; NaN propagates} Where equal, each side gets half the
     * gradient.
     *
     * @param other the other operand
     */
    public Tensor maximum(Tensor other) {
        return ElementwiseOps.arithmetic("maximum", BinaryFn.MAXIMUM, this, other).record(new Op.Maximum(this, other));
    }

    /**
     * {@return elementwise minimum, broadcasting; NaN propagates}
     *
     * @param other the other operand
     */
    public Tensor minimum(Tensor other) {
        return ElementwiseOps.arithmetic("minimum", BinaryFn.MINIMUM, this, other).record(new Op.Minimum(this, other));
    }

    /**
     * {@return cond ? a : b elementwise, broadcasting all three; {@code cond} must be bool}
     *
     * @param cond where to take {@code a} (bool)
     * @param a    the values where {@code cond} is true
     * @param b    the values elsewhere
     */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return ElementwiseOps.where(cond, a, b).record(new Op.Where(cond, a, b));
    }

    // ---- comparisons and logic (bool results, not differentiable) --------------------------------

    /**
     * {@return this == other elementwise}
     *
     * @param other the tensor compared with
     */
    public Tensor eq(Tensor other) {
        return ElementwiseOps.compare("eq", BinaryFn.EQ, this, other);
    }

    /**
     * {@return this == value}
     *
     * @param value the number compared with
     */
    public Tensor eq(double value) {
        return eq(scalarLike(value, this));
    }

    /**
     * {@return this != other elementwise}
     *
     * @param other the tensor compared with
     */
    public Tensor ne(Tensor other) {
        return ElementwiseOps.compare("ne", BinaryFn.NE, this, other);
    }

    /**
     * {@return this != value}
     *
     * @param value the number compared with
     */
    public Tensor ne(double value) {
        return ne(scalarLike(value, this));
    }

    /**
     * {@return this &lt; other elementwise}
     *
     * @param other the tensor compared with
     */
    public Tensor lt(Tensor other) {
        return ElementwiseOps.compare("lt", BinaryFn.LT, this, other);
    }

    /**
     * {@return this &lt; value}
     *
     * @param value the number compared with
     */
    public Tensor lt(double value) {
        return lt(scalarLike(value, this));
    }

    /**
     * {@return this ≤ other elementwise}
     *
     * @param other the tensor compared with
     */
    public Tensor le(Tensor other) {
        return ElementwiseOps.compare("le", BinaryFn.LE, this, other);
    }

    /**
     * {@return this ≤ value}
     *
     * @param value the number compared with
     */
    public Tensor le(double value) {
        return le(scalarLike(value, this));
    }

    /**
     * {@return this &gt; other elementwise}
     *
     * @param other the tensor compared with
     */
    public Tensor gt(Tensor other) {
        return ElementwiseOps.compare("gt", BinaryFn.GT, this, other);
    }

    /**
     * {@return this &gt; value}
     *
     * @param value the number compared with
     */
    public Tensor gt(double value) {
        return gt(scalarLike(value, this));
    }

    /**
     * {@return this ≥ other elementwise}
     *
     * @param other the tensor compared with
     */
    public Tensor ge(Tensor other) {
        return ElementwiseOps.compare("ge", BinaryFn.GE, this, other);
    }

    /**
     * {@return this ≥ value}
     *
     * @param value the number compared with
     */
    public Tensor ge(double value) {
        return ge(scalarLike(value, this));
    }

    /**
     * {@return logical and (non-zero is true)}
     *
     * @param other the other operand
     */
    public Tensor logicalAnd(Tensor other) {
        return ElementwiseOps.compare("logical_and", BinaryFn.AND, this, other);
    }

    /**
     * {@return logical or (non-zero is true)}
     *
     * @param other the other operand
     */
    public Tensor logicalOr(Tensor other) {
        return ElementwiseOps.compare("logical_or", BinaryFn.OR, this, other);
    }

    /** {@return logical not (zero is true)} */
    public Tensor logicalNot() {
        checkUsable("logical_not");
        return ElementwiseOps.unary(UnaryFn.NOT, this, DType.BOOL);
    }

    /** {@return true where the element is NaN or ±infinity} */
    public Tensor isNonFinite() {
        return ElementwiseOps.unary(UnaryFn.IS_NONFINITE, this, DType.BOOL);
    }

    // =============================================================================================
    // Reductions and softmax
    // =============================================================================================

    /** {@return sum of all elements, 0-d} */
    public Tensor sum() {
        return sum(null, false);
    }

    /**
     * {@return sum over {@code dim}, removing it}
     *
     * @param dim the dimension summed over
     */
    public Tensor sum(int dim) {
        return sum(new int[] {dim}, false);
    }

    /**
     * {@return sum over {@code dims} (null or empty: all), keeping them as size 1 when {@code keepDim}}
     * Integers sum as int64.
     *
     * @param dims    the dimensions summed over
     * @param keepDim keep the reduced dimensions, with size 1
     */
    public Tensor sum(int[] dims, boolean keepDim) {
        int[] d = Shapes.dims("sum", dims, dim());
        return ReductionOps.reduce("sum", ReduceFn.SUM, this, d, keepDim, ReductionOps.sumType(dtype()))
                .record(new Op.Sum(this, d, keepDim));
    }

    /** {@return mean of all elements, 0-d} */
    public Tensor mean() {
        return mean(null, false);
    }

    /**
     * {@return mean over {@code dim}, removing it}
     *
     * @param dim the dimension averaged over
     */
    public Tensor mean(int dim) {
        return mean(new int[] {dim}, false);
    }

    /**
     * {@return mean over {@code dims} (null or empty: all); floating tensors only}
     *
     * @param dims    the dimensions averaged over
     * @param keepDim keep the reduced dimensions, with size 1
     */
    public Tensor mean(int[] dims, boolean keepDim) {
        checkUsable("mean");
        requireFloating("mean");
        int[] d = Shapes.dims("mean", dims, dim());
        return sum(d, keepDim).div(ReductionOps.count(layout.shape, d)).calledBy("mean", this);
    }

    /** {@return largest element, 0-d} */
    public Tensor max() {
        return amax(null, false);
    }

    /** {@return smallest element, 0-d} */
    public Tensor min() {
        return amin(null, false);
    }

    /**
     * {@return maximum over {@code dim}, removing it}
     *
     * @param dim the dimension reduced
     */
    public Tensor amax(int dim) {
        return amax(new int[] {dim}, false);
    }

    /**
     * {@return maximum over {@code dims} (null or empty: all)} Tied maxima share the gradient equally.
     *
     * @param dims    the dimensions reduced
     * @param keepDim keep the reduced dimensions, with size 1
     */
    public Tensor amax(int[] dims, boolean keepDim) {
        int[] d = Shapes.dims("amax", dims, dim());
        return ReductionOps.reduce("amax", ReduceFn.MAX, this, d, keepDim, dtype()).record(new Op.Amax(this, d, keepDim));
    }

    /**
     * {@return minimum over {@code dim}, removing it}
     *
     * @param dim the dimension reduced
     */
    public Tensor amin(int dim) {
        return amin(new int[] {dim}, false);
    }

    /**
     * {@return minimum over {@code dims} (null or empty: all)} Tied minima share the gradient equally.
     *
     * @param dims    the dimensions reduced
     * @param keepDim keep the reduced dimensions, with size 1
     */
    public Tensor amin(int[] dims, boolean keepDim) {
        int[] d = Shapes.dims("amin", dims, dim());
        return ReductionOps.reduce("amin", ReduceFn.MIN, this, d, keepDim, dtype()).record(new Op.Amin(this, d, keepDim));
    }

    /** {@return position of the largest element of the flattened tensor, int64 0-d} */
    public Tensor argmax() {
        return ReductionOps.argReduce("argmax", true, this, null, false);
    }

    /**
     * {@return position of the largest element along {@code dim}, int64; the first wins ties}
     *
     * @param dim     the dimension searched
     * @param keepDim keep that dimension, with size 1
     */
    public Tensor argmax(int dim, boolean keepDim) {
        return ReductionOps.argReduce("argmax", true, this, dim, keepDim);
    }

    /** {@return position of the smallest element of the flattened tensor, int64 0-d} */
    public Tensor argmin() {
        return ReductionOps.argReduce("argmin", false, this, null, false);
    }

    /**
     * {@return position of the smallest element along {@code dim}, int64}
     *
     * @param dim     the dimension searched
     * @param keepDim keep that dimension, with size 1
     */
    public Tensor argmin(int dim, boolean keepDim) {
        return ReductionOps.argReduce("argmin", false, this, dim, keepDim);
    }

    /** {@return unbiased variance of all elements} */
    public Tensor var() {
        return var(null, false, 1);
    }

    /**
     * Variance over {@code dims}: Σ(x − mean)² / (N − correction). {@code correction = 1} is the
     * unbiased estimate (PyTorch's default), 0 the population variance.
     *
     * @param dims       the dimensions reduced (null or empty: all)
     * @param keepDim    keep the reduced dimensions, with size 1
     * @param correction subtracted from the element count in the divisor
     * @return the variance
     */
    public Tensor var(int[] dims, boolean keepDim, int correction) {
        checkUsable("var");
        requireFloating("var");
        int[] d = Shapes.dims("var", dims, dim());
        Tensor centered = sub(mean(d, true));
        return centered.mul(centered).sum(d, keepDim).div(Math.max(ReductionOps.count(layout.shape, d) - correction, 0))
                .calledBy("var", this);
    }

    /**
     * {@return standard deviation: √var}
     *
     * @param dims       the dimensions reduced (null or empty: all)
     * @param keepDim    keep the reduced dimensions, with size 1
     * @param correction subtracted from the element count in the divisor, as in {@link #var(int[], boolean,
     *                   int)}
     */
    public Tensor std(int[] dims, boolean keepDim, int correction) {
        return var(dims, keepDim, correction).sqrt().calledBy("std", this);
    }

    /**
     * {@return softmax along {@code dim}: eˣ / Σeˣ, stable for any magnitude}
     *
     * @param dim the dimension normalised over
     */
    public Tensor softmax(int dim) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> t[0].softmax(dim), this);
        return ReductionOps.softmax("softmax", false, this, dim).record(new Op.Softmax(this, Shapes.dim("softmax", dim, dim())));
    }

    /**
     * {@return log-softmax along {@code dim}: x − log Σeˣ, stable for any magnitude}
     *
     * @param dim the dimension normalised over
     */
    public Tensor logSoftmax(int dim) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> t[0].logSoftmax(dim), this);
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
     *
     * @param dims    the dimensions reduced
     * @param keepDim keep the reduced dimensions, with size 1
     * @return the log-sum-exp
     */
    public Tensor logsumexp(int[] dims, boolean keepDim) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> t[0].logsumexp(dims, keepDim), this);
        return ReductionOps.logSumExp(this, Shapes.dims("logsumexp", dims, dim()), keepDim);
    }

    /**
     * Sums this tensor down to {@code shape}, the reverse of broadcasting: leading dimensions are
     * summed away and dimensions that are 1 in {@code shape} are summed with keepdim. The
     * gradient of a broadcast operand is the upstream gradient summed to its shape.
     *
     * @param shape the shape to sum down to; this tensor's shape must broadcast from it
     * @return the sum, of {@code shape}
     */
    public Tensor sumTo(int... shape) {
        checkUsable("sumTo");
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
        return releasingIntermediates(summed.reshape(shape), summed);
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

    /**
     * {@return the same elements in {@code shape} (one size may be −1); a view when the strides allow, else a
     * copy}
     *
     * @param shape the new sizes; one may be −1, inferred from the others
     */
    public Tensor reshape(int... shape) {
        if (Arrays.equals(shape, layout.shape)) return this;
        return ViewOps.reshape(this, shape).record(new Op.Reshape(this));
    }

    /**
     * Like {@link #reshape} but never copies: fails when the strides do not allow a view.
     *
     * @param shape the new sizes; one may be −1, inferred from the others
     * @return the view
     */
    public Tensor view(int... shape) {
        return ViewOps.view(this, shape).record(new Op.Reshape(this));
    }

    /**
     * {@return dimensions reordered: result dimension i is this tensor's dimension {@code dims[i]}} A view.
     *
     * @param dims the input dimension for each result dimension, a permutation
     */
    public Tensor permute(int... dims) {
        checkUsable("permute");
        int[] p = ViewOps.checkPermutation("permute", dims, dim());
        return viewOf(layout.permute(p)).record(new Op.Permute(this, p));
    }

    /**
     * {@return dimensions {@code d0} and {@code d1} swapped} A view.
     *
     * @param d0 one dimension
     * @param d1 the other
     */
    public Tensor transpose(int d0, int d1) {
        checkUsable("transpose");
        int a = Shapes.dim("transpose", d0, dim()), b = Shapes.dim("transpose", d1, dim());
        if (dim() == 0) return this;
        int[] p = new int[dim()];
        for (int i = 0; i < p.length; i++) p[i] = i;
        p[a] = b;
        p[b] = a;
        // a swap of the last two dimensions is a (batched) matrix transpose, which graphs show as xᵀ
        boolean matrix = Math.min(a, b) == dim() - 2 && Math.max(a, b) == dim() - 1;
        return permute(p).calledBy(matrix ? "xᵀ" : "transpose", this);
    }

    /** {@return the transpose of a matrix (a 0-d or 1-d tensor is returned as is)} */
    public Tensor t() {
        checkUsable("t");
        if (dim() > 2) throw new IllegalArgumentException("t: expects a tensor with at most 2 dimensions, got shape " + Shapes.str(layout.shape));
        return dim() < 2 ? this : transpose(0, 1);
    }

    /**
     * {@return broadcast view to {@code shape} (−1 keeps a size); expanded dimensions have stride 0}
     *
     * @param shape the sizes to expand to; −1 keeps a size, and only size-1 dimensions may grow
     */
    public Tensor expand(int... shape) {
        checkUsable("expand");
        int[] target = ViewOps.expandTarget(layout.shape, shape);
        if (Arrays.equals(target, layout.shape)) return this;
        return viewOf(layout.expand(target)).record(new Op.Expand(this));
    }

    /**
     * Elements [start, end) of {@code dim} taking every {@code step}-th; Python slice rules for negative and
     * out-of-range positions. A view.
     *
     * @param dim   the sliced dimension
     * @param start the first position
     * @param end   one past the last position
     * @param step  the distance between positions, at least 1
     * @return the view
     */
    public Tensor slice(int dim, int start, int end, int step) {
        checkUsable("slice");
        int d = indexedDim("slice", dim);
        int[] b = ViewOps.sliceBounds(layout.shape[d], start, end, step);
        return viewOf(layout.slice(d, b[0], b[1], step)).record(new Op.Slice(this, d, b[0], b[1], step));
    }

    /**
     * {@code length} elements of {@code dim} from {@code start}; the range must lie inside the dimension. A
     * view.
     *
     * @param dim    the narrowed dimension
     * @param start  the first position
     * @param length the number of positions
     * @return the view
     */
    public Tensor narrow(int dim, int start, int length) {
        checkUsable("narrow");
        int d = indexedDim("narrow", dim);
        int size = layout.shape[d];
        int s = start < 0 ? start + size : start;
        if (s < 0 || length < 0 || s + length > size) {
            throw new IllegalArgumentException("narrow: start " + start + " + length " + length + " exceeds dimension " + dim
                    + " of size " + size + " (shape " + Shapes.str(layout.shape) + ")");
        }
        return slice(d, s, s + length, 1).calledBy("narrow", this);
    }

    /**
     * {@return the slice at {@code index} of {@code dim}, with that dimension removed} A view.
     *
     * @param dim   the dimension
     * @param index the position in it
     */
    public Tensor select(int dim, int index) {
        checkUsable("select");
        int d = indexedDim("select", dim);
        int size = layout.shape[d];
        if (index < -size || index >= size) {
            throw new IllegalArgumentException("select: index " + index + " is out of range for dimension " + dim + " of size "
                    + size + " (shape " + Shapes.str(layout.shape) + ")");
        }
        int i = index < 0 ? index + size : index;
        Tensor row = slice(d, i, i + 1, 1);
        return releasingIntermediates(row.squeeze(d), row).calledBy("select", this);
    }

    /** {@return all size-1 dimensions removed} A view. */
    public Tensor squeeze() {
        checkUsable("squeeze");
        return reshape(Arrays.stream(layout.shape).filter(s -> s != 1).toArray()).calledBy("squeeze", this);
    }

    /**
     * {@return dimension {@code dim} removed if its size is 1 (otherwise this tensor)} A view.
     *
     * @param dim the dimension to remove
     */
    public Tensor squeeze(int dim) {
        checkUsable("squeeze");
        if (dim() == 0) return this;
        int d = Shapes.dim("squeeze", dim, dim());
        if (layout.shape[d] != 1) return this;
        int[] s = new int[dim() - 1];
        for (int i = 0, j = 0; i < dim(); i++) if (i != d) s[j++] = layout.shape[i];
        return reshape(s).calledBy("squeeze", this);
    }

    /**
     * {@return a size-1 dimension inserted at {@code dim} (−1 appends)} A view.
     *
     * @param dim the position of the new dimension
     */
    public Tensor unsqueeze(int dim) {
        checkUsable("unsqueeze");
        if (dim() >= Shapes.MAX_RANK) {
            throw new IllegalArgumentException("unsqueeze: a tensor of shape " + Shapes.str(layout.shape) + " already has the most dimensions ("
                    + Shapes.MAX_RANK + ")");
        }
        int d = Shapes.dim("unsqueeze", dim, dim() + 1);
        int[] s = new int[dim() + 1];
        for (int i = 0, j = 0; i < s.length; i++) s[i] = i == d ? 1 : layout.shape[j++];
        return reshape(s).calledBy("unsqueeze", this);
    }

    /** {@return all dimensions merged into one} */
    public Tensor flatten() {
        return flatten(0, -1);
    }

    /**
     * {@return dimensions {@code start} to {@code end} (inclusive) merged into one}
     *
     * @param start the first dimension merged
     * @param end   the last dimension merged
     */
    public Tensor flatten(int start, int end) {
        checkUsable("flatten");
        if (dim() == 0) return reshape(1).calledBy("flatten", this);
        int s = Shapes.dim("flatten", start, dim()), e = Shapes.dim("flatten", end, dim());
        if (s > e) throw new IllegalArgumentException("flatten: start dimension " + start + " comes after end dimension " + end);
        int[] shape = new int[dim() - (e - s)];
        for (int i = 0, j = 0; i < dim(); i++) {
            if (i <= s || i > e) shape[j++] = layout.shape[i];
            else shape[j - 1] *= layout.shape[i];
        }
        return reshape(shape).calledBy("flatten", this);
    }

    /** {@return this tensor if it is contiguous, else a contiguous copy} */
    public Tensor contiguous() {
        checkUsable("contiguous");
        return isContiguous() ? this : clone();
    }

    /** A contiguous copy that stays in the graph (gradients flow back to this tensor). */
    @Override
    public Tensor clone() {
        checkUsable("clone");
        return ElementwiseOps.copy(this, dtype()).record(new Op.Copy(this));
    }

    /** {@return the same storage with no graph: gradients do not flow through the result} */
    public Tensor detach() {
        checkUsable("detach");
        return viewOf(layout);
    }

    /**
     * {@return concatenation along {@code dim}; sizes must match in the other dimensions}
     *
     * @param tensors the tensors, in order, of one dtype and device
     * @param dim     the dimension to join along
     */
    public static Tensor cat(List<Tensor> tensors, int dim) {
        Tensor out = ViewOps.cat(Checks.tensors("cat", tensors), dim);
        return out.record(new Op.Cat(List.copyOf(tensors), Shapes.dim("cat", dim, tensors.get(0).dim())));
    }

    /**
     * {@return tensors of one shape stacked along a new dimension {@code dim}}
     *
     * @param tensors the tensors, of one shape, dtype and device
     * @param dim     the position of the new dimension
     */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        ViewOps.checkStack(Checks.tensors("stack", tensors));
        for (Tensor t : tensors) t.checkUsable("stack");
        int d = Shapes.dim("stack", dim, tensors.get(0).dim() + 1);
        List<Tensor> rows = tensors.stream().map(t -> t.unsqueeze(d)).toList();
        Tensor out = cat(rows, d);
        for (int i = 0; i < rows.size(); i++) if (rows.get(i) != tensors.get(i)) rows.get(i).releaseIntermediate();
        return out;
    }

    // =============================================================================================
    // Indexing
    // =============================================================================================

    /**
     * out[p] = this[p with coordinate {@code dim} replaced by index[p]]; {@code index} has this
     * tensor's rank and its values lie in [0, size(dim)).
     *
     * @param dim   the indexed dimension
     * @param index the positions to take (int32 or int64)
     * @return the gathered values, of {@code index}'s shape
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
     * @param dim   the indexed dimension
     * @param index the positions to add at (int32 or int64)
     * @param src   the values to add, of {@code index}'s shape
     * @return the sum
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
     * @param dim   the indexed dimension
     * @param index the positions to take
     * @return the selected entries
     * @throws IndexOutOfBoundsException for an index outside [0, size(dim)), negative ones included
     */
    public Tensor indexSelect(int dim, Tensor index) {
        Tensor spread = IndexingOps.selectionIndex(this, dim, index);
        return releasingIntermediates(gather(dim, spread), spread);
    }

    /**
     * {@return one-hot encoding of an integer tensor: shape [..., numClasses], int64}
     *
     * @param numClasses the number of classes; every value must lie in [0, numClasses)
     */
    public Tensor oneHot(int numClasses) {
        checkUsable("one_hot");
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
        Tensor column = unsqueeze(-1), hot = column.eq(classes);   // comparisons are not recorded: none of these is in a graph
        Tensor out = hot.to(DType.INT64);
        releasingIntermediates(out, column);
        hot.close();
        classes.close();
        return out;
    }

    /**
     * Rows of {@code weight} [num, dim] picked by {@code indices} (any shape, values in [0, num)):
     * shape indices.shape + [dim].
     *
     * @param indices the row numbers (int32 or int64)
     * @param weight  the table of rows [num, dim]
     * @return the rows, of shape indices.shape + [dim]
     * @throws IndexOutOfBoundsException for an index outside [0, num), negative ones included
     */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        Checks.notNull("embedding", "indices", indices);
        Checks.notNull("embedding", "weight", weight);
        indices.checkUsable("embedding");
        weight.checkUsable("embedding");
        if (weight.dim() != 2) throw new IllegalArgumentException("embedding: weight must be 2-D [num, dim], got " + Shapes.str(weight.layout.shape));
        IndexingOps.checkIndex("embedding", indices);
        IndexingOps.checkRange("embedding", indices, 0, weight.layout.shape[0]);
        int[] outShape = Shapes.concat(indices.layout.shape, new int[] {weight.layout.shape[1]});
        Tensor flat = indices.reshape(-1), rows = weight.indexSelect(0, flat);
        return releasingIntermediates(rows.reshape(outShape), flat == indices ? null : flat, rows);
    }

    // =============================================================================================
    // Linear algebra, convolution, pooling
    // =============================================================================================

    /**
     * Matrix product with PyTorch's rules: 1-D·1-D is a dot product, a 1-D operand is treated as
     * a row (left) or column (right) vector and that dimension removed, and the batch
     * dimensions of N-D operands broadcast.
     *
     * @param other the right operand
     * @return the product
     */
    public Tensor matmul(Tensor other) {
        checkUsable("matmul");
        checkUsable("matmul", other);
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
        if (Autocast.isEnabled()) return Autocast.lowerPrecision(t -> t[0].matmul(t[1]), this, other);
        Tensor a = dim() == 1 ? unsqueeze(0) : this;
        Tensor b = other.dim() == 1 ? other.unsqueeze(1) : other;
        Tensor product = LinalgOps.matmul(a, b).record(new Op.MatMul(a, b));
        Tensor rowSqueezed = dim() == 1 ? product.squeeze(-2) : product;
        Tensor out = other.dim() == 1 ? rowSqueezed.squeeze(-1) : rowSqueezed;
        // the 1-D operands' matrix views and the product a squeezed result views hold nothing the caller can close
        return releasingIntermediates(out, a == this ? null : a, b == other ? null : b, product, rowSqueezed);
    }

    /**
     * The affine map of PyTorch's {@code F.linear}: {@code this · weightᵀ + bias}, over the last
     * dimension of this input [*, in] with {@code weight} [out, in] and {@code bias} [out] (or
     * null), giving [*, out]. One op for autocast (its lower-precision list, bias included) and for
     * 16-bit operands, whose product and bias are summed in float32 and rounded once.
     *
     * <pre>{@code
     * Tensor y = x.linear(w, b);   // x [64, 784], w [128, 784], b [128] -> [64, 128]
     * }</pre>
     *
     * @param weight the weight [out, in]
     * @param bias   the bias [out], or null
     * @return the output [*, out]
     * @throws IllegalArgumentException when the shapes do not fit
     */
    public Tensor linear(Tensor weight, Tensor bias) {
        checkUsable("linear");
        checkUsable("linear", weight);
        checkUsable("linear", bias);
        Checks.notNull("linear", "weight", weight);
        checkSameDevice("linear", this, weight);
        if (bias != null) checkSameDevice("linear", this, bias);
        if (weight.dim() != 2) throw new IllegalArgumentException("linear: weight must be 2-D [out, in], got " + Shapes.str(weight.layout.shape));
        int in = weight.layout.shape[1], out = weight.layout.shape[0];
        if (dim() == 0 || layout.shape[dim() - 1] != in) {
            throw new IllegalArgumentException("linear: expected input [*, " + in + "] for weight " + Shapes.str(weight.layout.shape) + ", got "
                    + Shapes.str(layout.shape));
        }
        if (bias != null && (bias.dim() != 1 || bias.layout.shape[0] != out)) {
            throw new IllegalArgumentException("linear: bias must have shape [" + out + "], got " + Shapes.str(bias.layout.shape));
        }
        if (Autocast.isEnabled()) return Autocast.lowerPrecision(t -> t[0].linear(t[1], t[2]), this, weight, bias);
        if (HalfCompute.any(this, weight, bias)) {   // product and bias summed in float32, rounded once (PyTorch's addmm)
            return HalfCompute.viaFloat32(HalfCompute.promoted(this, weight, bias), t -> t[0].linear(t[1], t[2]), this, weight, bias);
        }
        // named as Linear's formula y = x·Wᵀ + b reads (graphs put the weight's name for W when it has one)
        Tensor y = matmul(weight.t().calledBy("Wᵀ", weight)).calledBy("x·Wᵀ", this);
        return bias == null ? y : y.add(bias).calledBy("x·Wᵀ + b", this);
    }

    /**
     * 2-D convolution (cross-correlation) of this NCHW input with KCRS {@code weight}, plus an
     * optional {@code bias} [K]. {@code stride}, {@code padding} and {@code dilation} take one
     * value for both axes or two (height, width).
     *
     * @param weight   the filters [K, C/groups, R, S]
     * @param bias     the bias [K], or null
     * @param stride   the stride, one value or (height, width)
     * @param padding  the zero padding, one value or (height, width)
     * @param dilation the dilation, one value or (height, width)
     * @param groups   the number of channel groups
     * @return the output [N, K, P, Q]
     */
    public Tensor conv2d(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (Autocast.isEnabled()) return Autocast.lowerPrecision(t -> t[0].conv2d(t[1], t[2], stride, padding, dilation, groups), this, weight, bias);
        return ConvOps.conv2d(this, weight, bias, stride, padding, dilation, groups);
    }

    /**
     * 2-D transposed convolution (the gradient of {@link #conv2d} with respect to its input, as
     * PyTorch's {@code conv_transpose2d}) of this NCHW input [N, C_in, H, W] with {@code weight}
     * [C_in, C_out/groups, kH, kW], plus an optional {@code bias} [C_out]. The output is
     * [N, C_out, H_out, W_out] with H_out = (H − 1)·stride − 2·padding + dilation·(kH − 1) +
     * outputPadding + 1, and the same for W. {@code stride}, {@code padding}, {@code outputPadding}
     * and {@code dilation} take one value for both axes or two (height, width); outputPadding must be
     * smaller than the stride or the dilation. Runs on the convolution's kernels (CPU and CUDA).
     *
     * <pre>{@code
     * Tensor x = Tensor.randn(8, 16, 7, 7), w = Tensor.randn(16, 3, 4, 4);
     * Tensor y = x.convTranspose2d(w, null, new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1}, 1);   // [8, 3, 14, 14]
     * }</pre>
     *
     * @param weight        the filters [C_in, C_out/groups, kH, kW]
     * @param bias          the bias [C_out], or null
     * @param stride        the stride, one value or (height, width)
     * @param padding       the padding removed from each side of the full output, one value or (height, width)
     * @param outputPadding extra rows and columns added to one side of the output, one value or (height, width)
     * @param dilation      the dilation, one value or (height, width)
     * @param groups        the number of channel groups
     * @return the output [N, C_out, H_out, W_out]
     * @throws IllegalArgumentException for tensors that are not 4-D, mismatched channels, groups that do not divide
     *     C_in, non-positive stride or dilation, negative padding, too large an outputPadding, or an empty output
     */
    public Tensor convTranspose2d(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding, int[] dilation, int groups) {
        if (Autocast.isEnabled()) {
            return Autocast.lowerPrecision(t -> t[0].convTranspose2d(t[1], t[2], stride, padding, outputPadding, dilation, groups), this, weight, bias);
        }
        return ConvTransposeOps.convTranspose2d(this, weight, bias, stride, padding, outputPadding, dilation, groups);
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
     *
     * @param q      the queries [..., L, E]
     * @param k      the keys [..., S, E]
     * @param v      the values [..., S, Ev]
     * @param mask   null, a bool mask (true: allowed) or an additive float mask
     * @param causal hide key j from query i when j &gt; i
     * @param scale  the factor on q·kᵀ, NaN for 1/√E
     * @return the output [..., L, Ev]
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale) {
        if (Autocast.isEnabled()) return Autocast.lowerPrecision(t -> scaledDotProductAttention(t[0], t[1], t[2], t[3], causal, scale), q, k, v, mask);
        return AttentionOps.scaledDotProductAttention(q, k, v, mask, causal, scale);
    }

    /**
     * The attention weights softmax(scale·q·kᵀ + mask) that {@link #scaledDotProductAttention}
     * applies to v, for when they are wanted themselves (same arguments; a float mask here).
     *
     * @param q      the queries [..., L, E]
     * @param k      the keys [..., S, E]
     * @param mask   null or an additive float mask
     * @param causal hide key j from query i when j &gt; i
     * @param scale  the factor on q·kᵀ, NaN for 1/√E
     * @return the weights [..., L, S]
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
     * @param normalizedShape the trailing dimensions normalised over
     * @param weight          the scale, of {@code normalizedShape}, or null
     * @param bias            the shift, of {@code normalizedShape}, or null
     * @param eps             added to the variance
     * @return the normalised tensor, of this tensor's shape
     * @throws IllegalArgumentException if the input does not end in {@code normalizedShape},
     *     weight or bias is not shaped {@code normalizedShape}, or eps is negative, infinite or NaN
     */
    public Tensor layerNorm(int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> t[0].layerNorm(normalizedShape, t[1], t[2], eps), this, weight, bias);
        return LayerNormOps.layerNorm(this, normalizedShape, weight, bias, eps);
    }

    /**
     * Group normalisation of this [N, C, *] tensor, as PyTorch's {@code group_norm}: the C
     * channels split into {@code groups} groups; each group of each sample is normalised over its
     * channels and positions with the biased variance, then channel c is scaled by weight[c] and
     * shifted by bias[c] (either may be null: 1 and 0; both [C], cast to this tensor's dtype). One
     * fused op whose backward pass computes the gradients of x, weight and bias from the saved
     * per-group means and reciprocal standard deviations.
     *
     * <pre>{@code
     * Tensor x = Tensor.randn(8, 64, 32, 32);
     * Tensor y = x.groupNorm(32, Tensor.ones(64), Tensor.zeros(64), 1e-5);   // 32 groups of 2 channels
     * }</pre>
     *
     * @param groups the number of channel groups; divides C
     * @param weight the per-channel scale [C], or null
     * @param bias   the per-channel shift [C], or null
     * @param eps    added to the variance
     * @return the normalised tensor, of this tensor's shape
     * @throws IllegalArgumentException if the input is not floating or has rank below 2, groups does not divide C,
     *     weight or bias is not [C], or eps is negative, infinite or NaN
     */
    public Tensor groupNorm(int groups, Tensor weight, Tensor bias, double eps) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> t[0].groupNorm(groups, t[1], t[2], eps), this, weight, bias);
        return GroupNormOps.groupNorm(this, groups, weight, bias, eps);
    }

    /**
     * Resizes the spatial dimensions of this [N, C, *] tensor, as PyTorch's {@code F.interpolate}:
     * to {@code size} or by {@code scaleFactor} (exactly one not null; one value for every spatial
     * dimension or one per dimension; a factor gives ⌊input size · factor⌋), with {@code mode}
     * "nearest" (3-D, 4-D or 5-D input), "linear" (3-D), "bilinear" (4-D) or "trilinear" (5-D).
     * {@code alignCorners} (linear modes only) maps the corner pixels' centres onto each other;
     * false, PyTorch's default, treats pixels as areas. Source positions and weights are PyTorch's,
     * so the results are too. Runs as one fused resampling op per resized dimension (last first),
     * on every device; its backward pass adds each output's gradient back to its sources.
     *
     * <pre>{@code
     * Tensor x = Tensor.randn(8, 3, 32, 32);
     * Tensor up = x.interpolate(null, new double[] {2}, "nearest", false);           // [8, 3, 64, 64]
     * Tensor fit = x.interpolate(new int[] {48, 40}, null, "bilinear", false);       // [8, 3, 48, 40]
     * }</pre>
     *
     * @param size         the output sizes (one for all spatial dimensions, or one per dimension), or null
     * @param scaleFactor  the scale factors (one for all spatial dimensions, or one per dimension), or null
     * @param mode         "nearest", "linear", "bilinear" or "trilinear"
     * @param alignCorners for the linear modes, whether the corner pixels' centres map onto each other
     * @return the resized tensor [N, C, *output sizes]
     * @throws IllegalArgumentException for an unknown mode, a rank the mode does not take, both or neither of size and
     *     scaleFactor, sizes or factors that are not positive, an output size of 0, or alignCorners with "nearest"
     */
    public Tensor interpolate(int[] size, double[] scaleFactor, String mode, boolean alignCorners) {
        return InterpolateOps.interpolate(this, size, scaleFactor, mode, alignCorners);
    }

    /**
     * {@return conv2d with stride 1, no padding}
     *
     * @param weight the filters [K, C, R, S]
     * @param bias   the bias [K], or null
     */
    public Tensor conv2d(Tensor weight, Tensor bias) {
        return conv2d(weight, bias, new int[] {1}, new int[] {0}, new int[] {1}, 1);
    }

    /**
     * {@return conv2d with equal stride and padding on both axes}
     *
     * @param weight  the filters [K, C, R, S]
     * @param bias    the bias [K], or null
     * @param stride  the stride on both axes
     * @param padding the zero padding on both axes
     */
    public Tensor conv2d(Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(weight, bias, new int[] {stride}, new int[] {padding}, new int[] {1}, 1);
    }

    /**
     * Max pooling with a square window and stride equal to it.
     *
     * @param kernel the window's size and stride
     * @return the pooled tensor
     */
    public Tensor maxPool2d(int kernel) {
        return maxPool2d(new int[] {kernel}, null, new int[] {0}, new int[] {1}, false);
    }

    /**
     * Max pooling over NCHW input; {@code stride} null means the kernel size.
     *
     * @param kernel   the window, one value or (height, width)
     * @param stride   the stride, one value or (height, width), or null
     * @param padding  the implicit padding, one value or (height, width)
     * @param dilation the dilation, one value or (height, width)
     * @param ceilMode round the output size up, as PyTorch's {@code ceil_mode}
     * @return the pooled tensor
     */
    public Tensor maxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return PoolOps.maxPool2d(this, kernel, stride, padding, dilation, ceilMode);
    }

    /**
     * Average pooling with a square window and stride equal to it.
     *
     * @param kernel the window's size and stride
     * @return the pooled tensor
     */
    public Tensor avgPool2d(int kernel) {
        return avgPool2d(new int[] {kernel}, null, new int[] {0}, false, true);
    }

    /**
     * Average pooling over NCHW input; {@code stride} null means the kernel size.
     *
     * @param kernel          the window, one value or (height, width)
     * @param stride          the stride, one value or (height, width), or null
     * @param padding         the implicit padding, one value or (height, width)
     * @param ceilMode        round the output size up, as PyTorch's {@code ceil_mode}
     * @param countIncludePad count the padding in each window's divisor
     * @return the pooled tensor
     */
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
     * @param target      the class indices [N]
     * @param ignoreIndex the target value whose samples give 0
     * @return the per-sample losses [N]
     * @throws IllegalArgumentException if the shapes do not fit or a target is outside [0, C) and not {@code ignoreIndex}
     */
    public Tensor crossEntropy(Tensor target, long ignoreIndex) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> t[0].crossEntropy(t[1], ignoreIndex), this, target);
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
     *
     * @param p         the probability of zeroing an element, in [0, 1]
     * @param generator the generator the mask's seed is drawn from
     * @return the result, of this tensor's shape
     */
    public Tensor dropout(double p, Generator generator) {
        return DropoutOps.dropout(this, p, generator);
    }

    /**
     * {@link #dropout(double, Generator)} with the default generator.
     *
     * @param p the probability of zeroing an element, in [0, 1]
     * @return the result, of this tensor's shape
     */
    public Tensor dropout(double p) {
        return dropout(p, Generator.getDefault());
    }

    // =============================================================================================
    // Sorting, selection, scans, splitting, repetition, masks, norms, padding and einsum
    // =============================================================================================

    /**
     * The maximum along {@code dim} and where it is: the first maximum of each slice (a NaN
     * counts as the maximum, as in PyTorch), its position as int64. The gradient goes to that
     * position only (PyTorch's rule; {@link #amax} shares it among ties instead).
     *
     * <pre>{@code
     * ValuesAndIndices m = Tensor.of(new float[] {1, 5, 5, 2}, 2, 2).max(1, false);
     * m.values();    // [5, 5]
     * m.indices();   // [1, 0]
     * }</pre>
     *
     * @param dim     the dimension searched
     * @param keepDim keep that dimension, with size 1
     * @return the maxima and their positions along {@code dim}
     */
    public ValuesAndIndices max(int dim, boolean keepDim) {
        return ReductionOps.extremumWithIndex("max", true, this, dim, keepDim);
    }

    /**
     * The minimum along {@code dim} and where it is; as {@link #max(int, boolean)}.
     *
     * <pre>{@code
     * Tensor nearest = distances.min(1, false).indices();
     * }</pre>
     *
     * @param dim     the dimension searched
     * @param keepDim keep that dimension, with size 1
     * @return the minima and their positions along {@code dim}
     */
    public ValuesAndIndices min(int dim, boolean keepDim) {
        return ReductionOps.extremumWithIndex("min", false, this, dim, keepDim);
    }

    /**
     * The elements along {@code dim} in ascending (or descending) order, with the position each
     * came from. Stable in both directions (equal elements keep their order, as PyTorch's
     * {@code stable=True}); NaN sorts as the largest value; −0.0 equals 0.0. The gradient of the
     * values goes back to the positions they came from. A float32 CPU sort is a radix sort of
     * each row, rows in parallel.
     *
     * <pre>{@code
     * ValuesAndIndices s = Tensor.of(new float[] {3, 1, 2}).sort(0, false);
     * s.values();    // [1, 2, 3]
     * s.indices();   // [1, 2, 0]
     * }</pre>
     *
     * @param dim        the dimension sorted
     * @param descending largest first instead of smallest first
     * @return the sorted elements and the positions they came from, both of this shape
     */
    public ValuesAndIndices sort(int dim, boolean descending) {
        checkUsable("sort");
        return SortOps.sort("sort", this, dim, descending);
    }

    /**
     * The positions that sort {@code dim} (the indices of {@link #sort(int, boolean)}), int64.
     *
     * <pre>{@code
     * Tensor order = scores.argsort(-1, true);   // best first
     * }</pre>
     *
     * @param dim        the dimension sorted
     * @param descending largest first instead of smallest first
     * @return the positions along {@code dim} in sorted order, of this shape
     */
    public Tensor argsort(int dim, boolean descending) {
        checkUsable("argsort");
        return SortOps.sort("argsort", this, dim, descending).indices();
    }

    /**
     * The {@code k} largest (or smallest) elements along {@code dim}, best first, and their
     * positions; equal elements in their original order, NaN the largest. {@code k} may be 0 up
     * to the size of {@code dim}. The gradient of the values goes back to their positions.
     *
     * <pre>{@code
     * ValuesAndIndices top = logits.topk(5, -1, true);   // each row's 5 best classes
     * }</pre>
     *
     * @param k       how many elements to keep
     * @param dim     the dimension selected along
     * @param largest keep the largest instead of the smallest
     * @return the k elements and their positions; {@code dim} has size k
     * @throws IllegalArgumentException when k is negative or larger than the dimension
     */
    public ValuesAndIndices topk(int k, int dim, boolean largest) {
        checkUsable("topk");
        return SortOps.topk(this, k, dim, largest);
    }

    /**
     * Running sums along {@code dim}: out[i] = x[0] + … + x[i]. Integer and bool tensors give
     * int64 (as PyTorch's); float32 accumulates in double on the CPU, as PyTorch does.
     *
     * <pre>{@code
     * Tensor.of(new float[] {1, 2, 3}).cumsum(0);   // [1, 3, 6]
     * }</pre>
     *
     * @param dim the dimension summed along
     * @return the running sums, of this shape
     */
    public Tensor cumsum(int dim) {
        checkUsable("cumsum");
        if (Autocast.isEnabled()) return Autocast.float32(t -> t[0].cumsum(dim), this);
        return ScanOps.cumsum(this, dim);
    }

    /**
     * Running products along {@code dim}: out[i] = x[0] · … · x[i]. The gradient is exact where
     * elements are 0 (no division by them), as PyTorch's.
     *
     * <pre>{@code
     * Tensor.of(new float[] {1, 2, 3}).cumprod(0);   // [1, 2, 6]
     * }</pre>
     *
     * @param dim the dimension multiplied along
     * @return the running products, of this shape
     */
    public Tensor cumprod(int dim) {
        checkUsable("cumprod");
        if (Autocast.isEnabled()) return Autocast.float32(t -> t[0].cumprod(dim), this);
        return ScanOps.cumprod(this, dim);
    }

    /**
     * Product of all elements, 0-d (integers and bools multiply as int64).
     *
     * <pre>{@code
     * Tensor.of(new float[] {2, 3, 4}).prod();   // 24
     * }</pre>
     *
     * @return the product, 0-d
     */
    public Tensor prod() {
        if (Autocast.isEnabled()) return Autocast.float32(t -> t[0].prod(), this);
        return ReductionOps.prod(this, Shapes.dims("prod", null, dim()), false);
    }

    /**
     * Product over {@code dim}. The gradient is the product of the other elements, exact where
     * elements are 0 (PyTorch's rule).
     *
     * <pre>{@code
     * Tensor rowProducts = m.prod(1, false);
     * }</pre>
     *
     * @param dim     the dimension reduced
     * @param keepDim keep that dimension, with size 1
     * @return the products
     */
    public Tensor prod(int dim, boolean keepDim) {
        if (Autocast.isEnabled()) return Autocast.float32(t -> t[0].prod(dim, keepDim), this);
        return ReductionOps.prod(this, Shapes.dims("prod", new int[] {dim}, dim()), keepDim);
    }

    /**
     * True when any element is non-zero (NaN counts), as a bool 0-d tensor.
     *
     * <pre>{@code
     * boolean broken = loss.isNonFinite().any().item() != 0;
     * }</pre>
     *
     * @return whether any element is non-zero, bool 0-d
     */
    public Tensor any() {
        return any(null, false);
    }

    /**
     * Whether any element over {@code dims} (null or empty: all) is non-zero, bool; over no elements, false.
     *
     * <pre>{@code
     * Tensor rowHasHit = hits.any(new int[] {1}, false);
     * }</pre>
     *
     * @param dims    the dimensions reduced (null or empty: all)
     * @param keepDim keep the reduced dimensions, with size 1
     * @return whether any element of each reduced slice is non-zero, bool
     */
    public Tensor any(int[] dims, boolean keepDim) {
        return ReductionOps.anyAll("any", true, this, Shapes.dims("any", dims, dim()), keepDim);
    }

    /**
     * True when every element is non-zero, as a bool 0-d tensor.
     *
     * <pre>{@code
     * boolean ok = x.isNonFinite().logicalNot().all().item() != 0;
     * }</pre>
     *
     * @return whether every element is non-zero, bool 0-d
     */
    public Tensor all() {
        return all(null, false);
    }

    /**
     * Whether every element over {@code dims} (null or empty: all) is non-zero, bool; over no elements, true.
     *
     * <pre>{@code
     * Tensor fullRows = mask.all(new int[] {-1}, false);
     * }</pre>
     *
     * @param dims    the dimensions reduced (null or empty: all)
     * @param keepDim keep the reduced dimensions, with size 1
     * @return whether every element of each reduced slice is non-zero, bool
     */
    public Tensor all(int[] dims, boolean keepDim) {
        return ReductionOps.anyAll("all", false, this, Shapes.dims("all", dims, dim()), keepDim);
    }

    /**
     * The 2-norm of all elements (for a matrix, its Frobenius norm), 0-d.
     *
     * <pre>{@code
     * double size = w.norm().item();
     * }</pre>
     *
     * @return the 2-norm, 0-d
     */
    public Tensor norm() {
        checkUsable("norm");
        return norm(2, null, false);
    }

    /**
     * The vector p-norm over {@code dims} (null or empty: all) as {@code torch.linalg.vector_norm}:
     * (Σ|x|ᵖ)^(1/p); p = ∞ is max |x|, −∞ min |x|, 0 the count of non-zeros; the Frobenius norm
     * of a matrix is p = 2 over its two dimensions. Floating tensors only. The gradient is
     * PyTorch's: 0 where the norm is 0, shared among tied extremes for ±∞.
     *
     * <pre>{@code
     * Tensor rowLengths = x.norm(2, new int[] {1}, true);         // [N, 1]
     * Tensor fro = w.norm(2, new int[] {-2, -1}, false);          // Frobenius norm of each matrix
     * Tensor maxAbs = g.norm(Double.POSITIVE_INFINITY, null, false);
     * }</pre>
     *
     * @param p       the order of the norm: any real, ±infinity or 0
     * @param dims    the dimensions reduced (null or empty: all)
     * @param keepDim keep the reduced dimensions, with size 1
     * @return the norms
     */
    public Tensor norm(double p, int[] dims, boolean keepDim) {
        checkUsable("norm");
        if (Autocast.isEnabled()) return Autocast.float32(t -> t[0].norm(p, dims, keepDim), this);
        return NormOps.norm(this, p, dims, keepDim);
    }

    /**
     * This tensor cut along {@code dim} into views of {@code splitSize} elements (the last
     * smaller), as PyTorch's {@code split}.
     *
     * <pre>{@code
     * List<Tensor> qkv = proj.split(768, -1);   // [N, 2304] into three [N, 768] views
     * }</pre>
     *
     * @param splitSize the size of each piece along {@code dim}
     * @param dim       the dimension cut
     * @return the pieces, in order
     */
    public List<Tensor> split(int splitSize, int dim) {
        checkUsable("split");
        return SplitOps.split(this, splitSize, dim);
    }

    /**
     * This tensor cut along {@code dim} into views of the given sizes, which must sum to the
     * size of the dimension.
     *
     * <pre>{@code
     * List<Tensor> parts = x.split(new int[] {2, 5, 1}, 0);   // x has 8 rows
     * }</pre>
     *
     * @param sizes the size of each piece along {@code dim}
     * @param dim   the dimension cut
     * @return the pieces, in order
     */
    public List<Tensor> split(int[] sizes, int dim) {
        checkUsable("split");
        return SplitOps.split(this, sizes, dim);
    }

    /**
     * This tensor cut along {@code dim} into {@code chunks} views of equal size (the last
     * smaller; fewer when the size does not allow that many), as PyTorch's {@code chunk}.
     *
     * <pre>{@code
     * List<Tensor> halves = x.chunk(2, -1);
     * }</pre>
     *
     * @param chunks how many pieces to ask for
     * @param dim    the dimension cut
     * @return the pieces, in order
     */
    public List<Tensor> chunk(int chunks, int dim) {
        checkUsable("chunk");
        return SplitOps.chunk(this, chunks, dim);
    }

    /**
     * Every slice along {@code dim}, that dimension removed: views.
     *
     * <pre>{@code
     * for (Tensor row : m.unbind(0)) System.out.println(row);
     * }</pre>
     *
     * @param dim the dimension removed
     * @return the slices, in order
     */
    public List<Tensor> unbind(int dim) {
        checkUsable("unbind");
        return SplitOps.unbind(this, dim);
    }

    /**
     * This tensor repeated {@code repeats[i]} times along each dimension, as PyTorch's
     * {@code repeat}: at least one count per dimension; extra leading counts add dimensions.
     *
     * <pre>{@code
     * Tensor.of(new float[] {1, 2}).repeat(2, 2);   // [[1, 2, 1, 2], [1, 2, 1, 2]]
     * }</pre>
     *
     * @param repeats how many times to repeat each dimension
     * @return the repeated copy
     */
    public Tensor repeat(int... repeats) {
        checkUsable("repeat");
        return MovementOps.repeat("repeat", this, repeats);
    }

    /**
     * As {@link #repeat}, except that fewer counts than dimensions repeat the last dimensions
     * (the counts are padded with leading 1s), as PyTorch's {@code tile}.
     *
     * <pre>{@code
     * Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).tile(2);   // [[1, 2, 1, 2], [3, 4, 3, 4]]
     * }</pre>
     *
     * @param reps how many times to repeat each of the last dimensions
     * @return the repeated copy
     */
    public Tensor tile(int... reps) {
        checkUsable("tile");
        return MovementOps.repeat("tile", this, reps);
    }

    /**
     * A copy with the elements of {@code dims} in reverse order.
     *
     * <pre>{@code
     * Tensor.of(new float[] {1, 2, 3}).flip(0);   // [3, 2, 1]
     * }</pre>
     *
     * @param dims the dimensions reversed
     * @return the reversed copy
     */
    public Tensor flip(int... dims) {
        checkUsable("flip");
        return MovementOps.flip(this, dims);
    }

    /**
     * A copy with the elements of {@code dim} rotated by {@code shift} (those pushed past the end
     * come back at the start; a negative shift rotates the other way).
     *
     * <pre>{@code
     * Tensor.of(new float[] {1, 2, 3, 4}).roll(1, 0);   // [4, 1, 2, 3]
     * }</pre>
     *
     * @param shift how many places to rotate by
     * @param dim   the dimension rotated
     * @return the rotated copy
     */
    public Tensor roll(int shift, int dim) {
        checkUsable("roll");
        return MovementOps.roll(this, new int[] {shift}, new int[] {dim});
    }

    /**
     * Several rolls at once, one shift per dimension; with no dims (an empty array) and one
     * shift, the flattened tensor is rolled and the shape kept, as PyTorch's {@code roll}.
     *
     * <pre>{@code
     * Tensor shifted = image.roll(new int[] {1, -2}, new int[] {-2, -1});
     * }</pre>
     *
     * @param shifts how many places to rotate each dimension by
     * @param dims   the dimensions rotated, one per shift
     * @return the rotated copy
     */
    public Tensor roll(int[] shifts, int[] dims) {
        checkUsable("roll");
        return MovementOps.roll(this, shifts, dims);
    }

    /**
     * A copy with {@code value} where {@code mask} (bool, broadcast to this shape) is true; the
     * gradient flows where it is false.
     *
     * <pre>{@code
     * Tensor scores = logits.maskedFill(padding, Double.NEGATIVE_INFINITY);
     * }</pre>
     *
     * @param mask  where to put {@code value} (bool)
     * @param value the value written there
     * @return the filled copy, of this shape
     */
    public Tensor maskedFill(Tensor mask, double value) {
        return MaskOps.maskedFill(this, mask, value);
    }

    /**
     * The lower triangle of the last two dimensions: elements on and below diagonal
     * {@code diagonal} (0 the main one, positive above it, negative below), zeros elsewhere.
     *
     * <pre>{@code
     * Tensor causal = Tensor.ones(4, 4).tril(0);
     * }</pre>
     *
     * @param diagonal the highest diagonal kept (0 the main one)
     * @return the lower triangle, of this shape
     */
    public Tensor tril(int diagonal) {
        checkUsable("tril");
        return MaskOps.triangle("tril", true, this, diagonal);
    }

    /**
     * The upper triangle of the last two dimensions: elements on and above diagonal
     * {@code diagonal}, zeros elsewhere.
     *
     * <pre>{@code
     * Tensor strictlyUpper = m.triu(1);
     * }</pre>
     *
     * @param diagonal the lowest diagonal kept (0 the main one)
     * @return the upper triangle, of this shape
     */
    public Tensor triu(int diagonal) {
        checkUsable("triu");
        return MaskOps.triangle("triu", false, this, diagonal);
    }

    /**
     * cond ? a : b with a scalar b, in a's dtype (an integer a with a fractional b gives float32).
     *
     * <pre>{@code
     * Tensor safe = Tensor.where(x.isNonFinite(), 0.0, x);
     * Tensor relu = Tensor.where(x.gt(0), x, 0.0);
     * }</pre>
     *
     * @param cond where to take {@code a} (bool)
     * @param a    the values where {@code cond} is true
     * @param b    the value elsewhere
     * @return the selection, broadcasting {@code cond} and {@code a}
     */
    public static Tensor where(Tensor cond, Tensor a, double b) {
        return MaskOps.where(cond, a, b);
    }

    /**
     * cond ? a : b with a scalar a, in b's dtype.
     *
     * <pre>{@code
     * Tensor clipped = Tensor.where(x.gt(1), 1.0, x);
     * }</pre>
     *
     * @param cond where to take {@code a} (bool)
     * @param a    the value where {@code cond} is true
     * @param b    the values elsewhere
     * @return the selection, broadcasting {@code cond} and {@code b}
     */
    public static Tensor where(Tensor cond, double a, Tensor b) {
        return MaskOps.where(cond, a, b);
    }

    /**
     * cond ? a : b with two scalars: float32 of cond's shape.
     *
     * <pre>{@code
     * Tensor weights = Tensor.where(labels.eq(0), 0.1, 1.0);
     * }</pre>
     *
     * @param cond where to take {@code a} (bool)
     * @param a    the value where {@code cond} is true
     * @param b    the value elsewhere
     * @return the selection
     */
    public static Tensor where(Tensor cond, double a, double b) {
        return MaskOps.where(cond, a, b);
    }

    /**
     * min(max(x, min), max) elementwise with tensor bounds, all three broadcast (either bound may
     * be null for a one-sided clamp; with min &gt; max the result is max, as PyTorch's). x gets
     * the gradient where min ≤ x ≤ max, each bound where it is the result.
     *
     * <pre>{@code
     * Tensor y = x.clamp(lower, upper);     // per-element bounds
     * Tensor z = x.clamp(floor, null);      // max(x, floor)
     * }</pre>
     *
     * @param min the lower bounds, or null for none
     * @param max the upper bounds, or null for none
     * @return the clamped tensor, of the broadcast shape
     */
    public Tensor clamp(Tensor min, Tensor max) {
        checkUsable("clamp");
        checkUsable("clamp", min);
        checkUsable("clamp", max);
        return MaskOps.clamp(this, min, max);
    }

    /**
     * Constant padding with zeros; {@code pad} lists (before, after) pairs, the last dimension
     * first, as PyTorch's {@code F.pad}; negative sizes crop.
     *
     * <pre>{@code
     * Tensor padded = images.pad(new int[] {1, 1, 1, 1});   // H and W of NCHW grow by 2
     * }</pre>
     *
     * @param pad (before, after) sizes, last dimension first
     * @return the padded copy
     */
    public Tensor pad(int[] pad) {
        checkUsable("pad");
        return PadOps.pad(this, pad, PadMode.CONSTANT, 0);
    }

    /**
     * Constant padding with {@code value} (sizes as {@link #pad(int[])}).
     *
     * <pre>{@code
     * Tensor tokens = ids.pad(new int[] {0, 3}, -1);   // three -1s after each row
     * }</pre>
     *
     * @param pad   (before, after) sizes, last dimension first
     * @param value the value padded with
     * @return the padded copy
     */
    public Tensor pad(int[] pad, double value) {
        checkUsable("pad");
        return PadOps.pad(this, pad, PadMode.CONSTANT, value);
    }

    /**
     * Padding in {@code mode} (constant pads zeros; reflect mirrors without repeating the edge,
     * each size below the dimension's size; replicate repeats the edge), sizes as
     * {@link #pad(int[])}; any number of trailing dimensions may be padded.
     *
     * <pre>{@code
     * Tensor y = signal.pad(new int[] {2, 2}, PadMode.REFLECT);
     * }</pre>
     *
     * @param pad  (before, after) sizes, last dimension first
     * @param mode how the new elements are filled
     * @return the padded copy
     * @throws IllegalArgumentException for an odd number of sizes, more pairs than dimensions,
     *     negative reflect or replicate sizes, a reflect size not below its dimension's size
     */
    public Tensor pad(int[] pad, PadMode mode) {
        checkUsable("pad");
        return PadOps.pad(this, pad, mode, 0);
    }

    /**
     * Einstein summation, as {@code torch.einsum}: letters name dimensions, {@code ...} the
     * remaining ones (broadcast across operands), a letter repeated in one operand takes its
     * diagonal, letters missing from the output are summed; without {@code ->} the output is the
     * ellipsis dimensions and then the letters that occur once, in alphabetical order (upper
     * case first). Runs as permutes, reshapes and batched matrix products.
     *
     * <pre>{@code
     * Tensor c = Tensor.einsum("ij,jk->ik", a, b);            // matmul
     * Tensor scores = Tensor.einsum("bhqd,bhkd->bhqk", q, k); // attention scores
     * Tensor trace = Tensor.einsum("ii", m);                  // 0-d
     * }</pre>
     *
     * @param equation the subscripts of the operands and, after {@code ->}, of the output
     * @param operands the tensors, one per operand in the equation
     * @return the result
     * @throws IllegalArgumentException for a malformed equation, a subscript count that does not
     *     match an operand's rank, or sizes that neither match nor broadcast
     */
    public static Tensor einsum(String equation, Tensor... operands) {
        return einsum(equation, operands == null ? null : Arrays.asList(operands));
    }

    /**
     * {@link #einsum(String, Tensor...)} with the operands in a list.
     *
     * <pre>{@code
     * Tensor out = Tensor.einsum("i,i->", List.of(a, b));   // dot product
     * }</pre>
     *
     * @param equation the subscripts of the operands and, after {@code ->}, of the output
     * @param operands the tensors, one per operand in the equation
     * @return the result
     */
    public static Tensor einsum(String equation, List<Tensor> operands) {
        if (Autocast.isEnabled() && operands != null && !operands.contains(null)) {
            return Autocast.lowerPrecision(t -> einsum(equation, Arrays.asList(t)), operands.toArray(new Tensor[0]));
        }
        return EinsumOps.einsum(equation, operands);
    }

    // =============================================================================================
    // In-place updates (optimizers, initialisation)
    // =============================================================================================

    /**
     * Copies {@code src} (broadcast to this shape, any dtype) into this tensor's elements.
     *
     * @param src the values to copy
     * @return this tensor
     */
    public Tensor copyFrom(Tensor src) {
        checkUsable("copyFrom");
        checkUsable("copyFrom", src);
        checkInPlace("copyFrom");
        checkSameDevice("copyFrom", this, src);
        Tensor operand = inPlaceOperand("copyFrom", src);
        storage.bumpVersion();
        ElementwiseOps.copyInto(operand, this);
        return this;
    }

    /**
     * Sets every element to {@code value}.
     *
     * @param value the value
     * @return this tensor
     */
    public Tensor fill(double value) {
        checkUsable("fill");
        checkInPlace("fill");
        storage.bumpVersion();
        ElementwiseOps.fill(this, value);
        return this;
    }

    /**
     * Sets every element to 0.
     *
     * @return this tensor
     */
    public Tensor zero() {
        return fill(0);
    }

    /**
     * this += alpha · other, in place (other broadcast to this shape).
     *
     * @param other the tensor added
     * @param alpha the factor on {@code other}
     * @return this tensor
     */
    public Tensor addInPlace(Tensor other, double alpha) {
        checkUsable("addInPlace");
        checkUsable("addInPlace", other);
        checkInPlace("addInPlace");
        checkSameDevice("addInPlace", this, other);
        Tensor update = inPlaceOperand("addInPlace", alpha == 1 ? other : other.mul(alpha));
        storage.bumpVersion();
        ElementwiseOps.binaryInto(BinaryFn.ADD, this, update, this);
        return this;
    }

    /**
     * this *= value, in place.
     *
     * @param value the factor
     * @return this tensor
     */
    public Tensor mulInPlace(double value) {
        checkUsable("mulInPlace");
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
     *
     * @return the number of in-place writes so far
     */
    public int version() {
        return storage.version();
    }

    /** The array behind a contiguous CPU tensor, for native code that works in place (see TensorInternals.hostArray). */
    Object hostArray(String op, boolean write) {
        checkUsable(op);
        if (!(storage instanceof CpuStorage cpu)) {
            throw new IllegalArgumentException(op + ": expects a CPU tensor, got one on " + device() + " (use .to(Device.CPU), or a CUDA "
                    + "communicator for GPU tensors)");
        }
        checkNativeAccess(op, write);
        return cpu.buf().array();
    }

    /** A contiguous CUDA tensor's device address and stream, for native code that works in place (see TensorInternals.cudaView). */
    dev.jgrad.tensor.internal.TensorInternals.CudaView cudaView(String op, boolean write) {
        checkUsable(op);
        if (!(storage instanceof CudaStorage)) {
            throw new IllegalArgumentException(op + ": expects a CUDA tensor, got one on " + device() + " (use .to(Device.cuda(n)), or an "
                    + "MPI communicator for CPU tensors)");
        }
        checkNativeAccess(op, write);
        return CudaViews.of(this);
    }

    /**
     * What native code working on this tensor's elements in place needs, after the device check:
     * contiguous elements, and for a write the checks and version bump of any in-place op.
     */
    private void checkNativeAccess(String op, boolean write) {
        if (!layout.isContiguous()) {
            throw new IllegalArgumentException(op + ": expects a contiguous tensor, got shape " + Shapes.str(layout.shape) + " with strides "
                    + Shapes.str(layout.strides) + " (call .contiguous() first)");
        }
        if (write) {
            checkInPlace(op);
            storage.bumpVersion();
        }
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

    /** {@return whether gradients are computed for this tensor} */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * Marks a leaf tensor as a parameter whose gradient {@link #backward()} computes; returns this tensor.
     *
     * @param requires whether to compute this tensor's gradient
     * @return this tensor
     */
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

    /** {@return the accumulated gradient, or null before the first backward pass (and after {@link #zeroGrad()})} */
    public Tensor grad() {
        return grad;
    }

    /**
     * Replaces the gradient (null clears it); it must match this tensor's shape. A gradient given
     * here stays the caller's: this tensor never closes it. One that {@link #backward()} made and
     * this call replaces is closed (see {@link #zeroGrad()}).
     *
     * @param g the new gradient, or null
     */
    public void setGrad(Tensor g) {
        if (g != null) checkSameDevice("setGrad", this, g);
        if (g != null && !Arrays.equals(g.layout.shape, layout.shape)) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Shapes.str(g.layout.shape) + " does not match tensor shape "
                    + Shapes.str(layout.shape));
        }
        checkUsable("setGrad", g);
        if (g == grad) return;
        dropGrad();
        grad = g;
    }

    /**
     * Clears the gradient (sets it to null, as PyTorch's {@code zero_grad(set_to_none=True)}). A
     * gradient that {@link #backward()} accumulated belongs to this tensor and is closed here, so
     * its memory (device memory included) is free at once; clone it first to keep its values.
     */
    public void zeroGrad() {
        dropGrad();
    }

    /** Forgets the gradient, closing it when it is this tensor's own. */
    private void dropGrad() {
        Tensor old = grad;
        boolean owned = ownsGrad;
        grad = null;
        ownsGrad = false;
        if (owned && old != null) old.close();
    }

    /**
     * Adds {@code g} to the gradient (the engine calls this for leaves and retained non-leaves,
     * through TensorInternals). The sum is a new tensor owned by this one: it lives in this
     * tensor's scope (none for a parameter made outside every scope), not in the scope the backward
     * pass runs in, and the gradient it replaces, if this tensor's own, is closed. When
     * {@code temporary} (the engine made g in this pass and keeps it nowhere else) and this tensor
     * has no gradient yet, g itself becomes the gradient if nothing else can reach its elements,
     * saving a copy of the whole gradient.
     */
    void accumulateGrad(Tensor g) {
        accumulateGrad(g, false);
    }

    /** As {@link #accumulateGrad(Tensor)}; see there for {@code temporary}. */
    void accumulateGrad(Tensor g, boolean temporary) {
        Checks.notNull("accumulateGrad", "gradient", g);
        checkSameDevice("accumulateGrad", this, g);
        checkUsable("backward (accumulating the gradient of a leaf)");
        Tensor next;
        try (var _ = GradMode.noGrad()) {
            Tensor gg = g.dtype() == dtype() ? g : g.to(dtype());
            if (grad != null) next = grad.add(gg);
            else if (temporary && gg == g && soleDenseHolder(g)) next = g;
            else next = ElementwiseOps.copy(gg, dtype());
        }
        TensorScope.adopt(next, owner);
        Tensor old = grad;
        boolean owned = ownsGrad;
        grad = next;
        ownsGrad = true;
        if (owned && old != null) old.close();
    }

    /**
     * Whether {@code t} is an open, graph-free tensor that is the only holder of its storage and
     * covers all of it contiguously: no view, saved tensor or other tensor can see its elements.
     */
    private static boolean soleDenseHolder(Tensor t) {
        return !t.isClosed() && t.op == null && !t.requiresGrad && t.grad == null && t.layout.isContiguous() && t.layout.offset == 0
                && t.storage.length() == t.numel() && t.storage.soleHolder();
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
        checkUsable("setData");
        source.checkUsable("setData");
        if (!source.device().equals(device()) || source.dtype() != dtype()) dropGrad();
        if (source.storage == storage && Arrays.equals(source.layout.strides, layout.strides) && source.layout.offset == layout.offset) return;
        // The leaf's values change: its new version must differ from any a node recorded for it.
        source.storage.bumpPast(storage);
        Storage old = storage;
        source.storage.acquire();   // the leaf holds its new elements, whatever becomes of source
        storage = source.storage;
        layout = source.layout;
        if (holdsStorage) old.release();
    }

    /** {@return whether this tensor was created by the user rather than by a recorded op} */
    public boolean isLeaf() {
        return op == null;
    }

    /** {@return the op that produced this tensor, or null for a leaf} */
    public Op op() {
        return op;
    }

    /** The versions of {@code op().savedTensors(this)} when the op ran (the engine's check, through TensorInternals); null for a leaf. */
    int[] savedVersions() {
        return savedVersions;
    }

    /**
     * Asks the next backward pass to store this non-leaf tensor's gradient in {@link #grad()}.
     *
     * @return this tensor
     */
    public Tensor retainGrad() {
        if (!requiresGrad) throw new IllegalStateException("retainGrad: this tensor does not require grad");
        retainsGrad = true;
        return this;
    }

    /** {@return whether {@link #retainGrad()} was called on this tensor} */
    public boolean retainsGrad() {
        return retainsGrad;
    }

    /**
     * Registers a hook the backward pass calls with this tensor's gradient once it is complete
     * (the sum over every path), before the gradient is used: before a leaf accumulates it into
     * {@link #grad()}, before a non-leaf's derivative rule sends it on, and before
     * {@link #retainGrad()} stores it. The hook may return a replacement of the same shape, dtype
     * and device, or null to keep the gradient; hooks run in registration order, each on the
     * previous one's result, with gradient recording off. As PyTorch's {@code Tensor.register_hook}.
     *
     * <pre>{@code
     * Tensor h = x.matmul(w);                                   // w requires grad, so h does
     * HookHandle clip = h.registerHook(g -> g.clamp(-1, 1));   // clip the gradient flowing through h
     * loss.backward();
     * clip.remove();
     * }</pre>
     *
     * @param hook the hook: it takes the gradient and returns a replacement, or null to keep it
     * @return the handle that removes the hook
     * @throws IllegalStateException if this tensor does not require grad
     */
    public HookHandle registerHook(UnaryOperator<Tensor> hook) {
        Checks.notNull("registerHook", "hook", hook);
        if (!requiresGrad) {
            throw new IllegalStateException("registerHook: cannot register a hook on a tensor that does not require grad "
                    + "(call requiresGrad(true) on a leaf first)");
        }
        if (gradHooks == null) gradHooks = new GradHooks();
        return gradHooks.add(hook);
    }

    /** Whether hooks are registered on this tensor's gradient (the engine asks, through TensorInternals). */
    /**
     * Registers a hook the backward pass calls on this leaf once it has accumulated the pass's
     * whole gradient into {@link #grad()} (after every path's contribution, once per pass): the
     * moment a data-parallel wrapper can start reducing the gradient while the pass goes on. The
     * hook receives this tensor and runs with gradient recording off. As PyTorch's
     * {@code Tensor.register_post_accumulate_grad_hook}.
     *
     * <pre>{@code
     * w.registerPostAccumulateGradHook(p -> System.out.println("grad of w ready: " + p.grad()));
     * loss.backward();
     * }</pre>
     *
     * @param hook called with this tensor
     * @return the handle that removes the hook
     * @throws IllegalStateException if this tensor is not a leaf that requires grad
     */
    public HookHandle registerPostAccumulateGradHook(java.util.function.Consumer<Tensor> hook) {
        Checks.notNull("registerPostAccumulateGradHook", "hook", hook);
        if (!requiresGrad || op != null) {
            throw new IllegalStateException("registerPostAccumulateGradHook: only a leaf that requires grad accumulates a gradient; this tensor "
                    + (requiresGrad ? "is the output of " + op.name() : "does not require grad"));
        }
        if (postAccumulateHooks == null) postAccumulateHooks = new java.util.ArrayList<>();
        java.util.function.Consumer<Tensor> entry = t -> hook.accept(t);   // an identity of its own, as registerHook's entries
        postAccumulateHooks.add(entry);
        return () -> postAccumulateHooks.removeIf(h -> h == entry);
    }

    /** Runs the post-accumulate hooks (the backward pass calls this after accumulating the leaf's gradient). */
    void runPostAccumulateHooks() {
        if (postAccumulateHooks == null) return;
        for (var h : java.util.List.copyOf(postAccumulateHooks)) h.accept(this);
    }

    boolean hasPostAccumulateHooks() {
        return postAccumulateHooks != null && !postAccumulateHooks.isEmpty();
    }

    boolean hasGradHooks() {
        return gradHooks != null && !gradHooks.isEmpty();
    }

    /** g passed through this tensor's gradient hooks (the engine calls this, through TensorInternals). */
    Tensor applyGradHooks(Tensor g) {
        return gradHooks == null ? g : gradHooks.apply(this, g);
    }

    /**
     * A display name for graphs and error messages; returns this tensor.
     *
     * @param name the name
     * @return this tensor
     */
    public Tensor name(String name) {
        this.name = name;
        return this;
    }

    /** {@return the display name, or null} */
    public String name() {
        return name;
    }

    /**
     * The call a learner wrote that produced this node, when that is not the name of its
     * {@link #op() primitive}: {@code "square"} for the {@code PowScalar} that {@link #square()}
     * records, {@code "mean"} for the {@code Div} that ends {@link #mean()}, {@code "flatten"} for
     * a {@code Reshape}. A matrix transpose ({@link #t()}, {@link #transpose} of the last two
     * dimensions) is {@code "xᵀ"}, and {@link #linear}'s three nodes are {@code "Wᵀ"},
     * {@code "x·Wᵀ"} and {@code "x·Wᵀ + b"}; the graph views of the autograd module write a
     * transpose's input's {@link #name() name} in place of the letter before ᵀ when it has one
     * (for a {@code Permute} node only: linear's {@code "x·Wᵀ"} stays as written).
     * When calls nest, a node is named after the outermost call that returned it (linear's
     * transpose is {@code "Wᵀ"}, not the {@code "xᵀ"} of the {@code t()} it calls), and the nodes an
     * inner call made on the way keep that call's name (inside {@code var}, a {@code "mean"}).
     *
     * <pre>{@code
     * Tensor w = Tensor.randn(3, 2).requiresGrad(true);
     * w.square().callName();   // "square" (its op is a PowScalar)
     * w.mul(w).callName();     // null: the call is the primitive Mul
     * }</pre>
     *
     * @return the call's name, or null for a leaf and for a node whose call is its primitive
     */
    public String callName() {
        return callName;
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

    /**
     * Backward from a non-scalar tensor, with {@code seed} as ∂loss/∂this.
     *
     * @param seed the gradient of the loss with respect to this tensor, of its shape
     */
    public void backward(Tensor seed) {
        backward(seed, false);
    }

    /**
     * Backward; with {@code retainGraph} the graph can be walked again.
     *
     * @param seed        the gradient of the loss with respect to this tensor, or null for a scalar
     * @param retainGraph keep the graph for another backward pass
     */
    public void backward(Tensor seed, boolean retainGraph) {
        checkUsable("backward");
        checkUsable("backward", seed);
        Engines.get().backward(this, seed, retainGraph);
    }

    // =============================================================================================
    // Internals shared by the op implementations
    // =============================================================================================

    /** Another tensor over this storage with {@code layout}, outside the graph; it holds the storage until closed. */
    Tensor viewOf(Layout l) {
        return new Tensor(storage, l, true);
    }

    /** A view of this storage for the current op's own use ({@link #borrow}): not to be returned or recorded. */
    Tensor borrowView(Layout l) {
        return borrow(storage, l);
    }

    /**
     * This tensor, which the calling op has just made and no one else has seen, re-seen through
     * {@code l} in place: the op's result without a second tensor holding the same storage (which
     * would keep it alive after the result is closed).
     */
    Tensor withLayout(Layout l) {
        if (Tape.capturing()) {   // a recorded kernel keeps the layout it ran with: the result is a view, this tensor lets go
            Tensor seen = viewOf(l);
            close();
            return seen;
        }
        layout = l;
        return this;
    }

    /**
     * Lets go of the storage of an intermediate a composite op made and does not return (an operand
     * seen with one more dimension, a slice before its squeeze, the product a squeezed result views),
     * when other open tensors hold that storage too — the op's inputs or its result: closing those
     * then frees it, while this intermediate stays a valid node of the graph as long as they keep
     * it. An intermediate that is the storage's only holder keeps it (releasing would free it).
     */
    void releaseIntermediate() {
        if (holdsStorage && !closed && storage.releaseShared()) {
            holdsStorage = false;
            owner = null;
        }
    }

    /** {@link #releaseIntermediate()} for each of {@code mids} that is neither null nor {@code result}. */
    static Tensor releasingIntermediates(Tensor result, Tensor... mids) {
        for (Tensor m : mids) if (m != null && m != result) m.releaseIntermediate();
        return result;
    }

    /** This tensor broadcast to {@code shape} as a stride-0 operand view for the current op ({@link #borrow}). */
    Tensor broadcastView(int[] shape) {
        return Arrays.equals(shape, layout.shape) ? this : borrowView(layout.expand(shape));
    }

    /**
     * Names this node by the composite call that returned it ({@link #callName()}); returns this
     * tensor. Nothing is named when no node was recorded or when the call returned its own
     * {@code input} unchanged (an input that is another call's node keeps that call's name).
     */
    Tensor calledBy(String call, Tensor input) {
        if (op != null && this != input) callName = call;
        return this;
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
                throw new IllegalStateException("backward(): no autograd engine found; add the dependency dev.jgrad:jgrad-autograd"
                        + " (module dev.jgrad.autograd; jgrad-nn brings it) to the class or module path");
            }
            return ENGINE;
        }
    }
}
