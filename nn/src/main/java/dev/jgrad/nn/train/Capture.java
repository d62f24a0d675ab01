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
import dev.jgrad.tensor.internal.RecordedKernels;
import dev.jgrad.tensor.internal.TensorInternals;
import java.util.List;

/**
 * Captures one training step — forward pass, loss, backward pass — for inputs of fixed shapes
 * and replays it: the CPU kernels the step launched run again in the same order over a static
 * memory plan, without the model's Java code, the graph, or a single allocation, and the
 * optimizer's fused update follows. The numbers are the eager step's, bit for bit.
 *
 * <pre>{@code
 * Step step = Capture.trainStep(model, Losses::crossEntropy, optimizer, firstBatch);
 * for (Batch b : loader) {
 *     Tensor loss = step.run(b);   // = zeroGrad, forward, loss, backward, optimizer.step()
 * }
 * System.out.println(step.describe());   // kernels, plan bytes, or why it runs eagerly
 * }</pre>
 *
 * <p>Capturing runs the step once on the sample batch to record it (the PyTorch CUDA-graph
 * recipe's warm-up): the parameters and the optimizer are left as they were, the gradients are
 * cleared, and what a forward pass changes on its own — random generators drawn by dropout,
 * batch-norm running statistics — moves on as one eager forward pass would move it.
 *
 * <p>A step that cannot be replayed runs eagerly instead, and {@link Step#fallbackReason()}
 * says why: one that reads tensor values on the host between kernels (data-dependent control
 * flow: {@code item()}, {@code toFloatArray()}, a loss that counts ignored targets on the host…),
 * draws random numbers outside a kernel, or runs on a GPU (CUDA graphs are not implemented yet).
 * What the replay cannot see is Java state the model changes by itself in {@code forward} (a
 * counter in a field, say): such a model must not be captured.
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
        String notCpu = notOnCpu(optimizer.parameters(), sample);
        if (notCpu != null) return Step.eager(body, sample, notCpu);

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

    /** Why the step cannot be captured because something is not on the CPU, or null. */
    private static String notOnCpu(List<Tensor> params, Batch sample) {
        for (Tensor p : params) {
            if (p.device().type() != Device.Type.CPU) return "its parameters are on " + p.device() + ": only CPU steps are captured (CUDA graphs are not implemented yet)";
        }
        if (sample.inputs().device().type() != Device.Type.CPU || sample.targets().device().type() != Device.Type.CPU) {
            return "its batch is on " + sample.inputs().device() + ": only CPU steps are captured (CUDA graphs are not implemented yet)";
        }
        return null;
    }
}
