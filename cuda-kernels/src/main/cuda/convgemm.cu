// convgemm.cu — 2-D convolution forward, backward-data and backward-weight as implicit GEMMs on
// NHWC tensors (no im2col buffer), FP32 SIMT or TF32 tensor cores, plus the layout transposes
// and the split-K sum they need.
//
// What it computes (x [N][H][W][C], filters Wr [K][R][S][Cg] (KRSC), y/dy [N][P][Q][K], groups G,
// Cg = C / G, Kg = K / G, any stride, padding, dilation; one GEMM per group along gridDim.z):
//   conv_fwd_*:   y[n,p,q, g Kg + ko] = sum_{r,s,c} x[n, p sh - ph + r dh, q sw - pw + s dw, g Cg + c] Wr[g Kg + ko, r, s, c]
//                 GEMM M = N P Q (output pixels), N = Kg, K = R S Cg (c fastest); zero outside the image.
//   conv_dgrad_*: dx[n,h,w, g Cg + c] = sum_{r,s,ko} dy[n, p, q, g Kg + ko] Wr[g Kg + ko, r, s, c]
//                 over the (p, q) with p sh = h + ph - r dh (exactly) and q likewise, in range.
//                 GEMM M = N H W, N = Cg, K = R S Kg (ko fastest). With a stride > 1 the taps that do
//                 not divide are fetched as zeros (correct, wasteful: the plain path).
//   conv_wgrad_*: dW[g Kg + ko, r, s, c] = sum_{n,p,q} dy[n,p,q, g Kg + ko] x[n, p sh - ph + r dh, q sw - pw + s dw, g Cg + c]
//                 GEMM M = Kg, N = R S Cg, K = N P Q, split over gridDim.z into `splits` chunks of
//                 `kchunk` (a multiple of 16): with splits > 1 each chunk writes its own partial
//                 [K][R S Cg] block of the workspace and splitk_sum_f32 adds them in a fixed order
//                 (deterministic; no atomics).
//   transpose_f32: out[b][c][r] = in[b][r][c] (NCHW <-> NHWC, KCRS <-> KRSC), 32 x 32 tiles through
//                 shared memory.
//   splitk_sum_f32: out[i] = sum_s ws[s n + i], s in order.
//
// Versions: 1. Every GEMM runs igemm.cuh's engine (double-buffered 16-deep shared-memory tiles,
// warps of 64 x 32; FP32: 8 x 8 outputs per thread; TF32: mma.sync.m16n8k8) with loaders that
// compute the convolution's addresses: one (n, p, q) decode per thread per block (its row),
// one (r, s, c) decode per 4-element fetch. A fetch is one float4 when the 4 consecutive
// elements share the filter tap and are aligned (Cg % 4 == 0 and C % 4 == 0 for x, Kg % 4 == 0
// and K % 4 == 0 for dy, R S Cg % 4 == 0 for the filters), else element by element with bounds
// checks: every geometry is handled, the common one fast. Tile shapes (suffix MxN): 128x128
// (256 threads), 128x64 and 64x128 (128 threads); the Java side (ConvKernels) picks by the
// GEMM's N (or M for wgrad) so that 64-channel layers do not compute half-empty tiles.
//
// Resources (nvcc 13.0, -O3, -Xptxas -v; PTXAS.txt has every target; GemmPlanTest checks these):
//   sm_90:  conv_fwd_f32_128x128 regs=128 smem=34816 | conv_fwd_f32_128x64 regs=167 smem=26624
//           conv_fwd_tf32_128x128 regs=128 smem=34816 | conv_fwd_tf32_128x64 regs=158 smem=26624
//           conv_dgrad_f32_128x128 regs=128 smem=34816 | conv_dgrad_f32_128x64 regs=167 smem=26624
//           conv_dgrad_tf32_128x128 regs=124 smem=34816 | conv_dgrad_tf32_128x64 regs=162 smem=26624
//           conv_wgrad_f32_128x128 regs=128 smem=34816 | conv_wgrad_f32_64x128 regs=167 smem=26624
//           conv_wgrad_tf32_128x128 regs=128 smem=34816 | conv_wgrad_tf32_64x128 regs=164 smem=26624
//           transpose_f32 regs=29 smem=4224 | splitk_sum_f32 regs=32
//   Launch bounds: 128x128 (256, 2) -> at most 128 registers, 2 blocks per SM; 128-thread tiles
//   (128, 3) -> at most 168, 3 blocks per SM. No kernel spills or uses a stack frame (sm_80 too).
//
// Build: cuda-kernels/build-kernels.sh, e.g.  nvcc -std=c++17 -O3 -Xptxas -v -cubin -arch=sm_90 convgemm.cu
#include "common.cuh"
#include "igemm.cuh"

