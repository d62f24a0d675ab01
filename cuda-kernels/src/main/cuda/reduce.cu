// reduce.cu — sum, prod, max, min and argmax/argmin over any set of dimensions.
//
// What it computes: the input index space is split into kept dimensions (K outputs) and reduced
// dimensions (R elements folded into each output), as the CPU backend's Reduce does.
//   kix: Indexer<2> over the kept space, strides[0] = out strides, strides[1] = x strides
//   rix: Indexer<1> over the reduced space, strides[0] = x strides
//   reduce_<mode>_<op>_<t>    out[k] = fold_op over r of x[k, r]
//   argreduce_<mode>_<max|min>_<t>  out[k] (int64) = row-major position r of the first max/min;
//                              NaN counts as the largest and smallest value (first NaN wins).
// Accumulators: f32 sums in float, f64 in double, f16 and bf16 in float (every result rounded
// once to the input type), integers and bool in int64 (sum/prod) or in their own type (max/min).
// max/min propagate NaN.
//
// Versions (chosen by the Java side, CudaKernels.reduce):
//   rows: the reduced run is unit-stride: blockDim.x threads (32..1024) fold one output with
//         coalesced loads, warp shuffles then a shared-memory step; blockDim.y outputs per block.
//   cols: the kept run is unit-stride: 32 consecutive outputs per block on x, blockDim.y threads
//         split the reduced range; a shared-memory step combines them.
//   Both split R into gridDim.y chunks when there are too few outputs to fill the GPU; then each
//   chunk writes an accumulator to `partial` ([gridDim.y][K]) and reduce_finish_* folds those.
//
// Build: see the header of elementwise.cu (same flags for every file); cuda-kernels/build-kernels.sh.
#include "common.cuh"
#include "half.cuh"

struct RSum {
    template <class A> __device__ __forceinline__ A operator()(A a, A b) const { return a + b; }
    template <class A> static __device__ __forceinline__ A identity() { return A(0); }
};
struct RProd {
    template <class A> __device__ __forceinline__ A operator()(A a, A b) const { return a * b; }
    template <class A> static __device__ __forceinline__ A identity() { return A(1); }
};
struct RMax {
    template <class A> __device__ __forceinline__ A operator()(A a, A b) const { return is_nan(a) ? a : (is_nan(b) ? b : (a > b ? a : b)); }
    template <class A> static __device__ __forceinline__ A identity() { return Limits<A>::lowest(); }
};
struct RMin {
    template <class A> __device__ __forceinline__ A operator()(A a, A b) const { return is_nan(a) ? a : (is_nan(b) ? b : (a < b ? a : b)); }
    template <class A> static __device__ __forceinline__ A identity() { return Limits<A>::highest(); }
};

__device__ __forceinline__ void chunk_range(int R, int chunk, int& start, int& end) {
    start = blockIdx.y * chunk;
    end = min(R, start + chunk);
}

template <class I, class A, class O, class Op>
__device__ __forceinline__ void reduce_rows_body(O* out, A* partial, const I* __restrict__ x, const Indexer<2>& kix,
                                                 const Indexer<1>& rix, int K, int R, int chunk) {
    __shared__ A scratch[JG_WARP * JG_WARP];
    Op op;
    int o = blockIdx.x * blockDim.y + threadIdx.y;
    int koff[2] = {0, 0};
    if (o < K) index_offsets(kix, o, koff);
    int start, end;
    chunk_range(R, chunk, start, end);
    A acc = Op::template identity<A>();
    if (o < K) {
        const I* row = x + koff[1];
        if (rix.ndim == 1) {
            int s = rix.strides[0][0];
#pragma unroll 4
            for (int r = start + threadIdx.x; r < end; r += blockDim.x) acc = op(acc, cvt<A>(row[r * s]));
        } else {
            for (int r = start + threadIdx.x; r < end; r += blockDim.x) {
                int roff[1];
                index_offsets(rix, r, roff);
                acc = op(acc, cvt<A>(row[roff[0]]));
            }
        }
    }
    acc = row_reduce(acc, op, scratch);
    if (threadIdx.x == 0 && o < K) {
        if (partial != nullptr) partial[blockIdx.y * K + o] = acc;
        else out[koff[0]] = cvt<O>(acc);
    }
}

