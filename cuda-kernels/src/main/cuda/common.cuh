// common.cuh — shared definitions for every jgrad CUDA kernel file.
//
// What: element types, the strided-operand Indexer passed by value to kernels, conversions
// between element types, warp/block reductions, and the math each element type computes in.
//
// ABI with the Java side (dev.jgrad.cuda.launch.KernelArgs / Indexing):
//   * Indexer<N> is N+1 arrays of ints, no padding: ndim, sizes[8], strides[N][8].
//     Dimensions are stored INNERMOST FIRST (sizes[0] is the fastest-varying dimension) after the
//     Java side has coalesced them; strides are in elements; ndim == 0 means a single element.
//   * Element types and their kernel-name suffixes: f32 float, f64 double, i32 int,
//     i64 long long, bool unsigned char (0 or 1).
//   * Pointers passed to kernels already include the tensor's storage offset.
//
// Build: included by every .cu file; see cuda-kernels/build-kernels.sh.
#pragma once

#include <stdint.h>

#define JG_MAX_DIMS 8
#define JG_WARP 32

typedef unsigned char jbool;

template <int N>
struct Indexer {
    int ndim;
    int sizes[JG_MAX_DIMS];
    int strides[N][JG_MAX_DIMS];
};

// Element offsets (one per operand) of row-major position `linear` of the index space.
template <int N>
__device__ __forceinline__ void index_offsets(const Indexer<N>& ix, int linear, int (&off)[N]) {
    if (ix.ndim == 1) {
#pragma unroll
        for (int k = 0; k < N; ++k) off[k] = linear * ix.strides[k][0];
        return;
    }
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    unsigned rem = (unsigned)linear;
#pragma unroll
    for (int d = 0; d < JG_MAX_DIMS; ++d) {
        if (d < ix.ndim) {
            unsigned s = (unsigned)ix.sizes[d];
            unsigned q = rem / s;
            int r = (int)(rem - q * s);
            rem = q;
#pragma unroll
            for (int k = 0; k < N; ++k) off[k] += r * ix.strides[k][d];
        }
    }
}

// True when the index space is one dense run with unit strides in every operand.
template <int N>
__device__ __forceinline__ bool is_dense(const Indexer<N>& ix) {
    if (ix.ndim != 1) return false;
#pragma unroll
    for (int k = 0; k < N; ++k)
        if (ix.strides[k][0] != 1) return false;
    return true;
}

// ---- conversions ----------------------------------------------------------------------------
// Float to integer conversions compile to cvt.rzi, which saturates and maps NaN to 0: the same
// result as Java's (int)/(long) casts that the CPU backend uses.
template <class O, class I>
__device__ __forceinline__ O cvt(I v) { return (O)v; }
template <> __device__ __forceinline__ jbool cvt<jbool, float>(float v) { return v != 0.f; }
template <> __device__ __forceinline__ jbool cvt<jbool, double>(double v) { return v != 0.0; }
template <> __device__ __forceinline__ jbool cvt<jbool, int>(int v) { return v != 0; }
template <> __device__ __forceinline__ jbool cvt<jbool, long long>(long long v) { return v != 0; }
template <> __device__ __forceinline__ jbool cvt<jbool, bool>(bool v) { return v ? 1 : 0; }
template <> __device__ __forceinline__ jbool cvt<jbool, jbool>(jbool v) { return v != 0; }

template <class T> __device__ __forceinline__ bool is_nan(T v) { return v != v; }

// ---- 128-bit vectors --------------------------------------------------------------------------
template <class T, int V>
struct alignas(sizeof(T) * V) Vec {
    T v[V];
};

// Elements per 16-byte access of the wider of two element types.
template <class A, class B>
struct VecWidth {
    static constexpr int V = 16 / (sizeof(A) > sizeof(B) ? sizeof(A) : sizeof(B));
};

__device__ __forceinline__ bool aligned_to(const void* p, int bytes) {
    return ((uintptr_t)p % (uintptr_t)bytes) == 0;
}

