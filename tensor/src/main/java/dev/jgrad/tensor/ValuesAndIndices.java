package dev.jgrad.tensor;

/**
 * What {@link Tensor#max(int, boolean)}, {@link Tensor#min(int, boolean)}, {@link Tensor#sort}
 * and {@link Tensor#topk} return, as PyTorch's named tuples do: the selected {@code values} and,
 * for each, its position along the dimension the op worked on ({@code indices}, int64, the same
 * shape). The values are differentiable: their gradient flows to the positions the indices name.
 *
 * <pre>{@code
 * ValuesAndIndices best = logits.max(1, false);
 * Tensor predicted = best.indices();   // [N] int64
 * Tensor score = best.values();        // [N], gradient to each row's maximum
 * }</pre>
 *
 * @param values  the selected elements
 * @param indices where each came from along the op's dimension (int64)
 */
public record ValuesAndIndices(Tensor values, Tensor indices) {}
