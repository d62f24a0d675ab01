// attention.cu — fused scaled dot-product attention (FlashAttention-2 style), forward and backward.
//
// What it computes, per head slice b < bh (batch·heads), for q [L, D], k and v [S, D] (float32,
// contiguous [bh, n, D]), an optional additive float32 mask M (element (b, i, j) at
// mask[b·msb + i·msq + j·msk], any strides, 0 broadcasts) and the causal flag (key j is visible
// to query i only when j <= i, top-left aligned as PyTorch's is_causal):
//   s_ij   = scale·q_i·k_j + M_bij            (−inf where causal hides j from i)
//   lse_i  = log Σ_j exp(s_ij)                 (saved for backward)
//   out_i  = Σ_j exp(s_ij − lse_i)·v_j
// without ever materialising the L×S score matrix: each block keeps one tile of scores and an
// online softmax (running max m and sum l, the output rescaled by exp(m_old − m_new)).
// A query that sees no key gets out = NaN (0·∞) and lse = −inf, exactly as the CPU kernels
// (kernels/AttentionF32.java); AttentionOps turns such rows into zeros.
// Backward (FA-2: recompute from lse): D_i = Σ_d dout_id·out_id, P = exp(s − lse),
//   dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P∘(dP − D), dQ = scale·dS·K, dK = scale·dSᵀ·Q.
//
// Versions (dev.jgrad.cuda.launch.AttentionKernels picks):
//   1. FP32 SIMT, the default and the reference ("f32"): head dims up to 64 and up to 128
//      (template DP = 64 / 128, runtime D <= DP zero-padded). 256 threads as 16×16, each owning a
//      4×NC micro-tile; operands in shared memory (one of them transposed so that a thread reads
//      its 4 rows with one 16-byte load, the other with an odd pitch: no bank conflicts); expf/logf.
//        attn_fwd_f32_dDP       blocks of 64 queries, tiles of 32 keys
//        attn_bwd_dsum_f32      D = rowsum(dO∘O), one warp per row
//        attn_bwd_dkdv_f32_dDP  blocks of 64 keys, tiles of 32 queries: dK, dV
//        attn_bwd_dq_f32_dDP    blocks of 64 queries, tiles of 32 keys: dQ
//      dQ in its own pass (recomputing S and dP) so that no two blocks write one output:
//      deterministic, bit for bit run to run, at the price of 7 tile products instead of 5.
//   2. BF16 tensor cores with FP32 accumulation ("bf16", opt-in: Cuda.setAllowBf16Attention):
//      head dims 64 and 128 only. float32 q, k, v, dO are converted once per call to padded
//      bf16 copies [bh, roundup(n, 128), D] (attn_pack_bf16, attn_bwd_prep_bf16): converting per
//      tile instead would re-read float32 K/V from L2 for every query tile, twice the bytes.
//      mma.sync.m16n8k16 bf16 → f32, ldmatrix from XOR-swizzled shared tiles (16-byte chunk
//      c of row r at c ^ (r % 8): conflict-free), cp.async double buffering, scores in the
//      log2 domain (ex2.approx), P re-used from the accumulator registers as the A operand.
//        attn_fwd_bf16_d64 / _d128   128 queries per block (8 warps × 16 rows), K/V tiles of
//                                    128 / 64 keys, two stages; Q re-read by ldmatrix per tile
//        attn_bwd_prep_bf16          D, lse·log2(e) (+inf for dead or padded rows), dO → bf16
//        attn_bwd_bf16_d64 / _d128   128 keys per block (8 warps × 16 keys own dK, dV in
//                                    registers), 64-query tiles double-buffered; dSᵀ goes
//                                    through shared memory and dQ is accumulated with float
//                                    atomics (float2 atomics on sm_90) into the zeroed dq:
//                                    5 tile products, NOT bitwise reproducible run to run.
//   Causal blocks are launched heaviest first. Scores for padded rows/keys are masked.
//
// Build: nvcc -std=c++17 -O3 -Xptxas -v -cubin -arch=sm_90 attention.cu (cuda-kernels/build-kernels.sh
// also builds sm_80 and compute_80 PTX; mma.sync, ldmatrix and cp.async need sm_80).
#include "common.cuh"