// ---- grid-stride helpers ---------------------------------------------------------------------
__device__ __forceinline__ int global_thread() { return blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int global_threads() { return gridDim.x * blockDim.x; }

// ---- reductions -------------------------------------------------------------------------------
template <class T, class Op>
__device__ __forceinline__ T warp_reduce(T v, Op op) {
#pragma unroll
    for (int o = JG_WARP / 2; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Reduces v over the first blockDim.x threads of each row of threads (threadIdx.y); blockDim.x
// must be a multiple of 32 and at most 1024. `scratch` holds 32 values per row of threads.
// Every thread of the row gets the result.
template <class T, class Op>
__device__ __forceinline__ T row_reduce(T v, Op op, T* scratch) {
    v = warp_reduce(v, op);
    if (blockDim.x == JG_WARP) return v;
    int warps = blockDim.x / JG_WARP, lane = threadIdx.x % JG_WARP, w = threadIdx.x / JG_WARP;
    T* s = scratch + threadIdx.y * JG_WARP;
    __syncthreads();
    if (lane == 0) s[w] = v;
    __syncthreads();
    T r = s[0];
    for (int i = 1; i < warps; ++i) r = op(r, s[i]);
    return r;
}

// ---- math per element type ---------------------------------------------------------------------
// float computes in float (IEEE functions, no fast-math), double in double.
__device__ __forceinline__ float jg_exp(float x) { return expf(x); }
__device__ __forceinline__ double jg_exp(double x) { return exp(x); }
__device__ __forceinline__ float jg_log(float x) { return logf(x); }
__device__ __forceinline__ double jg_log(double x) { return log(x); }
__device__ __forceinline__ float jg_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double jg_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float jg_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double jg_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float jg_erf(float x) { return erff(x); }
__device__ __forceinline__ double jg_erf(double x) { return erf(x); }
__device__ __forceinline__ float jg_sin(float x) { return sinf(x); }
__device__ __forceinline__ double jg_sin(double x) { return sin(x); }
__device__ __forceinline__ float jg_cos(float x) { return cosf(x); }
__device__ __forceinline__ double jg_cos(double x) { return cos(x); }
__device__ __forceinline__ float jg_pow(float a, float b) { return powf(a, b); }
__device__ __forceinline__ double jg_pow(double a, double b) { return pow(a, b); }
__device__ __forceinline__ bool jg_isfinite(float x) { return isfinite(x); }
__device__ __forceinline__ bool jg_isfinite(double x) { return isfinite(x); }
__device__ __forceinline__ bool jg_isfinite(int) { return true; }
__device__ __forceinline__ bool jg_isfinite(long long) { return true; }
__device__ __forceinline__ bool jg_isfinite(jbool) { return true; }

template <class T> struct Limits;
template <> struct Limits<float> {
    static __device__ __forceinline__ float lowest() { return -__int_as_float(0x7f800000); }
    static __device__ __forceinline__ float highest() { return __int_as_float(0x7f800000); }
};
template <> struct Limits<double> {
    static __device__ __forceinline__ double lowest() { return -__longlong_as_double(0x7ff0000000000000LL); }
    static __device__ __forceinline__ double highest() { return __longlong_as_double(0x7ff0000000000000LL); }
};
template <> struct Limits<int> {
    static __device__ __forceinline__ int lowest() { return (int)0x80000000; }
    static __device__ __forceinline__ int highest() { return 0x7fffffff; }
};
template <> struct Limits<long long> {
    static __device__ __forceinline__ long long lowest() { return (long long)0x8000000000000000ULL; }
    static __device__ __forceinline__ long long highest() { return 0x7fffffffffffffffLL; }
};

// ---- device-side error reporting ------------------------------------------------------------
// Index kernels cannot throw; the first out-of-range index is recorded in a small device word
// pair {flag, value} that the Java side reads back after the launch and turns into an
// IndexOutOfBoundsException.
__device__ __forceinline__ void report_bad_index(unsigned long long* err, long long index) {
    if (err != nullptr && atomicCAS(err, 0ULL, 1ULL) == 0ULL) {
        err[1] = (unsigned long long)index;
    }
}
