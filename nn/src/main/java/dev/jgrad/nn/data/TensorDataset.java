package dev.jgrad.nn.data;

import dev.jgrad.tensor.Tensor;

/**
 * Examples that are the rows of an input tensor and a target tensor. Whole batches are cut
 * out of the tensors directly, without stacking single examples.
 *
 * <pre>{@code
 * Dataset ds = new TensorDataset(Tensor.randn(100, 3), Tensor.randn(100, 1));
 * }</pre>
 */
public final class TensorDataset implements Dataset {
    private final Tensor inputs, targets;

    /**
     * The examples i of {@code inputs} and {@code targets}.
     *
     * @param inputs  the inputs, one per row of the first dimension
     * @param targets the targets, one per row of the first dimension
     */
    public TensorDataset(Tensor inputs, Tensor targets) {
        if (inputs == null || targets == null) throw new IllegalArgumentException("TensorDataset: inputs or targets is null");
        if (inputs.dim() == 0 || targets.dim() == 0 || inputs.size(0) != targets.size(0)) {
            throw new IllegalArgumentException("TensorDataset: inputs " + java.util.Arrays.toString(inputs.shape()) + " and targets "
                    + java.util.Arrays.toString(targets.shape()) + " must have the same first dimension");
        }
        this.inputs = inputs.detach();
        this.targets = targets.detach();
    }

    @Override
    public int size() {
        return inputs.size(0);
    }

    @Override
    public Example get(int index) {
        return new Example(inputs.select(0, index), targets.select(0, index));
    }

    /** The examples at {@code indices}, gathered in one call per tensor. */
    Batch batch(int[] indices) {
        Tensor idx = Tensor.of(indices).to(dev.jgrad.tensor.DType.INT64);
        return new Batch(inputs.indexSelect(0, idx), targets.indexSelect(0, idx));
    }
}
