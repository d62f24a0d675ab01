package dev.jgrad.nn.data;

import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Random augmentations of image batches [N, C, H, W], for {@link DataLoader#map}. Each draws from
 * its own seeded generator ({@link RandomTransform#generator()}), so an augmented run is as
 * reproducible as an unaugmented one, and a checkpoint can save where each generator stands.
 *
 * <pre>{@code
 * DataLoader train = new DataLoader(data, 64, true, 0).map(Augment.randomShift(2, 1));
 * }</pre>
 */
public final class Augment {
    private Augment() {}

    /**
     * Moves each image by up to {@code maxShift} pixels in each direction, filling with zeros.
     *
     * @param maxShift the largest shift in pixels
     * @param seed     the seed of the transform's own generator
     * @return the transform, for {@link DataLoader#map}
     */
    public static RandomTransform randomShift(int maxShift, long seed) {
        if (maxShift < 0) throw new IllegalArgumentException("randomShift: maxShift must be >= 0, got " + maxShift);
        Generator g = new Generator(seed);
        return RandomTransform.of(g, b -> {
            Tensor x = images("randomShift", b);
            int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), m = maxShift;
            try (var _ = GradMode.noGrad()) {
                Tensor padded = Tensor.zeros(x.dtype(), n, c, h + 2 * m, w + 2 * m);
                padded.narrow(2, m, h).narrow(3, m, w).copyFrom(x);
                List<Tensor> shifted = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    int dy = (int) g.nextLong(0, 2L * m + 1), dx = (int) g.nextLong(0, 2L * m + 1);
                    shifted.add(padded.select(0, i).narrow(1, dy, h).narrow(2, dx, w));
                }
                return new Batch(Tensor.stack(shifted, 0), b.targets());
            }
        });
    }

    /**
     * Mirrors each image left to right with probability {@code p}.
     *
     * @param p    the probability of mirroring an image
     * @param seed the seed of the transform's own generator
     * @return the transform, for {@link DataLoader#map}
     */
    public static RandomTransform randomHorizontalFlip(double p, long seed) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("randomHorizontalFlip: p must be in [0, 1], got " + p);
        Generator g = new Generator(seed);
        return RandomTransform.of(g, b -> {
            Tensor x = images("randomHorizontalFlip", b);
            int n = x.size(0), w = x.size(3);
            Tensor reversed = Tensor.arange(w - 1, -1, -1);
            try (var _ = GradMode.noGrad()) {
                List<Tensor> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    Tensor image = x.select(0, i);
                    out.add(g.nextDouble() < p ? image.indexSelect(2, reversed) : image);
                }
                return new Batch(Tensor.stack(out, 0), b.targets());
            }
        });
    }

    private static Tensor images(String op, Batch b) {
        Tensor x = b.inputs();
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + ": expected image batches [N, C, H, W], got " + java.util.Arrays.toString(x.shape()));
        }
        return x;
    }
}
