package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.AttentionMask;
import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.simd.RowsVec;
import java.util.Arrays;

/**
 * Fused float32 scaled dot-product attention, forward and backward, FlashAttention-2 style: the
 * score matrix is never materialised beyond one {@link #BLOCK}×{@link #BLOCK} tile per thread.
 *
 * <p>Shapes (all contiguous, from offset 0): q, out, dout, dq are [bh, seqQ, d]; k, v, dk, dv are
 * [bh, seqK, d]; lse is [bh, seqQ]. bh is batch·heads. Scores are scale·q·kᵀ plus the optional
 * additive {@link AttentionMask}; with {@code causal}, key j is visible to query i only when
 * j ≤ i (top-left alignment, as PyTorch's {@code scaled_dot_product_attention(is_causal=True)}).
 * A query that sees no key gets NaN output and lse = −∞, as PyTorch's math backend.
 *
 * <p>Forward: for each tile of queries, an online softmax over tiles of keys — running max m and
 * sum l per row, the output accumulator rescaled by exp(m_old − m_new) — then out = acc / l, and
 * lse = m + log l saved for the backward pass. Backward recomputes each probability tile from lse
 * (P = exp(S − lse)) with D = rowsum(dout∘out): dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P∘(dP − D),
 * dQ += scale·dS·K, dK += scale·dSᵀ·Q. The tile products go through {@link SgemmF32#gemm}; slices of
 * bh run in parallel (each slice on one thread, so dK, dV and dQ need no locks).
 *
 * <pre>{@code
 * float[] out = new float[bh * n * d], lse = new float[bh * n];
 * AttentionF32.forward(bh, n, n, d, q, k, v, (float) (1 / Math.sqrt(d)), true, null, out, lse);
 * AttentionF32.backward(bh, n, n, d, q, k, v, scale, true, null, out, dout, lse, dq, dk, dv);
 * }</pre>
 */
public final class AttentionF32 {
    /** Queries and keys per tile. */
    static final int BLOCK = 64;

    private AttentionF32() {}

    /**
     * out and lse (may be null) from q, k, v; see the class comment.
     *
     * @param bh     number of (batch, head) slices
     * @param seqQ   queries per slice
     * @param seqK   keys per slice
     * @param d      head size
     * @param q      queries [bh, seqQ, d]
     * @param k      keys [bh, seqK, d]
     * @param v      values [bh, seqK, d]
     * @param scale  factor applied to q·kᵀ, usually 1/√d
     * @param causal hide key j from query i when j &gt; i
     * @param mask   additive mask, or null for none
     * @param out    receives the output [bh, seqQ, d]
     * @param lse    receives each score row's log Σ exp [bh, seqQ], or null
     */
    public static void forward(int bh, int seqQ, int seqK, int d, float[] q, float[] k, float[] v, float scale, boolean causal,
                               AttentionMask mask, float[] out, float[] lse) {
        boolean simd = Simd.enabled();
        int qTiles = (int) SgemmF32.ceilDiv(seqQ, BLOCK);
        long work = 2L * bh * seqQ * seqK * d;
        Parallel.forEach(bh * qTiles, work, task -> {
            int b = task / qTiles, i0 = (task % qTiles) * BLOCK, br = Math.min(BLOCK, seqQ - i0);
            float[] s = new float[BLOCK * BLOCK], acc = new float[BLOCK * d], m = new float[BLOCK], l = new float[BLOCK];
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
            int qo = (b * seqQ + i0) * d;
            int jEnd = causal ? Math.min(seqK, i0 + br) : seqK;
            for (int j0 = 0; j0 < jEnd; j0 += BLOCK) {
                int bc = Math.min(BLOCK, seqK - j0), ko = (b * seqK + j0) * d;
                scores(br, bc, d, q, qo, k, ko, scale, causal, mask, b, i0, j0, s);
                for (int i = 0; i < br; i++) {
                    int so = i * BLOCK;
                    float rowMax = simd ? RowsVec.max(true, s, so, bc) : RowsScalar.max(true, s, so, bc);
                    float mNew = Math.max(m[i], rowMax);
                    if (mNew == Float.NEGATIVE_INFINITY) { // nothing visible yet
                        Arrays.fill(s, so, so + bc, 0f);
                        continue;
                    }
                    float rowSum = simd ? RowsVec.expShiftSum(s, so, bc, mNew) : RowsScalar.expShiftSum(s, so, bc, mNew);
                    float alpha = (float) Math.exp(m[i] - mNew);
                    if (alpha != 1f) {
                        if (simd) RowsVec.scale(acc, i * d, d, alpha);
                        else RowsScalar.scale(acc, i * d, d, alpha);
                    }
                    l[i] = l[i] * alpha + rowSum;
                    m[i] = mNew;
                }
                // acc += P·V
                SgemmF32.gemm(br, d, bc, 1f, s, 0, BLOCK, 1, v, ko, d, 1, 1f, acc, 0, d);
            }
            for (int i = 0; i < br; i++) {
                float inv = 1f / l[i]; // l = 0 (no visible key): 0·∞ = NaN, as PyTorch
                for (int t = 0; t < d; t++) out[qo + i * d + t] = acc[i * d + t] * inv;
                if (lse != null) lse[b * seqQ + i0 + i] = m[i] + (float) Math.log(l[i]);
            }
        });
    }

