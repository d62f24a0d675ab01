package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.AttentionMask;
import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.typed.AttentionF32;

/**
 * Reference scaled dot-product attention in double, materialising the whole score matrix: the
 * oracle for {@link AttentionF32}. Shapes: q [bh, seqQ, d], k and v [bh, seqK, d], out and dq
 * likewise, all contiguous. With {@code causal}, key j is visible to query i only when j ≤ i (the
 * top-left alignment of PyTorch's {@code scaled_dot_product_attention(is_causal=True)}).
 *
 * <pre>{@code
 * AttentionRef.forward(bh, n, n, d, q, k, v, 1 / Math.sqrt(d), true, null, out, lse);
 * }</pre>
 */
public final class AttentionRef {
    private AttentionRef() {}

    /**
     * out = softmax(scale·q·kᵀ + mask + causal)·v; lse (may be null) = the rows' log Σ exp of the scores.
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
    public static void forward(int bh, int seqQ, int seqK, int d, Buf q, Buf k, Buf v, double scale, boolean causal,
                               AttentionMask mask, Buf out, Buf lse) {
        double[] p = new double[seqK];
        for (int b = 0; b < bh; b++)
            for (int i = 0; i < seqQ; i++) {
                double logSum = probabilities(b, i, seqQ, seqK, d, q, k, scale, causal, mask, p);
                for (int t = 0; t < d; t++) {
                    double acc = 0;
                    for (int j = 0; j < seqK; j++) acc += p[j] * v.get((b * seqK + j) * d + t);
                    out.set((b * seqQ + i) * d + t, acc);
                }
                if (lse != null) lse.set(b * seqQ + i, logSum);
            }
    }

    /**
     * dq, dk, dv given dout (dP = dout·vᵀ, dS = P∘(dP − rowsum(dout∘out)), dq = scale·dS·k, dk = scale·dSᵀ·q,
     * dv = Pᵀ·dout).
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
     * @param dout   gradient of the output [bh, seqQ, d]
     * @param dq     receives the gradient of q
     * @param dk     receives the gradient of k
     * @param dv     receives the gradient of v
     */
    public static void backward(int bh, int seqQ, int seqK, int d, Buf q, Buf k, Buf v, double scale, boolean causal,
                                AttentionMask mask, Buf dout, Buf dq, Buf dk, Buf dv) {
        double[] p = new double[seqK];
        double[] dqAcc = new double[bh * seqQ * d], dkAcc = new double[bh * seqK * d], dvAcc = new double[bh * seqK * d];
        for (int b = 0; b < bh; b++)
            for (int i = 0; i < seqQ; i++) {
                if (probabilities(b, i, seqQ, seqK, d, q, k, scale, causal, mask, p) == Double.NEGATIVE_INFINITY) continue;
                int qi = (b * seqQ + i) * d;
                double[] dp = new double[seqK];
                double dsum = 0;
                for (int j = 0; j < seqK; j++) {
                    double acc = 0;
                    for (int t = 0; t < d; t++) acc += dout.get(qi + t) * v.get((b * seqK + j) * d + t);
                    dp[j] = acc;
                    dsum += p[j] * acc;
                }
                for (int j = 0; j < seqK; j++) {
                    double ds = p[j] * (dp[j] - dsum);
                    int kj = (b * seqK + j) * d;
                    for (int t = 0; t < d; t++) {
                        dqAcc[qi + t] += scale * ds * k.get(kj + t);
                        dkAcc[kj + t] += scale * ds * q.get(qi + t);
                        dvAcc[kj + t] += p[j] * dout.get(qi + t);
                    }
                }
            }
        dq.setAll(dqAcc);
        dk.setAll(dkAcc);
        dv.setAll(dvAcc);
    }

    /** Row i of the attention probabilities of slice b into p; returns log Σ exp of the scores. */
    private static double probabilities(int b, int i, int seqQ, int seqK, int d, Buf q, Buf k, double scale, boolean causal,
                                        AttentionMask mask, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < seqK; j++) {
            double s = Double.NEGATIVE_INFINITY;
            if (!causal || j <= i) {
                s = 0;
                for (int t = 0; t < d; t++) s += q.get((b * seqQ + i) * d + t) * k.get((b * seqK + j) * d + t);
                s *= scale;
                if (mask != null) s += mask.at(b, i, j);
            }
            p[j] = s;
            max = Math.max(max, s);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            // no visible key: NaN weights (0/0, as PyTorch's math backend and AttentionF32's output),
            // but lse = −∞, and nothing flows back from this row
            java.util.Arrays.fill(p, Double.NaN);
            return Double.NEGATIVE_INFINITY;
        }
        double sum = 0;
        for (int j = 0; j < seqK; j++) {
            p[j] = Math.exp(p[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < seqK; j++) p[j] /= sum;
        return max + Math.log(sum);
    }
}
