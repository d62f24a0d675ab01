package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Philox;
import dev.jgrad.kernels.typed.DropoutF32;
import dev.jgrad.kernels.typed.DropoutF64;

/**
 * The reference of inverted dropout: element by element from the definition, through
 * {@link Philox#word}. keep_i = {@code Philox.uniform(Philox.word(seed, offset, i)) >= p} (compared
 * in float), out_i = keep_i ? x_i·scale : 0, mask_i = keep_i; backward dx_i = mask_i ? dy_i·scale : 0.
 * {@link DropoutF32} and {@link DropoutF64} must give exactly these values.
 *
 * <pre>{@code
 * DropoutRef.forward(new Buf.F32(x), 0, out, 0, mask, 0, n, 0.1f, 1 / 0.9, seed, offset);
 * DropoutRef.backward(dy, 0, mask, 0, dx, 0, n, 1 / 0.9);
 * }</pre>
 */
public final class DropoutRef {
    private DropoutRef() {}

    /**
     * The reference: element by element from the definition, through {@link Philox#word}.
     * {@code out} and {@code x} are float buffers of one type; {@code mask} (booleans) may be null.
     *
     * @param x       the input
     * @param xOff    index in {@code x} of the first element
     * @param out     receives the output
     * @param outOff  index in {@code out} of the first element
     * @param mask    receives true for each kept element, or null
     * @param maskOff index in {@code mask} of the first element
     * @param n       number of elements
     * @param p       probability of dropping an element
     * @param scale   factor for the kept elements, 1/(1 − p) as the caller computes it
     * @param seed    the Philox stream's seed
     * @param offset  the Philox stream's offset
     */
    public static void forward(Buf x, int xOff, Buf out, int outOff, Buf mask, int maskOff, int n, float p, double scale,
                               long seed, long offset) {
        for (int i = 0; i < n; i++) {
            boolean keep = Philox.uniform(Philox.word(seed, offset, i)) >= p;
            out.set(outOff + i, keep ? x.get(xOff + i) * scale : 0);
            if (mask != null) mask.set(maskOff + i, keep ? 1 : 0);
        }
    }

    /**
     * The reference backward: dx_i = mask_i ? dy_i·scale : 0.
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
    public static void backward(Buf dy, int dyOff, Buf mask, int maskOff, Buf dx, int dxOff, int n, double scale) {
        for (int i = 0; i < n; i++) dx.set(dxOff + i, mask.get(maskOff + i) != 0 ? dy.get(dyOff + i) * scale : 0);
    }
}
