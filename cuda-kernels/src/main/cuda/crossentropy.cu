// crossentropy.cu — softmax cross-entropy as a forward/backward pair, probabilities never stored.
//
// What it computes, for logits [N, V] contiguous, int64 targets [N] and t = targets[n]:
//   cross_entropy_fwd_<t>: lse[n]  = log(sum_j exp(x[n, j]))        (online max/sum: stable)
//                          loss[n] = t == ignoreIndex ? 0 : lse[n] - x[n, t]
//     lse is what the backward pass needs (an autograd rule saves it instead of the softmax);
//     either output may be null. A target outside [0, V) other than ignoreIndex is reported
//     through `err` (the first one wins) and its row's loss is 0.
//   cross_entropy_bwd_<t>: dlogits[n, j] = t == ignoreIndex ? 0
//                                        : (exp(x[n, j] - lse[n]) - [j == t]) * dloss[n * dlossStride]
//     dlossStride 1 takes one upstream gradient per row; 0 broadcasts one scalar, as the gradient
//     of a mean (1/count) or sum (1) over the rows arrives. dlogits may equal logits (each
//     element is read, then written, by the same thread).
// Element types t: f32, f64.
//
// Versions: 1 (one block per row, grid-stride over rows. Forward: one read of the row, the
// online max/sum folded across the block by warp shuffles then shared memory. Backward: one read
// and one write of the row. 2 passes over the logits plus 1 write, against PyTorch's 5+ for
// log_softmax + nll_loss + their backward).
//
// Build: see elementwise.cu's header; cuda-kernels/build-kernels.sh.
#include "common.cuh"

template <class T>
struct MS { T m, s; };

template <class T>
__device__ __forceinline__ MS<T> ms_merge(MS<T> a, MS<T> b) {
    T m = a.m > b.m ? a.m : b.m;
    if (is_nan(a.m) || is_nan(b.m)) m = a.m + b.m;
    T sa = a.s == T(0) ? T(0) : a.s * jg_exp(a.m - m);
    T sb = b.s == T(0) ? T(0) : b.s * jg_exp(b.m - m);
    return {m, sa + sb};
}

template <class T>
__device__ __forceinline__ void cross_entropy_fwd_body(T* loss, T* lse, const T* __restrict__ logits,
                                                       const long long* __restrict__ targets, int N, int V, long long ignoreIndex,
                                                       unsigned long long* err) {
    __shared__ T sm[JG_WARP], ss[JG_WARP];
    int lane = threadIdx.x % JG_WARP, w = threadIdx.x / JG_WARP, warps = blockDim.x / JG_WARP;
    for (int row = blockIdx.x; row < N; row += gridDim.x) {
        const T* xr = logits + (long long)row * V;
        MS<T> st = {Limits<T>::lowest(), T(0)};
        for (int j = threadIdx.x; j < V; j += blockDim.x) {
            T v = xr[j];
            if (v > st.m) { st.s = (st.s == T(0) ? T(0) : st.s * jg_exp(st.m - v)) + T(1); st.m = v; }
            else if (!(v == st.m && st.s == T(0))) st.s += jg_exp(v - st.m);   // -inf before any finite value adds nothing
        }
#pragma unroll
        for (int o = JG_WARP / 2; o > 0; o >>= 1) {
            MS<T> other = {__shfl_xor_sync(0xffffffffu, st.m, o), __shfl_xor_sync(0xffffffffu, st.s, o)};
            st = ms_merge(st, other);
        }
        if (lane == 0) { sm[w] = st.m; ss[w] = st.s; }
        __syncthreads();
        if (threadIdx.x == 0) {
            MS<T> acc = {sm[0], ss[0]};
            for (int j = 1; j < warps; ++j) acc = ms_merge(acc, MS<T>{sm[j], ss[j]});
            T l = jg_log(acc.s) + acc.m;
            if (lse != nullptr) lse[row] = l;
            long long t = targets[row];
            bool ignored = t == ignoreIndex, bad = !ignored && (t < 0 || t >= V);
            if (bad) report_bad_index(err, t);
            if (loss != nullptr) loss[row] = ignored || bad ? T(0) : l - xr[t];
        }
        __syncthreads();   // sm/ss are reused by the next row
    }
}

template <class T>
__device__ __forceinline__ void cross_entropy_bwd_body(T* dlogits, const T* logits, const T* __restrict__ lse,
                                                       const long long* __restrict__ targets, const T* __restrict__ dloss,
                                                       int dlossStride, int N, int V, long long ignoreIndex) {
    for (int row = blockIdx.x; row < N; row += gridDim.x) {
        long long base = (long long)row * V;
        long long t = targets[row];
        T* dr = dlogits + base;
        if (t == ignoreIndex) {
            for (int j = threadIdx.x; j < V; j += blockDim.x) dr[j] = T(0);
            continue;
        }
        const T* xr = logits + base;
        T l = lse[row], g = dloss[(long long)row * dlossStride];
        for (int j = threadIdx.x; j < V; j += blockDim.x) dr[j] = (jg_exp(xr[j] - l) - (j == t ? T(1) : T(0))) * g;
    }
}

#define CROSS_ENTROPY(T, sfx)                                                                              \
    extern "C" __global__ void __launch_bounds__(1024) cross_entropy_fwd_##sfx(                            \
        T* loss, T* lse, const T* logits, const long long* targets, int N, int V, long long ignoreIndex,   \
        unsigned long long* err) {                                                                         \
        cross_entropy_fwd_body<T>(loss, lse, logits, targets, N, V, ignoreIndex, err);                     \
    }                                                                                                      \
    extern "C" __global__ void __launch_bounds__(1024) cross_entropy_bwd_##sfx(                            \
        T* dlogits, const T* logits, const T* lse, const long long* targets, const T* dloss,               \
        int dlossStride, int N, int V, long long ignoreIndex) {                                            \
        cross_entropy_bwd_body<T>(dlogits, logits, lse, targets, dloss, dlossStride, N, V, ignoreIndex);   \
    }
CROSS_ENTROPY(float, f32)
CROSS_ENTROPY(double, f64)
