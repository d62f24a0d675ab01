package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Resizes the spatial dimensions of [N, C, *] input, as PyTorch's {@code nn.Upsample}: to a
 * given {@code size}, or by a {@code scaleFactor} (output size ⌊input size · scale⌋), with mode
 * {@code "nearest"} (3-D, 4-D or 5-D input), {@code "linear"} (3-D), {@code "bilinear"} (4-D) or
 * {@code "trilinear"} (5-D). The linear modes take {@code alignCorners}: true maps the corner
 * pixels' centres onto each other, false (PyTorch's default) treats pixels as areas. It runs
 * {@link Tensor#interpolate}, whose source positions and weights are PyTorch's, so the results
 * match {@code F.interpolate}. It has no parameters.
 *
 * <pre>{@code
 * Upsample up = new Upsample(2, "nearest");                                    // [N, C, H, W] -> [N, C, 2H, 2W]
 * Upsample fit = new Upsample(new int[] {64, 64}, "bilinear", false);           // any input size -> 64 x 64
 * }</pre>
 */
public final class Upsample extends Module {
    private static final List<String> MODES = List.of("nearest", "linear", "bilinear", "trilinear");

    private final int[] size;
    private final double[] scaleFactor;
    private final String mode;
    private final boolean alignCorners;

    /**
     * Scales every spatial dimension by {@code scaleFactor}; alignCorners false.
     *
     * @param scaleFactor the factor for every spatial dimension
     * @param mode        "nearest", "linear", "bilinear" or "trilinear"
     */
    public Upsample(double scaleFactor, String mode) {
        this(null, new double[] {scaleFactor}, mode, false);
    }

    /**
     * Scales each spatial dimension by its factor (one value for all, or one per dimension).
     *
     * @param scaleFactor  the factors: one for all spatial dimensions, or one per dimension
     * @param mode         "nearest", "linear", "bilinear" or "trilinear"
     * @param alignCorners for the linear modes, whether the corner pixels' centres map onto each other; false for "nearest"
     */
    public Upsample(double[] scaleFactor, String mode, boolean alignCorners) {
        this(null, Args.notNull("Upsample", "scaleFactor", scaleFactor), mode, alignCorners);
    }

    /**
     * Resizes to {@code size} (one value for all spatial dimensions, or one per dimension).
     *
     * @param size         the output sizes: one for all spatial dimensions, or one per dimension
     * @param mode         "nearest", "linear", "bilinear" or "trilinear"
     * @param alignCorners for the linear modes, whether the corner pixels' centres map onto each other; false for "nearest"
     */
    public Upsample(int[] size, String mode, boolean alignCorners) {
        this(Args.notNull("Upsample", "size", size), null, mode, alignCorners);
    }

    private Upsample(int[] size, double[] scaleFactor, String mode, boolean alignCorners) {
        checkOptions("Upsample", size, scaleFactor, mode, alignCorners);
        this.size = size == null ? null : size.clone();
        this.scaleFactor = scaleFactor == null ? null : scaleFactor.clone();
        this.mode = mode;
        this.alignCorners = alignCorners;
    }

    /**
     * The resized input, as {@link Tensor#interpolate} computes it.
     *
     * @throws IllegalArgumentException for a rank the mode does not take, an output size of 0, or non-floating input
     */
    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        try {
            return x.interpolate(size, scaleFactor, mode, alignCorners);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Upsample: " + e.getMessage(), e);
        }
    }

    private static void checkOptions(String where, int[] size, double[] scaleFactor, String mode, boolean alignCorners) {
        if (mode == null || !MODES.contains(mode)) {
            throw new IllegalArgumentException(where + ": unknown mode \"" + mode + "\"; allowed: " + String.join(", ", MODES));
        }
        if ((size == null) == (scaleFactor == null)) {
            throw new IllegalArgumentException(where + ": give exactly one of size and scaleFactor");
        }
        if (size != null) {
            if (size.length == 0 || size.length > 3) throw new IllegalArgumentException(where + ": size must have 1 to 3 values, got " + Arrays.toString(size));
            for (int s : size) if (s < 1) throw new IllegalArgumentException(where + ": sizes must be >= 1, got " + Arrays.toString(size));
        } else {
            if (scaleFactor.length == 0 || scaleFactor.length > 3) {
                throw new IllegalArgumentException(where + ": scaleFactor must have 1 to 3 values, got " + Arrays.toString(scaleFactor));
            }
            for (double f : scaleFactor) {
                if (!(f > 0) || Double.isInfinite(f)) {
                    throw new IllegalArgumentException(where + ": scale factors must be finite and > 0, got " + Arrays.toString(scaleFactor));
                }
            }
        }
        if (alignCorners && mode.equals("nearest")) {
            throw new IllegalArgumentException(where + ": alignCorners applies only to the interpolating modes linear, bilinear and trilinear, "
                    + "not to \"nearest\"");
        }
    }

    @Override
    protected String extraRepr() {
        return (size != null ? "size=" + Arrays.toString(size) : "scaleFactor=" + (scaleFactor.length == 1 ? scaleFactor[0] : Arrays.toString(scaleFactor)))
                + ", mode=" + mode + (alignCorners ? ", alignCorners=true" : "");
    }
}