// Geometry passed by value (20 ints); sizes as in the header.
struct ConvParams {
    int n, h, w, c, k, r, s, p, q, sh, sw, ph, pw, dh, dw, groups, cg, kg, splits, kchunk;
};

// ---- forward: A = the input through the window (rows: output pixels), B = the filters ----------
struct FwdA {
    const float* x;           // image 0, channel g Cg
    const ConvParams* g;
    int kEnd;
    bool vec;
    const float* xn;
    int h0, w0;
    bool ok;
    int m0;
    __device__ __forceinline__ void row(int r) {
        const int m = m0 + r, M = g->n * g->p * g->q;
        ok = m < M;
        const int mm = ok ? m : 0;
        const int q = mm % g->q, t = mm / g->q, p = t % g->p, n = t / g->p;
        xn = x + (long long)n * g->h * g->w * g->c;
        h0 = p * g->sh - g->ph;
        w0 = q * g->sw - g->pw;
    }
    __device__ __forceinline__ float tap(int k) const {   // one element, k < kEnd
        const int c = k % g->cg, rs = k / g->cg, r = rs / g->s, s = rs - r * g->s;
        const int h = h0 + r * g->dh, w = w0 + s * g->dw;
        return ((unsigned)h < (unsigned)g->h && (unsigned)w < (unsigned)g->w) ? xn[((long long)h * g->w + w) * g->c + c] : 0.f;
    }
    __device__ __forceinline__ float4 fetch(int k) const {
        float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
        if (!ok || k >= kEnd) return v;
        if (vec) {   // Cg % 4 == 0: the 4 channels share the tap
            const int c = k % g->cg, rs = k / g->cg, r = rs / g->s, s = rs - r * g->s;
            const int h = h0 + r * g->dh, w = w0 + s * g->dw;
            if ((unsigned)h < (unsigned)g->h && (unsigned)w < (unsigned)g->w)
                v = *reinterpret_cast<const float4*>(xn + ((long long)h * g->w + w) * g->c + c);
            return v;
        }
        v.x = tap(k);
        if (k + 1 < kEnd) v.y = tap(k + 1);
        if (k + 2 < kEnd) v.z = tap(k + 2);
        if (k + 3 < kEnd) v.w = tap(k + 3);
        return v;
    }
};

// ---- backward data: A = dy through the transposed window (rows: input pixels), B = the filters ----
struct DgradA {
    const float* dy;          // image 0, channel g Kg
    const ConvParams* g;
    int kEnd;
    bool vec;
    const float* dyn;
    int hp, wp;               // h + ph, w + pw
    bool ok;
    int m0;
    __device__ __forceinline__ void row(int r) {
        const int m = m0 + r, M = g->n * g->h * g->w;
        ok = m < M;
        const int mm = ok ? m : 0;
        const int w = mm % g->w, t = mm / g->w, h = t % g->h, n = t / g->h;
        dyn = dy + (long long)n * g->p * g->q * g->k;
        hp = h + g->ph;
        wp = w + g->pw;
    }
    // offset of dy[n, p, q, ko] for reduction index k, or -1 when the tap does not land on an output
    __device__ __forceinline__ long long at(int k) const {
        const int ko = k % g->kg, rs = k / g->kg, r = rs / g->s, s = rs - r * g->s;
        const int th = hp - r * g->dh, tw = wp - s * g->dw;
        if (th < 0 || tw < 0) return -1;
        const int p = th / g->sh, q = tw / g->sw;
        if (p * g->sh != th || q * g->sw != tw || p >= g->p || q >= g->q) return -1;
        return ((long long)p * g->q + q) * g->k + ko;
    }
    __device__ __forceinline__ float one(int k) const {
        const long long o = at(k);
        return o >= 0 ? dyn[o] : 0.f;
    }
    __device__ __forceinline__ float4 fetch(int k) const {
        float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
        if (!ok || k >= kEnd) return v;
        if (vec) {   // Kg % 4 == 0: the 4 output channels share the tap
            const long long o = at(k);
            if (o >= 0) v = *reinterpret_cast<const float4*>(dyn + o);
            return v;
        }
        v.x = one(k);
        if (k + 1 < kEnd) v.y = one(k + 1);
        if (k + 2 < kEnd) v.z = one(k + 2);
        if (k + 3 < kEnd) v.w = one(k + 3);
        return v;
    }
};

