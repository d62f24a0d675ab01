package dev.jgrad.bench;

/**
 * One self-attention problem of {@link AttentionBench}: {@code batch × heads} head slices, each
 * with {@code seq} queries and keys of size {@code headDim}, causal or not.
 *
 * <pre>{@code
 * AttentionShape s = new AttentionShape(16, 16, 4096, 128, true);
 * s.key();            // "16x16x4096x128 causal", as bench/python/gpu_attention_peers.py names it
 * s.forwardFlops();   // 4·B·H·N²·d / 2 = 1.1e12
 * }</pre>
 */
record AttentionShape(int batch, int heads, int seq, int headDim, boolean causal) {

    AttentionShape {
        if (batch < 1 || heads < 1 || seq < 1 || headDim < 1) {
            throw new IllegalArgumentException("attention shape: batch, heads, seq and head size must be positive, got " + batch + "x" + heads + "x" + seq
                    + "x" + headDim);
        }
    }

    /** Head slices, batch · heads. */
    int bh() {
        return batch * heads;
    }

    /** Elements of q (and of k, v, out and their gradients): bh · seq · headDim. */
    long elements() {
        return (long) bh() * seq * headDim;
    }

    /**
     * FlashAttention's count: two seq × seq × headDim products (S = Q·Kᵀ and O = P·V), 2 FLOPs per
     * multiply-add, per head slice; half when causal (only the lower triangle is needed).
     */
    double forwardFlops() {
        double f = 4.0 * bh() * seq * (double) seq * headDim;
        return causal ? f / 2 : f;
    }

    /** 2.5 × forward: five products (S recomputed, dV = Pᵀ·dO, dP = dO·Vᵀ, dQ = dS·K, dK = dSᵀ·Q) against the forward's two. */
    double backwardFlops() {
        return 2.5 * forwardFlops();
    }

    /** "BxHxNxd causal" or "BxHxNxd full". */
    String key() {
        return batch + "x" + heads + "x" + seq + "x" + headDim + (causal ? " causal" : " full");
    }

    /** The peers file's key for a pass ("fwd", "bwd") and precision ("fp32", "bf16"): "attn fwd bf16 16x16x4096x128 causal". */
    static String peerKey(String pass, String precision, AttentionShape s) {
        return "attn " + pass + " " + precision + " " + s.key();
    }
}
