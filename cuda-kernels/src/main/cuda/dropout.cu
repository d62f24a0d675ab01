// dropout.cu — inverted dropout with a counter-based random number generator (Philox4x32-10).
//
// What it computes, for n elements:
//   dropout_fwd_<t>: u_i = uniform [0, 1) from Philox4x32-10(counter = (i / 4, 0, offset_lo,
//                    offset_hi), key = (seed_lo, seed_hi)), word i % 4, as (word >> 8) * 2^-24;
//                    keep_i = u_i >= p; out_i = keep_i ? x_i * scale : 0; mask_i = keep_i
//                    (mask may be null). The same (seed, offset) always gives the same mask, on
//                    any GPU and any launch shape; dev.jgrad.kernels.Philox is the Java twin.
//   dropout_bwd_<t>: dx_i = mask_i ? dy_i * scale : 0
// The host passes scale (1 / (1 - p), or 0 for p = 1) already rounded to the element type, so
// that the CPU twin, which multiplies by the same value, gives the same bits for any p.
// Element types t: f32, f64.
//
// Versions: 1 (each thread draws one Philox block = 4 numbers for 4 consecutive elements).
//
// Build: see elementwise.cu's header; cuda-kernels/build-kernels.sh.
#include "common.cuh"

struct U4 { unsigned int x, y, z, w; };

__device__ __forceinline__ U4 philox4x32_10(U4 c, unsigned int k0, unsigned int k1) {
    const unsigned int M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
#pragma unroll
    for (int round = 0; round < 10; ++round) {
        unsigned int hi0 = __umulhi(M0, c.x), lo0 = M0 * c.x;
        unsigned int hi1 = __umulhi(M1, c.z), lo1 = M1 * c.z;
        c = {hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0};
        k0 += W0;
        k1 += W1;
    }
    return c;
}

__device__ __forceinline__ float to_unit(unsigned int v) { return (float)(v >> 8) * (1.0f / 16777216.0f); }

template <class T>
__device__ __forceinline__ void dropout_fwd_body(T* out, jbool* mask, const T* __restrict__ x, int n, float p, T scale,
                                                 unsigned long long seed, unsigned long long offset) {
    int blocks4 = (n + 3) / 4;
    for (int b = global_thread(); b < blocks4; b += global_threads()) {
        U4 r = philox4x32_10({(unsigned int)b, 0u, (unsigned int)offset, (unsigned int)(offset >> 32)},
                             (unsigned int)seed, (unsigned int)(seed >> 32));
        unsigned int words[4] = {r.x, r.y, r.z, r.w};
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            int i = b * 4 + j;
            if (i < n) {
                bool keep = to_unit(words[j]) >= p;
                out[i] = keep ? x[i] * scale : T(0);
                if (mask != nullptr) mask[i] = keep;
            }
        }
    }
}

template <class T>
__device__ __forceinline__ void dropout_bwd_body(T* dx, const T* __restrict__ dy, const jbool* __restrict__ mask, int n, T scale) {
    for (int i = global_thread(); i < n; i += global_threads()) dx[i] = mask[i] ? dy[i] * scale : T(0);
}

#define DROPOUT(T, sfx)                                                                                    \
    extern "C" __global__ void __launch_bounds__(256) dropout_fwd_##sfx(                                   \
        T* out, jbool* mask, const T* x, int n, float p, T scale, unsigned long long seed,                 \
        unsigned long long offset) {                                                                       \
        dropout_fwd_body<T>(out, mask, x, n, p, scale, seed, offset);                                      \
    }                                                                                                      \
    extern "C" __global__ void __launch_bounds__(256) dropout_bwd_##sfx(T* dx, const T* dy, const jbool* mask, int n, T scale) { \
        dropout_bwd_body<T>(dx, dy, mask, n, scale);                                                       \
    }
DROPOUT(float, f32)
DROPOUT(double, f64)
