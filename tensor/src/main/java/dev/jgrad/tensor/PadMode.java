package dev.jgrad.tensor;

/**
 * How {@link Tensor#pad} fills the new border, as PyTorch's {@code F.pad} modes.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new float[] {1, 2, 3});
 * x.pad(new int[] {2, 1}, PadMode.CONSTANT);    // [0, 0, 1, 2, 3, 0]
 * x.pad(new int[] {2, 1}, PadMode.REFLECT);     // [3, 2, 1, 2, 3, 2]
 * x.pad(new int[] {2, 1}, PadMode.REPLICATE);   // [1, 1, 1, 2, 3, 3]
 * }</pre>
 */
public enum PadMode {
    /** A constant value (0 unless given); negative sizes crop. */
    CONSTANT,
    /** The elements mirrored at the edge, the edge itself not repeated; each size must be below the dimension's size. */
    REFLECT,
    /** The edge element repeated. */
    REPLICATE
}
