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
     */
    public static void forward(Buf x, int xOff, Buf out, int outOff, Buf mask, int maskOff, int n, float p, double scale,
                               long seed, long offset) {
        for (int i = 0; i < n; i++) {
            boolean keep = Philox.uniform(Philox.word(seed, offset, i)) >= p;
            out.set(outOff + i, keep ? x.get(xOff + i) * scale : 0);
            if (mask != null) mask.set(maskOff + i, keep ? 1 : 0);
        }
    }

    /** The reference backward: dx_i = mask_i ? dy_i·scale : 0. */
    public static void backward(Buf dy, int dyOff, Buf mask, int maskOff, Buf dx, int dxOff, int n, double scale) {
        for (int i = 0; i < n; i++) dx.set(dxOff + i, mask.get(maskOff + i) != 0 ? dy.get(dyOff + i) * scale : 0);
    }
}
