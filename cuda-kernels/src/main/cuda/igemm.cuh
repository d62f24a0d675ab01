// igemm.cuh — the block-tile GEMM engine shared by gemm.cu (version 4) and convgemm.cu (the
// implicit-GEMM convolutions): C[m, n] = sum_k A[m, k] * B[k, n] over one block tile, where
// A and B are not matrices in memory but "loaders" that fetch 4 values at a time from wherever
// the operand lives (a row-major matrix, an NHWC image seen through a convolution window, ...).
//
// Tile: BM x BN outputs per block, BK = 16 deep, warps of 64 x 32 outputs (WARPS_M x WARPS_N
// warps, 32 threads each). Shared memory holds both operands k-major, As[k][m] and Bs[k][n]
// (pitch BM + 8 and BN + 8 floats), in two buffers: while the block computes on one, the next
// tile's global loads are in flight into registers, then stored into the other (one barrier
// per tile).
//
// Two compute cores over the same shared-memory tiles:
//   * FP32 SIMT: each thread owns an 8 x 8 block of outputs (two 4-row groups 32 apart, two
//     4-column groups 16 apart), reads 2+2 float4 per k and does 64 FMAs.
//   * TF32 tensor cores: mma.sync.m16n8k8 (fp32 accumulate); each warp runs 4 x 4 MMAs per
//     8-deep step. The loaders round the values to TF32 (cvt.rna) when storing them, once per
//     element. Fragment reads are conflict-free: pitch = 8 mod 32 words puts the 4 k-rows x 8
//     m-columns a fragment load touches on 32 distinct banks.
//
// Loaders (two kinds, by which way the source is contiguous):
//   * KRows<ROWS>: the source is contiguous along k (row-major A, a KRSC filter, NHWC activations
//     along channels). Thread t owns row t % ROWS and k-quads t / ROWS + i * (THREADS / ROWS);
//     a quad is fetched as a float4 when the policy can, else element by element, and stored
//     transposed (4 scalar stores; a warp writes 32 consecutive rows: no bank conflict).
//   * KCols<COLS>: the source is contiguous along the tile's columns (row-major B, NHWC dy along
//     channels). Thread t owns column quad t % (COLS / 4) of k-rows t / (COLS / 4) + i * ...,
//     stored as one float4.
//   A policy (Src) supplies: `void row(int r)` / `void col(int c)` once, and
//   `float4 fetch(int k)` returning 4 consecutive values along the contiguous direction, zero
//   outside the operand (and at k >= kEnd).
//
// Build: included by gemm.cu and convgemm.cu; see cuda-kernels/build-kernels.sh.
#pragma once

#include <stdint.h>