namespace {

constexpr int ATT_THREADS = 256;
constexpr float ATT_LOG2E = 1.4426950408889634f;
constexpr float ATT_LN2 = 0.6931471805599453f;

__device__ __forceinline__ float att_neg_inf() { return -__int_as_float(0x7f800000); }
__device__ __forceinline__ float att_pos_inf() { return __int_as_float(0x7f800000); }

// Additive mask value of (query qi, key kj); the pointer already points at head slice b.
__device__ __forceinline__ float mask_at(const float* mask, int msq, int msk, int qi, int kj) {
    return __ldg(mask + (long long)qi * msq + (long long)kj * msk);
}

// =================================================================================================
// 1. FP32 SIMT
// =================================================================================================

// dst[r·PITCH + d] = src[(row0 + r)·D + d] for r < ROWS, d < DP (zero outside nrows × D)
template <int ROWS, int DP, int PITCH>
__device__ __forceinline__ void load_rows(float* dst, const float* __restrict__ src, int row0, int nrows, int D) {
    for (int i = threadIdx.x; i < ROWS * DP; i += ATT_THREADS) {
        int r = i / DP, d = i % DP;
        float x = 0.f;
        if (row0 + r < nrows && d < D) x = src[(size_t)(row0 + r) * D + d];
        dst[r * PITCH + d] = x;
    }
}

// The transposed tile: dst[d·PITCH + r].
template <int ROWS, int DP, int PITCH>
__device__ __forceinline__ void load_rows_t(float* dst, const float* __restrict__ src, int row0, int nrows, int D) {
    for (int i = threadIdx.x; i < ROWS * DP; i += ATT_THREADS) {
        int r = i / DP, d = i % DP;
        float x = 0.f;
        if (row0 + r < nrows && d < D) x = src[(size_t)(row0 + r) * D + d];
        dst[d * PITCH + r] = x;
    }
}

// acc[r][c] += Σ_{kk<K} AT[kk·LDA + 4ty + r] · B[(tx + 16c)·LDB + kk]      (B stored n-major)
template <int NC, int K, int LDA, int LDB>
__device__ __forceinline__ void mm_bn(float (&acc)[4][NC], const float* AT, const float* B, int ty, int tx) {
#pragma unroll 8
    for (int kk = 0; kk < K; ++kk) {
        float4 a = *reinterpret_cast<const float4*>(AT + kk * LDA + 4 * ty);
        float av[4] = {a.x, a.y, a.z, a.w};
#pragma unroll
        for (int c = 0; c < NC; ++c) {
            float bv = B[(tx + 16 * c) * LDB + kk];
#pragma unroll
            for (int r = 0; r < 4; ++r) acc[r][c] = fmaf(av[r], bv, acc[r][c]);
        }
    }
}

// acc[r][c] += Σ_{kk<K} AT[kk·LDA + 4ty + r] · B[kk·LDB + tx + 16c]          (B stored k-major)
template <int NC, int K, int LDA, int LDB>
__device__ __forceinline__ void mm_bk(float (&acc)[4][NC], const float* AT, const float* B, int ty, int tx) {
#pragma unroll 4
    for (int kk = 0; kk < K; ++kk) {
        float4 a = *reinterpret_cast<const float4*>(AT + kk * LDA + 4 * ty);
        float av[4] = {a.x, a.y, a.z, a.w};
#pragma unroll
        for (int c = 0; c < NC; ++c) {
            float bv = B[kk * LDB + tx + 16 * c];
#pragma unroll
            for (int r = 0; r < 4; ++r) acc[r][c] = fmaf(av[r], bv, acc[r][c]);
        }
    }
}

// Maximum / sum over the 16 lanes (tx) that share a row (ty).
__device__ __forceinline__ float max16(float x) {
#pragma unroll
    for (int o = 1; o < 16; o <<= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, o));
    return x;
}
__device__ __forceinline__ float sum16(float x) {
#pragma unroll
    for (int o = 1; o < 16; o <<= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
    return x;
}

template <int DP>
struct SimtFwd {
    static constexpr int BR = 64, BC = 32, LDQ = BR + 4, LDKV = DP + 1, LDP = BR + 4;
    static constexpr int SMEM = (DP * LDQ + 2 * BC * LDKV + BC * LDP) * 4;
    static_assert(SMEM <= 227 * 1024, "shared memory");
};

template <int DP>
__device__ __forceinline__ void fwd_simt(float* __restrict__ out, float* __restrict__ lse, const float* __restrict__ q,
                                         const float* __restrict__ k, const float* __restrict__ v, const float* __restrict__ mask,
                                         int msb, int msq, int msk, int L, int S, int D, float scale, int causal) {
    using C = SimtFwd<DP>;
    constexpr int BR = C::BR, BC = C::BC, NO = DP / 16;
    extern __shared__ float4 att_smem_f4[];
    float* QsT = reinterpret_cast<float*>(att_smem_f4);
    float* Ks = QsT + DP * C::LDQ;
    float* Vs = Ks + BC * C::LDKV;
    float* PsT = Vs + BC * C::LDKV;
    const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4, b = blockIdx.y;
    const int ntiles = (L + BR - 1) / BR;
    const int q0 = (causal ? ntiles - 1 - (int)blockIdx.x : (int)blockIdx.x) * BR;
    q += (size_t)b * L * D;
    k += (size_t)b * S * D;
    v += (size_t)b * S * D;
    out += (size_t)b * L * D;
    lse += (size_t)b * L;
    if (mask) mask += (long long)b * msb;

    load_rows_t<BR, DP, C::LDQ>(QsT, q, q0, L, D);
    float o[4][NO], m[4], l[4];
#pragma unroll
    for (int r = 0; r < 4; ++r) {
        m[r] = att_neg_inf();
        l[r] = 0.f;
#pragma unroll
        for (int c = 0; c < NO; ++c) o[r][c] = 0.f;
    }
    const int kend = causal ? min(S, q0 + BR) : S;
    for (int k0 = 0; k0 < kend; k0 += BC) {
        __syncthreads();
        load_rows<BC, DP, C::LDKV>(Ks, k, k0, S, D);
        load_rows<BC, DP, C::LDKV>(Vs, v, k0, S, D);
        __syncthreads();
        float s[4][2] = {};
        mm_bn<2, DP, C::LDQ, C::LDKV>(s, QsT, Ks, ty, tx);
#pragma unroll
        for (int r = 0; r < 4; ++r) {
            const int qi = q0 + 4 * ty + r;
#pragma unroll
            for (int c = 0; c < 2; ++c) {
                const int kj = k0 + tx + 16 * c;
                float x = s[r][c] * scale;
                if (kj >= S || (causal && kj > qi)) x = att_neg_inf();
                else if (mask != nullptr && qi < L) x += mask_at(mask, msq, msk, qi, kj);
                s[r][c] = x;
            }
            const float mx = max16(fmaxf(s[r][0], s[r][1]));
            const float mn = fmaxf(m[r], mx);
            const float mu = mn == att_neg_inf() ? 0.f : mn;   // nothing visible yet: p = exp(−inf) = 0
            const float alpha = expf(m[r] - mu);
            const float p0 = expf(s[r][0] - mu), p1 = expf(s[r][1] - mu);
            l[r] = l[r] * alpha + p0 + p1;                       // this thread's part of the row sum
            m[r] = mn;
#pragma unroll
            for (int c = 0; c < NO; ++c) o[r][c] *= alpha;
            s[r][0] = p0;
            s[r][1] = p1;
        }
#pragma unroll
        for (int c = 0; c < 2; ++c) {
            *reinterpret_cast<float4*>(PsT + (tx + 16 * c) * C::LDP + 4 * ty) = make_float4(s[0][c], s[1][c], s[2][c], s[3][c]);
        }
        __syncthreads();
        mm_bk<NO, BC, C::LDP, C::LDKV>(o, PsT, Vs, ty, tx);
    }
#pragma unroll
    for (int r = 0; r < 4; ++r) {
        const float lr = sum16(l[r]);
        const int qi = q0 + 4 * ty + r;
        if (qi >= L) continue;
        const float inv = 1.f / lr;   // no visible key: l = 0, 0·∞ = NaN as the CPU kernel
#pragma unroll
        for (int c = 0; c < NO; ++c) {
            const int d = tx + 16 * c;
            if (d < D) out[(size_t)qi * D + d] = o[r][c] * inv;
        }
        if (tx == 0) lse[qi] = m[r] + logf(lr);   // −inf + log 0 = −inf for a row that saw nothing
    }
}

template <int DP>
struct SimtDkDv {
    static constexpr int BC = 64, BR = 32, LDT = BC + 4, LDN = DP + 1, LDP = BC + 4;
    static constexpr int SMEM = (2 * DP * LDT + 2 * BR * LDN + 2 * BR * LDP + 2 * BR) * 4;
    static_assert(SMEM <= 227 * 1024, "shared memory");
};

template <int DP>
__device__ __forceinline__ void dkdv_simt(float* __restrict__ dk, float* __restrict__ dv, const float* __restrict__ q,
                                          const float* __restrict__ k, const float* __restrict__ v, const float* __restrict__ dout,
                                          const float* __restrict__ lse, const float* __restrict__ dsum, const float* __restrict__ mask,
                                          int msb, int msq, int msk, int L, int S, int D, float scale, int causal) {
    using C = SimtDkDv<DP>;
    constexpr int BC = C::BC, BR = C::BR, NO = DP / 16;
    extern __shared__ float4 att_smem_f4[];
    float* KsT = reinterpret_cast<float*>(att_smem_f4);
    float* VsT = KsT + DP * C::LDT;
    float* Qs = VsT + DP * C::LDT;
    float* dOs = Qs + BR * C::LDN;
    float* Ps = dOs + BR * C::LDN;
    float* dSs = Ps + BR * C::LDP;
    float* lse_s = dSs + BR * C::LDP;
    float* dsum_s = lse_s + BR;
    const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4, b = blockIdx.y;
    const int k0 = blockIdx.x * BC;
    q += (size_t)b * L * D;
    dout += (size_t)b * L * D;
    k += (size_t)b * S * D;
    v += (size_t)b * S * D;
    dk += (size_t)b * S * D;
    dv += (size_t)b * S * D;
    lse += (size_t)b * L;
    dsum += (size_t)b * L;
    if (mask) mask += (long long)b * msb;

    load_rows_t<BC, DP, C::LDT>(KsT, k, k0, S, D);
    load_rows_t<BC, DP, C::LDT>(VsT, v, k0, S, D);
    float dka[4][NO] = {}, dva[4][NO] = {};
    for (int i0 = causal ? k0 / BR * BR : 0; i0 < L; i0 += BR) {
        __syncthreads();
        load_rows<BR, DP, C::LDN>(Qs, q, i0, L, D);
        load_rows<BR, DP, C::LDN>(dOs, dout, i0, L, D);
        if (threadIdx.x < BR) {
            const int qi = i0 + threadIdx.x;
            lse_s[threadIdx.x] = qi < L ? lse[qi] : att_neg_inf();
            dsum_s[threadIdx.x] = qi < L ? dsum[qi] : 0.f;
        }
        __syncthreads();
        float s[4][2] = {}, dp[4][2] = {};
        mm_bn<2, DP, C::LDT, C::LDN>(s, KsT, Qs, ty, tx);     // Sᵀ[key][query]
        mm_bn<2, DP, C::LDT, C::LDN>(dp, VsT, dOs, ty, tx);   // dPᵀ[key][query]
#pragma unroll
        for (int r = 0; r < 4; ++r) {
            const int kj = k0 + 4 * ty + r;
#pragma unroll
            for (int c = 0; c < 2; ++c) {
                const int ql = tx + 16 * c, qi = i0 + ql;
                const float ls = lse_s[ql];
                const bool ok = kj < S && qi < L && ls != att_neg_inf() && !(causal && kj > qi);
                float x = s[r][c] * scale;
                if (ok && mask != nullptr) x += mask_at(mask, msq, msk, qi, kj);
                const float p = ok ? expf(x - ls) : 0.f;
                s[r][c] = p;
                dp[r][c] = p * (dp[r][c] - dsum_s[ql]);
            }
        }
#pragma unroll
        for (int c = 0; c < 2; ++c) {
            *reinterpret_cast<float4*>(Ps + (tx + 16 * c) * C::LDP + 4 * ty) = make_float4(s[0][c], s[1][c], s[2][c], s[3][c]);
            *reinterpret_cast<float4*>(dSs + (tx + 16 * c) * C::LDP + 4 * ty) = make_float4(dp[0][c], dp[1][c], dp[2][c], dp[3][c]);
        }
        __syncthreads();
        mm_bk<NO, BR, C::LDP, C::LDN>(dva, Ps, dOs, ty, tx);   // dV[key][d] += Σ_q Pᵀ[key][q]·dO[q][d]
        mm_bk<NO, BR, C::LDP, C::LDN>(dka, dSs, Qs, ty, tx);   // dK[key][d] += Σ_q dSᵀ[key][q]·Q[q][d]
    }
#pragma unroll
    for (int r = 0; r < 4; ++r) {
        const int kj = k0 + 4 * ty + r;
        if (kj >= S) continue;
#pragma unroll
        for (int c = 0; c < NO; ++c) {
            const int d = tx + 16 * c;
            if (d < D) {
                dk[(size_t)kj * D + d] = dka[r][c] * scale;
                dv[(size_t)kj * D + d] = dva[r][c];
            }
        }
    }
}

template <int DP>
struct SimtDq {
    static constexpr int BR = 64, BC = 32, LDT = BR + 4, LDN = DP + 1, LDS = BR + 4;
    static constexpr int SMEM = (2 * DP * LDT + 2 * BC * LDN + BC * LDS) * 4;
    static_assert(SMEM <= 227 * 1024, "shared memory");
};

template <int DP>
__device__ __forceinline__ void dq_simt(float* __restrict__ dq, const float* __restrict__ q, const float* __restrict__ k,
                                        const float* __restrict__ v, const float* __restrict__ dout, const float* __restrict__ lse,
                                        const float* __restrict__ dsum, const float* __restrict__ mask, int msb, int msq, int msk,
                                        int L, int S, int D, float scale, int causal) {
    using C = SimtDq<DP>;
    constexpr int BR = C::BR, BC = C::BC, NO = DP / 16;
    extern __shared__ float4 att_smem_f4[];
    float* QsT = reinterpret_cast<float*>(att_smem_f4);
    float* dOsT = QsT + DP * C::LDT;
    float* Ks = dOsT + DP * C::LDT;
    float* Vs = Ks + BC * C::LDN;
    float* dSsT = Vs + BC * C::LDN;
    const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4, b = blockIdx.y;
    const int ntiles = (L + BR - 1) / BR;
    const int q0 = (causal ? ntiles - 1 - (int)blockIdx.x : (int)blockIdx.x) * BR;
    q += (size_t)b * L * D;
    dout += (size_t)b * L * D;
    dq += (size_t)b * L * D;
    k += (size_t)b * S * D;
    v += (size_t)b * S * D;
    lse += (size_t)b * L;
    dsum += (size_t)b * L;
    if (mask) mask += (long long)b * msb;

    load_rows_t<BR, DP, C::LDT>(QsT, q, q0, L, D);
    load_rows_t<BR, DP, C::LDT>(dOsT, dout, q0, L, D);
    float ls[4], ds[4], acc[4][NO] = {};
#pragma unroll
    for (int r = 0; r < 4; ++r) {
        const int qi = q0 + 4 * ty + r;
        ls[r] = qi < L ? lse[qi] : att_neg_inf();
        ds[r] = qi < L ? dsum[qi] : 0.f;
    }
    const int kend = causal ? min(S, q0 + BR) : S;
    for (int k0 = 0; k0 < kend; k0 += BC) {
        __syncthreads();
        load_rows<BC, DP, C::LDN>(Ks, k, k0, S, D);
        load_rows<BC, DP, C::LDN>(Vs, v, k0, S, D);
        __syncthreads();
        float s[4][2] = {}, dp[4][2] = {};
        mm_bn<2, DP, C::LDT, C::LDN>(s, QsT, Ks, ty, tx);
        mm_bn<2, DP, C::LDT, C::LDN>(dp, dOsT, Vs, ty, tx);
#pragma unroll
        for (int r = 0; r < 4; ++r) {
            const int qi = q0 + 4 * ty + r;
#pragma unroll
            for (int c = 0; c < 2; ++c) {
                const int kj = k0 + tx + 16 * c;
                const bool ok = kj < S && qi < L && ls[r] != att_neg_inf() && !(causal && kj > qi);
                float x = s[r][c] * scale;
                if (ok && mask != nullptr) x += mask_at(mask, msq, msk, qi, kj);
                const float p = ok ? expf(x - ls[r]) : 0.f;
                dp[r][c] = p * (dp[r][c] - ds[r]);
            }
        }
#pragma unroll
        for (int c = 0; c < 2; ++c) {
            *reinterpret_cast<float4*>(dSsT + (tx + 16 * c) * C::LDS + 4 * ty) = make_float4(dp[0][c], dp[1][c], dp[2][c], dp[3][c]);
        }
        __syncthreads();
        mm_bk<NO, BC, C::LDS, C::LDN>(acc, dSsT, Ks, ty, tx);   // dQ[q][d] += Σ_key dS[q][key]·K[key][d]
    }
#pragma unroll
    for (int r = 0; r < 4; ++r) {
        const int qi = q0 + 4 * ty + r;
        if (qi >= L) continue;
#pragma unroll
        for (int c = 0; c < NO; ++c) {
            const int d = tx + 16 * c;
            if (d < D) dq[(size_t)qi * D + d] = acc[r][c] * scale;
        }
    }
}

// =================================================================================================
// 2. BF16 tensor cores (sm_80+ instructions: cp.async, ldmatrix, mma.sync)
// =================================================================================================

__device__ __forceinline__ uint32_t smem_addr(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }

__device__ __forceinline__ void cp_async16(uint32_t dst, const void* src) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(dst), "l"(src));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}
__device__ __forceinline__ void ldsm_x4_t(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}
__device__ __forceinline__ void st_shared_u32(uint32_t addr, uint32_t v) {
    asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(addr), "r"(v));
}

