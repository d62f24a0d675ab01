package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.simd.ElementwiseVec;

/**
 * The gradient of ReLU in one float32 pass: dx = g where x &gt; 0, else 0 (NaN x gives 0, as
 * {@code g · (x > 0)}). Written as that product it took a boolean mask, its conversion to float32
 * and a multiply: three passes and two extra full-size arrays.
 *
 * <pre>{@code
 * ReluF32.backward(x, 0, g, 0, dx, 0, n);
 * }</pre>
 */
public final class ReluF32 {
    private ReluF32() {}

    // Profiled in the MNIST-CNN step (2-core Zen 4, machine shared with other jobs): as g·(x > 0) the
    // bool→float32 copies took 6.6 ms per step (dropout's one included) and the compares 0.6 ms; with
    // this pass the step's median went from 32–41 ms to 23–32 ms.
    /** dx[dxOff + i] = x[xOff + i] &gt; 0 ? g[gOff + i] : 0 for i &lt; n; multi-threaded over ranges. */
    public static void backward(float[] x, int xOff, float[] g, int gOff, float[] dx, int dxOff, int n) {
        Parallel.forRange(n, n, (from, to) -> {
            if (Simd.enabled()) {
                ElementwiseVec.reluBackward(x, xOff + from, g, gOff + from, dx, dxOff + from, to - from);
                return;
            }
            for (int i = from; i < to; i++) dx[dxOff + i] = x[xOff + i] > 0 ? g[gOff + i] : 0f;
        });
    }
}