namespace ig {

__device__ __forceinline__ uint32_t to_tf32(float x) {
    uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}

__device__ __forceinline__ float4 f4(float a, float b, float c, float d) { return make_float4(a, b, c, d); }

__device__ __forceinline__ float4 round_tf32(float4 v) {
    return f4(__uint_as_float(to_tf32(v.x)), __uint_as_float(to_tf32(v.y)), __uint_as_float(to_tf32(v.z)),
              __uint_as_float(to_tf32(v.w)));
}

__device__ __forceinline__ void mma_tf32(float* d, const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
                 "{%0, %1, %2, %3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

template <int BM_, int BN_>
struct Cfg {
    static constexpr int BM = BM_, BN = BN_, BK = 16, WM = 64, WN = 32;
    static constexpr int WARPS_M = BM / WM, WARPS_N = BN / WN, THREADS = WARPS_M * WARPS_N * 32;
    static constexpr int PA = BM + 8, PB = BN + 8;   // shared-memory pitch in floats (8 mod 32: see above)
    static constexpr int SA = BK * PA, SB = BK * PB;  // floats per buffer
    static constexpr int SMEM_FLOATS = 2 * (SA + SB);
    static_assert(BM % WM == 0 && BN % WN == 0, "tile must be a whole number of warps");
    static_assert(PA % 32 == 8 && PB % 32 == 8, "pitch must be 8 mod 32 for conflict-free TF32 fragments");
};

// ---- loaders ---------------------------------------------------------------------------------

// Source contiguous along k; fills S[k][row] for ROWS rows.
template <int ROWS, int THREADS, int BK, int PITCH, class Src>
struct KRows {
    static_assert(THREADS % ROWS == 0, "each thread owns one row");
    static constexpr int STEP = THREADS / ROWS;         // k-quads between a thread's slots
    static constexpr int N = ROWS * BK / 4 / THREADS;   // quads per thread
    static_assert(N >= 1 && STEP * N * 4 == BK, "quads must tile BK");
    Src src;
    float4 r[N];
    int row, kq;
    __device__ __forceinline__ void init(int tid) {
        row = tid % ROWS;
        kq = tid / ROWS;
        src.row(row);
    }
    __device__ __forceinline__ void load(int k0) {
#pragma unroll
        for (int i = 0; i < N; ++i) r[i] = src.fetch(k0 + (kq + i * STEP) * 4);
    }
    template <bool TF32>
    __device__ __forceinline__ void store(float* S) const {
#pragma unroll
        for (int i = 0; i < N; ++i) {
            float4 v = TF32 ? round_tf32(r[i]) : r[i];
            float* p = S + (kq + i * STEP) * 4 * PITCH + row;
            p[0] = v.x;
            p[PITCH] = v.y;
            p[2 * PITCH] = v.z;
            p[3 * PITCH] = v.w;
        }
    }
};

// Source contiguous along the tile's columns; fills S[k][col] for COLS columns.
template <int COLS, int THREADS, int BK, int PITCH, class Src>
struct KCols {
    static constexpr int QUADS = COLS / 4;
    static_assert(THREADS % QUADS == 0, "each thread owns one column quad");
    static constexpr int STEP = THREADS / QUADS;   // k-rows between a thread's slots
    static constexpr int N = BK / STEP;
    static_assert(N >= 1 && N * STEP == BK, "rows must tile BK");
    Src src;
    float4 r[N];
    int cq, kr;
    __device__ __forceinline__ void init(int tid) {
        cq = tid % QUADS;
        kr = tid / QUADS;
        src.col(cq * 4);
    }
    __device__ __forceinline__ void load(int k0) {
#pragma unroll
        for (int i = 0; i < N; ++i) r[i] = src.fetch(k0 + kr + i * STEP);
    }
    template <bool TF32>
    __device__ __forceinline__ void store(float* S) const {
#pragma unroll
        for (int i = 0; i < N; ++i) {
            float4 v = TF32 ? round_tf32(r[i]) : r[i];
            *reinterpret_cast<float4*>(S + (kr + i * STEP) * PITCH + cq * 4) = v;
        }
    }
};

// Row-major matrix seen by rows (contiguous along k): element (r, k) = p[r * ld + k].
struct MatRows {
    const float* p;
    long long ld;
    int rows, kEnd;
    bool vec;
    const float* rp;
    bool ok;
    __device__ __forceinline__ void row(int r) {
        ok = r < rows;
        rp = p + (long long)(ok ? r : 0) * ld;
    }
    __device__ __forceinline__ float4 fetch(int k) const {
        float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
        if (!ok) return v;
        if (vec && k + 3 < kEnd) return *reinterpret_cast<const float4*>(rp + k);
        if (k < kEnd) v.x = rp[k];
        if (k + 1 < kEnd) v.y = rp[k + 1];
        if (k + 2 < kEnd) v.z = rp[k + 2];
        if (k + 3 < kEnd) v.w = rp[k + 3];
        return v;
    }
};

// Row-major matrix seen by columns (contiguous along the tile's columns): element (k, c) = p[k * ld + c].
struct MatCols {
    const float* p;
    long long ld;
    int cols, kEnd;
    bool vec;
    int c0;
    __device__ __forceinline__ void col(int c) { c0 = c; }
    __device__ __forceinline__ float4 fetch(int k) const {
        float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
        if (k >= kEnd) return v;
        const float* r = p + k * ld + c0;
        if (vec && c0 + 3 < cols) return *reinterpret_cast<const float4*>(r);
        if (c0 < cols) v.x = r[0];
        if (c0 + 1 < cols) v.y = r[1];
        if (c0 + 2 < cols) v.z = r[2];
        if (c0 + 3 < cols) v.w = r[3];
        return v;
    }
};

// ---- output ---------------------------------------------------------------------------------------

// Row-major output block: element (m, n) of the tile goes to p[m * ld + n] when m < rows, n < cols.
struct Out {
    float* p;
    long long ld;
    int rows, cols;
    bool vec4, vec2;   // ld and p allow float4 / float2 stores
    __device__ __forceinline__ void put4(int m, int n, float a, float b, float c, float d) const {
        if (m >= rows) return;
        float* q = p + m * ld + n;
        if (vec4 && n + 3 < cols) {
            *reinterpret_cast<float4*>(q) = f4(a, b, c, d);
        } else {
            if (n < cols) q[0] = a;
            if (n + 1 < cols) q[1] = b;
            if (n + 2 < cols) q[2] = c;
            if (n + 3 < cols) q[3] = d;
        }
    }
    __device__ __forceinline__ void put2(int m, int n, float a, float b) const {
        if (m >= rows) return;
        float* q = p + m * ld + n;
        if (vec2 && n + 1 < cols) {
            *reinterpret_cast<float2*>(q) = make_float2(a, b);
        } else {
            if (n < cols) q[0] = a;
            if (n + 1 < cols) q[1] = b;
        }
    }
};

__device__ __forceinline__ Out make_out(float* p, long long ld, int rows, int cols) {
    Out o;
    o.p = p;
    o.ld = ld;
    o.rows = rows;
    o.cols = cols;
    o.vec4 = (ld % 4 == 0) && ((uintptr_t)p % 16 == 0);
    o.vec2 = (ld % 2 == 0) && ((uintptr_t)p % 8 == 0);
    return o;
}

// ---- the main loop ------------------------------------------------------------------------------

// Runs the tile over k in [kBeg, kEnd) (kBeg a multiple of 4) and writes it through the Out that
// make() returns (offset to the tile's origin). LA fills As, LB fills Bs; both were
// init()-ed by the caller. smem holds C::SMEM_FLOATS floats, 16-byte aligned.
template <class C, bool TF32, class LA, class LB, class MakeOut>
__device__ __forceinline__ void run_tile(float* smem, LA& la, LB& lb, int kBeg, int kEnd, MakeOut make) {
    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    const int wm = (warp / C::WARPS_N) * C::WM, wn = (warp % C::WARPS_N) * C::WN;
    float acc[64];
#pragma unroll
    for (int i = 0; i < 64; ++i) acc[i] = 0.f;

    // buffer b: As at smem + b * SA, Bs at smem + 2 * SA + b * SB (no pointer arrays: a run-time
    // index into a local array would put it in local memory)
    float* const As0 = smem;
    float* const Bs0 = smem + 2 * C::SA;
    const int tiles = kEnd > kBeg ? (kEnd - kBeg + C::BK - 1) / C::BK : 0;
    if (tiles > 0) {
        la.load(kBeg);
        lb.load(kBeg);
        la.template store<TF32>(As0);
        lb.template store<TF32>(Bs0);
    }
    __syncthreads();
    for (int t = 0; t < tiles; ++t) {
        const int cur = t & 1;
        const bool more = t + 1 < tiles;
        if (more) {
            la.load(kBeg + (t + 1) * C::BK);
            lb.load(kBeg + (t + 1) * C::BK);
        }
        const float* A = As0 + cur * C::SA;
        const float* B = Bs0 + cur * C::SB;
        if (!TF32) {
            const int lm = lane / 4, ln = lane % 4;
#pragma unroll
            for (int k = 0; k < C::BK; ++k) {
                float4 a0 = *reinterpret_cast<const float4*>(A + k * C::PA + wm + lm * 4);
                float4 a1 = *reinterpret_cast<const float4*>(A + k * C::PA + wm + 32 + lm * 4);
                float4 b0 = *reinterpret_cast<const float4*>(B + k * C::PB + wn + ln * 4);
                float4 b1 = *reinterpret_cast<const float4*>(B + k * C::PB + wn + 16 + ln * 4);
                const float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
                const float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
                for (int i = 0; i < 8; ++i)
#pragma unroll
                    for (int j = 0; j < 8; ++j) acc[i * 8 + j] = fmaf(a[i], b[j], acc[i * 8 + j]);
            }
        } else {
            const int g = lane / 4, q = lane % 4;
#pragma unroll
            for (int kk = 0; kk < C::BK; kk += 8) {
                uint32_t af[4][4], bf[4][2];
#pragma unroll
                for (int mi = 0; mi < 4; ++mi) {
                    const float* p = A + (kk + q) * C::PA + wm + mi * 16 + g;
                    af[mi][0] = __float_as_uint(p[0]);
                    af[mi][1] = __float_as_uint(p[8]);
                    af[mi][2] = __float_as_uint(p[4 * C::PA]);
                    af[mi][3] = __float_as_uint(p[4 * C::PA + 8]);
                }
#pragma unroll
                for (int ni = 0; ni < 4; ++ni) {
                    const float* p = B + (kk + q) * C::PB + wn + ni * 8 + g;
                    bf[ni][0] = __float_as_uint(p[0]);
                    bf[ni][1] = __float_as_uint(p[4 * C::PB]);
                }
#pragma unroll
                for (int mi = 0; mi < 4; ++mi)
#pragma unroll
                    for (int ni = 0; ni < 4; ++ni) {
                        mma_tf32(&acc[(mi * 4 + ni) * 4], af[mi], bf[ni]);
                    }
            }
        }
        if (more) {
            la.template store<TF32>(As0 + (cur ^ 1) * C::SA);
            lb.template store<TF32>(Bs0 + (cur ^ 1) * C::SB);
        }
        __syncthreads();
    }

    const Out out = make();   // built only now: nothing of it is live during the main loop
    if (!TF32) {
        const int lm = lane / 4, ln = lane % 4;
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            const int m = wm + (i < 4 ? lm * 4 + i : 32 + lm * 4 + (i - 4));
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const float* v = &acc[i * 8 + h * 4];
                out.put4(m, wn + h * 16 + ln * 4, v[0], v[1], v[2], v[3]);
            }
        }
    } else {
        const int g = lane / 4, q = lane % 4;
#pragma unroll
        for (int mi = 0; mi < 4; ++mi)
#pragma unroll
            for (int ni = 0; ni < 4; ++ni) {
                const float* v = &acc[(mi * 4 + ni) * 4];
                const int m = wm + mi * 16 + g, n = wn + ni * 8 + 2 * q;
                out.put2(m, n, v[0], v[1]);
                out.put2(m + 8, n, v[2], v[3]);
            }
    }
}

}  // namespace ig