// c += a·b, m16n8k16, bf16 operands, f32 accumulators
__device__ __forceinline__ void mma_bf16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// {lo, hi} as two bf16 (round to nearest even); lo in the low half
__device__ __forceinline__ uint32_t pack_bf16(float lo, float hi) {
    uint32_t r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}
__device__ __forceinline__ unsigned short to_bf16(float x) {
    unsigned short r;
    asm("cvt.rn.bf16.f32 %0, %1;\n" : "=h"(r) : "f"(x));
    return r;
}

// 2^x (MUFU.EX2, flush to zero; 2^−inf = 0)
__device__ __forceinline__ float ex2(float x) {
    float r;
    asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(r) : "f"(x));
    return r;
}

__device__ __forceinline__ void atomic_add2(float* p, float a, float b) {
#if __CUDA_ARCH__ >= 900
    atomicAdd(reinterpret_cast<float2*>(p), make_float2(a, b));
#else
    atomicAdd(p, a);
    atomicAdd(p + 1, b);
#endif
}

// Byte offset of 16-byte chunk ch of row r in a tile of CH chunks per row (CH >= 8), XOR-swizzled.
template <int CH>
__device__ __forceinline__ uint32_t swz(int r, int ch) {
    return (uint32_t)(r * CH * 16 + ((ch ^ (r & 7)) << 4));
}