template <class I, class A, class O, class Op>
__device__ __forceinline__ void reduce_cols_body(O* out, A* partial, const I* __restrict__ x, const Indexer<2>& kix,
                                                 const Indexer<1>& rix, int K, int R, int chunk) {
    __shared__ A scratch[JG_WARP][JG_WARP + 1];
    Op op;
    int o = blockIdx.x * JG_WARP + threadIdx.x;
    int koff[2] = {0, 0};
    if (o < K) index_offsets(kix, o, koff);
    int start, end;
    chunk_range(R, chunk, start, end);
    A acc = Op::template identity<A>();
    if (o < K) {
        const I* col = x + koff[1];
#pragma unroll 4
        for (int r = start + threadIdx.y; r < end; r += blockDim.y) {
            int roff[1];
            index_offsets(rix, r, roff);
            acc = op(acc, cvt<A>(col[roff[0]]));
        }
    }
    scratch[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && o < K) {
        for (int j = 1; j < blockDim.y; ++j) acc = op(acc, scratch[j][threadIdx.x]);
        if (partial != nullptr) partial[blockIdx.y * K + o] = acc;
        else out[koff[0]] = cvt<O>(acc);
    }
}

template <class A, class O, class Op>
__device__ __forceinline__ void reduce_finish_body(O* out, const A* __restrict__ partial, const Indexer<1>& oix, int K, int G) {
    Op op;
    for (int o = global_thread(); o < K; o += global_threads()) {
        A acc = partial[o];
        for (int g = 1; g < G; ++g) acc = op(acc, partial[g * K + o]);
        int off[1];
        index_offsets(oix, o, off);
        out[off[0]] = cvt<O>(acc);
    }
}

#define REDUCE(opname, Op, I, A, O, sfx)                                                                    \
    extern "C" __global__ void __launch_bounds__(1024) reduce_rows_##opname##_##sfx(                        \
        O* out, A* partial, const I* x, Indexer<2> kix, Indexer<1> rix, int K, int R, int chunk) {          \
        reduce_rows_body<I, A, O, Op>(out, partial, x, kix, rix, K, R, chunk);                              \
    }                                                                                                       \
    extern "C" __global__ void __launch_bounds__(1024) reduce_cols_##opname##_##sfx(                        \
        O* out, A* partial, const I* x, Indexer<2> kix, Indexer<1> rix, int K, int R, int chunk) {          \
        reduce_cols_body<I, A, O, Op>(out, partial, x, kix, rix, K, R, chunk);                              \
    }                                                                                                       \
    extern "C" __global__ void __launch_bounds__(256) reduce_finish_##opname##_##sfx(                       \
        O* out, const A* partial, Indexer<1> oix, int K, int G) {                                           \
        reduce_finish_body<A, O, Op>(out, partial, oix, K, G);                                              \
    }

// sum and prod: floats keep their type, integers and bool accumulate and return int64.
#define REDUCE_ARITH(opname, Op)                                                                            \
    REDUCE(opname, Op, float, float, float, f32)                                                            \
    REDUCE(opname, Op, jhalf, float, jhalf, f16)                                                            \
    REDUCE(opname, Op, jbf16, float, jbf16, bf16)                                                           \
    REDUCE(opname, Op, double, double, double, f64)                                                         \
    REDUCE(opname, Op, int, long long, long long, i32)                                                      \
    REDUCE(opname, Op, long long, long long, long long, i64)                                                \
    REDUCE(opname, Op, jbool, long long, long long, bool)