// B of dgrad: element (k = (r, s, ko), c) = Wr[g Kg + ko, r, s, n0 + c]; contiguous along c.
struct DgradB {
    const float* wr;          // filter g Kg, channel n0 of the group
    const ConvParams* g;
    int kEnd, cols;           // cols = Cg - n0
    bool vec;
    int c0;
    __device__ __forceinline__ void col(int c) { c0 = c; }
    __device__ __forceinline__ float4 fetch(int k) const {
        float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
        if (k >= kEnd) return v;
        const int ko = k % g->kg, rs = k / g->kg;
        const float* p = wr + ((long long)ko * g->r * g->s + rs) * g->cg + c0;
        if (vec && c0 + 3 < cols) return *reinterpret_cast<const float4*>(p);
        if (c0 < cols) v.x = p[0];
        if (c0 + 1 < cols) v.y = p[1];
        if (c0 + 2 < cols) v.z = p[2];
        if (c0 + 3 < cols) v.w = p[3];
        return v;
    }
};

// ---- backward weight: A = dy^T (contiguous along the GEMM's M = output channels), B = the input
// through the window, columns (r, s, c) ----------------------------------------------------------
struct WgradB {
    const float* x;           // image 0, channel g Cg
    const ConvParams* g;
    int kEnd, cols;           // cols = R S Cg - n0
    bool vec;
    int n0, c0;
    int hoff, woff, cc;       // decode of column n0 + c0 (vec path)
    __device__ __forceinline__ void col(int c) {
        c0 = c;
        const int j = n0 + c, ch = j % g->cg, rs = j / g->cg, r = rs / g->s, s = rs - r * g->s;
        cc = ch;
        hoff = r * g->dh - g->ph;
        woff = s * g->dw - g->pw;
    }
    __device__ __forceinline__ float one(const float* xn, int p, int q, int j) const {   // column j (absolute)
        const int ch = j % g->cg, rs = j / g->cg, r = rs / g->s, s = rs - r * g->s;
        const int h = p * g->sh - g->ph + r * g->dh, w = q * g->sw - g->pw + s * g->dw;
        return ((unsigned)h < (unsigned)g->h && (unsigned)w < (unsigned)g->w) ? xn[((long long)h * g->w + w) * g->c + ch] : 0.f;
    }
    __device__ __forceinline__ float4 fetch(int k) const {
        float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
        if (k >= kEnd || c0 >= cols) return v;
        const int PQ = g->p * g->q;
        const int n = k / PQ, pq = k - n * PQ, p = pq / g->q, q = pq - p * g->q;
        const float* xn = x + (long long)n * g->h * g->w * g->c;
        if (vec && c0 + 3 < cols) {   // Cg % 4 == 0: the 4 columns share the tap
            const int h = p * g->sh + hoff, w = q * g->sw + woff;
            if ((unsigned)h < (unsigned)g->h && (unsigned)w < (unsigned)g->w)
                v = *reinterpret_cast<const float4*>(xn + ((long long)h * g->w + w) * g->c + cc);
            return v;
        }
        const int j = n0 + c0;
        v.x = one(xn, p, q, j);
        if (c0 + 1 < cols) v.y = one(xn, p, q, j + 1);
        if (c0 + 2 < cols) v.z = one(xn, p, q, j + 2);
        if (c0 + 3 < cols) v.w = one(xn, p, q, j + 3);
        return v;
    }
};