// Lane addresses for ldmatrix.x4 (g8 = lane % 8, h = (lane / 8) % 2, v = lane / 16):
//   A  (16×16 at rows r0, chunks 2kk):          row r0 + lane % 16,     chunk 2kk + v
//   B  from [n][k] storage (two n-tiles):        row n0 + g8 + 8v,       chunk 2kk + h
//   Bt from [k][n] storage (.trans, two n-tiles): row k0 + g8 + 8h,       chunk n0/8 + v
//   At from [k][m] storage (.trans):             row k0 + g8 + 8v,       chunk m0/8 + h

template <int D, int BC>
struct TcFwd {
    static constexpr int BR = 128, CH = D / 8, TQ = BR * D * 2, TKV = BC * D * 2;
    static constexpr int SMEM = TQ + 4 * TKV;
    static_assert(SMEM <= 227 * 1024, "shared memory");
};

template <int D, int BC>
__device__ __forceinline__ void fwd_tc(float* __restrict__ out, float* __restrict__ lse, const unsigned short* __restrict__ qb,
                                       const unsigned short* __restrict__ kb, const unsigned short* __restrict__ vb,
                                       const float* __restrict__ mask, int msb, int msq, int msk, int L, int S, int Lp, int Sp, float scale,
                                       int causal) {
    using C = TcFwd<D, BC>;
    constexpr int BR = C::BR, CH = C::CH;
    extern __shared__ uint4 att_smem_u4[];
    const uint32_t sQ = smem_addr(att_smem_u4), sK = sQ + C::TQ, sV = sK + 2 * C::TKV;
    const int tid = threadIdx.x, lane = tid & 31, w = tid >> 5, g = lane >> 2, t = lane & 3;
    const int g8 = lane & 7, h = (lane >> 3) & 1, vv = lane >> 4;
    const int b = blockIdx.y, ntq = (L + BR - 1) / BR;
    const int q0 = (causal ? ntq - 1 - (int)blockIdx.x : (int)blockIdx.x) * BR;
    const char* qg = reinterpret_cast<const char*>(qb + ((size_t)b * Lp + q0) * D);
    const char* kg = reinterpret_cast<const char*>(kb + (size_t)b * Sp * D);
    const char* vg = reinterpret_cast<const char*>(vb + (size_t)b * Sp * D);
    out += (size_t)b * L * D;
    lse += (size_t)b * L;
    if (mask) mask += (long long)b * msb;
    const float sl2 = scale * ATT_LOG2E;
    const int kend = causal ? min(S, q0 + BR) : S;
    const int nkt = (kend + BC - 1) / BC;

#pragma unroll
    for (int it = 0; it < BR * CH / ATT_THREADS; ++it) {
        const int c = tid + it * ATT_THREADS, r = c / CH, ch = c % CH;
        cp_async16(sQ + swz<CH>(r, ch), qg + (size_t)r * D * 2 + ch * 16);
    }
    auto load_kv = [&](int j, int stage) {
        const char* kt = kg + (size_t)j * BC * D * 2;
        const char* vt = vg + (size_t)j * BC * D * 2;
#pragma unroll
        for (int it = 0; it < BC * CH / ATT_THREADS; ++it) {
            const int c = tid + it * ATT_THREADS, r = c / CH, ch = c % CH;
            const uint32_t off = stage * C::TKV + swz<CH>(r, ch);
            cp_async16(sK + off, kt + (size_t)r * D * 2 + ch * 16);
            cp_async16(sV + off, vt + (size_t)r * D * 2 + ch * 16);
        }
    };
    if (nkt > 0) load_kv(0, 0);
    cp_async_commit();

    float o[D / 8][4];
#pragma unroll
    for (int i = 0; i < D / 8; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.f;
    float m0 = att_neg_inf(), m1 = att_neg_inf(), l0 = 0.f, l1 = 0.f;   // rows g and g + 8 of this warp, log2 units
    const int rlo = q0 + 16 * w + g, rhi = rlo + 8;

    for (int j = 0; j < nkt; ++j) {
        if (j + 1 < nkt) {
            load_kv(j + 1, (j + 1) & 1);
            cp_async_commit();
            cp_async_wait<1>();
        } else {
            cp_async_wait<0>();
        }
        __syncthreads();
        const uint32_t kst = sK + (j & 1) * C::TKV, vst = sV + (j & 1) * C::TKV;

        // S = Q·Kᵀ (16 × BC per warp)
        float s[BC / 8][4];
#pragma unroll
        for (int i = 0; i < BC / 8; ++i) s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.f;
#pragma unroll 1
        for (int kk = 0; kk < D / 16; ++kk) {
            uint32_t a[4];
            ldsm_x4(a, sQ + swz<CH>(16 * w + (lane & 15), 2 * kk + vv));
#pragma unroll
            for (int np = 0; np < BC / 16; ++np) {
                uint32_t bb[4];
                ldsm_x4(bb, kst + swz<CH>(16 * np + g8 + 8 * vv, 2 * kk + h));
                mma_bf16(s[2 * np], a, bb[0], bb[1]);
                mma_bf16(s[2 * np + 1], a, bb[2], bb[3]);
            }
        }

        // scale to log2 units, masks
        const int kbase = j * BC;
        const bool edge = mask != nullptr || kbase + BC > S || (causal && kbase + BC - 1 > q0 + 16 * w);
#pragma unroll
        for (int nt = 0; nt < BC / 8; ++nt) {
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                float x = s[nt][e] * sl2;
                if (edge) {
                    const int col = kbase + 8 * nt + 2 * t + (e & 1), row = e < 2 ? rlo : rhi;
                    if (col >= S || (causal && col > row)) x = att_neg_inf();
                    else if (mask != nullptr && row < L) x += mask_at(mask, msq, msk, row, col) * ATT_LOG2E;
                }
                s[nt][e] = x;
            }
        }

        // online softmax over the rows g (s[.][0..1]) and g + 8 (s[.][2..3]); a row lives in a quad
        float mx0 = att_neg_inf(), mx1 = att_neg_inf();
#pragma unroll
        for (int nt = 0; nt < BC / 8; ++nt) {
            mx0 = fmaxf(mx0, fmaxf(s[nt][0], s[nt][1]));
            mx1 = fmaxf(mx1, fmaxf(s[nt][2], s[nt][3]));
        }
        mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
        mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
        mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
        mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
        const float mn0 = fmaxf(m0, mx0), mn1 = fmaxf(m1, mx1);
        const float mu0 = mn0 == att_neg_inf() ? 0.f : mn0, mu1 = mn1 == att_neg_inf() ? 0.f : mn1;
        const float al0 = ex2(m0 - mu0), al1 = ex2(m1 - mu1);
        m0 = mn0;
        m1 = mn1;
        float rs0 = 0.f, rs1 = 0.f;
#pragma unroll
        for (int nt = 0; nt < BC / 8; ++nt) {
            s[nt][0] = ex2(s[nt][0] - mu0);
            s[nt][1] = ex2(s[nt][1] - mu0);
            s[nt][2] = ex2(s[nt][2] - mu1);
            s[nt][3] = ex2(s[nt][3] - mu1);
            rs0 += s[nt][0] + s[nt][1];
            rs1 += s[nt][2] + s[nt][3];
        }
        l0 = l0 * al0 + rs0;
        l1 = l1 * al1 + rs1;
#pragma unroll
        for (int i = 0; i < D / 8; ++i) {
            o[i][0] *= al0;
            o[i][1] *= al0;
            o[i][2] *= al1;
            o[i][3] *= al1;
        }

        // O += P·V: P from the score registers (16 keys per A fragment)
#pragma unroll
        for (int kk = 0; kk < BC / 16; ++kk) {
            uint32_t pa[4] = {pack_bf16(s[2 * kk][0], s[2 * kk][1]), pack_bf16(s[2 * kk][2], s[2 * kk][3]),
                              pack_bf16(s[2 * kk + 1][0], s[2 * kk + 1][1]), pack_bf16(s[2 * kk + 1][2], s[2 * kk + 1][3])};
#pragma unroll
            for (int dp = 0; dp < D / 16; ++dp) {
                uint32_t bb[4];
                ldsm_x4_t(bb, vst + swz<CH>(16 * kk + g8 + 8 * h, 2 * dp + vv));
                mma_bf16(o[2 * dp], pa, bb[0], bb[1]);
                mma_bf16(o[2 * dp + 1], pa, bb[2], bb[3]);
            }
        }
        __syncthreads();   // every warp is done with this stage before it is refilled
    }
    cp_async_wait<0>();

    l0 += __shfl_xor_sync(0xffffffffu, l0, 1);
    l0 += __shfl_xor_sync(0xffffffffu, l0, 2);
    l1 += __shfl_xor_sync(0xffffffffu, l1, 1);
    l1 += __shfl_xor_sync(0xffffffffu, l1, 2);
    const float inv0 = 1.f / l0, inv1 = 1.f / l1;   // l = 0: NaN rows, as the CPU kernel
    if (rlo < L) {
#pragma unroll
        for (int i = 0; i < D / 8; ++i)
            *reinterpret_cast<float2*>(out + (size_t)rlo * D + 8 * i + 2 * t) = make_float2(o[i][0] * inv0, o[i][1] * inv0);
        if (t == 0) lse[rlo] = m0 == att_neg_inf() ? att_neg_inf() : (m0 + __log2f(l0)) * ATT_LN2;
    }
    if (rhi < L) {
#pragma unroll
        for (int i = 0; i < D / 8; ++i)
            *reinterpret_cast<float2*>(out + (size_t)rhi * D + 8 * i + 2 * t) = make_float2(o[i][2] * inv1, o[i][3] * inv1);
        if (t == 0) lse[rhi] = m1 == att_neg_inf() ? att_neg_inf() : (m1 + __log2f(l1)) * ATT_LN2;
    }
}

