// layernorm.cu — layer normalisation over the last dimension, forward and backward.
//
// What it computes, for x [N, C] contiguous, optional weight/bias [C] (null = 1 / 0):
//   layernorm_fwd_<t>:   mean[n] = sum_c x / C, rstd[n] = 1 / sqrt(sum_c (x - mean)^2 / C + eps),
//                        out[n, c] = (x - mean) * rstd * weight[c] + bias[c]; mean/rstd may be null
//   layernorm_bwd_dx_<t>: with norm = (x - mean) * rstd and g = dout * weight,
//                        dx = rstd * (g - mean_c(g) - norm * mean_c(g * norm))
//   layernorm_bwd_dwdb_<t>: dweight[c] += sum_n dout * norm, dbias[c] += sum_n dout (atomicAdd
//                        of per-block partial sums: callers zero them first, or accumulate)
// Accumulation in the element type (float for f32), variance by the two-pass formula.
//
// Versions: 1 (llm.c layernorm_forward kernel 3 style: one warp per row, the row re-read from
// L1/L2 for the second pass; dweight/dbias: 32 columns x 8 row-lanes per block, rows split over
// gridDim.y chunks).
//
// Build: see elementwise.cu's header; cuda-kernels/build-kernels.sh.
#include "common.cuh"

struct FAddR { template <class T> __device__ __forceinline__ T operator()(T a, T b) const { return a + b; } };

template <class T>
__device__ __forceinline__ void layernorm_fwd_body(T* out, T* mean, T* rstd, const T* __restrict__ x, const T* __restrict__ weight,
                                                   const T* __restrict__ bias, int N, int C, T eps) {
    int lane = threadIdx.x % JG_WARP;
    int warp = global_thread() / JG_WARP, warps = global_threads() / JG_WARP;
    for (int row = warp; row < N; row += warps) {
        const T* xr = x + (long long)row * C;
        T s = T(0);
        for (int c = lane; c < C; c += JG_WARP) s += xr[c];
        T m = warp_reduce(s, FAddR()) / T(C);
        T v = T(0);
        for (int c = lane; c < C; c += JG_WARP) {
            T d = xr[c] - m;
            v += d * d;
        }
        T rs = T(1) / jg_sqrt(warp_reduce(v, FAddR()) / T(C) + eps);
        T* o = out + (long long)row * C;
        for (int c = lane; c < C; c += JG_WARP) {
            T y = (xr[c] - m) * rs;
            if (weight != nullptr) y *= weight[c];
            if (bias != nullptr) y += bias[c];
            o[c] = y;
        }
        if (lane == 0) {
            if (mean != nullptr) mean[row] = m;
            if (rstd != nullptr) rstd[row] = rs;
        }
    }
}

template <class T>
__device__ __forceinline__ void layernorm_bwd_dx_body(T* dx, const T* __restrict__ dout, const T* __restrict__ x, const T* __restrict__ mean,
                                                      const T* __restrict__ rstd, const T* __restrict__ weight, int N, int C) {
    int lane = threadIdx.x % JG_WARP;
    int warp = global_thread() / JG_WARP, warps = global_threads() / JG_WARP;
    for (int row = warp; row < N; row += warps) {
        const T* xr = x + (long long)row * C;
        const T* dr = dout + (long long)row * C;
        T m = mean[row], rs = rstd[row];
        T sg = T(0), sgn = T(0);
        for (int c = lane; c < C; c += JG_WARP) {
            T g = dr[c] * (weight != nullptr ? weight[c] : T(1));
            sg += g;
            sgn += g * (xr[c] - m) * rs;
        }
        sg = warp_reduce(sg, FAddR()) / T(C);
        sgn = warp_reduce(sgn, FAddR()) / T(C);
        T* o = dx + (long long)row * C;
        for (int c = lane; c < C; c += JG_WARP) {
            T g = dr[c] * (weight != nullptr ? weight[c] : T(1));
            T norm = (xr[c] - m) * rs;
            o[c] = rs * (g - sg - norm * sgn);
        }
    }
}

template <class T>
__device__ __forceinline__ void layernorm_bwd_dwdb_body(T* dweight, T* dbias, const T* __restrict__ dout, const T* __restrict__ x,
                                                        const T* __restrict__ mean, const T* __restrict__ rstd, int N, int C, int rowsPerChunk) {
    __shared__ T sw[8][JG_WARP + 1], sb[8][JG_WARP + 1];
    int c = blockIdx.x * JG_WARP + threadIdx.x;
    int r0 = blockIdx.y * rowsPerChunk, r1 = min(N, r0 + rowsPerChunk);
    T aw = T(0), ab = T(0);
    if (c < C) {
        for (int r = r0 + threadIdx.y; r < r1; r += blockDim.y) {
            long long at = (long long)r * C + c;
            T d = dout[at];
            aw += d * (x[at] - mean[r]) * rstd[r];
            ab += d;
        }
    }
    sw[threadIdx.y][threadIdx.x] = aw;
    sb[threadIdx.y][threadIdx.x] = ab;
    __syncthreads();
    if (threadIdx.y == 0 && c < C) {
        for (int j = 1; j < blockDim.y; ++j) {
            aw += sw[j][threadIdx.x];
            ab += sb[j][threadIdx.x];
        }
        if (dweight != nullptr) atomicAdd(dweight + c, aw);
        if (dbias != nullptr) atomicAdd(dbias + c, ab);
    }
}

#define LAYERNORM(T, sfx)                                                                                  \
    extern "C" __global__ void __launch_bounds__(256) layernorm_fwd_##sfx(                                 \
        T* out, T* mean, T* rstd, const T* x, const T* weight, const T* bias, int N, int C, T eps) {       \
        layernorm_fwd_body<T>(out, mean, rstd, x, weight, bias, N, C, eps);                                \
    }                                                                                                      \
    extern "C" __global__ void __launch_bounds__(256) layernorm_bwd_dx_##sfx(                              \
        T* dx, const T* dout, const T* x, const T* mean, const T* rstd, const T* weight, int N, int C) {   \
        layernorm_bwd_dx_body<T>(dx, dout, x, mean, rstd, weight, N, C);                                   \
    }                                                                                                      \
    extern "C" __global__ void __launch_bounds__(256) layernorm_bwd_dwdb_##sfx(                            \
        T* dweight, T* dbias, const T* dout, const T* x, const T* mean, const T* rstd, int N, int C, int rowsPerChunk) { \
        layernorm_bwd_dwdb_body<T>(dweight, dbias, dout, x, mean, rstd, N, C, rowsPerChunk);               \
    }
LAYERNORM(float, f32)
LAYERNORM(double, f64)
