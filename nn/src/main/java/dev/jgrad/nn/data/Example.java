package dev.jgrad.nn.data;

import dev.jgrad.tensor.Tensor;

/**
 * One sample: its input features and its target.
 *
 * <pre>{@code
 * Example e = dataset.get(0);
 * e.input().shape();   // e.g. [1, 28, 28]
 * }</pre>
 *
 * @param input  the input features
 * @param target the target
 */
public record Example(Tensor input, Tensor target) {}