// max and min keep the input type (bool folds as int).
#define REDUCE_ORDER(opname, Op)                                                                            \
    REDUCE(opname, Op, float, float, float, f32)                                                            \
    REDUCE(opname, Op, jhalf, float, jhalf, f16)                                                            \
    REDUCE(opname, Op, jbf16, float, jbf16, bf16)                                                           \
    REDUCE(opname, Op, double, double, double, f64)                                                         \
    REDUCE(opname, Op, int, int, int, i32)                                                                  \
    REDUCE(opname, Op, long long, long long, long long, i64)                                                \
    REDUCE(opname, Op, jbool, int, jbool, bool)

REDUCE_ARITH(sum, RSum)
REDUCE_ARITH(prod, RProd)
REDUCE_ORDER(max, RMax)
REDUCE_ORDER(min, RMin)

// ---- argmax / argmin ---------------------------------------------------------------------------
// A candidate is (value, position); position < 0 means "none yet".
template <bool MAX, class A>
__device__ __forceinline__ bool arg_prefer(A av, int ai, A bv, int bi) {
    // true when candidate a beats candidate b
    if (bi < 0) return true;
    if (ai < 0) return false;
    bool an = is_nan(av), bn = is_nan(bv);
    if (an || bn) return an && (!bn || ai < bi);
    if (MAX ? av > bv : av < bv) return true;
    if (MAX ? bv > av : bv < av) return false;
    return ai < bi;
}

template <bool MAX, class A>
__device__ __forceinline__ void arg_warp(A& v, int& i) {
#pragma unroll
    for (int o = JG_WARP / 2; o > 0; o >>= 1) {
        A ov = __shfl_xor_sync(0xffffffffu, v, o);
        int oi = __shfl_xor_sync(0xffffffffu, i, o);
        if (arg_prefer<MAX>(ov, oi, v, i)) { v = ov; i = oi; }
    }
}

template <bool MAX, class I, class A>
__device__ __forceinline__ void arg_rows_body(long long* out, A* pv, int* pi, const I* __restrict__ x, const Indexer<2>& kix,
                                              const Indexer<1>& rix, int K, int R, int chunk) {
    __shared__ A sv[JG_WARP * JG_WARP];
    __shared__ int si[JG_WARP * JG_WARP];
    int o = blockIdx.x * blockDim.y + threadIdx.y;
    int koff[2] = {0, 0};
    if (o < K) index_offsets(kix, o, koff);
    int start, end;
    chunk_range(R, chunk, start, end);
    A best = A(0);
    int bi = -1;
    if (o < K) {
        const I* row = x + koff[1];
        for (int r = start + threadIdx.x; r < end; r += blockDim.x) {
            int roff[1];
            index_offsets(rix, r, roff);
            A v = cvt<A>(row[roff[0]]);
            if (arg_prefer<MAX>(v, r, best, bi)) { best = v; bi = r; }
        }
    }
    arg_warp<MAX>(best, bi);
    if (blockDim.x > JG_WARP) {
        int lane = threadIdx.x % JG_WARP, w = threadIdx.x / JG_WARP, base = threadIdx.y * JG_WARP;
        if (lane == 0) { sv[base + w] = best; si[base + w] = bi; }
        __syncthreads();
        for (int j = 0; j < (int)(blockDim.x / JG_WARP); ++j)
            if (arg_prefer<MAX>(sv[base + j], si[base + j], best, bi)) { best = sv[base + j]; bi = si[base + j]; }
    }
    if (threadIdx.x == 0 && o < K) {
        if (pv != nullptr) { pv[blockIdx.y * K + o] = best; pi[blockIdx.y * K + o] = bi; }
        else out[koff[0]] = (long long)bi;
    }
}

