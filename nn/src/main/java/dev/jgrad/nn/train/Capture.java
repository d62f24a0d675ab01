package dev.jgrad.nn.train;

import dev.jgrad.nn.Loss;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Autocast;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.TensorScope;
import dev.jgrad.tensor.internal.CapturedCudaGraph;
import dev.jgrad.tensor.internal.RecordedKernels;
import dev.jgrad.tensor.internal.TensorInternals;
import java.util.List;

/**
 * Captures one training step — forward pass, loss, backward pass — for inputs of fixed shapes
 * and replays it. On the CPU the kernels the step launched run again in the same order over a
 * static memory plan, without the model's Java code, the graph, or a single allocation, and the
 * optimizer's fused update follows; the numbers are the eager step's, bit for bit. On a CUDA
 * device the step becomes a CUDA graph ({@code cuStreamBeginCapture} … {@code cuGraphLaunch}):
 * one launch queues every kernel of the forward and backward passes on jgrad's stream, over device
 * memory the graph owns (its private pool, the CUDA form of the static memory plan).
 *
 * <pre>{@code
 * Step step = Capture.trainStep(model, Losses::crossEntropy, optimizer, firstBatch);
 * for (Batch b : loader) {
 *     Tensor loss = step.run(b);   // = zeroGrad, forward, loss, backward, optimizer.step()
 * }
 * System.out.println(step.describe());   // kernels, plan bytes, or why it runs eagerly
 * step.close();                          // a CUDA graph's memory goes back to the allocator
 * }</pre>
 *
 * <p>Capturing runs the step once on the sample batch first (the PyTorch CUDA-graph recipe's
 * warm-up: on the CPU that run is the recording; on CUDA it is an eager run before the capture,
 * which loads the kernels and creates cuBLAS's state, and the capture itself runs nothing): the
 * parameters and the optimizer are left as they were, the gradients are cleared, and what a
 * forward pass changes on its own — random generators drawn by dropout, batch-norm running
 * statistics — moves on as one eager forward pass would move it.
 *
 * <p>On CUDA the optimizer's update is not in the graph: it runs eagerly after each launch (its
 * fused kernels on the same stream, so in order with the graph). A graph freezes the host values
 * its kernels were queued with, and an optimizer's change every step — Adam's step count and
 * bias corrections, a scheduler's learning rate — so a graph holding them would repeat the first
 * step's. Each run copies the batch into the graph's fixed input and target buffers on the
 * stream, launches the graph, attaches the gradients it wrote to the parameters and steps the
 * optimizer. The batch must be on the step's device; the graph is bit-identical to the eager step
 * only where the kernels are deterministic (see the CUDA tests).
 *
 * <p>A step that cannot be replayed runs eagerly instead, and {@link Step#fallbackReason()}
 * says why: one that reads tensor values on the host between kernels (data-dependent control
 * flow: {@code item()}, {@code toFloatArray()}, a loss that counts ignored targets on the host…),
 * draws random numbers outside a kernel, on CUDA one that copies host data to the device inside
 * the step or makes a call the driver refuses while capturing (a synchronisation), or whose
 * tensors are not all on one CPU or CUDA device. What the replay cannot see is Java state the
 * model changes by itself in {@code forward} (a counter in a field, say): such a model must not
 * be captured.
 */
public final class Capture {
    private Capture() {}

    /**
     * Captures the training step of {@code model} with {@code loss} and {@code optimizer} for
     * batches shaped as {@code sample}.
     *
     * @param model     the model (its parameters must not be re-homed, by {@code to(device)} say, while the step is used)
     * @param loss      the loss of the model's output and the targets (a scalar)
     * @param optimizer the optimizer over the model's parameters
     * @param sample    a batch of the shapes and dtypes every later batch has
     * @return the step, captured or, when it cannot be, eager (see {@link Step#fallbackReason()})
     */
    public static Step trainStep(Module model, Loss loss, Optimizer optimizer, Batch sample) {
        return trainStep(model, loss, optimizer, sample, null);
    }