// ---- kernels ------------------------------------------------------------------------------------

template <class C, bool TF32>
__device__ __forceinline__ void conv_fwd(float* y, const float* __restrict__ x, const float* __restrict__ wr, const ConvParams& g) {
    __shared__ __align__(16) float smem[C::SMEM_FLOATS];
    const int grp = blockIdx.z, m0 = blockIdx.x * C::BM, n0 = blockIdx.y * C::BN;
    const int RSC = g.r * g.s * g.cg, M = g.n * g.p * g.q;
    ig::KRows<C::BM, C::THREADS, C::BK, C::PA, FwdA> la;
    la.src.x = x + grp * g.cg;
    la.src.g = &g;
    la.src.kEnd = RSC;
    la.src.vec = g.cg % 4 == 0 && g.c % 4 == 0 && aligned_to(x, 16);
    la.src.m0 = m0;
    la.init(threadIdx.x);
    ig::KRows<C::BN, C::THREADS, C::BK, C::PB, ig::MatRows> lb;
    lb.src = {wr + (long long)(grp * g.kg + n0) * RSC, RSC, g.kg - n0, RSC, RSC % 4 == 0 && aligned_to(wr, 16)};
    lb.init(threadIdx.x);
    ig::run_tile<C, TF32>(smem, la, lb, 0, RSC, [&] {
        return ig::make_out(y + (long long)m0 * g.k + grp * g.kg + n0, g.k, M - m0, g.kg - n0);
    });
}

template <class C, bool TF32>
__device__ __forceinline__ void conv_dgrad(float* dx, const float* __restrict__ dy, const float* __restrict__ wr, const ConvParams& g) {
    __shared__ __align__(16) float smem[C::SMEM_FLOATS];
    const int grp = blockIdx.z, m0 = blockIdx.x * C::BM, n0 = blockIdx.y * C::BN;
    const int RSK = g.r * g.s * g.kg, M = g.n * g.h * g.w;
    ig::KRows<C::BM, C::THREADS, C::BK, C::PA, DgradA> la;
    la.src.dy = dy + grp * g.kg;
    la.src.g = &g;
    la.src.kEnd = RSK;
    la.src.vec = g.kg % 4 == 0 && g.k % 4 == 0 && aligned_to(dy, 16);
    la.src.m0 = m0;
    la.init(threadIdx.x);
    ig::KCols<C::BN, C::THREADS, C::BK, C::PB, DgradB> lb;
    lb.src.wr = wr + (long long)grp * g.kg * g.r * g.s * g.cg + n0;
    lb.src.g = &g;
    lb.src.kEnd = RSK;
    lb.src.cols = g.cg - n0;
    lb.src.vec = g.cg % 4 == 0 && aligned_to(wr, 16);
    lb.init(threadIdx.x);
    ig::run_tile<C, TF32>(smem, la, lb, 0, RSK, [&] {
        return ig::make_out(dx + (long long)m0 * g.c + grp * g.cg + n0, g.c, M - m0, g.cg - n0);
    });
}

