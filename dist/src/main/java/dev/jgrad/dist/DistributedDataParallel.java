package dev.jgrad.dist;

import dev.jgrad.autograd.BackwardCallbacks;
import dev.jgrad.nn.Module;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel training: wraps a module so that every rank, training on its own share of each
 * batch, ends {@code backward()} with the same gradients — the average over ranks — and so the
 * same parameters after each optimizer step. As PyTorch's {@code DistributedDataParallel}:
 * <ul>
 *   <li>at construction, rank 0's parameters and buffers are broadcast to every rank, and rank
 *       0's buffers again before each training-mode forward pass;</li>
 *   <li>gradients are grouped into buckets of about {@value #DEFAULT_BUCKET_MIB} MiB, in reverse
 *       registration order (roughly the order backward produces them); as soon as every gradient
 *       of a bucket has been accumulated during {@code backward()} the bucket is copied into one
 *       flat tensor and its all-reduce starts on the communicator's thread, while the pass goes on
 *       computing the gradients of earlier layers; buckets start strictly in order, so every rank
 *       issues the same collectives in the same order;</li>
 *   <li>at the end of the pass ({@link BackwardCallbacks}) the remaining buckets are reduced (a
 *       parameter that got no gradient on this rank counts as zeros), every bucket is awaited and
 *       the averages are written back into the parameters' {@code grad()};</li>
 *   <li>{@link #noSync()} skips the reduction, for gradient accumulation: the gradients add up
 *       locally and the next pass outside it reduces the sum.</li>
 * </ul>
 *
 * <p>The parameters must be on the communicator's {@link Communicator#device()}: the CPU for
 * {@link Communicator#world()}, the rank's GPU for {@link Communicator#cuda(Communicator)} (then
 * the buckets live on that GPU and their all-reduces are NCCL's, queued on jgrad's stream).
 *
 * <pre>{@code
 * Communicator comm = Communicator.world();   // GPUs: Communicator.cuda(Communicator.world()), module.to(comm.device())
 * DistributedDataParallel model = new DistributedDataParallel(new MnistCnn(), comm);
 * Optimizer opt = new Adam(model.parameters(), 1e-3);
 * for (Batch b : loader) {                 // a DistributedSampler gives each rank its share
 *     opt.zeroGrad();
 *     Loss.crossEntropy(model.call(b.inputs()), b.targets()).backward();   // gradients averaged here
 *     opt.step();                          // the same step on every rank
 * }
 * }</pre>
 */
public final class DistributedDataParallel extends Module {
    /** The default bucket size, in MiB (PyTorch's). */
    public static final int DEFAULT_BUCKET_MIB = 25;

    private final Module module;
    private final Communicator comm;
    private final List<Bucket> buckets = new ArrayList<>();
    private boolean syncing = true;
    // the current pass
    private int nextToLaunch;
    private boolean endQueued;

    /** A group of parameters whose gradients are reduced in one collective. */
    private static final class Bucket {
        final List<Tensor> params = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        final List<Integer> offsets = new ArrayList<>();
        final DType dtype;
        int elements;
        Tensor flat;
        int ready;
        Work work;

        Bucket(DType dtype) {
            this.dtype = dtype;
        }
    }

    /**
     * Wraps {@code module} with buckets of {@value #DEFAULT_BUCKET_MIB} MiB.
     *
     * @param module the model, the same on every rank
     * @param comm   the ranks to average over
     */
    public DistributedDataParallel(Module module, Communicator comm) {
        this(module, comm, (long) DEFAULT_BUCKET_MIB << 20);
    }

    /**
     * Wraps {@code module}, broadcasting rank 0's parameters and buffers to every rank.
     *
     * @param module      the model, the same architecture on every rank
     * @param comm        the ranks to average over
     * @param bucketBytes about how many bytes of gradients one all-reduce carries (more: fewer,
     *                    larger collectives; less: reduction starts earlier in the pass)
     * @throws IllegalArgumentException for a null argument, a closed communicator, a non-positive
     *                                  bucket size or parameters that are not on the
     *                                  communicator's device
     */
    public DistributedDataParallel(Module module, Communicator comm, long bucketBytes) {
        if (module == null) throw new IllegalArgumentException("DistributedDataParallel: the module is null");
        if (comm == null) throw new IllegalArgumentException("DistributedDataParallel: the communicator is null");
        if (comm.isClosed()) throw new IllegalArgumentException("DistributedDataParallel: the communicator is closed");
        if (bucketBytes <= 0) throw new IllegalArgumentException("DistributedDataParallel: bucket size must be > 0 bytes, got " + bucketBytes);
        this.module = registerModule("module", module);
        this.comm = comm;
        Map<String, Tensor> params = module.namedParameters();
        Device device = comm.device();
        for (var e : params.entrySet()) {
            if (!e.getValue().device().equals(device)) {
                throw new IllegalArgumentException("DistributedDataParallel: parameter " + e.getKey() + " is on " + e.getValue().device()
                        + ", but the communicator reduces tensors on " + device + (device.type() == Device.Type.CPU
                        ? " (GPU training needs a CUDA communicator: Communicator.cuda(comm))"
                        : " (move the module to the communicator's GPU first: module.to(comm.device()))"));
            }
        }
        try (var g = GradMode.noGrad()) {   // every rank starts from rank 0's weights and buffers
            for (Tensor p : params.values()) comm.broadcast(p, 0);
            for (Tensor b : module.namedBuffers().values()) comm.broadcast(b, 0);
        }
        List<String> names = new ArrayList<>(params.keySet());
        Bucket current = null;
        for (int i = names.size() - 1; i >= 0; i--) {   // reverse registration order: the last layers' gradients come first
            Tensor p = params.get(names.get(i));
            if (!p.requiresGrad()) continue;
            long bytes = (long) p.numel() * p.dtype().byteSize();
            if (current == null || current.dtype != p.dtype() || (long) current.elements * current.dtype.byteSize() + bytes > bucketBytes
                    && current.elements > 0) {
                current = new Bucket(p.dtype());
                buckets.add(current);
            }
            current.params.add(p);
            current.names.add(names.get(i));
            current.offsets.add(current.elements);
            current.elements = Math.addExact(current.elements, p.numel());
        }
        Map<Tensor, Bucket> owner = new IdentityHashMap<>();
        for (Bucket b : buckets) {
            for (Tensor p : b.params) owner.put(p, b);
            try (var g = GradMode.noGrad()) {
                Tensor zeros = Tensor.zeros(b.dtype, b.elements);
                b.flat = device.type() == Device.Type.CPU ? zeros : zeros.to(device);   // on the parameters' device
            }
        }
        for (var e : owner.entrySet()) {
            Bucket b = e.getValue();
            e.getKey().registerPostAccumulateGradHook(p -> gradientReady(b));
        }
    }

    /** {@return the wrapped module} */
    public Module module() {
        return module;
    }

    /** {@return the communicator the gradients are averaged over} */
    public Communicator communicator() {
        return comm;
    }

    /** {@return the parameter names of each bucket, in the order their all-reduces start} */
    public List<List<String>> buckets() {
        return buckets.stream().map(b -> List.copyOf(b.names)).toList();
    }

    /**
     * Runs the wrapped module. In training mode, with more than one rank, rank 0's buffers
     * (batch-norm running statistics, …) are first broadcast to every rank, as PyTorch's DDP does
     * by default, so that the ranks keep one model rather than N drifting copies.
     */
    @Override
    public Tensor forward(Tensor input) {
        if (isTraining() && comm.size() > 1) {
            try (var g = GradMode.noGrad()) {
                for (Tensor b : module.namedBuffers().values()) comm.broadcast(b, 0);
            }
        }
        return module.call(input);
    }

    /**
     * Skips the gradient reduction of the backward passes run until the returned scope is closed:
     * the gradients accumulate on each rank, and the first pass after it reduces their sum.
     *
     * <pre>{@code
     * try (var s = model.noSync()) {
     *     for (Batch micro : firstMicroBatches) lossOf(micro).backward();   // local accumulation
     * }
     * lossOf(lastMicro).backward();    // reduces the accumulated gradients
     * opt.step();
     * }</pre>
     *
     * @return the scope; closing it turns the reduction back on
     */
    public NoSync noSync() {
        if (!syncing) throw new IllegalStateException("DistributedDataParallel.noSync: already inside a noSync scope");
        syncing = false;
        return () -> syncing = true;
    }

    /** A {@link #noSync()} scope. */
    @FunctionalInterface
    public interface NoSync extends AutoCloseable {
        /** Turns the reduction back on. */
        @Override
        void close();
    }

    private void gradientReady(Bucket b) {
        if (!syncing) return;
        if (!endQueued) {
            BackwardCallbacks.queue(this::finishPass);
            endQueued = true;
        }
        b.ready++;
        while (nextToLaunch < buckets.size() && buckets.get(nextToLaunch).ready == buckets.get(nextToLaunch).params.size()) {
            launch(buckets.get(nextToLaunch++));
        }
    }

    private void launch(Bucket b) {
        try (var g = GradMode.noGrad()) {
            for (int i = 0; i < b.params.size(); i++) {
                Tensor p = b.params.get(i), slice = b.flat.narrow(0, b.offsets.get(i), p.numel());
                Tensor grad = p.grad();
                if (grad == null) slice.fill(0);
                else slice.copyFrom(grad.reshape(-1));
            }
        }
        b.work = comm.allReduceAsync(b.flat, ReduceOp.AVG);
    }

    /** At the end of backward: start what is left, wait for everything, write the averages back. */
    private void finishPass() {
        try {
            while (nextToLaunch < buckets.size()) launch(buckets.get(nextToLaunch++));
            for (Bucket b : buckets) b.work.await();
            for (Bucket b : buckets) {
                for (int i = 0; i < b.params.size(); i++) {
                    Tensor p = b.params.get(i), avg = b.flat.narrow(0, b.offsets.get(i), p.numel()).reshape(p.shape());
                    if (p.grad() == null) p.setGrad(dev.jgrad.tensor.TensorScope.escape(avg.clone()));   // outlives a step's scope, as any gradient
                    else p.grad().copyFrom(avg);
                }
            }
        } finally {
            for (Bucket b : buckets) {
                b.ready = 0;
                b.work = null;
            }
            nextToLaunch = 0;
            endQueued = false;
        }
    }

    @Override
    protected String extraRepr() {
        return "ranks=" + comm.size() + ", buckets=" + buckets.size();
    }
}
