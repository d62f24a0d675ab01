package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Philox;

/**
 * The inverted dropout of {@link DropoutF32} for float64 elements: the same Philox words, the same
 * float comparison with p, scalar loops. Multi-threaded as {@link DropoutF32}, with the same
 * thread-independent result.
 *
 * <pre>{@code
 * DropoutF64.forward(x, 0, out, 0, mask, 0, n, 0.1f, 1 / 0.9, seed, offset);
 * DropoutF64.backward(dy, 0, mask, 0, dx, 0, n, 1 / 0.9);
 * }</pre>
 */
public final class DropoutF64 {
    private DropoutF64() {}

    /**
     * {@link DropoutF32#forward} for float64 elements (the same float comparison with p).
     *
     * @param x       the input
     * @param xOff    index in {@code x} of the first element
     * @param out     receives the output
     * @param outOff  index in {@code out} of the first element
     * @param mask    receives keep_i for each element, or null
     * @param maskOff index in {@code mask} of the first element
     * @param n       number of elements
     * @param p       probability of dropping an element
     * @param scale   factor for the kept elements, 1/(1 − p) as the caller computes it
     * @param seed    the Philox stream's seed
     * @param offset  the Philox stream's offset
     */
    public static void forward(double[] x, int xOff, double[] out, int outOff, boolean[] mask, int maskOff, int n, float p,
                               double scale, long seed, long offset) {
        DropoutF32.forEachTile(n, seed, offset, (words, first, count) -> {
            for (int j = 0; j < count; j++) {
                int i = first + j;
                boolean keep = Philox.uniform(words[j]) >= p;
                out[outOff + i] = keep ? x[xOff + i] * scale : 0.0;
                if (mask != null) mask[maskOff + i] = keep;
            }
        });
    }

    /**
     * {@link DropoutF32#backward} for float64 elements.
     *
     * @param dy      the output gradient
     * @param dyOff   index in {@code dy} of the first element
     * @param mask    the forward pass's mask (true: kept)
     * @param maskOff index in {@code mask} of the first element
     * @param dx      receives the input gradient
     * @param dxOff   index in {@code dx} of the first element
     * @param n       number of elements
     * @param scale   the forward pass's factor for the kept elements
     */
    public static void backward(double[] dy, int dyOff, boolean[] mask, int maskOff, double[] dx, int dxOff, int n, double scale) {
        Parallel.forRange(n, n, (from, to) -> {
            for (int i = from; i < to; i++) dx[dxOff + i] = mask[maskOff + i] ? dy[dyOff + i] * scale : 0.0;
        });
    }
}
