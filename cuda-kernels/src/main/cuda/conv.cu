// conv.cu — im2col / col2im for convolution through cuBLAS GEMM, and 2-D max/avg pooling.
//
// What it computes (NCHW, contiguous; one group of Cg input channels at a time):
//   im2col_<t>:  col[img*imgStride + ((c*R + r)*S + s)*rowStride + p*Q + q]
//                  = x[img, c, p*sh - ph + r*dh, q*sw - pw + s*dw]   (0 in the padding)
//                x points at channel 0 of the group in image 0; xImg = elements between images.
//                Forward uses imgStride = Cg*R*S*P*Q, rowStride = P*Q (one [CgRS, PQ] matrix per
//                image, for a strided-batched GEMM); the weight gradient uses imgStride = P*Q,
//                rowStride = nb*P*Q (one [CgRS, nb*PQ] matrix, for a single GEMM over the batch).
//   col2im_<t>:  dx[img, c, h, w] = sum of the col entries im2col would have read from (h, w);
//                gather-style (one thread per input element), so no atomics and deterministic.
//   max_pool_fwd_<t>:  y = window max (NaN wins, the last NaN in row-major order, as PyTorch),
//                      ind (int64) = in-plane position h*W + w of the chosen element
//   max_pool_bwd_<t>:  dx[h, w] = sum of dy over the windows whose recorded index is (h, w)
//   avg_pool_fwd_<t>:  y = window sum / divisor (count_include_pad as PyTorch)
//   avg_pool_bwd_<t>:  dx[h, w] = sum over windows containing (h, w) of dy / divisor
// Pool backward passes are gather-style too (deterministic).
//
// Versions: 1 (one thread per output element, grid-stride). No __launch_bounds__(256) here:
// with it ptxas caps these kernels at 32 registers and spills (seen with nvcc 13.0).
//
// Build: see elementwise.cu's header; cuda-kernels/build-kernels.sh.
#include "common.cuh"

struct ConvGeom {
    int nb, cg, h, w, r, s, p, q, sh, sw, ph, pw, dh, dw;
};

template <class T>
__device__ __forceinline__ void im2col_body(T* col, const T* __restrict__ x, ConvGeom g, int xImg, int imgStride, int rowStride) {
    int PQ = g.p * g.q, RS = g.r * g.s;
    int total = g.nb * g.cg * RS * PQ;
    for (int i = global_thread(); i < total; i += global_threads()) {
        int q = i % g.q;
        int t = i / g.q;
        int p = t % g.p;
        t /= g.p;
        int s = t % g.s;
        t /= g.s;
        int r = t % g.r;
        t /= g.r;
        int c = t % g.cg;
        int img = t / g.cg;
        int ih = p * g.sh - g.ph + r * g.dh, iw = q * g.sw - g.pw + s * g.dw;
        T v = T(0);
        if (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) v = x[img * xImg + (c * g.h + ih) * g.w + iw];
        col[img * imgStride + ((c * g.r + r) * g.s + s) * rowStride + p * g.q + q] = v;
    }
}

template <class T>
__device__ __forceinline__ void col2im_body(T* dx, const T* __restrict__ col, ConvGeom g, int xImg, int imgStride, int rowStride) {
    int total = g.nb * g.cg * g.h * g.w;
    for (int i = global_thread(); i < total; i += global_threads()) {
        int w = i % g.w;
        int t = i / g.w;
        int h = t % g.h;
        t /= g.h;
        int c = t % g.cg;
        int img = t / g.cg;
        T acc = T(0);
        for (int r = 0; r < g.r; ++r) {
            int ph = h + g.ph - r * g.dh;
            if (ph < 0 || ph % g.sh != 0) continue;
            int p = ph / g.sh;
            if (p >= g.p) continue;
            for (int s = 0; s < g.s; ++s) {
                int pw = w + g.pw - s * g.dw;
                if (pw < 0 || pw % g.sw != 0) continue;
                int q = pw / g.sw;
                if (q >= g.q) continue;
                acc += col[img * imgStride + ((c * g.r + r) * g.s + s) * rowStride + p * g.q + q];
            }
        }
        dx[img * xImg + (c * g.h + h) * g.w + w] = acc;
    }
}

#define CONV(T, sfx)                                                                                       \
    extern "C" __global__ void                                                      \
    im2col_##sfx(T* col, const T* x, ConvGeom g, int xImg, int imgStride, int rowStride) {                \
        im2col_body<T>(col, x, g, xImg, imgStride, rowStride);                                             \
    }                                                                                                      \
    extern "C" __global__ void                                                      \
    col2im_##sfx(T* dx, const T* col, ConvGeom g, int xImg, int imgStride, int rowStride) {               \
        col2im_body<T>(dx, col, g, xImg, imgStride, rowStride);                                            \
    }
CONV(float, f32)
CONV(double, f64)

// ---- pooling ------------------------------------------------------------------------------------
struct PoolGeom {
    int nc, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad;
};

template <class T>
__device__ __forceinline__ void max_pool_fwd_body(T* y, long long* ind, const T* __restrict__ x, PoolGeom g) {
    int total = g.nc * g.oh * g.ow;
    for (int i = global_thread(); i < total; i += global_threads()) {
        int q = i % g.ow;
        int t = i / g.ow;
        int p = t % g.oh;
        int nc = t / g.oh;
        const T* plane = x + (long long)nc * g.h * g.w;
        T best = Limits<T>::lowest();
        int at = -1;
        for (int a = 0; a < g.kh; ++a) {
            int ih = p * g.sh - g.ph + a * g.dh;
            if (ih < 0 || ih >= g.h) continue;
            for (int b = 0; b < g.kw; ++b) {
                int iw = q * g.sw - g.pw + b * g.dw;
                if (iw < 0 || iw >= g.w) continue;
                int pos = ih * g.w + iw;
                if (at < 0) at = pos;
                T v = plane[pos];
                if (v > best || is_nan(v)) { best = v; at = pos; }
            }
        }
        y[i] = best;
        ind[i] = at;
    }
}