template <int D>
struct TcBwd {
    static constexpr int BC = 128, BR = 64, CH = D / 8, TK = BC * D * 2, TQ = BR * D * 2, TDS = BC * BR * 2;
    static constexpr int SMEM = 2 * TK + 4 * TQ + TDS + 4 * BR * 4;
    static_assert(SMEM <= 227 * 1024, "shared memory");
};

template <int D>
__device__ __forceinline__ void bwd_tc(float* __restrict__ dq, float* __restrict__ dk, float* __restrict__ dv,
                                       const unsigned short* __restrict__ qb, const unsigned short* __restrict__ kb,
                                       const unsigned short* __restrict__ vb, const unsigned short* __restrict__ dob,
                                       const float* __restrict__ lse2, const float* __restrict__ dsum, const float* __restrict__ mask,
                                       int msb, int msq, int msk, int L, int S, int Lp, int Sp, float scale, int causal) {
    using C = TcBwd<D>;
    constexpr int BC = C::BC, BR = C::BR, CH = C::CH;
    extern __shared__ uint4 att_smem_u4[];
    const uint32_t sK = smem_addr(att_smem_u4), sV = sK + C::TK, sQ = sV + C::TK, sO = sQ + 2 * C::TQ, sS = sO + 2 * C::TQ;
    const uint32_t sF = sS + C::TDS;   // lse2[2][BR], dsum[2][BR]
    const float* fsm = reinterpret_cast<const float*>(reinterpret_cast<const char*>(att_smem_u4) + (2 * C::TK + 4 * C::TQ + C::TDS));
    const int tid = threadIdx.x, lane = tid & 31, w = tid >> 5, g = lane >> 2, t = lane & 3;
    const int g8 = lane & 7, h = (lane >> 3) & 1, vv = lane >> 4;
    const int b = blockIdx.y, k0 = blockIdx.x * BC;
    const char* qg = reinterpret_cast<const char*>(qb + (size_t)b * Lp * D);
    const char* og = reinterpret_cast<const char*>(dob + (size_t)b * Lp * D);
    const char* kg = reinterpret_cast<const char*>(kb + ((size_t)b * Sp + k0) * D);
    const char* vg = reinterpret_cast<const char*>(vb + ((size_t)b * Sp + k0) * D);
    const char* lg = reinterpret_cast<const char*>(lse2 + (size_t)b * Lp);
    const char* dg = reinterpret_cast<const char*>(dsum + (size_t)b * Lp);
    dq += (size_t)b * L * D;
    dk += (size_t)b * S * D;
    dv += (size_t)b * S * D;
    if (mask) mask += (long long)b * msb;
    const float sl2 = scale * ATT_LOG2E;

#pragma unroll
    for (int it = 0; it < BC * CH / ATT_THREADS; ++it) {
        const int c = tid + it * ATT_THREADS, r = c / CH, ch = c % CH;
        cp_async16(sK + swz<CH>(r, ch), kg + (size_t)r * D * 2 + ch * 16);
        cp_async16(sV + swz<CH>(r, ch), vg + (size_t)r * D * 2 + ch * 16);
    }
    const int ntq = (L + BR - 1) / BR, i0 = causal ? k0 / BR : 0;
    auto load_q = [&](int i, int stage) {
        const char* qt = qg + (size_t)i * BR * D * 2;
        const char* ot = og + (size_t)i * BR * D * 2;
#pragma unroll
        for (int it = 0; it < BR * CH / ATT_THREADS; ++it) {
            const int c = tid + it * ATT_THREADS, r = c / CH, ch = c % CH;
            const uint32_t off = stage * C::TQ + swz<CH>(r, ch);
            cp_async16(sQ + off, qt + (size_t)r * D * 2 + ch * 16);
            cp_async16(sO + off, ot + (size_t)r * D * 2 + ch * 16);
        }
        if (tid < BR / 4) cp_async16(sF + stage * BR * 4 + tid * 16, lg + (size_t)i * BR * 4 + tid * 16);
        else if (tid < BR / 2) cp_async16(sF + (2 + stage) * BR * 4 + (tid - BR / 4) * 16, dg + (size_t)i * BR * 4 + (tid - BR / 4) * 16);
    };
    if (i0 < ntq) load_q(i0, 0);
    cp_async_commit();

    float dka[D / 8][4], dva[D / 8][4];
#pragma unroll
    for (int i = 0; i < D / 8; ++i) {
        dka[i][0] = dka[i][1] = dka[i][2] = dka[i][3] = 0.f;
        dva[i][0] = dva[i][1] = dva[i][2] = dva[i][3] = 0.f;
    }
    const int klo = k0 + 16 * w + g, khi = klo + 8;

    for (int i = i0; i < ntq; ++i) {
        const int stage = (i - i0) & 1;
        if (i + 1 < ntq) {
            load_q(i + 1, stage ^ 1);
            cp_async_commit();
            cp_async_wait<1>();
        } else {
            cp_async_wait<0>();
        }
        __syncthreads();
        const uint32_t qs = sQ + stage * C::TQ, os = sO + stage * C::TQ;
        const float* ls = fsm + stage * BR;
        const float* dsm = fsm + (2 + stage) * BR;
        const int qbase = i * BR;

        // Sᵀ = K_w·Qᵀ: 16 keys × 64 queries per warp
        float sc[BR / 8][4];
#pragma unroll
        for (int n = 0; n < BR / 8; ++n) sc[n][0] = sc[n][1] = sc[n][2] = sc[n][3] = 0.f;
#pragma unroll 1
        for (int kk = 0; kk < D / 16; ++kk) {
            uint32_t a[4];
            ldsm_x4(a, sK + swz<CH>(16 * w + (lane & 15), 2 * kk + vv));
#pragma unroll
            for (int np = 0; np < BR / 16; ++np) {
                uint32_t bb[4];
                ldsm_x4(bb, qs + swz<CH>(16 * np + g8 + 8 * vv, 2 * kk + h));
                mma_bf16(sc[2 * np], a, bb[0], bb[1]);
                mma_bf16(sc[2 * np + 1], a, bb[2], bb[3]);
            }
        }
        // Pᵀ = exp2(s·scale·log2e + mask·log2e − lse·log2e); 0 where hidden, for padded keys, dead and padded rows.
        // Kept as bf16 pairs (the A operand of dV += Pᵀ·dO): 16 registers instead of 32.
        uint32_t pp[BR / 16][4];
#pragma unroll
        for (int n = 0; n < BR / 8; ++n) {
            float p[4];
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int key = e < 2 ? klo : khi, ql = 8 * n + 2 * t + (e & 1), qi = qbase + ql;
                const bool ok = key < S && !(causal && key > qi);
                float x = sc[n][e] * sl2;
                if (mask != nullptr && ok && qi < L) x += mask_at(mask, msq, msk, qi, key) * ATT_LOG2E;
                p[e] = ok ? ex2(x - ls[ql]) : 0.f;
            }
            pp[n >> 1][2 * (n & 1)] = pack_bf16(p[0], p[1]);
            pp[n >> 1][2 * (n & 1) + 1] = pack_bf16(p[2], p[3]);
        }
        // dV_w += Pᵀ·dO
#pragma unroll
        for (int kk = 0; kk < BR / 16; ++kk) {
#pragma unroll
            for (int dp = 0; dp < D / 16; ++dp) {
                uint32_t bb[4];
                ldsm_x4_t(bb, os + swz<CH>(16 * kk + g8 + 8 * h, 2 * dp + vv));
                mma_bf16(dva[2 * dp], pp[kk], bb[0], bb[1]);
                mma_bf16(dva[2 * dp + 1], pp[kk], bb[2], bb[3]);
            }
        }
        // dPᵀ = V_w·dOᵀ
        float dpt[BR / 8][4];
#pragma unroll
        for (int n = 0; n < BR / 8; ++n) dpt[n][0] = dpt[n][1] = dpt[n][2] = dpt[n][3] = 0.f;
#pragma unroll 1
        for (int kk = 0; kk < D / 16; ++kk) {
            uint32_t a[4];
            ldsm_x4(a, sV + swz<CH>(16 * w + (lane & 15), 2 * kk + vv));
#pragma unroll
            for (int np = 0; np < BR / 16; ++np) {
                uint32_t bb[4];
                ldsm_x4(bb, os + swz<CH>(16 * np + g8 + 8 * vv, 2 * kk + h));
                mma_bf16(dpt[2 * np], a, bb[0], bb[1]);
                mma_bf16(dpt[2 * np + 1], a, bb[2], bb[3]);
            }
        }
        // dSᵀ = Pᵀ∘(dPᵀ − D), with P as rounded to bf16 for dV (it is rounded to bf16 again as dS)
#pragma unroll
        for (int n = 0; n < BR / 8; ++n) {
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const uint32_t pair = pp[n >> 1][2 * (n & 1) + (e >> 1)];
                const float p = __uint_as_float((e & 1) ? (pair & 0xffff0000u) : (pair << 16));
                dpt[n][e] = p * (dpt[n][e] - dsm[8 * n + 2 * t + (e & 1)]);
            }
        }
        // dK_w += dSᵀ·Q; dSᵀ to shared memory (bf16, [key][query]) for dQ
