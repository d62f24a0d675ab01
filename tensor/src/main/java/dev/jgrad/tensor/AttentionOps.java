package dev.jgrad.tensor;

import dev.jgrad.cuda.launch.AttentionKernels;
import dev.jgrad.kernels.AttentionMask;
import dev.jgrad.kernels.ref.AttentionRef;
import dev.jgrad.kernels.typed.AttentionF32;
import java.util.Arrays;

/**
 * Scaled dot-product attention: softmax(scale·q·kᵀ + mask)·v over the last two dimensions.
 * When the backend has a fused kernel for the dtype and the operands fit it (q, k and v with the
 * same batch dimensions and head size), the score matrix is never built and the op is one
 * {@link Op.Attention} node whose backward pass recomputes by tiles; otherwise it is composed of
 * matmul, softmax and masking, each differentiated by its own rule. Either way, a query that may
 * attend to no key gets zeros, as PyTorch's safe softmax gives. The fused kernels: on the CPU
 * for float32 (SIMD) and float64 (reference), on CUDA for float32 at the head sizes attention.cu
 * is compiled for, and for bfloat16 on its BF16 tensor-core kernels (head sizes 64 and 128).
 * Other 16-bit float operands are computed in float32 and the result rounded once.
 *
 * <pre>{@code
 * Tensor y = Tensor.scaledDotProductAttention(q, k, v, null, true, Double.NaN);   // AttentionOps
 * Tensor[] dqkv = ((Op.Attention) y.op()).backward(y, g);                        // recomputed by tiles
 * }</pre>
 */
final class AttentionOps {
    private AttentionOps() {}