// First and one-past-last output position whose window (start o*st - pad, taps every dil, k taps)
// can contain input coordinate `h`.
__device__ __forceinline__ void window_range(int h, int pad, int k, int st, int dil, int outSize, int& lo, int& hi) {
    int first = h + pad - (k - 1) * dil;
    lo = first <= 0 ? 0 : (first + st - 1) / st;
    hi = min((h + pad) / st + 1, outSize);
}

template <class T>
__device__ __forceinline__ void max_pool_bwd_body(T* dx, const T* __restrict__ dy, const long long* __restrict__ ind, PoolGeom g) {
    int total = g.nc * g.h * g.w;
    for (int i = global_thread(); i < total; i += global_threads()) {
        int w = i % g.w;
        int t = i / g.w;
        int h = t % g.h;
        int nc = t / g.h;
        int p0, p1, q0, q1;
        window_range(h, g.ph, g.kh, g.sh, g.dh, g.oh, p0, p1);
        window_range(w, g.pw, g.kw, g.sw, g.dw, g.ow, q0, q1);
        long long pos = h * g.w + w;
        const long long* ip = ind + (long long)nc * g.oh * g.ow;
        const T* gp = dy + (long long)nc * g.oh * g.ow;
        T acc = T(0);
        for (int p = p0; p < p1; ++p)
            for (int q = q0; q < q1; ++q)
                if (ip[p * g.ow + q] == pos) acc += gp[p * g.ow + q];
        dx[i] = acc;
    }
}

__device__ __forceinline__ int avg_divisor(const PoolGeom& g, int p, int q) {
    int h0 = p * g.sh - g.ph, w0 = q * g.sw - g.pw;
    int h1 = min(h0 + g.kh, g.h + g.ph), w1 = min(w0 + g.kw, g.w + g.pw);
    if (g.countIncludePad) return (h1 - h0) * (w1 - w0);
    return (min(h1, g.h) - max(h0, 0)) * (min(w1, g.w) - max(w0, 0));
}

template <class T>
__device__ __forceinline__ void avg_pool_fwd_body(T* y, const T* __restrict__ x, PoolGeom g) {
    int total = g.nc * g.oh * g.ow;
    for (int i = global_thread(); i < total; i += global_threads()) {
        int q = i % g.ow;
        int t = i / g.ow;
        int p = t % g.oh;
        int nc = t / g.oh;
        const T* plane = x + (long long)nc * g.h * g.w;
        T sum = T(0);
        for (int a = 0; a < g.kh; ++a) {
            int ih = p * g.sh - g.ph + a * g.dh;
            if (ih < 0 || ih >= g.h) continue;
            for (int b = 0; b < g.kw; ++b) {
                int iw = q * g.sw - g.pw + b * g.dw;
                if (iw >= 0 && iw < g.w) sum += plane[ih * g.w + iw];
            }
        }
        y[i] = sum / T(avg_divisor(g, p, q));
    }
}

template <class T>
__device__ __forceinline__ void avg_pool_bwd_body(T* dx, const T* __restrict__ dy, PoolGeom g) {
    int total = g.nc * g.h * g.w;
    for (int i = global_thread(); i < total; i += global_threads()) {
        int w = i % g.w;
        int t = i / g.w;
        int h = t % g.h;
        int nc = t / g.h;
        int p0, p1, q0, q1;
        window_range(h, g.ph, g.kh, g.sh, g.dh, g.oh, p0, p1);
        window_range(w, g.pw, g.kw, g.sw, g.dw, g.ow, q0, q1);
        const T* gp = dy + (long long)nc * g.oh * g.ow;
        T acc = T(0);
        for (int p = p0; p < p1; ++p) {
            int dh = h + g.ph - p * g.sh;
            if (dh % g.dh != 0) continue;
            for (int q = q0; q < q1; ++q) {
                int dw = w + g.pw - q * g.sw;
                if (dw % g.dw != 0) continue;
                acc += gp[p * g.ow + q] / T(avg_divisor(g, p, q));
            }
        }
        dx[i] = acc;
    }
}

#define POOL(T, sfx)                                                                                       \
    extern "C" __global__ void max_pool_fwd_##sfx(T* y, long long* ind, const T* x, PoolGeom g) { \
        max_pool_fwd_body<T>(y, ind, x, g);                                                                \
    }                                                                                                      \
    extern "C" __global__ void max_pool_bwd_##sfx(T* dx, const T* dy, const long long* ind, PoolGeom g) { \
        max_pool_bwd_body<T>(dx, dy, ind, g);                                                              \
    }                                                                                                      \
    extern "C" __global__ void avg_pool_fwd_##sfx(T* y, const T* x, PoolGeom g) {   \
        avg_pool_fwd_body<T>(y, x, g);                                                                     \
    }                                                                                                      \
    extern "C" __global__ void avg_pool_bwd_##sfx(T* dx, const T* dy, PoolGeom g) { \
        avg_pool_bwd_body<T>(dx, dy, g);                                                                   \
    }
POOL(float, f32)
POOL(double, f64)
