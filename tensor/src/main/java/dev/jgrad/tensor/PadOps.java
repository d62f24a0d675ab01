package dev.jgrad.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Padding, with PyTorch's {@code F.pad} convention for the sizes: pairs (before, after), the last
 * dimension first, so {@code {1, 1, 2, 0}} pads the last dimension by 1 on each side and the one
 * before it by 2 at its start. Constant padding concatenates blocks of the value (and narrows
 * for negative sizes, which crop); reflect and replicate padding gather each padded dimension
 * through an index of source positions. Both are compositions of ops every device has, so the
 * gradient comes from theirs (reflected and replicated positions accumulate).
 */
final class PadOps {
    private PadOps() {}

    static Tensor pad(Tensor x, int[] pad, PadMode mode, double value) {
        Checks.notNull("pad", "the tensor", x);
        Checks.notNull("pad", "pad sizes", pad);
        Checks.notNull("pad", "mode", mode);
        int rank = x.dim();
        if (pad.length % 2 != 0) {
            throw new IllegalArgumentException("pad: sizes come in pairs (before, after) per dimension, last dimension first; got "
                    + pad.length + " values " + Shapes.str(pad));
        }
        if (pad.length / 2 > rank) {
            throw new IllegalArgumentException("pad: " + Shapes.str(pad) + " pads " + pad.length / 2 + " dimensions but the input has "
                    + rank + " (shape " + Shapes.str(x.layout.shape) + "); at most " + 2 * rank + " sizes are allowed");
        }
        int[] outShape = x.layout.shape.clone();
        for (int i = 0; i < pad.length / 2; i++) {
            int d = rank - 1 - i, size = x.layout.shape[d], before = pad[2 * i], after = pad[2 * i + 1];
            long out = (long) size + before + after;
            String which = "dimension " + d + " (size " + size + ", padded by (" + before + ", " + after + "))";
            if (mode == PadMode.CONSTANT && (long) Math.max(-before, 0) + Math.max(-after, 0) > size) {
                throw new IllegalArgumentException("pad: " + which + " crops more than its " + size + " elements; negative sizes crop first and "
                        + "may remove at most the whole dimension");
            }
            if (mode != PadMode.CONSTANT && (before < 0 || after < 0)) {
                throw new IllegalArgumentException("pad: " + mode.name().toLowerCase(java.util.Locale.ROOT) + " padding of " + which
                        + " must not be negative (only constant padding crops)");
            }
            if (mode == PadMode.REFLECT && (before >= size || after >= size)) {
                throw new IllegalArgumentException("pad: reflect padding of " + which + " must be less than the dimension's size " + size);
            }
            if (mode == PadMode.REPLICATE && size == 0 && out > 0) {
                throw new IllegalArgumentException("pad: replicate padding of " + which + " needs a non-empty dimension to repeat");
            }
            if (out > Checks.MAX_ELEMENTS) {
                throw new IllegalArgumentException("pad: " + which + " would hold " + out + " elements; a tensor holds at most 2^31-9");
            }
            outShape[d] = (int) out;
        }
        Shapes.checked("pad", outShape);
        Tensor y = x;
        for (int i = 0; i < pad.length / 2; i++) {
            int d = rank - 1 - i, before = pad[2 * i], after = pad[2 * i + 1];
            if (before == 0 && after == 0) continue;
            y = mode == PadMode.CONSTANT ? constant(y, d, before, after, value) : gathered(y, d, before, after, mode == PadMode.REFLECT);
        }
        return y == x ? x.clone() : y;
    }

    /** Dimension d cropped by the negative sizes (first, as PyTorch does), then blocks of {@code value} concatenated for the positive ones. */
    private static Tensor constant(Tensor y, int d, int before, int after, double value) {
        int size = y.layout.shape[d];
        int start = Math.max(-before, 0), end = size - Math.max(-after, 0);
        if (start != 0 || end != size) y = y.narrow(d, start, end - start);
        List<Tensor> parts = new ArrayList<>(3);
        if (before > 0) parts.add(block(y, d, before, value));
        parts.add(y);
        if (after > 0) parts.add(block(y, d, after, value));
        return parts.size() == 1 ? y : Tensor.cat(parts, d);
    }

    private static Tensor block(Tensor like, int d, int size, double value) {
        int[] shape = like.layout.shape.clone();
        shape[d] = size;
        Tensor b = Tensor.empty(shape, like.dtype(), like.device());
        if (value != 0) ElementwiseOps.fill(b, value);
        return b;
    }

    /** Dimension d read through the source position of every padded position (mirrored or clamped at the edges). */
    private static Tensor gathered(Tensor y, int d, int before, int after, boolean reflect) {
        int size = y.layout.shape[d];
        long[] from = new long[size + before + after];
        for (int j = 0; j < from.length; j++) {
            int i = j - before;
            if (reflect) from[j] = i < 0 ? -i : i >= size ? 2L * (size - 1) - i : i;
            else from[j] = Math.min(Math.max(i, 0), size - 1);
        }
        return y.indexSelect(d, Tensor.of(from).to(y.device()));
    }
}
