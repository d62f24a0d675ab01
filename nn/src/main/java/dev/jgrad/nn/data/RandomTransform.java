package dev.jgrad.nn.data;

import dev.jgrad.tensor.Generator;
import java.util.function.UnaryOperator;

/**
 * A batch transform that draws random numbers from a generator of its own, which it exposes so
 * that the {@link DataLoader} can save and restore it with a checkpoint and undo the draws made
 * for prefetched batches of an abandoned epoch. {@link Augment}'s transforms are of this kind;
 * a random transform that is not gives reproducible runs too, but an abandoned epoch then leaves
 * its generator where the background thread stopped (deterministically: {@code prefetch + 1}
 * batches past the last one taken), not where a loader without prefetch would.
 *
 * <pre>{@code
 * Generator g = new Generator(7);
 * RandomTransform noise = RandomTransform.of(g, b -> new Batch(b.inputs().add(Tensor.randn(g, b.inputs().shape()).mul(0.1)), b.targets()));
 * DataLoader loader = new DataLoader(train, 64, true, 0).map(noise);
 * }</pre>
 */
public interface RandomTransform extends UnaryOperator<Batch> {
    /** {@return the generator every random draw of this transform comes from} */
    Generator generator();

    /**
     * {@return a random transform: {@code transform} must draw only from {@code generator}}
     *
     * @param generator the generator the transform draws from
     * @param transform the transform
     */
    static RandomTransform of(Generator generator, UnaryOperator<Batch> transform) {
        if (generator == null) throw new IllegalArgumentException("RandomTransform.of: generator is null");
        if (transform == null) throw new IllegalArgumentException("RandomTransform.of: transform is null");
        return new RandomTransform() {
            @Override
            public Batch apply(Batch b) {
                return transform.apply(b);
            }

            @Override
            public Generator generator() {
                return generator;
            }
        };
    }
}
