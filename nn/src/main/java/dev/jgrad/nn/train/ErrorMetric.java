package dev.jgrad.nn.train;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;

/**
 * Mean squared or absolute error over all elements seen. The running sum stays on the outputs'
 * device as a float64 0-d tensor and is read once, in {@link #value()}: each batch's sum is
 * widened to float64 and added in batch order, the same arithmetic as summing the batches'
 * values in a {@code double} on the host, so the result is the same to the last bit.
 */
final class ErrorMetric implements Metric {
    private final String name;
    private final boolean squared;
    private Tensor sum;   // float64 0-d on the outputs' device; null until the first batch
    private long count;   // known from the shapes: needs no read from the device

    ErrorMetric(String name, boolean squared) {
        this.name = name;
        this.squared = squared;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void reset() {
        RunningTensors.close(sum);
        sum = null;
        count = 0;
    }

    @Override
    public void update(Tensor output, Tensor target) {
        try (var _ = Tensor.scope()) {   // the batch's temporaries are freed here; the running sum escapes
            Tensor diff = output.reshape(-1).sub(target.reshape(-1).to(output.dtype()));
            // detached so that the running sum never holds a graph, whatever the caller passes
            Tensor batch = (squared ? diff.square() : diff.abs()).sum().detach().to(DType.FLOAT64);
            sum = RunningTensors.add(sum, batch);
            count += diff.numel();
        }
    }

    @Override
    public double value() {
        return count == 0 ? Double.NaN : sum.item() / count;
    }
}
