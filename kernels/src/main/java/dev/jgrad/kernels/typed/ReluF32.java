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

    // What the three passes cost in a training step, and what this one saved: docs/design-notes.md
    // ("Fused passes in the MNIST-CNN step").
    /**
     * dx[dxOff + i] = x[xOff + i] &gt; 0 ? g[gOff + i] : 0 for i &lt; n; multi-threaded over ranges.
     *
     * @param x     the ReLU's input
     * @param xOff  index in {@code x} of the first element
     * @param g     the gradient of the output
     * @param gOff  index in {@code g} of the first element
     * @param dx    receives the gradient of the input
     * @param dxOff index in {@code dx} of the first element
     * @param n     number of elements
     */
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
