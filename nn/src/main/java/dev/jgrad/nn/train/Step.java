package dev.jgrad.nn.train;

import dev.jgrad.nn.Loss;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Autocast;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.TensorScope;
import dev.jgrad.tensor.internal.CapturedCudaGraph;
import dev.jgrad.tensor.internal.RecordedKernels;
import dev.jgrad.tensor.internal.TensorInternals;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * One training step made by {@link Capture#trainStep}: {@link #run} is {@code optimizer.zeroGrad()},
 * the forward pass, the loss, {@code backward()} and {@code optimizer.step()} — replayed from the
 * recorded kernels (on CUDA: launched as one CUDA graph, the optimizer's update eager after it) when
 * the step was captured, run eagerly when it could not be
 * ({@link #fallbackReason()}). Either way the parameters' gradients after a run are that run's.
 *
 * <pre>{@code
 * Step step = Capture.trainStep(model, Losses::crossEntropy, optimizer, batch);
 * Tensor loss = step.run(batch.inputs(), batch.targets());
 * Tensor logits = step.output();   // this run's model output, overwritten by the next run
 * }</pre>
 *
 * <p>Every batch must have the sample batch's shapes and dtypes: a replay writes into buffers of
 * those shapes (a last, smaller batch needs a step of its own, or an eager one); a CUDA graph's
 * batch must also be on its device. {@link #close()} gives a CUDA graph's device memory back.
 * Not thread-safe: one thread runs a step at a time.
 */
public final class Step {
    /** What the step computes: the forward pass and the loss, under autocast when asked. */
    record Body(Module model, Loss loss, Optimizer optimizer, DType autocast) {
        /** The loss of the model on x against y; kept[0] and kept[1] receive views of the output and the loss that outlive their graph. */
        Tensor forwardAndLoss(Tensor x, Tensor y, Tensor[] kept) {
            Tensor out, l;
            try (var _ = autocast == null ? null : Autocast.enable(autocast)) {
                out = model.call(x);
                l = loss.apply(out, y);
            }
            if (out == null || l == null) {
                throw new IllegalArgumentException("Capture.trainStep: the " + (out == null ? "model" : "loss") + " returned null");
            }
            if (l.numel() != 1) {
                throw new IllegalArgumentException("Capture.trainStep: the loss must be a scalar, got shape " + Arrays.toString(l.shape()));
            }
            kept[0] = out.detach();
            kept[1] = l.detach();
            return l;
        }
    }

    private final Body body;
    private final RecordedKernels tape;
    /** The CUDA graph a captured CUDA step launches (null on the CPU and when eager). */
    private final CapturedCudaGraph graph;
    private boolean closed;
    private final String fallbackReason;
    private final int[] inputShape, targetShape;
    private final DType inputType, targetType;
    /** Captured: the replays' input buffers and the grads the tape writes; attached: the views the parameters hold now. */
    private final Tensor inputs, targets;
    private final Tensor[] grads, attached;
    private Tensor output, loss;
    private long runs;
    /** What the tape was recorded against: each parameter's storage and each module's training flag. */
    private final Object[] paramStorages;
    private final boolean[] training;

    private Step(Body body, RecordedKernels tape, CapturedCudaGraph graph, String fallbackReason, Batch sample, Tensor inputs,
                 Tensor targets, Tensor output, Tensor loss, Tensor[] grads) {
        this.body = body;
        this.tape = tape;
        this.graph = graph;
        this.fallbackReason = fallbackReason;
        this.inputShape = sample.inputs().shape();
        this.targetShape = sample.targets().shape();
        this.inputType = sample.inputs().dtype();
        this.targetType = sample.targets().dtype();
        this.inputs = inputs;
        this.targets = targets;
        this.output = output;
        this.loss = loss;
        this.grads = grads;
        this.attached = grads == null ? null : new Tensor[grads.length];
        List<Tensor> params = body.optimizer().parameters();
        this.paramStorages = new Object[params.size()];
        for (int i = 0; i < paramStorages.length; i++) paramStorages[i] = TensorInternals.storageOf(params.get(i));
        List<Module> modules = body.model().modules();
        this.training = new boolean[modules.size()];
        for (int i = 0; i < training.length; i++) training[i] = modules.get(i).isTraining();
    }

    /** The replay would run the kernels of another model: refuse, saying what changed. */
    private void checkUnchanged() {
        List<Tensor> params = body.optimizer().parameters();
        for (int i = 0; i < paramStorages.length; i++) {
            if (TensorInternals.storageOf(params.get(i)) != paramStorages[i]) {
                throw new IllegalStateException("Step.run: parameter " + i + " of the optimizer holds other elements than when the step was "
                        + "captured (moved to a device, converted, or replaced): capture the step again");
            }
        }
        List<Module> modules = body.model().modules();
        for (int i = 0; i < training.length; i++) {
            if (modules.get(i).isTraining() != training[i]) {
                throw new IllegalStateException("Step.run: the step was captured in " + (training[i] ? "training" : "evaluation") + " mode, but "
                        + modules.get(i).getClass().getSimpleName() + " is now in " + (training[i] ? "evaluation" : "training")
                        + " mode: set it back (model.train() / model.eval()) or capture the step again");
            }
        }
    }

    static Step captured(Body body, RecordedKernels tape, Tensor inputs, Tensor targets, Tensor output, Tensor loss, Tensor[] grads) {
        return new Step(body, tape, null, null, new Batch(inputs, targets), inputs, targets, output, loss, grads);
    }

    /** A CUDA step: {@code graph} reads {@code inputs} and {@code targets} and writes {@code output}, {@code loss} and {@code grads}. */
    static Step cudaGraph(Body body, CapturedCudaGraph graph, Tensor inputs, Tensor targets, Tensor output, Tensor loss, Tensor[] grads) {
        return new Step(body, null, graph, null, new Batch(inputs, targets), inputs, targets, output, loss, grads);
    }

    static Step eager(Body body, Batch sample, String reason) {
        return new Step(body, null, null, reason, sample, null, null, null, null, null);
    }

    /**
     * Runs one training step on a batch.
     *
     * @param batch inputs and targets of the sample batch's shapes and dtypes
     * @return this step's loss (a new scalar tensor, in the caller's scope)
     * @throws IllegalArgumentException when a shape or dtype differs from the sample batch's
     */
    public Tensor run(Batch batch) {
        if (batch == null) throw new IllegalArgumentException("Step.run: batch must not be null");
        return run(batch.inputs(), batch.targets());
    }

    /**
     * Runs one training step on inputs and targets.
     *
     * @param x the inputs, of the sample batch's input shape and dtype
     * @param y the targets, of the sample batch's target shape and dtype
     * @return this step's loss (a new scalar tensor, in the caller's scope)
     * @throws IllegalArgumentException when a shape or dtype differs from the sample batch's
     */
    public Tensor run(Tensor x, Tensor y) {
        return run(x, y, null);
    }

    /** As {@link #run(Tensor, Tensor)}, showing the loss to {@code beforeStep} (when not null) before the optimizer's update: it may throw to stop it. */
    Tensor run(Tensor x, Tensor y, Consumer<Tensor> beforeStep) {
        if (closed) throw new IllegalStateException("Step.run: the step was closed");
        check("inputs", x, inputShape, inputType);
        check("targets", y, targetShape, targetType);
        if (graph != null) {
            checkDevice("inputs", x);
            checkDevice("targets", y);
        }
        if (isCaptured()) checkUnchanged();
        runs++;
        if (isCaptured()) replay(x, y);
        else eagerRun(x, y);
        if (beforeStep != null) beforeStep.accept(loss);
        body.optimizer().step();
        return loss.clone();
    }

    private void replay(Tensor x, Tensor y) {
        inputs.copyFrom(x);   // on CUDA: device-to-device copies queued on the stream, before the launch
        targets.copyFrom(y);
        if (graph != null) graph.launch();
        else tape.replay();
        List<Tensor> params = body.optimizer().parameters();
        try (var _ = TensorScope.unscoped()) {   // the parameters hold views of the gradients the tape wrote
            for (int i = 0; i < grads.length; i++) {
                if (grads[i] == null) continue;
                if (attached[i] == null || attached[i].isClosed()) attached[i] = grads[i].detach();
                if (params.get(i).grad() != attached[i]) params.get(i).setGrad(attached[i]);
            }
        }
    }

    private void eagerRun(Tensor x, Tensor y) {
        body.optimizer().zeroGrad();
        Tensor[] kept = new Tensor[2];
        try (TensorScope scope = Tensor.scope()) {
            body.forwardAndLoss(x, y, kept).backward();
            scope.keep(kept[0]);
            scope.keep(kept[1]);
        }
        if (output != null) output.close();
        if (loss != null) loss.close();
        output = kept[0];
        loss = kept[1];
    }

    /** A CUDA graph reads its fixed buffers on its own device: a batch elsewhere is the caller's to move. */
    private void checkDevice(String what, Tensor t) {
        if (!t.device().equals(inputs.device())) {
            throw new IllegalArgumentException("Step.run: the step was captured as a CUDA graph on " + inputs.device() + ", got " + what + " on "
                    + t.device() + " (move the batch there first: x.to(" + inputs.device() + "), y.to(" + inputs.device() + "))");
        }
    }

    private static void check(String what, Tensor t, int[] shape, DType dtype) {
        if (t == null) throw new IllegalArgumentException("Step.run: " + what + " must not be null");
        if (!Arrays.equals(t.shape(), shape) || t.dtype() != dtype) {
            throw new IllegalArgumentException("Step.run: the step was captured for " + what + " of shape " + Arrays.toString(shape) + " " + dtype
                    + ", got " + Arrays.toString(t.shape()) + " " + t.dtype() + " (capture a step for this shape, or run it eagerly)");
        }
    }

    /** {@return the model's output of the last run (a view overwritten by the next run), or null before the first} */
    public Tensor output() {
        return runs == 0 ? null : output;
    }

    /** {@return whether runs replay recorded kernels or launch a CUDA graph (else they run the step eagerly)} */
    public boolean isCaptured() {
        return tape != null || graph != null;
    }

    /** {@return whether runs launch a CUDA graph} */
    public boolean isCudaGraph() {
        return graph != null;
    }

    /**
     * Gives back what the step holds beyond the garbage collector's reach: a CUDA graph and its
     * device memory, and the fixed input buffers. A CPU or eager step holds only heap memory, so
     * this only stops it. Later runs fail; later calls do nothing.
     *
     * <pre>{@code
     * Step step = Capture.trainStep(model, loss, optimizer, batch);
     * try { for (Batch b : loader) step.run(b); } finally { step.close(); }
     * }</pre>
     */
    public void close() {
        if (closed) return;
        closed = true;
        if (graph != null) {
            // the graph no longer writes its memory: tensors still over it (the parameters' last gradients, output(), the
            // loss) keep their blocks until they are closed, then the blocks serve anyone
            graph.close();
            inputs.close();
            targets.close();
            for (Tensor g : grads) {
                if (g != null) g.close();
            }
        }
    }

    /** {@return why the step runs eagerly, or null when it is captured} */
    public String fallbackReason() {
        return fallbackReason;
    }

    /**
     * {@return bytes of the static memory plan a replay works in (its intermediates, gradients,
     * output and loss; for a CUDA graph the device memory its private pool holds); 0 when eager}
     */
    public long planBytes() {
        if (graph != null) return graph.poolBytes();
        return tape == null ? 0 : tape.planBytes();
    }

    /** {@return bytes the eager step allocates for the same tensors; 0 when eager or a CUDA graph (not counted there)} */
    public long eagerBytes() {
        return tape == null ? 0 : tape.allocatedBytes();
    }

    /** {@return kernels a replay runs (0 when eager or a CUDA graph, whose nodes are not counted)} */
    public int kernelCount() {
        return tape == null ? 0 : tape.kernelCount();
    }

    /** {@return runs so far} */
    public long runs() {
        return runs;
    }

    /** {@return kernels of the recorded step that fused chains of elementwise kernels replaced (0 when eager or none)} */
    public int fusedKernelCount() {
        return tape == null ? 0 : tape.fusedKernelCount();
    }

    /** {@return each fused chain of elementwise kernels: its ops, length and the intermediates it keeps in registers (empty when eager)} */
    public List<String> fusedChains() {
        return tape == null ? List.of() : tape.fusedChains();
    }

    /**
     * {@return a line saying how the step runs: its kernels, fused chains and memory plan, or why it
     * is eager}
     */
    public String describe() {
        if (graph != null) {
            return String.format(Locale.ROOT, "captured step: CUDA graph on %s (forward, loss and backward in one launch; the optimizer "
                    + "runs eagerly after it); %.2f MB in the graph's private memory pool", inputs.device(), graph.poolBytes() / 1e6);
        }
        if (tape == null) return "eager step (not captured: " + fallbackReason + ")";
        List<String> chains = tape.fusedChains();
        String fused = chains.isEmpty() ? "" : String.format(Locale.ROOT, " (%d fused chain%s of %d kernels: %s)", chains.size(),
                chains.size() == 1 ? "" : "s", tape.fusedKernelCount(), String.join("; ", chains));
        return String.format(Locale.ROOT, "captured step: %d kernels%s; %d tensors in %d arrays, %.2f MB (the eager step allocates %.2f MB)",
                tape.kernelCount(), fused, tape.allocationCount(), tape.arrayCount(), tape.planBytes() / 1e6, tape.allocatedBytes() / 1e6);
    }

    @Override
    public String toString() {
        return describe();
    }
}
