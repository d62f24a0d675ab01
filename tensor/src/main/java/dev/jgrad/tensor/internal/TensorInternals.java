package dev.jgrad.tensor.internal;

import dev.jgrad.tensor.Tensor;

/**
 * What the autograd engine and the optimizers may do to tensors and users may not: accumulate
 * into and re-home leaves, read the versions a node recorded, mark graph nodes consumed, and run
 * the fused optimizer updates in place. The package is exported only to {@code dev.jgrad.autograd}, {@code dev.jgrad.nn} and
 * {@code dev.jgrad.dist}.
 *
 * <pre>{@code
 * TensorInternals.accumulateGrad(leaf, g);   // what BackwardPass does at each leaf
 * }</pre>
 */
public final class TensorInternals {
    private TensorInternals() {}

    /** The tensor package's side, installed once by {@code Tensor}'s class initializer. */
    public interface Access {
        void accumulateGrad(Tensor leaf, Tensor g);

        void accumulateTemporaryGrad(Tensor leaf, Tensor g);

        void setData(Tensor leaf, Tensor source);

        boolean hasGradHooks(Tensor t);

        Tensor applyGradHooks(Tensor t, Tensor g);

        int[] savedVersions(Tensor node);

        void releaseGraph(Tensor node);

        boolean isGraphReleased(Tensor node);

        boolean adam(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2, double eps,
                     double weightDecay, boolean decoupled, double bc1, double bc2);

        boolean sgd(Tensor param, Tensor grad, Tensor momentumBuffer, double lr, double momentum, double dampening, double weightDecay,
                    boolean nesterov, boolean first);

        RecordedKernels record(Runnable body);

        CapturedCudaGraph captureCudaGraph(int device, Runnable warmUp, Runnable body);

        Object storageOf(Tensor t);

        Object hostArray(Tensor t, String op, boolean write);

        CudaView cudaView(Tensor t, String op, boolean write);

        int cudaDeviceCount();

        void makeCudaCurrent(int device);

        long cudaStream(int device);

        void cudaSynchronize(int device);

        boolean hasPostAccumulateHooks(Tensor t);

        void runPostAccumulateHooks(Tensor t);
    }

    private static volatile Access access;

    /** Called once, by {@code Tensor}; a second call fails. */
    public static synchronized void install(Access a) {
        if (access != null) throw new IllegalStateException("TensorInternals: already installed");
        access = a;
    }

