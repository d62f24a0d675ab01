// crossentropy.cu — fused softmax + negative log-likelihood + gradient, probabilities never stored.
//
// What it computes, for logits [N, V] contiguous and int64 targets [N]:
//   cross_entropy_<t>: loss[n] = log(sum_j exp(x[n, j] - m)) + m - x[n, target[n]]
//                      dlogits[n, j] = (softmax(x[n])_j - [j == target[n]]) * gradScale
//   Rows whose target equals ignoreIndex get loss 0 and a zero gradient. dlogits may be null
//   (forward only) or equal to logits (in place: each row is fully read before it is written).
//   A target outside [0, V) (other than ignoreIndex) is reported through `err` and its row skipped.
//   gradScale is what the caller's reduction needs: 1/N (or 1/non-ignored count) for a mean.
//
// Versions: 1 (one block per row, grid-stride over rows; one read of the row for the online
// max/sum, one read + write for the gradient: 3 passes over V instead of PyTorch's 5+ for
// log_softmax + nll_loss + their backward).
//
// Build: see elementwise.cu's header; native/build-kernels.sh.
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
__device__ __forceinline__ void cross_entropy_body(T* loss, T* dlogits, const T* logits, const long long* __restrict__ targets, int N,
                                                   int V, T gradScale, long long ignoreIndex, unsigned long long* err) {
    __shared__ T sm[JG_WARP], ss[JG_WARP];
    __shared__ MS<T> total;
    int lane = threadIdx.x % JG_WARP, w = threadIdx.x / JG_WARP, warps = blockDim.x / JG_WARP;
    for (int row = blockIdx.x; row < N; row += gridDim.x) {
        const T* xr = logits + (long long)row * V;
        long long t = targets[row];
        bool ignored = t == ignoreIndex;
        if (!ignored && (t < 0 || t >= V)) {
            if (threadIdx.x == 0) report_bad_index(err, t);
            continue;
        }
        MS<T> st = {Limits<T>::lowest(), T(0)};
        if (!ignored) {
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
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            MS<T> acc = {sm[0], ss[0]};
            if (!ignored)
                for (int j = 1; j < warps; ++j) acc = ms_merge(acc, MS<T>{sm[j], ss[j]});
            total = acc;
            if (loss != nullptr) loss[row] = ignored ? T(0) : jg_log(acc.s) + acc.m - xr[t];
        }
        __syncthreads();
        MS<T> fin = total;
        if (dlogits != nullptr) {
            T* dr = dlogits + (long long)row * V;
            for (int j = threadIdx.x; j < V; j += blockDim.x) {
                T g = ignored ? T(0) : (jg_exp(xr[j] - fin.m) / fin.s - (j == t ? T(1) : T(0))) * gradScale;
                dr[j] = g;
            }
        }
        __syncthreads();
    }
}

#define CROSS_ENTROPY(T, sfx)                                                                              \
    extern "C" __global__ void __launch_bounds__(1024) cross_entropy_##sfx(                                \
        T* loss, T* dlogits, const T* logits, const long long* targets, int N, int V, T gradScale,         \
        long long ignoreIndex, unsigned long long* err) {                                                  \
        cross_entropy_body<T>(loss, dlogits, logits, targets, N, V, gradScale, ignoreIndex, err);          \
    }
CROSS_ENTROPY(float, f32)
CROSS_ENTROPY(double, f64)