    static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale) {
        String op = "scaled_dot_product_attention";
        Checks.notNull(op, "v", v);
        check(op, q, k, v, mask);
        double sc = Double.isNaN(scale) ? 1 / Math.sqrt(q.size(-1)) : scale;
        Tensor additive = additiveMask(mask, q);
        if (fits(q, k, v, additive)) return fused(q, k, v, additive, causal, sc);
        if (HalfCompute.any(q, k, v, mask)) {   // no kernel for these 16-bit operands: computed in float32, rounded once
            return HalfCompute.viaFloat32(HalfCompute.promoted(q, k, v), f -> scaledDotProductAttention(f[0], f[1], f[2], f[3], causal, scale),
                    q, k, v, mask);
        }
        return weights(q, k, additive, causal, sc).matmul(v);
    }

    static Tensor attentionWeights(Tensor q, Tensor k, Tensor mask, boolean causal, double scale) {
        check("attention_weights", q, k, null, mask);
        return weights(q, k, additiveMask(mask, q), causal, Double.isNaN(scale) ? 1 / Math.sqrt(q.size(-1)) : scale);
    }

    /**
     * q [..., L, E], k [..., S, E], v (null when there is none) [..., S, Ev] on one device with broadcastable
     * batch dimensions, and a bool or floating mask that broadcasts to [batch…, L, S].
     */
    private static void check(String op, Tensor q, Tensor k, Tensor v, Tensor mask) {
        Checks.notNull(op, "q", q);
        Checks.notNull(op, "k", k);
        q.checkUsable(op);
        k.checkUsable(op);
        Tensor.checkUsable(op, v);
        Tensor.checkUsable(op, mask);
        boolean ok = q.dim() >= 2 && k.dim() >= 2 && q.size(-1) == k.size(-1) && (v == null || (v.dim() >= 2 && k.size(-2) == v.size(-2)));
        if (!ok) {
            throw new IllegalArgumentException(op + ": expected q [..., L, E], k [..., S, E]" + (v == null ? "" : ", v [..., S, Ev]") + ", got "
                    + shapes(q, k, v));
        }
        Tensor.checkSameDevice(op, q, k);
        if (v != null) Tensor.checkSameDevice(op, q, v);
        int[] batch = Shapes.broadcast(op, batchOf(q), batchOf(k));
        if (v != null) batch = Shapes.broadcast(op, batch, batchOf(v));
        if (mask == null) return;
        Tensor.checkSameDevice(op, q, mask);
        if (mask.dtype() != DType.BOOL && !mask.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": mask must be bool or floating, got " + mask.dtype());
        }
        int[] scores = Shapes.concat(batch, new int[] {q.size(-2), k.size(-2)});
        if (!broadcastsTo(mask.layout.shape, scores)) {
            throw new IllegalArgumentException(op + ": mask of shape " + Shapes.str(mask.layout.shape) + " does not broadcast to the scores' shape "
                    + Shapes.str(scores));
        }
    }

    /** Whether {@code from} broadcasts to exactly {@code to}. */
    private static boolean broadcastsTo(int[] from, int[] to) {
        if (from.length > to.length) return false;
        for (int i = 1; i <= from.length; i++) {
            int f = from[from.length - i];
            if (f != 1 && f != to[to.length - i]) return false;
        }
        return true;
    }

    private static int[] batchOf(Tensor x) {
        return Arrays.copyOf(x.layout.shape, x.dim() - 2);
    }

    /** softmax(scale·q·kᵀ + mask) with causal masking, zero rows where every key is masked. */
    static Tensor weights(Tensor q, Tensor k, Tensor additive, boolean causal, double scale) {
        Tensor scores = q.mul(scale).matmul(k.transpose(-2, -1));
        if (scores.numel() == 0) return scores.softmax(-1);   // no keys or no queries: nothing to mask (and amax has no identity)
        if (causal) {
            Tensor hidden = causalMask(q.size(-2), k.size(-2), scores.dtype()).to(scores.device());
            additive = additive == null ? hidden : additive.add(hidden);
        }
        if (additive == null) return scores.softmax(-1);
        scores = scores.add(additive);
        Tensor dead = scores.detach().amax(new int[] {-1}, true).eq(Double.NEGATIVE_INFINITY);
        Tensor zero = Tensor.zeros(scores.dtype()).to(scores.device());
        return Tensor.where(dead, zero, Tensor.where(dead, zero, scores).softmax(-1));
    }

    /** A bool mask (true = may attend) as 0 / −∞, or a float mask in q's dtype (both checked by {@link #check}). */
    private static Tensor additiveMask(Tensor mask, Tensor q) {
        if (mask == null) return null;
        if (mask.dtype() == DType.BOOL) {
            return Tensor.where(mask, Tensor.zeros(q.dtype()).to(q.device()), Tensor.full(Double.NEGATIVE_INFINITY, q.dtype()).to(q.device()));
        }
        return mask.to(q.dtype());
    }

    /** [L, S] with −∞ above the diagonal: key j is hidden from query i when j &gt; i. */
    static Tensor causalMask(int l, int s, DType dtype) {
        double[] m = new double[l * s];
        for (int i = 0; i < l; i++) for (int j = i + 1; j < s; j++) m[i * s + j] = Double.NEGATIVE_INFINITY;
        return Tensor.of(m, l, s).to(dtype);
    }

    /**
     * The fused kernels take q, k and v with one batch shape and one head size, and a constant
     * float32 mask (a float64 run with a mask is composed instead, so its mask keeps float64
     * precision; a bfloat16 run's mask is exact in float32).
     */
    private static boolean fits(Tensor q, Tensor k, Tensor v, Tensor additive) {
        int[] batch = Arrays.copyOf(q.layout.shape, q.dim() - 2);
        return hasFusedKernel(q) && q.dtype() == k.dtype() && q.dtype() == v.dtype()
                && v.size(-1) == q.size(-1) && q.numel() > 0 && k.numel() > 0
                && Arrays.equals(batch, Arrays.copyOf(k.layout.shape, k.dim() - 2))
                && Arrays.equals(batch, Arrays.copyOf(v.layout.shape, v.dim() - 2))
                && (additive == null || (!additive.requiresGrad() && (q.dtype() == DType.FLOAT32 || q.dtype() == DType.BFLOAT16)));
    }

    private static Tensor fused(Tensor q, Tensor k, Tensor v, Tensor additive, boolean causal, double scale) {
        int l = q.size(-2), s = k.size(-2), d = q.size(-1);
        int[] batch = Arrays.copyOf(q.layout.shape, q.dim() - 2);
        int bh = Shapes.numel(batch);
        Tensor mask = null;
        if (additive != null) {
            int[] full = Shapes.concat(batch, new int[] {l, s});
            Tensor m = additive.to(DType.FLOAT32);
            Layout expanded = m.layout.expand(full);
            Layout flat = expanded.view(new int[] {bh, l, s});
            mask = flat != null ? m.viewOf(flat) : ElementwiseOps.copy(m.borrowView(expanded), DType.FLOAT32).withLayout(Layout.contiguous(new int[] {bh, l, s}));
        }
        Tensor out = Tensor.empty(new int[] {bh, l, d}, q.dtype(), q.device());
        // the BF16 kernels keep the log-sum-exp in float32, as they compute it
        Tensor lse = Tensor.empty(new int[] {bh, l}, q.dtype().isHalf() ? DType.FLOAT32 : q.dtype(), q.device());
        forwardKernel(heads(q, bh), heads(k, bh), heads(v, bh), mask, causal, scale, out, lse);
        if (mask != null) out = dropDeadRows(out, lse);
        return out.withLayout(Layout.contiguous(Shapes.concat(batch, new int[] {l, d})))
                .record(new Op.Attention(q, k, v, mask, causal, scale, lse));
    }

    /** Rows whose log-sum-exp is −∞ saw no key: zeros, not the kernel's NaN. */
    private static Tensor dropDeadRows(Tensor out, Tensor lse) {
        Tensor dead = lse.eq(Double.NEGATIVE_INFINITY).unsqueeze(-1);
        return Tensor.where(dead, Tensor.zeros(out.dtype()).to(out.device()), out);
    }

    /** x (…, n, d) as a contiguous [bh, n, d] kernel operand (a view for the current op only). */
    static Tensor heads(Tensor x, int bh) {
        return ElementwiseOps.contiguous(x, x.dtype()).borrowView(Layout.contiguous(new int[] {bh, x.size(-2), x.size(-1)}));
    }

    /** dq, dk, dv of a fused attention node, in the shapes of q, k and v. */
    static Tensor[] backward(Op.Attention a, Tensor out, Tensor g) {
        Tensor q = a.q(), k = a.k(), v = a.v();
        int bh = Shapes.numel(Arrays.copyOf(q.layout.shape, q.dim() - 2));
        Tensor q3 = heads(q, bh), k3 = heads(k, bh), v3 = heads(v, bh);
        Tensor dq = Tensor.empty(q3.layout.shape, q.dtype(), q.device());
        Tensor dk = Tensor.empty(k3.layout.shape, k.dtype(), k.device());
        Tensor dv = Tensor.empty(v3.layout.shape, v.dtype(), v.device());
        backwardKernel(q3, k3, v3, a.mask(), a.causal(), a.scale(), heads(out, bh), heads(g.to(q.dtype()), bh), a.lse(), dq, dk, dv);
        return new Tensor[] {
            dq.withLayout(Layout.contiguous(q.shape())), dk.withLayout(Layout.contiguous(k.shape())), dv.withLayout(Layout.contiguous(v.shape()))
        };
    }

    /** Whether q's device has a fused kernel for q's dtype and head size (bfloat16: the tensor-core kernels, on CUDA only). */
    private static boolean hasFusedKernel(Tensor q) {
        return switch (q.storage) {
            case CpuStorage _ -> q.dtype().isFloating() && !q.dtype().isHalf();
            case CudaStorage s -> q.dtype() == DType.FLOAT32 ? AttentionKernels.of(CudaBackend.of(s).gpu).supports(q.size(-1))
                    : q.dtype() == DType.BFLOAT16 && AttentionKernels.of(CudaBackend.of(s).gpu).supportsBf16(q.size(-1));
        };
    }


    /**
     * out = softmax(scale·q·kᵀ + mask, causal)·v without the score matrix, and lse = the rows'
     * log-sum-exp. q, out: [bh, L, d]; k, v: [bh, S, d]; lse: [bh, L] (all contiguous); mask: null
     * or a float32 [bh, L, S] view (any strides).
     */
    private static void forwardKernel(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor out, Tensor lse) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> forwardKernel(q, k, v, mask, causal, scale, out, lse));
            return;
        }
        int bh = q.layout.shape[0], seqQ = q.layout.shape[1], d = q.layout.shape[2], seqK = k.layout.shape[1];
        try (var _ = Profiler.time(() -> "attention " + Profiler.shape(q) + (causal ? " causal" : "") + (mask != null ? " masked" : ""), q)) {
            switch (out.storage) {
                case CpuStorage _ -> {
                    AttentionMask m = cpuMask(mask);
                    if (CpuBackend.f32(q, k, v, out)) {
                        AttentionF32.forward(bh, seqQ, seqK, d, CpuBackend.floats(q), CpuBackend.floats(k), CpuBackend.floats(v), (float) scale,
                                causal, m, CpuBackend.floats(out), CpuBackend.floats(lse));
                    } else {
                        AttentionRef.forward(bh, seqQ, seqK, d, CpuBackend.buf(q), CpuBackend.buf(k), CpuBackend.buf(v), scale, causal, m,
                                CpuBackend.buf(out), CpuBackend.buf(lse));
                    }
                }
                case CudaStorage s -> {
                    int[] ms = mask == null ? new int[3] : mask.layout.strides;
                    long mp = mask == null ? 0 : CudaBackend.ptr(mask);
                    AttentionKernels ak = AttentionKernels.of(CudaBackend.of(s).gpu);
                    if (q.dtype() == DType.BFLOAT16) {   // bfloat16 q, k, v straight into the tensor-core kernels; out in float32, then rounded
                        CudaBackend cuda = CudaBackend.of(s);
                        Tensor out32 = cuda.scratch(out.layout.shape, DType.FLOAT32);
                        ak.forwardBf16(CudaBackend.ptr(out32), CudaBackend.ptr(lse), CudaBackend.ptr(q), CudaBackend.ptr(k), CudaBackend.ptr(v), bh,
                                seqQ, seqK, d, scale, causal, mp, ms[0], ms[1], ms[2]);
                        cuda.copy(out32, out);
                        CudaBackend.keep(out32);
                    } else {
                        ak.forward(CudaBackend.ptr(out), CudaBackend.ptr(lse), CudaBackend.ptr(q), CudaBackend.ptr(k), CudaBackend.ptr(v), bh, seqQ,
                                seqK, d, scale, causal, mp, ms[0], ms[1], ms[2]);
                    }
                    CudaBackend.keep(q, k, v, mask, out, lse);
                }
            }
        }
    }

    /** dq, dk, dv of {@link #forwardKernel} by recomputation from q, k, v, out, dout and lse (same layouts; all contiguous). */
    private static void backwardKernel(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor out, Tensor dout,
                                       Tensor lse, Tensor dq, Tensor dk, Tensor dv) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> backwardKernel(q, k, v, mask, causal, scale, out, dout, lse, dq, dk, dv));
            return;
        }
        int bh = q.layout.shape[0], seqQ = q.layout.shape[1], d = q.layout.shape[2], seqK = k.layout.shape[1];
        try (var _ = Profiler.time(() -> "attention backward " + Profiler.shape(q) + (causal ? " causal" : "") + (mask != null ? " masked" : ""), q)) {
            switch (dq.storage) {
                case CpuStorage _ -> {
                    AttentionMask m = cpuMask(mask);
                    if (CpuBackend.f32(q, k, v, out, dout)) {
                        AttentionF32.backward(bh, seqQ, seqK, d, CpuBackend.floats(q), CpuBackend.floats(k), CpuBackend.floats(v), (float) scale,
                                causal, m, CpuBackend.floats(out), CpuBackend.floats(dout), CpuBackend.floats(lse), CpuBackend.floats(dq),
                                CpuBackend.floats(dk), CpuBackend.floats(dv));
                    } else {
                        AttentionRef.backward(bh, seqQ, seqK, d, CpuBackend.buf(q), CpuBackend.buf(k), CpuBackend.buf(v), scale, causal, m,
                                CpuBackend.buf(dout), CpuBackend.buf(dq), CpuBackend.buf(dk), CpuBackend.buf(dv));
                    }
                }
                case CudaStorage s -> {
                    int[] ms = mask == null ? new int[3] : mask.layout.strides;
                    long mp = mask == null ? 0 : CudaBackend.ptr(mask);
                    AttentionKernels ak = AttentionKernels.of(CudaBackend.of(s).gpu);
                    if (q.dtype() == DType.BFLOAT16) {   // gradients accumulate in float32, then round to bfloat16
                        CudaBackend cuda = CudaBackend.of(s);
                        Tensor out32 = cuda.dense(cuda.as(out, DType.FLOAT32)), dout32 = cuda.dense(cuda.as(dout, DType.FLOAT32));
                        Tensor dq32 = cuda.scratch(dq.layout.shape, DType.FLOAT32), dk32 = cuda.scratch(dk.layout.shape, DType.FLOAT32);
                        Tensor dv32 = cuda.scratch(dv.layout.shape, DType.FLOAT32);
                        ak.backwardBf16(CudaBackend.ptr(dq32), CudaBackend.ptr(dk32), CudaBackend.ptr(dv32), CudaBackend.ptr(q), CudaBackend.ptr(k),
                                CudaBackend.ptr(v), CudaBackend.ptr(out32), CudaBackend.ptr(dout32), CudaBackend.ptr(lse), bh, seqQ, seqK, d, scale,
                                causal, mp, ms[0], ms[1], ms[2]);
                        cuda.copy(dq32, dq);
                        cuda.copy(dk32, dk);
                        cuda.copy(dv32, dv);
                        CudaBackend.keep(out32, dout32, dq32, dk32, dv32);
                    } else {
                        ak.backward(CudaBackend.ptr(dq), CudaBackend.ptr(dk), CudaBackend.ptr(dv), CudaBackend.ptr(q), CudaBackend.ptr(k),
                                CudaBackend.ptr(v), CudaBackend.ptr(out), CudaBackend.ptr(dout), CudaBackend.ptr(lse), bh, seqQ, seqK, d, scale, causal,
                                mp, ms[0], ms[1], ms[2]);
                    }
                    CudaBackend.keep(q, k, v, mask, out, dout, lse, dq, dk, dv);
                }
            }
        }
    }

    /** The CPU kernels' view of a float32 [bh, L, S] mask tensor (one head per slice). */
    private static AttentionMask cpuMask(Tensor mask) {
        if (mask == null) return null;
        int[] st = mask.layout.strides;
        return new AttentionMask(CpuBackend.floats(mask), mask.layout.offset, 1, st[0], 0, st[1], st[2]);
    }

    private static String shapes(Tensor q, Tensor k, Tensor v) {
        return "q " + Shapes.str(q.layout.shape) + ", k " + Shapes.str(k.layout.shape) + (v == null ? "" : ", v " + Shapes.str(v.layout.shape));
    }
}