    private static Access access() {
        Access a = access;
        if (a != null) return a;
        try {   // Tensor's class initializer installs the access
            Class.forName(Tensor.class.getName(), true, Tensor.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return access;
    }

    /** Adds {@code g} to the leaf's gradient (a copy on the first call), in the leaf's dtype. */
    public static void accumulateGrad(Tensor leaf, Tensor g) {
        access().accumulateGrad(leaf, g);
    }

    /**
     * As {@link #accumulateGrad}, for a gradient the backward pass made in this step and holds
     * nowhere else: a leaf without a gradient takes {@code g} itself when nothing else can reach its
     * elements (its only tensor, contiguous, no graph), instead of copying it, as PyTorch's
     * AccumulateGrad steals a gradient nobody else holds.
     */
    public static void accumulateTemporaryGrad(Tensor leaf, Tensor g) {
        access().accumulateTemporaryGrad(leaf, g);
    }

    /** {@return whether {@code t} has hooks to run after its gradient is accumulated ({@link Tensor#registerPostAccumulateGradHook})} */
    public static boolean hasPostAccumulateHooks(Tensor t) {
        return access().hasPostAccumulateHooks(t);
    }

    /** Runs {@code t}'s post-accumulate hooks: the backward pass calls this once it has accumulated the leaf's gradient. */
    public static void runPostAccumulateHooks(Tensor t) {
        access().runPostAccumulateHooks(t);
    }

    /** Whether gradient hooks ({@link Tensor#registerHook}) are registered on {@code t}. */
    public static boolean hasGradHooks(Tensor t) {
        return access().hasGradHooks(t);
    }

    /** {@code g} passed through the gradient hooks of {@code t} (g itself when it has none). */
    public static Tensor applyGradHooks(Tensor t, Tensor g) {
        return access().applyGradHooks(t, g);
    }

    /**
     * Makes a leaf hold {@code source}'s elements (its storage and layout, so possibly another
     * device or dtype), keeping its identity, {@code requiresGrad} flag and name — how modules
     * move their parameters between devices. The gradient is cleared when the device or dtype changes.
     * Unless {@code source} is the leaf's own elements in its own layout, this counts as an in-place
     * write of the leaf: a pending backward pass whose rules read it fails.
     */
    public static void setData(Tensor leaf, Tensor source) {
        access().setData(leaf, source);
    }

    /**
     * The versions ({@link Tensor#version()}) that {@code node.op().savedTensors(node)} had when
     * the op ran, in that order (null for a leaf); the engine compares them before it runs the
     * node's derivative rule. The array is the node's own: read it, do not change it.
     */
    public static int[] savedVersions(Tensor node) {
        return access().savedVersions(node);
    }

    /** Marks a node's graph consumed: a later backward pass through it fails, as in PyTorch without {@code retain_graph}. */
    public static void releaseGraph(Tensor node) {
        access().releaseGraph(node);
    }

    /** Whether a backward pass without {@code retainGraph} already went through this node. */
    public static boolean isGraphReleased(Tensor node) {
        return access().isGraphReleased(node);
    }

    /**
     * One Adam/AdamW step in place on {@code param}, {@code expAvg} and {@code expAvgSq}, on the
     * parameter's device; bc1 = 1 − β1^t, bc2 = 1 − β2^t. Returns false, touching nothing, when
     * the fused update does not apply (a dtype other than float32/float64, mixed devices, dtypes
     * or shapes, a non-contiguous operand); the caller then runs its composed update. Call it
     * with gradient recording off; the state tensors must not share storage with anything else.
     */
    public static boolean adam(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2, double eps,
                               double weightDecay, boolean decoupled, double bc1, double bc2) {
        return access().adam(param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, bc2);
    }

    /**
     * One SGD step in place (PyTorch's momentum, dampening, Nesterov and L2 weight decay);
     * {@code momentumBuffer} is null when momentum is 0, and {@code first} starts it at the
     * gradient. Returns false, touching nothing, where {@link #adam} would.
     */
    public static boolean sgd(Tensor param, Tensor grad, Tensor momentumBuffer, double lr, double momentum, double dampening,
                              double weightDecay, boolean nesterov, boolean first) {
        return access().sgd(param, grad, momentumBuffer, lr, momentum, dampening, weightDecay, nesterov, first);
    }

    /**
     * Runs {@code body} on this thread, recording the CPU kernels it launches, in order, for
     * replays over a static memory plan (see {@link RecordedKernels}); an exception from the body
     * propagates. The storages the body allocates outside kernels belong to the recording from
     * then on: closing their tensors no longer frees them, since the replays write them.
     */
    public static RecordedKernels record(Runnable body) {
        return access().record(body);
    }

    /**
     * Captures the CUDA work {@code body} queues on device {@code device}'s stream into a CUDA graph.
     * First cuBLAS gets a fixed workspace and {@code warmUp} (when not null) runs eagerly, so that
     * what cannot be created inside a capture (kernel modules, cuBLAS state, staging buffers) exists;
     * then {@code body} runs once under capture: its kernels are recorded, not run, and the device
     * memory it allocates belongs to the graph for the graph's whole life. A body that reads tensor
     * values on the host, uploads host data, draws random numbers on the host, or makes a call the
     * driver refuses while capturing is not captured: the result's {@link CapturedCudaGraph#brokenReason()}
     * says why and the capture is ended. Other exceptions propagate, after the capture has ended.
     *
     * @param device the CUDA device ordinal
     * @param warmUp code to run eagerly first, or null
     * @param body   the code to capture
     * @return the graph, or a broken one that says why
     * @throws IllegalStateException when jgrad's CUDA module is absent
     */
    public static CapturedCudaGraph captureCudaGraph(int device, Runnable warmUp, Runnable body) {
        return access().captureCudaGraph(device, warmUp, body);
    }

    /**
     * {@return the Java array holding a contiguous CPU tensor's elements ({@code float[]},
     * {@code double[]}, {@code int[]}, {@code long[]}, {@code boolean[]}, or {@code short[]} of
     * 16-bit float bits), its first element at {@link Tensor#storageOffset()}} For code that
     * hands the elements to native code in place (the MPI communicator). With {@code write}
     * the tensor is checked as an in-place op's target (not a tensor that requires grad while the
     * graph is recorded) and its version is bumped, as any in-place op's.
     *
     * @param t     a contiguous CPU tensor
     * @param op    the caller's name, for errors
     * @param write whether the caller will change the elements
     * @throws IllegalArgumentException when {@code t} is not a contiguous CPU tensor
     */
    public static Object hostArray(Tensor t, String op, boolean write) {
        return access().hostArray(t, op, write);
    }

    /**
     * A contiguous CUDA tensor as native code sees it.
     *
     * @param device  the CUDA device ordinal (the N of cuda:N)
     * @param address the device address of the tensor's first element
     * @param stream  the stream (a CUstream) every jgrad op on that device runs on: native work
     *                queued there runs in order with jgrad's own kernels
     */
    public record CudaView(int device, long address, long stream) {}

    /**
     * {@return where a contiguous CUDA tensor's elements are, and the stream to queue work on
     * them} For code that hands device memory to a native library (the NCCL communicator). With
     * {@code write} the tensor is checked as an in-place op's target and its version is bumped.
     * The address stays valid while the tensor is reachable and open; work queued on
     * {@link CudaView#stream()} runs before the memory can be reused.
     *
     * @param t     a contiguous CUDA tensor
     * @param op    the caller's name, for errors
     * @param write whether the caller will change the elements
     * @throws IllegalArgumentException when {@code t} is not a contiguous CUDA tensor
     */
    public static CudaView cudaView(Tensor t, String op, boolean write) {
        return access().cudaView(t, op, write);
    }

    /** {@return the number of usable CUDA devices: 0 without jgrad's CUDA module, the driver or a GPU} */
    public static int cudaDeviceCount() {
        return access().cudaDeviceCount();
    }

    /** Makes jgrad's context of CUDA device {@code device} current on the calling thread, as native CUDA libraries expect. */
    public static void makeCudaCurrent(int device) {
        access().makeCudaCurrent(device);
    }

    /** {@return the stream (a CUstream) every jgrad op on CUDA device {@code device} runs on} */
    public static long cudaStream(int device) {
        return access().cudaStream(device);
    }

    /** Waits until the work queued on CUDA device {@code device}'s stream has run. */
    public static void cudaSynchronize(int device) {
        access().cudaSynchronize(device);
    }

    /** {@return the object holding {@code t}'s elements, compared by identity: a tensor re-homed (by {@code setData}, say) holds another one} */
    public static Object storageOf(Tensor t) {
        return access().storageOf(t);
    }
}