#pragma unroll
        for (int kk = 0; kk < BR / 16; ++kk) {
            uint32_t da[4] = {pack_bf16(dpt[2 * kk][0], dpt[2 * kk][1]), pack_bf16(dpt[2 * kk][2], dpt[2 * kk][3]),
                              pack_bf16(dpt[2 * kk + 1][0], dpt[2 * kk + 1][1]), pack_bf16(dpt[2 * kk + 1][2], dpt[2 * kk + 1][3])};
            const int r0 = 16 * w + g;
            st_shared_u32(sS + swz<8>(r0, 2 * kk) + 4 * t, da[0]);
            st_shared_u32(sS + swz<8>(r0 + 8, 2 * kk) + 4 * t, da[1]);
            st_shared_u32(sS + swz<8>(r0, 2 * kk + 1) + 4 * t, da[2]);
            st_shared_u32(sS + swz<8>(r0 + 8, 2 * kk + 1) + 4 * t, da[3]);
#pragma unroll
            for (int dp = 0; dp < D / 16; ++dp) {
                uint32_t bb[4];
                ldsm_x4_t(bb, qs + swz<CH>(16 * kk + g8 + 8 * h, 2 * dp + vv));
                mma_bf16(dka[2 * dp], da, bb[0], bb[1]);
                mma_bf16(dka[2 * dp + 1], da, bb[2], bb[3]);
            }
        }
        __syncthreads();
        // dQ (64 × D) += dS·K: warp w takes query rows 16·(w % 4) and columns (w / 4)·D/2
        {
            const int mt = w & 3, dh = w >> 2;
            float dqa[D / 16][4];
#pragma unroll
            for (int n = 0; n < D / 16; ++n) dqa[n][0] = dqa[n][1] = dqa[n][2] = dqa[n][3] = 0.f;
#pragma unroll 1
            for (int kk = 0; kk < BC / 16; ++kk) {
                uint32_t a[4];
                ldsm_x4_t(a, sS + swz<8>(16 * kk + g8 + 8 * vv, 2 * mt + h));
#pragma unroll
                for (int dp = 0; dp < D / 32; ++dp) {
                    uint32_t bb[4];
                    ldsm_x4_t(bb, sK + swz<CH>(16 * kk + g8 + 8 * h, dh * (D / 16) + 2 * dp + vv));
                    mma_bf16(dqa[2 * dp], a, bb[0], bb[1]);
                    mma_bf16(dqa[2 * dp + 1], a, bb[2], bb[3]);
                }
            }
            const int qlo = qbase + 16 * mt + g, qhi = qlo + 8;
#pragma unroll
            for (int n = 0; n < D / 16; ++n) {
                const int col = dh * (D / 2) + 8 * n + 2 * t;
                if (qlo < L) atomic_add2(dq + (size_t)qlo * D + col, dqa[n][0] * scale, dqa[n][1] * scale);
                if (qhi < L) atomic_add2(dq + (size_t)qhi * D + col, dqa[n][2] * scale, dqa[n][3] * scale);
            }
        }
        __syncthreads();   // stage and dSᵀ are free for the next tile
    }
    cp_async_wait<0>();
