package dev.jgrad.kernels;

/**
 * An additive float32 attention mask, broadcast as the caller needs: element (b, i, j) — head
 * slice b = batch·heads + head, query i, key j — is
 * {@code data[offset + (b / heads)·batchStride + (b % heads)·headStride + i·rowStride + j·colStride]}.
 * Strides of 0 broadcast, so one record covers a shared [seqQ, seqK] mask
 * ({@code heads = 1, batchStride = 0}), a per-slice [batch·heads, seqQ, seqK] one, and a key-padding
 * mask [batch, 1, 1, seqK] ({@code batchStride = seqK, headStride = rowStride = 0}). Use
 * {@code -∞} (or a large negative number) to hide a key.
 *
 * <pre>{@code
 * // key padding: mask[b][j] for b < batch, j < seqK, shared by all heads and queries
 * AttentionMask m = new AttentionMask(mask, 0, heads, seqK, 0, 0, 1);
 * }</pre>
 *
 * @param data        the mask values
 * @param offset      index in {@code data} of element (0, 0, 0)
 * @param heads       heads per batch entry (at least 1): slice b belongs to batch entry b / heads
 * @param batchStride step in {@code data} from one batch entry to the next (0 broadcasts)
 * @param headStride  step in {@code data} from one head to the next (0 broadcasts)
 * @param rowStride   step in {@code data} from one query to the next (0 broadcasts)
 * @param colStride   step in {@code data} from one key to the next (0 broadcasts)
 */
public record AttentionMask(float[] data, int offset, int heads, int batchStride, int headStride, int rowStride, int colStride) {

    /** Checks that {@code heads} is at least 1. */
    public AttentionMask {
        if (heads < 1) throw new IllegalArgumentException("AttentionMask: heads must be >= 1, got " + heads);
    }

    /**
     * {@return offset of element (b, i, 0)}
     *
     * @param b the head slice, batch·heads + head
     * @param i the query
     */
    public int rowOffset(int b, int i) {
        return offset + (b / heads) * batchStride + (b % heads) * headStride + i * rowStride;
    }

    /**
     * {@return element (b, i, j)}
     *
     * @param b the head slice, batch·heads + head
     * @param i the query
     * @param j the key
     */
    public float at(int b, int i, int j) {
        return data[rowOffset(b, i) + j * colStride];
    }
}