    /**
     * dq, dk, dv (overwritten) from q, k, v, the forward pass's out and lse, and dout; see the
     * class comment.
     *
     * @param bh     number of (batch, head) slices
     * @param seqQ   queries per slice
     * @param seqK   keys per slice
     * @param d      head size
     * @param q      queries [bh, seqQ, d]
     * @param k      keys [bh, seqK, d]
     * @param v      values [bh, seqK, d]
     * @param scale  factor applied to q·kᵀ, as in the forward pass
     * @param causal hide key j from query i when j &gt; i, as in the forward pass
     * @param mask   additive mask of the forward pass, or null
     * @param out    the forward pass's output [bh, seqQ, d]
     * @param dout   gradient of the output [bh, seqQ, d]
     * @param lse    the forward pass's log Σ exp per query [bh, seqQ]
     * @param dq     receives the gradient of q (overwritten)
     * @param dk     receives the gradient of k (overwritten)
     * @param dv     receives the gradient of v (overwritten)
     */
    public static void backward(int bh, int seqQ, int seqK, int d, float[] q, float[] k, float[] v, float scale, boolean causal,
                                AttentionMask mask, float[] out, float[] dout, float[] lse, float[] dq, float[] dk, float[] dv) {
        boolean simd = Simd.enabled();
        long work = 5L * bh * seqQ * seqK * d;
        Parallel.forEach(bh, work, b -> {
            float[] s = new float[BLOCK * BLOCK], dp = new float[BLOCK * BLOCK], dsum = new float[seqQ];
            int qb = b * seqQ * d, kb = b * seqK * d;
            Arrays.fill(dq, qb, qb + seqQ * d, 0f);
            Arrays.fill(dk, kb, kb + seqK * d, 0f);
            Arrays.fill(dv, kb, kb + seqK * d, 0f);
            for (int i = 0; i < seqQ; i++) {
                dsum[i] = simd ? RowsVec.dot(dout, qb + i * d, out, qb + i * d, d) : RowsScalar.dot(dout, qb + i * d, out, qb + i * d, d);
            }
            for (int j0 = 0; j0 < seqK; j0 += BLOCK) {
                int bc = Math.min(BLOCK, seqK - j0), ko = kb + j0 * d;
                for (int i0 = causal ? j0 / BLOCK * BLOCK : 0; i0 < seqQ; i0 += BLOCK) {
                    // with causal the first query tile that sees key j0 starts at or before j0
                    int br = Math.min(BLOCK, seqQ - i0), qo = qb + i0 * d;
                    if (causal && i0 + br - 1 < j0) continue;
                    scores(br, bc, d, q, qo, k, ko, scale, causal, mask, b, i0, j0, s);
                    for (int i = 0; i < br; i++) {
                        float rowLse = lse[b * seqQ + i0 + i];
                        int so = i * BLOCK;
                        if (rowLse == Float.NEGATIVE_INFINITY) Arrays.fill(s, so, so + bc, 0f);
                        else if (simd) RowsVec.expShiftSum(s, so, bc, rowLse);
                        else RowsScalar.expShiftSum(s, so, bc, rowLse);
                    }
                    // dV_j += Pᵀ·dO_i
                    SgemmF32.gemm(bc, d, br, 1f, s, 0, 1, BLOCK, dout, qo, d, 1, 1f, dv, ko, d);
                    // dP = dO_i·V_jᵀ
                    SgemmF32.gemm(br, bc, d, 1f, dout, qo, d, 1, v, ko, 1, d, 0f, dp, 0, BLOCK);
                    for (int i = 0; i < br; i++) {
                        if (simd) RowsVec.softmaxGrad(s, dp, dp, i * BLOCK, bc, dsum[i0 + i]);
                        else RowsScalar.softmaxGrad(s, dp, dp, i * BLOCK, bc, dsum[i0 + i]);
                    }
                    // dQ_i += scale·dS·K_j ; dK_j += scale·dSᵀ·Q_i
                    SgemmF32.gemm(br, d, bc, scale, dp, 0, BLOCK, 1, k, ko, d, 1, 1f, dq, qo, d);
                    SgemmF32.gemm(bc, d, br, scale, dp, 0, 1, BLOCK, q, qo, d, 1, 1f, dk, ko, d);
                }
            }
        });
    }

    /** s[i·BLOCK + j] = scale·q_i·k_j + mask, and −∞ where causal hides key j from query i. */
    private static void scores(int br, int bc, int d, float[] q, int qo, float[] k, int ko, float scale, boolean causal,
                               AttentionMask mask, int b, int i0, int j0, float[] s) {
        SgemmF32.gemm(br, bc, d, scale, q, qo, d, 1, k, ko, 1, d, 0f, s, 0, BLOCK);
        if (mask != null) {
            for (int i = 0; i < br; i++) {
                int mo = mask.rowOffset(b, i0 + i) + j0 * mask.colStride(), so = i * BLOCK;
                for (int j = 0; j < bc; j++) s[so + j] += mask.data()[mo + j * mask.colStride()];
            }
        }
        if (causal && j0 + bc - 1 > i0) {
            for (int i = 0; i < br; i++) {
                int firstHidden = Math.max(0, i0 + i + 1 - j0);
                if (firstHidden < bc) Arrays.fill(s, i * BLOCK + firstHidden, i * BLOCK + bc, Float.NEGATIVE_INFINITY);
            }
        }
    }
}