#pragma unroll
    for (int i = 0; i < D / 8; ++i) {
        const int col = 8 * i + 2 * t;
        if (klo < S) {
            *reinterpret_cast<float2*>(dk + (size_t)klo * D + col) = make_float2(dka[i][0] * scale, dka[i][1] * scale);
            *reinterpret_cast<float2*>(dv + (size_t)klo * D + col) = make_float2(dva[i][0], dva[i][1]);
        }
        if (khi < S) {
            *reinterpret_cast<float2*>(dk + (size_t)khi * D + col) = make_float2(dka[i][2] * scale, dka[i][3] * scale);
            *reinterpret_cast<float2*>(dv + (size_t)khi * D + col) = make_float2(dva[i][2], dva[i][3]);
        }
    }
}

}  // namespace

// =================================================================================================
// Entry points
// =================================================================================================

#define ATTN_SIMT(DP, MINB)                                                                                                   \
    extern "C" __global__ void __launch_bounds__(ATT_THREADS, MINB)                                                           \
    attn_fwd_f32_d##DP(float* out, float* lse, const float* q, const float* k, const float* v, const float* mask, int msb,     \
                       int msq, int msk, int L, int S, int D, float scale, int causal) {                                      \
        fwd_simt<DP>(out, lse, q, k, v, mask, msb, msq, msk, L, S, D, scale, causal);                                         \
    }                                                                                                                         \
    extern "C" __global__ void __launch_bounds__(ATT_THREADS, MINB)                                                           \
    attn_bwd_dkdv_f32_d##DP(float* dk, float* dv, const float* q, const float* k, const float* v, const float* dout,          \
                            const float* lse, const float* dsum, const float* mask, int msb, int msq, int msk, int L, int S,  \
                            int D, float scale, int causal) {                                                                 \
        dkdv_simt<DP>(dk, dv, q, k, v, dout, lse, dsum, mask, msb, msq, msk, L, S, D, scale, causal);                         \
    }                                                                                                                         \
    extern "C" __global__ void __launch_bounds__(ATT_THREADS, MINB)                                                           \
    attn_bwd_dq_f32_d##DP(float* dq, const float* q, const float* k, const float* v, const float* dout, const float* lse,     \
                          const float* dsum, const float* mask, int msb, int msq, int msk, int L, int S, int D, float scale,  \
                          int causal) {                                                                                       \
        dq_simt<DP>(dq, q, k, v, dout, lse, dsum, mask, msb, msq, msk, L, S, D, scale, causal);                               \
    }
