// softmax.cu — softmax, log-softmax and log-sum-exp along one dimension, one pass for the statistics.
//
// What it computes: for each row (all dimensions but `dim`, decoded by an Indexer<2> whose
// strides[0] are out's and strides[1] are x's), with len = size of dim, xs/os = element strides
// along dim:
//   softmax_<mode>_<t>:     out[j] = exp(x[j] - m) / s
//   log_softmax_<mode>_<t>: out[j] = x[j] - m - log(s)
//   logsumexp_rows_<t>:     out[row] = m + log(s) over contiguous rows of len (row stride len)
// where m = max_j x[j] and s = sum_j exp(x[j] - m), both found in ONE read of the row with the
// online rule (m, s) <- (max(m, v), s * exp(m - max) + exp(v - max)) (Milakov & Gimelshein 2018),
// then a second read writes the outputs. A row with NaN gives NaN; a row of -inf gives NaN, as the
// CPU reference does. Element types f32, f64, and f16 and bf16, which compute in float
// (Acc<S>::T, half.cuh) and round each output once.
//
// Versions (CudaKernels.softmax picks; logsumexp has only rows, the caller makes the rows contiguous):
//   rows: dim is unit-stride: blockDim.x threads (32..1024) per row, coalesced, blockDim.y rows per
//         block; (m, s) pairs merge by warp shuffles then shared memory.
//   cols: dim is strided (e.g. the channel dimension of NCHW): one thread per row; neighbouring
//         threads read neighbouring rows, so loads coalesce when the rows' inner stride is 1.
//
// Build: see elementwise.cu's header; cuda-kernels/build-kernels.sh.
#include "common.cuh"
#include "half.cuh"

template <class T>
struct MaxSum {
    T m, s;
};

template <class T>
__device__ __forceinline__ MaxSum<T> ms_merge(MaxSum<T> a, MaxSum<T> b) {
    T m = a.m > b.m ? a.m : b.m;
    if (is_nan(a.m) || is_nan(b.m)) m = a.m + b.m;  // NaN
    // exp(-inf - -inf) would be NaN: an empty side contributes nothing
    T sa = a.s == T(0) ? T(0) : a.s * jg_exp(a.m - m);
    T sb = b.s == T(0) ? T(0) : b.s * jg_exp(b.m - m);
    return {m, sa + sb};
}

// One exp per element: rescale the running sum only when the maximum grows. A -inf seen while the
// maximum is still -inf adds nothing (exp(-inf - -inf) would be NaN): rows with -inf masks work.
template <class T>
__device__ __forceinline__ MaxSum<T> ms_add(MaxSum<T> a, T v) {
    if (v > a.m) return {v, (a.s == T(0) ? T(0) : a.s * jg_exp(a.m - v)) + T(1)};
    if (v == a.m && a.s == T(0)) return a;
    return {a.m, a.s + jg_exp(v - a.m)};
}

template <bool LOG, class T>
__device__ __forceinline__ T softmax_out(T v, MaxSum<T> st, T logS) {
    return LOG ? v - st.m - logS : jg_exp(v - st.m) / st.s;
}

// (m, s) of one row read by the blockDim.x threads of this threadIdx.y (valid for every thread of
// the row afterwards); `active` is false for the rows past the end, which still join the barrier.
template <class S, class T = typename Acc<S>::T>
__device__ __forceinline__ MaxSum<T> row_stats(const S* __restrict__ xr, int len, bool active) {
    __shared__ T sm[JG_WARP * JG_WARP], ss[JG_WARP * JG_WARP];
    MaxSum<T> st = {Limits<T>::lowest(), T(0)};
    if (active)
        for (int j = threadIdx.x; j < len; j += blockDim.x) st = ms_add(st, cvt<T>(xr[j]));
#pragma unroll
    for (int o = JG_WARP / 2; o > 0; o >>= 1) {
        MaxSum<T> other = {__shfl_xor_sync(0xffffffffu, st.m, o), __shfl_xor_sync(0xffffffffu, st.s, o)};
        st = ms_merge(st, other);
    }
    if (blockDim.x > JG_WARP) {
        int lane = threadIdx.x % JG_WARP, w = threadIdx.x / JG_WARP, base = threadIdx.y * JG_WARP;
        if (lane == 0) { sm[base + w] = st.m; ss[base + w] = st.s; }
        __syncthreads();
        MaxSum<T> acc = {sm[base], ss[base]};
        for (int j = 1; j < (int)(blockDim.x / JG_WARP); ++j) acc = ms_merge(acc, MaxSum<T>{sm[base + j], ss[base + j]});
        st = acc;
    }
    return st;
}