template <bool MAX, class I, class A>
__device__ __forceinline__ void arg_cols_body(long long* out, A* pv, int* pi, const I* __restrict__ x, const Indexer<2>& kix,
                                              const Indexer<1>& rix, int K, int R, int chunk) {
    __shared__ A sv[JG_WARP][JG_WARP + 1];
    __shared__ int si[JG_WARP][JG_WARP + 1];
    int o = blockIdx.x * JG_WARP + threadIdx.x;
    int koff[2] = {0, 0};
    if (o < K) index_offsets(kix, o, koff);
    int start, end;
    chunk_range(R, chunk, start, end);
    A best = A(0);
    int bi = -1;
    if (o < K) {
        const I* col = x + koff[1];
        for (int r = start + threadIdx.y; r < end; r += blockDim.y) {
            int roff[1];
            index_offsets(rix, r, roff);
            A v = cvt<A>(col[roff[0]]);
            if (arg_prefer<MAX>(v, r, best, bi)) { best = v; bi = r; }
        }
    }
    sv[threadIdx.y][threadIdx.x] = best;
    si[threadIdx.y][threadIdx.x] = bi;
    __syncthreads();
    if (threadIdx.y == 0 && o < K) {
        for (int j = 1; j < blockDim.y; ++j)
            if (arg_prefer<MAX>(sv[j][threadIdx.x], si[j][threadIdx.x], best, bi)) { best = sv[j][threadIdx.x]; bi = si[j][threadIdx.x]; }
        if (pv != nullptr) { pv[blockIdx.y * K + o] = best; pi[blockIdx.y * K + o] = bi; }
        else out[koff[0]] = (long long)bi;
    }
}

template <bool MAX, class A>
__device__ __forceinline__ void arg_finish_body(long long* out, const A* __restrict__ pv, const int* __restrict__ pi,
                                                const Indexer<1>& oix, int K, int G) {
    for (int o = global_thread(); o < K; o += global_threads()) {
        A best = pv[o];
        int bi = pi[o];
        for (int g = 1; g < G; ++g)
            if (arg_prefer<MAX>(pv[g * K + o], pi[g * K + o], best, bi)) { best = pv[g * K + o]; bi = pi[g * K + o]; }
        int off[1];
        index_offsets(oix, o, off);
        out[off[0]] = (long long)bi;
    }
}

#define ARGREDUCE(name, MAX, I, A, sfx)                                                                     \
    extern "C" __global__ void __launch_bounds__(1024) argreduce_rows_##name##_##sfx(                       \
        long long* out, A* pv, int* pi, const I* x, Indexer<2> kix, Indexer<1> rix, int K, int R, int chunk) { \
        arg_rows_body<MAX, I, A>(out, pv, pi, x, kix, rix, K, R, chunk);                                    \
    }                                                                                                       \
    extern "C" __global__ void __launch_bounds__(1024) argreduce_cols_##name##_##sfx(                       \
        long long* out, A* pv, int* pi, const I* x, Indexer<2> kix, Indexer<1> rix, int K, int R, int chunk) { \
        arg_cols_body<MAX, I, A>(out, pv, pi, x, kix, rix, K, R, chunk);                                    \
    }                                                                                                       \
    extern "C" __global__ void __launch_bounds__(256) argreduce_finish_##name##_##sfx(                      \
        long long* out, const A* pv, const int* pi, Indexer<1> oix, int K, int G) {                         \
        arg_finish_body<MAX, A>(out, pv, pi, oix, K, G);                                                    \
    }
#define ARGREDUCE_ALL(I, A, sfx) ARGREDUCE(max, true, I, A, sfx) ARGREDUCE(min, false, I, A, sfx)
ARGREDUCE_ALL(float, float, f32)
ARGREDUCE_ALL(double, double, f64)
ARGREDUCE_ALL(int, int, i32)
ARGREDUCE_ALL(long long, long long, i64)
ARGREDUCE_ALL(jbool, int, bool)
ARGREDUCE_ALL(jhalf, float, f16)
ARGREDUCE_ALL(jbf16, float, bf16)