template <class C, bool TF32>
__device__ __forceinline__ void conv_wgrad(float* out, const float* __restrict__ x, const float* __restrict__ dy, const ConvParams& g) {
    __shared__ __align__(16) float smem[C::SMEM_FLOATS];
    const int grp = blockIdx.z % g.groups, split = blockIdx.z / g.groups;
    const int m0 = blockIdx.x * C::BM, n0 = blockIdx.y * C::BN;
    const int RSC = g.r * g.s * g.cg, NPQ = g.n * g.p * g.q;
    const int kBeg = split * g.kchunk, kEnd = min(NPQ, kBeg + g.kchunk);
    ig::KCols<C::BM, C::THREADS, C::BK, C::PA, ig::MatCols> la;   // A[k][ko] = dy[k][g Kg + m0 + ko]
    la.src = {dy + grp * g.kg + m0, g.k, g.kg - m0, kEnd, g.kg % 4 == 0 && g.k % 4 == 0 && aligned_to(dy, 16)};
    la.init(threadIdx.x);
    ig::KCols<C::BN, C::THREADS, C::BK, C::PB, WgradB> lb;
    lb.src.x = x + grp * g.cg;
    lb.src.g = &g;
    lb.src.kEnd = kEnd;
    lb.src.cols = RSC - n0;
    lb.src.vec = g.cg % 4 == 0 && g.c % 4 == 0 && aligned_to(x, 16);
    lb.src.n0 = n0;
    lb.init(threadIdx.x);
    ig::run_tile<C, TF32>(smem, la, lb, kBeg, kEnd, [&] {
        float* base = out + (g.splits > 1 ? (long long)split * g.k * RSC : 0LL);
        return ig::make_out(base + (long long)(grp * g.kg + m0) * RSC + n0, RSC, g.kg - m0, RSC - n0);
    });
}

typedef ig::Cfg<128, 128> T128x128;
typedef ig::Cfg<128, 64> T128x64;
typedef ig::Cfg<64, 128> T64x128;

#define CONV_KERNEL(pass, prec, TF, shape, MINB, A0, A1, A2)                                                            \
    extern "C" __global__ void __launch_bounds__(T##shape::THREADS, MINB)                                               \
    conv_##pass##_##prec##_##shape(float* out, const float* A1, const float* A2, const __grid_constant__ ConvParams g) { \
        conv_##pass<T##shape, TF>(out, A1, A2, g);                                                                       \
    }

CONV_KERNEL(fwd, f32, false, 128x128, 2, y, x, wr)
CONV_KERNEL(fwd, f32, false, 128x64, 3, y, x, wr)
CONV_KERNEL(fwd, tf32, true, 128x128, 2, y, x, wr)
CONV_KERNEL(fwd, tf32, true, 128x64, 3, y, x, wr)
CONV_KERNEL(dgrad, f32, false, 128x128, 2, dx, dy, wr)
CONV_KERNEL(dgrad, f32, false, 128x64, 3, dx, dy, wr)
CONV_KERNEL(dgrad, tf32, true, 128x128, 2, dx, dy, wr)
CONV_KERNEL(dgrad, tf32, true, 128x64, 3, dx, dy, wr)
CONV_KERNEL(wgrad, f32, false, 128x128, 2, dw, x, dy)
CONV_KERNEL(wgrad, f32, false, 64x128, 3, dw, x, dy)
CONV_KERNEL(wgrad, tf32, true, 128x128, 2, dw, x, dy)
CONV_KERNEL(wgrad, tf32, true, 64x128, 3, dw, x, dy)

// ---- layout and reduction helpers -----------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(256) transpose_f32(float* out, const float* __restrict__ in, int batch, int rows, int cols) {
    __shared__ float tile[32][33];
    const int tx = threadIdx.x % 32, ty = threadIdx.x / 32;   // 32 x 8
    const int r0 = blockIdx.y * 32, c0 = blockIdx.x * 32;
    for (int b = blockIdx.z; b < batch; b += gridDim.z) {
        const float* src = in + (long long)b * rows * cols;
        float* dst = out + (long long)b * rows * cols;
#pragma unroll
        for (int i = 0; i < 32; i += 8) {
            const int r = r0 + ty + i, c = c0 + tx;
            if (r < rows && c < cols) tile[ty + i][tx] = src[(long long)r * cols + c];
        }
        __syncthreads();
#pragma unroll
        for (int i = 0; i < 32; i += 8) {
            const int c = c0 + ty + i, r = r0 + tx;
            if (r < rows && c < cols) dst[(long long)c * rows + r] = tile[tx][ty + i];
        }
        __syncthreads();
    }
}

extern "C" __global__ void __launch_bounds__(256) splitk_sum_f32(float* out, const float* __restrict__ ws, int n, int splits) {
    for (int i = global_thread(); i < n; i += global_threads()) {
        float acc = 0.f;
        for (int s = 0; s < splits; ++s) acc += ws[(long long)s * n + i];
        out[i] = acc;
    }
}
