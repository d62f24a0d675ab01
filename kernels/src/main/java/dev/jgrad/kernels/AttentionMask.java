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
 */
public record AttentionMask(float[] data, int offset, int heads, int batchStride, int headStride, int rowStride, int colStride) {

    public AttentionMask {
        if (heads < 1) throw new IllegalArgumentException("AttentionMask: heads must be >= 1, got " + heads);
    }

    /** Offset of element (b, i, 0). */
    public int rowOffset(int b, int i) {
        return offset + (b / heads) * batchStride + (b % heads) * headStride + i * rowStride;
    }

    /** Element (b, i, j). */
    public float at(int b, int i, int j) {
        return data[rowOffset(b, i) + j * colStride];
    }
}
