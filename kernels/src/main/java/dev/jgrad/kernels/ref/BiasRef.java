package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.typed.BiasF32;

/**
 * The reference of a convolution bias gradient over any buffer: db[k], the sum of dy over images
 * and positions for channel k, read as contiguous NKPQ planes, accumulated in double. The oracle
 * of {@link BiasF32} and the path of the other dtypes.
 *
 * <pre>{@code
 * Buf db = new Buf.F64(new double[K]);
 * BiasRef.sumPlanes(dy, N, K, P * Q, db);   // db[k] = Σ_{n,i} dy[(n·K + k)·P·Q + i]
 * }</pre>
 */
public final class BiasRef {
    private BiasRef() {}

    /**
     * {@link BiasF32#sumPlanes} over any buffer: sums in double.
     *
     * @param dy       the output gradient, contiguous [images, channels, plane]
     * @param images   number of images
     * @param channels number of output channels
     * @param plane    positions per channel plane (P·Q)
     * @param db       receives the sum for each channel
     */
    public static void sumPlanes(Buf dy, int images, int channels, int plane, Buf db) {
        double[] acc = new double[channels];
        for (int n = 0; n < images; n++)
            for (int k = 0; k < channels; k++) {
                int base = (n * channels + k) * plane;
                for (int i = 0; i < plane; i++) acc[k] += dy.get(base + i);
            }
        db.setAll(acc);
    }
}
