package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.BiasRef;
import dev.jgrad.kernels.simd.CopyVec;

/**
 * The bias of a convolution in float32: its gradient, the sum of dy over images and positions
 * for each channel, read as contiguous NKPQ planes. {@link BiasRef#sumPlanes} is the
 * reference (double accumulation) that the tests and the other dtypes use.
 *
 * <pre>{@code
 * float[] db = new float[K];
 * BiasF32.sumPlanes(dy, N, K, P * Q, db);   // db[k] = Σ_{n,i} dy[(n·K + k)·P·Q + i]
 * }</pre>
 */
public final class BiasF32 {
    private BiasF32() {}

    // It replaces the Add node's generic broadcast reduction (sumTo [1, K, 1, 1]) and the Reshape
    // node before it; its cost per call: docs/design-notes.md ("Fused passes in the MNIST-CNN step").
    /**
     * db[k] = Σ over n &lt; images and i &lt; plane of dy[(n·channels + k)·plane + i]. Each plane is
     * summed in float32 vector lanes, the planes of a channel added in double. Multi-threaded over
     * channels.
     *
     * @param dy       the output gradient, contiguous [images, channels, plane]
     * @param images   number of images
     * @param channels number of output channels
     * @param plane    positions per channel plane (P·Q)
     * @param db       receives the sum for each channel
     */
    public static void sumPlanes(float[] dy, int images, int channels, int plane, float[] db) {
        long work = (long) images * channels * plane;
        Parallel.forRange(channels, work, (k0, k1) -> {
            for (int k = k0; k < k1; k++) {
                double acc = 0;
                for (int n = 0; n < images; n++) acc += planeSum(dy, (n * channels + k) * plane, plane);
                db[k] = (float) acc;
            }
        });
    }

    private static float planeSum(float[] x, int off, int length) {
        if (Simd.enabled()) return CopyVec.sum(x, off, length);
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int i = 0;
        for (; i <= length - 4; i += 4) {
            a0 += x[off + i];
            a1 += x[off + i + 1];
            a2 += x[off + i + 2];
            a3 += x[off + i + 3];
        }
        for (; i < length; i++) a0 += x[off + i];
        return (a0 + a1) + (a2 + a3);
    }
}
