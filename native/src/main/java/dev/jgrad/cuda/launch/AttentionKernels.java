package dev.jgrad.cuda.launch;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.DeviceBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fused scaled dot-product attention on one device (cuda-kernels/src/main/cuda/attention.cu):
 * out = softmax(scale·q·kᵀ + mask, causal)·v and its backward pass, FlashAttention-2 style — the
 * score matrix is never stored. Two versions:
 * <ul>
 *   <li>float32 SIMT (default): any head size up to {@value #MAX_HEAD_DIM} (padded to 64 or 128),
 *       deterministic (dq in its own pass, no atomics);</li>
 *   <li>BF16 tensor cores with float32 accumulation for head sizes 64 and 128 when
 *       {@link Cuda#setAllowBf16Attention} is on: inputs rounded to bfloat16 once per call, dq
 *       accumulated with atomics (not bitwise reproducible).</li>
 * </ul>
 * bfloat16 tensors reach the BF16 version directly, whatever the switch says, through
 * {@link #forwardBf16} and {@link #backwardBf16}: their q, k and v are only copied into the padded
 * layout the kernels read, not rounded.
 * Operands are device addresses of contiguous float32 tensors: q, out, dout, dq [bh, L, D]; k, v,
 * dk, dv [bh, S, D]; lse [bh, L]. The optional additive float32 mask has element (b, i, j) at
 * {@code mask + 4·(b·msb + i·msq + j·msk)} (any strides, 0 broadcasts; address 0: no mask).
 * With {@code causal}, key j is visible to query i only when j ≤ i. A query that sees no key
 * gets out = NaN and lse = −∞ (as the CPU kernels).
 *
 * <pre>{@code
 * AttentionKernels a = AttentionKernels.of(Devices.get(0));
 * a.forward(out, lse, q, k, v, bh, L, S, D, 1 / Math.sqrt(D), true, 0, 0, 0, 0);
 * }</pre>
 */
public final class AttentionKernels {
    /** The largest head size the fused kernels take (larger ones are composed of matmul and softmax). */
    public static final int MAX_HEAD_DIM = 128;
    /** Head sizes the float32 kernels are compiled for (a head size d runs on the smallest one ≥ d). */
    static final int[] SIMT_HEAD_DIMS = {64, 128};
    /** Head sizes the BF16 tensor-core kernels are compiled for. */
    static final int[] TC_HEAD_DIMS = {64, 128};
    /** The bf16 copies' rows are padded to a multiple of this (the largest tile), so tile loads need no bounds checks. */
    static final int PAD = 128;
    static final int THREADS = 256;
    static final int MAX_GRID_Y = 65535;

    private static final Map<CudaDevice, AttentionKernels> INSTANCES = new ConcurrentHashMap<>();

    private final CudaDevice device;

    private AttentionKernels(CudaDevice device) {
        this.device = device;
    }

    /** The attention kernels of {@code device}. */
    public static AttentionKernels of(CudaDevice device) {
        return INSTANCES.computeIfAbsent(device, AttentionKernels::new);
    }

    // ---- shared memory per kernel (mirrors the SMEM constants of attention.cu) ----------------------------

    static int simtDims(int d) {
        for (int dp : SIMT_HEAD_DIMS) if (d <= dp) return dp;
        throw new IllegalArgumentException("attention: head size " + d + " is larger than " + MAX_HEAD_DIM);
    }

    static int simtForwardSmem(int dp) {
        return (dp * 68 + 2 * 32 * (dp + 1) + 32 * 68) * 4;
    }

    static int simtDkDvSmem(int dp) {
        return (2 * dp * 68 + 2 * 32 * (dp + 1) + 2 * 32 * 68 + 2 * 32) * 4;
    }

    static int simtDqSmem(int dp) {
        return (2 * dp * 68 + 2 * 32 * (dp + 1) + 32 * 68) * 4;
    }

    static int tcForwardSmem(int d) {
        int bc = 64;
        return 128 * d * 2 + 4 * bc * d * 2;
    }

    static int tcBackwardSmem(int d) {
        return 2 * 128 * d * 2 + 4 * 64 * d * 2 + 128 * 64 * 2 + 4 * 64 * 4;
    }

    static boolean isTcHeadDim(int d) {
        for (int x : TC_HEAD_DIMS) if (x == d) return true;
        return false;
    }

    /** Whether head size {@code d} runs fused on this device (forward and backward fit its shared memory). */
    public boolean supports(int d) {
        if (d < 1 || d > MAX_HEAD_DIM) return false;
        int dp = simtDims(d), max = device.maxSharedMemoryPerBlockOptin();
        return Math.max(simtForwardSmem(dp), Math.max(simtDkDvSmem(dp), simtDqSmem(dp))) <= max;
    }

    /** Whether a call with head size {@code d} takes the BF16 tensor-core kernels (switch on, d = 64 or 128, enough shared memory). */
    public boolean usesTensorCores(int d) {
        return Cuda.allowBf16Attention() && supportsBf16(d);
    }

    /** Whether bfloat16 operands of head size {@code d} run on the BF16 tensor-core kernels here (d = 64 or 128, sm_80+, enough shared memory). */
    public boolean supportsBf16(int d) {
        return isTcHeadDim(d) && device.computeCapability() >= 80
                && Math.max(tcForwardSmem(d), tcBackwardSmem(d)) <= device.maxSharedMemoryPerBlockOptin();
    }

    // ---- forward --------------------------------------------------------------------------------------------

    /** out [bh, L, D] and lse [bh, L] from q [bh, L, D], k, v [bh, S, D]; see the class comment. */
    public void forward(long out, long lse, long q, long k, long v, int bh, int L, int S, int D, double scale, boolean causal, long mask,
                        int msb, int msq, int msk) {
        checkShape("forward", bh, L, S, D);
        if (bh == 0 || L == 0) return;
        if (usesTensorCores(D)) {
            forwardTc(out, lse, q, k, v, false, bh, L, S, D, scale, causal, mask, msb, msq, msk);
            return;
        }
        int dp = simtDims(D), smem = simtForwardSmem(dp);
        String name = "attn_fwd_f32_d" + dp;
        int tiles = Math.ceilDiv(L, 64);
        for (int b0 = 0; b0 < bh; b0 += MAX_GRID_Y) {
            int nb = Math.min(MAX_GRID_Y, bh - b0);
            KernelArgs a = KernelArgs.get().ptr(f32(out, (long) b0 * L * D)).ptr(f32(lse, (long) b0 * L)).ptr(f32(q, (long) b0 * L * D))
                    .ptr(f32(k, (long) b0 * S * D)).ptr(f32(v, (long) b0 * S * D)).ptr(maskAt(mask, b0, msb)).i32(msb).i32(msq).i32(msk)
                    .i32(L).i32(S).i32(D).f32((float) scale).i32(causal ? 1 : 0);
            launch(name, tiles, nb, smem, a);
        }
    }

    /**
     * The forward pass of {@link #forward} on bfloat16 q [bh, L, D], k, v [bh, S, D] (contiguous),
     * with out [bh, L, D] and lse [bh, L] in float32: the BF16 tensor-core kernels for head sizes
     * {@link #supportsBf16} accepts.
     *
     * <pre>{@code
     * if (a.supportsBf16(64)) a.forwardBf16(out32, lse, q16, k16, v16, bh, L, S, 64, 0.125, true, 0, 0, 0, 0);
     * }</pre>
     */
    public void forwardBf16(long out, long lse, long q, long k, long v, int bh, int L, int S, int D, double scale, boolean causal, long mask,
                            int msb, int msq, int msk) {
        checkShape("forward", bh, L, S, D);
        if (!supportsBf16(D)) throw new IllegalArgumentException("attention forwardBf16: head size " + D + " has no BF16 kernel on " + device.name());
        if (bh == 0 || L == 0) return;
        forwardTc(out, lse, q, k, v, true, bh, L, S, D, scale, causal, mask, msb, msq, msk);
    }

    /** q, k, v: float32 (rounded to bfloat16 here) or, when {@code inputsBf16}, bfloat16 already (only padded). */
    private void forwardTc(long out, long lse, long q, long k, long v, boolean inputsBf16, int bh, int L, int S, int D, double scale,
                           boolean causal, long mask, int msb, int msq, int msk) {
        int lp = roundUp(L, PAD), sp = roundUp(S, PAD);
        try (DeviceBuffer qb = device.allocate(2L * bh * lp * D); DeviceBuffer kb = device.allocate(2L * bh * sp * D);
             DeviceBuffer vb = device.allocate(2L * bh * sp * D)) {
            pack(qb.address(), q, inputsBf16, bh, L, lp, D);
            pack(kb.address(), k, inputsBf16, bh, S, sp, D);
            pack(vb.address(), v, inputsBf16, bh, S, sp, D);
            String name = "attn_fwd_bf16_d" + D;
            int tiles = Math.ceilDiv(L, 128), smem = tcForwardSmem(D);
            for (int b0 = 0; b0 < bh; b0 += MAX_GRID_Y) {
                int nb = Math.min(MAX_GRID_Y, bh - b0);
                KernelArgs a = KernelArgs.get().ptr(f32(out, (long) b0 * L * D)).ptr(f32(lse, (long) b0 * L))
                        .ptr(bf16(qb.address(), (long) b0 * lp * D)).ptr(bf16(kb.address(), (long) b0 * sp * D))
                        .ptr(bf16(vb.address(), (long) b0 * sp * D)).ptr(maskAt(mask, b0, msb)).i32(msb).i32(msq).i32(msk).i32(L).i32(S).i32(lp)
                        .i32(sp).f32((float) scale).i32(causal ? 1 : 0);
                launch(name, tiles, nb, smem, a);
            }
        }
    }

    // ---- backward -------------------------------------------------------------------------------------------

    /**
     * dq, dk, dv (overwritten) from q, k, v, the forward pass's out and lse, and dout (all as in
     * {@link #forward}); the same mask, causal flag and scale.
     */
    public void backward(long dq, long dk, long dv, long q, long k, long v, long out, long dout, long lse, int bh, int L, int S, int D,
                         double scale, boolean causal, long mask, int msb, int msq, int msk) {
        checkShape("backward", bh, L, S, D);
        if (bh == 0) return;
        if (L == 0) {   // no query: no gradient reaches k and v
            if (S > 0) {
                device.memset(dk, 0, 4L * bh * S * D);
                device.memset(dv, 0, 4L * bh * S * D);
            }
            return;
        }
        if (usesTensorCores(D)) {
            backwardTc(dq, dk, dv, q, k, v, false, out, dout, lse, bh, L, S, D, scale, causal, mask, msb, msq, msk);
            return;
        }
        int dp = simtDims(D);
        try (DeviceBuffer dsum = device.allocate(4L * bh * L)) {
            int rows = bh * L;
            launch1d("attn_bwd_dsum_f32", (long) rows * 32, KernelArgs.get().ptr(dsum.address()).ptr(dout).ptr(out).i32(rows).i32(D));
            for (int b0 = 0; b0 < bh; b0 += MAX_GRID_Y) {
                int nb = Math.min(MAX_GRID_Y, bh - b0);
                long qo = (long) b0 * L * D, ko = (long) b0 * S * D, lo = (long) b0 * L;
                KernelArgs a = KernelArgs.get().ptr(f32(dk, ko)).ptr(f32(dv, ko)).ptr(f32(q, qo)).ptr(f32(k, ko)).ptr(f32(v, ko)).ptr(f32(dout, qo))
                        .ptr(f32(lse, lo)).ptr(f32(dsum.address(), lo)).ptr(maskAt(mask, b0, msb)).i32(msb).i32(msq).i32(msk).i32(L).i32(S).i32(D)
                        .f32((float) scale).i32(causal ? 1 : 0);
                launch("attn_bwd_dkdv_f32_d" + dp, Math.ceilDiv(S, 64), nb, simtDkDvSmem(dp), a);
                KernelArgs b = KernelArgs.get().ptr(f32(dq, qo)).ptr(f32(q, qo)).ptr(f32(k, ko)).ptr(f32(v, ko)).ptr(f32(dout, qo))
                        .ptr(f32(lse, lo)).ptr(f32(dsum.address(), lo)).ptr(maskAt(mask, b0, msb)).i32(msb).i32(msq).i32(msk).i32(L).i32(S).i32(D)
                        .f32((float) scale).i32(causal ? 1 : 0);
                launch("attn_bwd_dq_f32_d" + dp, Math.ceilDiv(L, 64), nb, simtDqSmem(dp), b);
            }
        }
    }

    /**
     * The backward pass of {@link #backward} for {@link #forwardBf16}: q, k, v bfloat16 as there;
     * out, dout, lse and the gradients dq, dk, dv (overwritten) in float32.
     *
     * <pre>{@code
     * a.backwardBf16(dq32, dk32, dv32, q16, k16, v16, out32, dout32, lse, bh, L, S, 64, 0.125, true, 0, 0, 0, 0);
     * }</pre>
     */
    public void backwardBf16(long dq, long dk, long dv, long q, long k, long v, long out, long dout, long lse, int bh, int L, int S, int D,
                             double scale, boolean causal, long mask, int msb, int msq, int msk) {
        checkShape("backward", bh, L, S, D);
        if (!supportsBf16(D)) throw new IllegalArgumentException("attention backwardBf16: head size " + D + " has no BF16 kernel on " + device.name());
        if (bh == 0) return;
        if (L == 0) {
            device.memset(dk, 0, 4L * bh * S * D);
            device.memset(dv, 0, 4L * bh * S * D);
            return;
        }
        backwardTc(dq, dk, dv, q, k, v, true, out, dout, lse, bh, L, S, D, scale, causal, mask, msb, msq, msk);
    }

    private void backwardTc(long dq, long dk, long dv, long q, long k, long v, boolean inputsBf16, long out, long dout, long lse, int bh,
                            int L, int S, int D, double scale, boolean causal, long mask, int msb, int msq, int msk) {
        int lp = roundUp(L, PAD), sp = roundUp(S, PAD);
        try (DeviceBuffer qb = device.allocate(2L * bh * lp * D); DeviceBuffer kb = device.allocate(2L * bh * sp * D);
             DeviceBuffer vb = device.allocate(2L * bh * sp * D); DeviceBuffer ob = device.allocate(2L * bh * lp * D);
             DeviceBuffer lse2 = device.allocate(4L * bh * lp); DeviceBuffer dsum = device.allocate(4L * bh * lp)) {
            pack(qb.address(), q, inputsBf16, bh, L, lp, D);
            pack(kb.address(), k, inputsBf16, bh, S, sp, D);
            pack(vb.address(), v, inputsBf16, bh, S, sp, D);
            launch1d("attn_bwd_prep_bf16", (long) bh * lp * 32, KernelArgs.get().ptr(dsum.address()).ptr(lse2.address()).ptr(ob.address())
                    .ptr(dout).ptr(out).ptr(lse).i32(bh).i32(L).i32(lp).i32(D));
            device.memset(dq, 0, 4L * bh * L * D);
            String name = "attn_bwd_bf16_d" + D;
            int smem = tcBackwardSmem(D);
            for (int b0 = 0; b0 < bh; b0 += MAX_GRID_Y) {
                int nb = Math.min(MAX_GRID_Y, bh - b0);
                long qo = (long) b0 * L * D, ko = (long) b0 * S * D, qpo = (long) b0 * lp * D, kpo = (long) b0 * sp * D;
                KernelArgs a = KernelArgs.get().ptr(f32(dq, qo)).ptr(f32(dk, ko)).ptr(f32(dv, ko)).ptr(bf16(qb.address(), qpo))
                        .ptr(bf16(kb.address(), kpo)).ptr(bf16(vb.address(), kpo)).ptr(bf16(ob.address(), qpo))
                        .ptr(f32(lse2.address(), (long) b0 * lp)).ptr(f32(dsum.address(), (long) b0 * lp)).ptr(maskAt(mask, b0, msb))
                        .i32(msb).i32(msq).i32(msk).i32(L).i32(S).i32(lp).i32(sp).f32((float) scale).i32(causal ? 1 : 0);
                launch(name, Math.ceilDiv(S, 128), nb, smem, a);
            }
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /**
     * The BF16 path's conversion pass alone (for benchmarks): dst [bh, rowsPadded, D] bf16 =
     * src [bh, rows, D] float32 rounded to nearest even, zero padding rows; D a multiple of 8.
     */
    public void packBf16(long dst, long src, int bh, int rows, int rowsPadded, int D) {
        if (D % 8 != 0) throw new IllegalArgumentException("attention packBf16: D must be a multiple of 8, got " + D);
        pack(dst, src, bh, rows, rowsPadded, D);
    }

    private void pack(long dst, long src, int bh, int rows, int rowsPadded, int D) {
        long chunks = (long) bh * rowsPadded * (D / 8);
        launch1d("attn_pack_bf16", chunks, KernelArgs.get().ptr(dst).ptr(src).i32(bh).i32(rows).i32(rowsPadded).i32(D));
    }

    /** dst [bh, rowsPadded, D] bf16 = src [bh, rows, D], zero padding rows: rounded from float32, or copied when already bfloat16. */
    private void pack(long dst, long src, boolean srcBf16, int bh, int rows, int rowsPadded, int D) {
        if (!srcBf16) {
            pack(dst, src, bh, rows, rowsPadded, D);
            return;
        }
        if (rowsPadded > rows) device.memset(dst, 0, 2L * bh * rowsPadded * D);
        CudaKernels.of(device).copy(dev.jgrad.cuda.ScalarType.BF16, dev.jgrad.cuda.ScalarType.BF16, new int[] {bh, rows, D}, dst,
                new int[] {rowsPadded * D, D, 1}, src, new int[] {rows * D, D, 1});
    }

    private static void checkShape(String what, int bh, int L, int S, int D) {
        if (bh < 0 || L < 0 || S < 1 || D < 1 || D > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("attention " + what + ": expected bh, L >= 0, S >= 1 and 1 <= D <= " + MAX_HEAD_DIM + ", got bh=" + bh
                    + ", L=" + L + ", S=" + S + ", D=" + D);
        }
    }

    private static long f32(long base, long elements) {
        return base + 4 * elements;
    }

    private static long bf16(long base, long elements) {
        return base + 2 * elements;
    }

    private static long maskAt(long mask, int b0, int msb) {
        return mask == 0 ? 0 : mask + 4L * b0 * msb;
    }

    static int roundUp(int n, int m) {
        return Math.ceilDiv(n, m) * m;
    }

    private void launch1d(String name, long work, KernelArgs args) {
        CudaKernels.of(device).launchGridStride(name, work, args);
    }

    private void launch(String name, int gx, int gy, int smem, KernelArgs args) {
        CudaKernels.of(device).launch(name, gx, gy, THREADS, 1, smem, args);
    }
}