ATTN_SIMT(64, 2)
ATTN_SIMT(128, 2)

// dsum[r] = Σ_d dout[r][d]·out[r][d] for r < rows (one warp per row)
extern "C" __global__ void __launch_bounds__(ATT_THREADS) attn_bwd_dsum_f32(float* dsum, const float* dout, const float* out, int rows,
                                                                            int D) {
    const int lane = threadIdx.x & 31;
    const int nw = global_threads() / JG_WARP;
    for (int r = global_thread() / JG_WARP; r < rows; r += nw) {
        float acc = 0.f;
        for (int d = lane; d < D; d += JG_WARP) acc = fmaf(dout[(size_t)r * D + d], out[(size_t)r * D + d], acc);
        acc = warp_reduce(acc, [](float a, float b) { return a + b; });
        if (lane == 0) dsum[r] = acc;
    }
}

// dst [bh, rowsPadded, D] bf16 = src [bh, rows, D] float32, zero rows from rows to rowsPadded (D % 8 == 0)
extern "C" __global__ void __launch_bounds__(ATT_THREADS) attn_pack_bf16(unsigned short* dst, const float* src, int bh, int rows,
                                                                         int rowsPadded, int D) {
    const int per_row = D / 8;
    const long long chunks = (long long)bh * rowsPadded * per_row;
    const bool vec = aligned_to(src, 16);
    for (long long c = global_thread(); c < chunks; c += global_threads()) {
        const long long row = c / per_row;
        const int ch = (int)(c - row * per_row);
        const int b = (int)(row / rowsPadded), r = (int)(row - (long long)b * rowsPadded);
        uint4 o = make_uint4(0, 0, 0, 0);
        if (r < rows) {
            const float* s = src + ((size_t)b * rows + r) * D + 8 * ch;
            float x[8];
            if (vec) {
                const float4 a = reinterpret_cast<const float4*>(s)[0], e = reinterpret_cast<const float4*>(s)[1];
                x[0] = a.x; x[1] = a.y; x[2] = a.z; x[3] = a.w; x[4] = e.x; x[5] = e.y; x[6] = e.z; x[7] = e.w;
            } else {
#pragma unroll
                for (int i = 0; i < 8; ++i) x[i] = s[i];
            }
            o = make_uint4(pack_bf16(x[0], x[1]), pack_bf16(x[2], x[3]), pack_bf16(x[4], x[5]), pack_bf16(x[6], x[7]));
        }
        reinterpret_cast<uint4*>(dst)[c] = o;
    }
}

// Per padded query row (one warp each): dsum = Σ dout·out, lse2 = lse·log2(e) (+inf when the row
// saw no key or is padding, so that P = 2^(x − lse2) = 0), dob = bf16(dout) (zero rows for padding).
extern "C" __global__ void __launch_bounds__(ATT_THREADS) attn_bwd_prep_bf16(float* dsum, float* lse2, unsigned short* dob,
                                                                             const float* dout, const float* out, const float* lse, int bh,
                                                                             int L, int Lp, int D) {
    const int lane = threadIdx.x & 31;
    const int nw = global_threads() / JG_WARP;
    const long long rows = (long long)bh * Lp;
    for (long long row = global_thread() / JG_WARP; row < rows; row += nw) {
        const int b = (int)(row / Lp), r = (int)(row - (long long)b * Lp);
        unsigned short* o = dob + (size_t)row * D;
        float acc = 0.f;
        if (r < L) {
            const size_t src = ((size_t)b * L + r) * D;
            for (int d = lane; d < D; d += JG_WARP) {
                const float x = dout[src + d];
                acc = fmaf(x, out[src + d], acc);
                o[d] = to_bf16(x);
            }
        } else {
            for (int d = lane; d < D; d += JG_WARP) o[d] = 0;
        }
        acc = warp_reduce(acc, [](float a, float b) { return a + b; });
        if (lane == 0) {
            dsum[row] = acc;
            const float l = r < L ? lse[(size_t)b * L + r] : att_neg_inf();
            lse2[row] = l == att_neg_inf() ? att_pos_inf() : l * ATT_LOG2E;
        }
    }
}

#define ATTN_TC(D, BC, MINB)                                                                                                  \
    extern "C" __global__ void __launch_bounds__(ATT_THREADS, MINB)                                                           \
    attn_fwd_bf16_d##D(float* out, float* lse, const unsigned short* qb, const unsigned short* kb, const unsigned short* vb,   \
                       const float* mask, int msb, int msq, int msk, int L, int S, int Lp, int Sp, float scale, int causal) { \
        fwd_tc<D, BC>(out, lse, qb, kb, vb, mask, msb, msq, msk, L, S, Lp, Sp, scale, causal);                                \
    }                                                                                                                         \
    extern "C" __global__ void __launch_bounds__(ATT_THREADS, 1)                                                              \
    attn_bwd_bf16_d##D(float* dq, float* dk, float* dv, const unsigned short* qb, const unsigned short* kb,                   \
                       const unsigned short* vb, const unsigned short* dob, const float* lse2, const float* dsum,             \
                       const float* mask, int msb, int msq, int msk, int L, int S, int Lp, int Sp, float scale, int causal) { \
        bwd_tc<D>(dq, dk, dv, qb, kb, vb, dob, lse2, dsum, mask, msb, msq, msk, L, S, Lp, Sp, scale, causal);                 \
    }
ATTN_TC(64, 64, 2)
ATTN_TC(128, 64, 1)
