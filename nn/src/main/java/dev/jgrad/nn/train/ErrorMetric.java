package dev.jgrad.nn.train;

import dev.jgrad.tensor.Tensor;

/** Mean squared or absolute error over all elements seen. */
final class ErrorMetric implements Metric {
    private final String name;
    private final boolean squared;
    private double sum;
    private long count;

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
        sum = 0;
        count = 0;
    }

    @Override
    public void update(Tensor output, Tensor target) {
        Tensor diff = output.reshape(-1).sub(target.reshape(-1).to(output.dtype()));
        sum += (squared ? diff.square() : diff.abs()).sum().item();
        count += diff.numel();
    }

    @Override
    public double value() {
        return count == 0 ? Double.NaN : sum / count;
    }
}
