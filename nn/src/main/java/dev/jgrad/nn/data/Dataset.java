package dev.jgrad.nn.data;

import dev.jgrad.tensor.Tensor;

/**
 * An indexed collection of examples. Implementations must allow {@link #get} from a background
 * thread (the loader prefetches).
 *
 * <pre>{@code
 * Dataset ds = Dataset.of(features, labels);   // row i of each
 * }</pre>
 */
public interface Dataset {
    /** {@return number of examples} */
    int size();

    /**
     * Example {@code index}, 0 ≤ index &lt; size().
     *
     * @param index the example's position
     * @return the example
     */
    Example get(int index);

    /**
     * Examples i of two tensors with the same first dimension.
     *
     * @param inputs  the inputs, one per row of the first dimension
     * @param targets the targets, one per row of the first dimension
     * @return the dataset
     */
    static Dataset of(Tensor inputs, Tensor targets) {
        return new TensorDataset(inputs, targets);
    }

    /**
     * {@return the examples {@code from} (inclusive) to {@code to} (exclusive) of this dataset, without
     * copying}
     *
     * @param from the first example
     * @param to   one past the last example
     */
    default Dataset range(int from, int to) {
        Dataset self = this;
        if (from < 0 || to > size() || from > to) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") is outside a dataset of " + size() + " examples");
        }
        return new Dataset() {
            public int size() {
                return to - from;
            }

            public Example get(int index) {
                if (index < 0 || index >= size()) throw new IndexOutOfBoundsException("index " + index + " of " + size());
                return self.get(from + index);
            }
        };
    }
}