    /**
     * As {@link #trainStep(Module, Loss, Optimizer, Batch)}, with the forward pass and the loss
     * under {@link Autocast} to {@code autocast} (null: none), as {@link Trainer#autocast} runs them.
     *
     * @param model     the model
     * @param loss      the loss
     * @param optimizer the optimizer
     * @param sample    a batch of the shapes and dtypes every later batch has
     * @param autocast  {@code BFLOAT16} or {@code FLOAT16} to run the forward pass under autocast, or null
     * @return the step
     */
    public static Step trainStep(Module model, Loss loss, Optimizer optimizer, Batch sample, DType autocast) {
        if (model == null || loss == null || optimizer == null || sample == null) {
            throw new IllegalArgumentException("Capture.trainStep: model, loss, optimizer and sample batch must not be null");
        }
        if (sample.inputs() == null || sample.targets() == null) {
            throw new IllegalArgumentException("Capture.trainStep: the sample batch must have inputs and targets, got " + sample);
        }
        if (autocast != null && !autocast.isHalf()) {
            throw new IllegalArgumentException("Capture.trainStep: autocast must be FLOAT16 or BFLOAT16 (or null for none), got " + autocast);
        }
        Step.Body body = new Step.Body(model, loss, optimizer, autocast);
        String misplaced = misplaced(optimizer.parameters(), sample);
        if (misplaced != null) return Step.eager(body, sample, misplaced);
        Device device = sample.inputs().device();
        if (device.type() == Device.Type.CUDA) return cudaGraph(body, sample, device);

        optimizer.zeroGrad();
        Tensor inputs, targets;
        try (var _ = TensorScope.unscoped()) {   // the replays' input buffers: the step owns them
            inputs = sample.inputs().detach().clone();
            targets = sample.targets().detach().clone();
        }
        Tensor[] kept = new Tensor[2];
        RecordedKernels tape = TensorInternals.record(() -> {
            try (TensorScope scope = Tensor.scope()) {
                body.forwardAndLoss(inputs, targets, kept).backward();
                scope.keep(kept[0]);
                scope.keep(kept[1]);
            }
        });
        List<Tensor> params = optimizer.parameters();
        Tensor[] grads = new Tensor[params.size()];
        try (var _ = TensorScope.unscoped()) {
            for (int i = 0; i < grads.length; i++) {
                Tensor g = params.get(i).grad();
                if (g != null && tape.brokenReason() == null) grads[i] = g.detach();   // the tape writes it; the step holds it
            }
        }
        optimizer.zeroGrad();   // the parameters' gradients are the step's from now on: attached at each run
        if (tape.brokenReason() != null) return Step.eager(body, sample, tape.brokenReason());
        return Step.captured(body, tape, inputs, targets, kept[0], kept[1], grads);
    }

    /** Why the step cannot be captured because its tensors are not all on one CPU or CUDA device, or null. */
    private static String misplaced(List<Tensor> params, Batch sample) {
        Device d = sample.inputs().device();
        if (!sample.targets().device().equals(d)) {
            return "its inputs are on " + d + " but its targets on " + sample.targets().device() + ": a captured step runs on one device";
        }
        for (Tensor p : params) {
            if (!p.device().equals(d)) return "its parameters are on " + p.device() + " but its batch on " + d + ": a captured step runs on one device";
        }
        if (d.type() != Device.Type.CPU && d.type() != Device.Type.CUDA) return "it runs on " + d + ": only CPU and CUDA steps are captured";
        return null;
    }

    /**
     * The CUDA step: a warm-up run, then forward, loss and backward captured into a CUDA graph
     * over fixed input and target buffers; the optimizer stays eager (see the class comment).
     */
    private static Step cudaGraph(Step.Body body, Batch sample, Device device) {
        Optimizer optimizer = body.optimizer();
        optimizer.zeroGrad();
        Tensor inputs, targets;
        try (var _ = TensorScope.unscoped()) {   // the graph reads these buffers at every launch: the step owns them
            inputs = sample.inputs().detach().clone();
            targets = sample.targets().detach().clone();
        }
        Tensor[] kept = new Tensor[2];
        Runnable warmUp = () -> {   // loads the kernels, tunes what tunes itself, creates cuBLAS's state: none of it is capturable
            Tensor[] discard = new Tensor[2];
            try (TensorScope _ = Tensor.scope()) {
                body.forwardAndLoss(inputs, targets, discard).backward();
            }
            optimizer.zeroGrad();   // the captured backward must write fresh gradients, not add to these
        };
        CapturedCudaGraph graph;
        try {
            graph = TensorInternals.captureCudaGraph(device.index(), warmUp, () -> {
                try (TensorScope scope = Tensor.scope()) {
                    body.forwardAndLoss(inputs, targets, kept).backward();
                    scope.keep(kept[0]);
                    scope.keep(kept[1]);
                }
            });
        } catch (RuntimeException | Error e) {   // the model's own error (the capture has ended): leave no half-made gradients behind
            optimizer.zeroGrad();
            inputs.close();
            targets.close();
            throw e;
        }
        if (graph.brokenReason() != null) {
            optimizer.zeroGrad();
            inputs.close();
            targets.close();
            return Step.eager(body, sample, graph.brokenReason());
        }
        List<Tensor> params = optimizer.parameters();
        Tensor[] grads = new Tensor[params.size()];
        try (var _ = TensorScope.unscoped()) {
            for (int i = 0; i < grads.length; i++) {
                Tensor g = params.get(i).grad();
                if (g != null) grads[i] = g.detach();   // the graph writes it at each launch; the step holds it
            }
        }
        optimizer.zeroGrad();
        return Step.cudaGraph(body, graph, inputs, targets, kept[0], kept[1], grads);
    }
}