template <bool LOG, class S, class T = typename Acc<S>::T>
__device__ __forceinline__ void softmax_rows_body(S* out, const S* __restrict__ x, const Indexer<2>& rows, int nrows, int len) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    int off[2] = {0, 0};
    if (row < nrows) index_offsets(rows, row, off);
    const S* xr = x + off[1];
    S* orow = out + off[0];
    MaxSum<T> st = row_stats(xr, len, row < nrows);
    if (row >= nrows) return;
    T logS = jg_log(st.s);
    for (int j = threadIdx.x; j < len; j += blockDim.x) orow[j] = cvt<S>(softmax_out<LOG>(cvt<T>(xr[j]), st, logS));
}

// out[row] = m + log(s) over contiguous rows: a row of -inf (s = 0) gives -inf, +inf gives +inf, NaN gives NaN.
template <class S, class T = typename Acc<S>::T>
__device__ __forceinline__ void logsumexp_rows_body(S* out, const S* __restrict__ x, int nrows, int len) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    MaxSum<T> st = row_stats(x + (long long)(row < nrows ? row : 0) * len, len, row < nrows);
    if (row >= nrows || threadIdx.x != 0) return;
    out[row] = cvt<S>(st.s == T(0) ? Limits<T>::lowest() : st.m + jg_log(st.s));
}

template <bool LOG, class S, class T = typename Acc<S>::T>
__device__ __forceinline__ void softmax_cols_body(S* out, const S* __restrict__ x, const Indexer<2>& rows, int nrows, int len,
                                                  int xs, int os) {
    for (int row = global_thread(); row < nrows; row += global_threads()) {
        int off[2];
        index_offsets(rows, row, off);
        const S* xr = x + off[1];
        S* orow = out + off[0];
        MaxSum<T> st = {Limits<T>::lowest(), T(0)};
        for (int j = 0; j < len; ++j) st = ms_add(st, cvt<T>(xr[j * xs]));
        T logS = jg_log(st.s);
        for (int j = 0; j < len; ++j) orow[j * os] = cvt<S>(softmax_out<LOG>(cvt<T>(xr[j * xs]), st, logS));
    }
}

#define SOFTMAX(name, LOG, T, sfx)                                                                         \
    extern "C" __global__ void __launch_bounds__(1024)                                                     \
    name##_rows_##sfx(T* out, const T* x, Indexer<2> rows, int nrows, int len) {                          \
        softmax_rows_body<LOG, T>(out, x, rows, nrows, len);                                               \
    }                                                                                                      \
    extern "C" __global__ void __launch_bounds__(256)                                                      \
    name##_cols_##sfx(T* out, const T* x, Indexer<2> rows, int nrows, int len, int xs, int os) {          \
        softmax_cols_body<LOG, T>(out, x, rows, nrows, len, xs, os);                                       \
    }
#define LOGSUMEXP(T, sfx)                                                                                  \
    extern "C" __global__ void __launch_bounds__(1024) logsumexp_rows_##sfx(T* out, const T* x, int nrows, int len) { \
        logsumexp_rows_body<T>(out, x, nrows, len);                                                        \
    }
SOFTMAX(softmax, false, float, f32)
SOFTMAX(softmax, false, double, f64)
SOFTMAX(log_softmax, true, float, f32)
SOFTMAX(log_softmax, true, double, f64)
LOGSUMEXP(float, f32)
LOGSUMEXP(double, f64)
SOFTMAX(softmax, false, jhalf, f16)
SOFTMAX(softmax, false, jbf16, bf16)
SOFTMAX(log_softmax, true, jhalf, f16)
SOFTMAX(log_softmax, true, jbf16, bf16)
LOGSUMEXP(jhalf, f16)
LOGSUMEXP(jbf16, bf16)
