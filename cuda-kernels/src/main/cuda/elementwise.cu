// elementwise.cu — unary and binary functions, where, fill and copy/cast over strided operands.
//
// What it computes (out, a, b, x, cond any strides; stride 0 broadcasts):
//   unary_<fn>_<t>      out[i] = fn(x[i])           out is t, or bool for not / is_nonfinite
//   binary_<fn>_<t>     out[i] = fn(a[i], b[i])     out is t, or bool for comparisons and logic
//   where_<t>           out[i] = cond[i] ? a[i] : b[i]
//   fill_<t>            out[i] = value
//   copy_<s>_<d>        out[i] = (d) x[i]           dtype conversion; also transpose/permute/contiguous
// Element types t: f32 f64 i32 i64 bool (see common.cuh), and f16 bf16 (half.cuh), which compute
// every function in float and round the result once, as PyTorch's CUDA kernels do. Integer
// arithmetic (pow included) is exact in the element type and wraps on overflow in two's
// complement, as PyTorch's and as the CPU backend's long arithmetic; float math follows IEEE
// without fast-math.
//
// Versions (one kernel, chosen at run time, uniformly per launch):
//   1. strided: grid-stride loop, one element per iteration, offsets decoded from the Indexer.
//   2. dense: when the Java side coalesced every operand to one unit-stride run and the pointers
//      are 16-byte aligned, each thread moves 128 bits per operand per access (Vec<T, V>), then a
//      scalar tail.
//
// Build (cuda-kernels/build-kernels.sh does this for every .cu file):
//   nvcc -std=c++17 -O3 -Xptxas -v -ptx   -arch=compute_80 elementwise.cu -o elementwise.ptx
//   nvcc -std=c++17 -O3 -Xptxas -v -cubin -arch=sm_80      elementwise.cu -o elementwise.sm_80.cubin
//   nvcc -std=c++17 -O3 -Xptxas -v -cubin -arch=sm_90      elementwise.cu -o elementwise.sm_90.cubin
#include "common.cuh"
#include "half.cuh"

// ---- functions ------------------------------------------------------------------------------
// Each functor maps a value of the compute type T to T (or bool for predicates).
struct FNeg { template <class T> __device__ T operator()(T x) const { return -x; } };
struct FExp { template <class T> __device__ T operator()(T x) const { return jg_exp(x); } };
// e^x − 1 without the cancellation of exp(x) − 1 near 0.
struct FExpm1 {
    __device__ float operator()(float x) const { return expm1f(x); }
    __device__ double operator()(double x) const { return expm1(x); }
};
struct FLog { template <class T> __device__ T operator()(T x) const { return jg_log(x); } };
struct FSqrt { template <class T> __device__ T operator()(T x) const { return jg_sqrt(x); } };
struct FAbs { template <class T> __device__ T operator()(T x) const { return x < T(0) ? -x : (x == T(0) ? T(0) : x); } };
// Math.signum: ±0 and NaN are returned as they are.
struct FSign { template <class T> __device__ T operator()(T x) const { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x); } };
struct FRelu { template <class T> __device__ T operator()(T x) const { return x > T(0) ? x : (is_nan(x) ? x : T(0)); } };
struct FSigmoid {
    template <class T> __device__ T operator()(T x) const {
        if (x >= T(0)) return T(1) / (T(1) + jg_exp(-x));
        T e = jg_exp(x);
        return e / (T(1) + e);
    }
};
struct FTanh { template <class T> __device__ T operator()(T x) const { return jg_tanh(x); } };
struct FErf { template <class T> __device__ T operator()(T x) const { return jg_erf(x); } };
struct FGelu {
    template <class T> __device__ T operator()(T x) const {
        return T(0.5) * x * (T(1) + jg_erf(x * T(0.70710678118654752440)));
    }
};
struct FGeluTanh {
    template <class T> __device__ T operator()(T x) const {
        return T(0.5) * x * (T(1) + jg_tanh(T(0.79788456080286535588) * (x + T(0.044715) * x * x * x)));
    }
};
struct FSin { template <class T> __device__ T operator()(T x) const { return jg_sin(x); } };
struct FCos { template <class T> __device__ T operator()(T x) const { return jg_cos(x); } };
struct FNot { template <class T> __device__ bool operator()(T x) const { return x == T(0); } };
struct FNonFinite { template <class T> __device__ bool operator()(T x) const { return !jg_isfinite(x); } };

struct FAdd { template <class T> __device__ T operator()(T a, T b) const { return a + b; } };
struct FSub { template <class T> __device__ T operator()(T a, T b) const { return a - b; } };
struct FMul { template <class T> __device__ T operator()(T a, T b) const { return a * b; } };
struct FDiv { template <class T> __device__ T operator()(T a, T b) const { return a / b; } };
struct FPow { template <class T> __device__ T operator()(T a, T b) const { return jg_pow(a, b); } };
// Integer powers as PyTorch's: repeated squaring, wrapping on overflow (in unsigned arithmetic,
// where wrapping is defined); a negative exponent gives 1 for base 1, +-1 for base -1, else 0.
template <class T, class U>
__device__ __forceinline__ T int_pow(T a, T b) {
    if (b < T(0)) return a == T(1) ? T(1) : a == T(-1) ? ((b & T(1)) ? T(-1) : T(1)) : T(0);
    U result = 1, base = (U)a;
    for (U e = (U)b; e != 0; e >>= 1) {
        if (e & 1) result *= base;
        base *= base;
    }
    return (T)result;
}
struct FPowInt {
    __device__ int operator()(int a, int b) const { return int_pow<int, unsigned int>(a, b); }
    __device__ long long operator()(long long a, long long b) const { return int_pow<long long, unsigned long long>(a, b); }
};
// NaN wins, as Math.max / Math.min; -0 < +0 is not distinguished (as the CPU backend's doubles do
// distinguish it, a max(-0, +0) may differ in sign only).
struct FMaximum { template <class T> __device__ T operator()(T a, T b) const { return is_nan(a) ? a : (is_nan(b) ? b : (a > b ? a : b)); } };
struct FMinimum { template <class T> __device__ T operator()(T a, T b) const { return is_nan(a) ? a : (is_nan(b) ? b : (a < b ? a : b)); } };
struct FEq { template <class T> __device__ bool operator()(T a, T b) const { return a == b; } };
struct FNe { template <class T> __device__ bool operator()(T a, T b) const { return a != b; } };
struct FLt { template <class T> __device__ bool operator()(T a, T b) const { return a < b; } };
struct FLe { template <class T> __device__ bool operator()(T a, T b) const { return a <= b; } };
struct FGt { template <class T> __device__ bool operator()(T a, T b) const { return a > b; } };
struct FGe { template <class T> __device__ bool operator()(T a, T b) const { return a >= b; } };
struct FAnd { template <class T> __device__ bool operator()(T a, T b) const { return a != T(0) && b != T(0); } };
struct FOr { template <class T> __device__ bool operator()(T a, T b) const { return a != T(0) || b != T(0); } };

// ---- kernels bodies -----------------------------------------------------------------------------
template <class I, class O, class F>
__device__ __forceinline__ void unary_body(O* __restrict__ out, const I* __restrict__ x, const Indexer<2>& ix, int n, F f) {
    int tid = global_thread(), nt = global_threads();
    if (is_dense(ix)) {
        constexpr int V = VecWidth<I, O>::V;
        int nv = (aligned_to(out, V * sizeof(O)) && aligned_to(x, V * sizeof(I))) ? n / V : 0;
        for (int v = tid; v < nv; v += nt) {
            Vec<I, V> a = reinterpret_cast<const Vec<I, V>*>(x)[v];
            Vec<O, V> r;
#pragma unroll
            for (int j = 0; j < V; ++j) r.v[j] = cvt<O>(f(a.v[j]));
            reinterpret_cast<Vec<O, V>*>(out)[v] = r;
        }
        for (int i = nv * V + tid; i < n; i += nt) out[i] = cvt<O>(f(x[i]));
        return;
    }
    for (int i = tid; i < n; i += nt) {
        int off[2];
        index_offsets(ix, i, off);
        out[off[0]] = cvt<O>(f(x[off[1]]));
    }
}

template <class I, class O, class F>
__device__ __forceinline__ void binary_body(O* __restrict__ out, const I* __restrict__ a, const I* __restrict__ b,
                                            const Indexer<3>& ix, int n, F f) {
    int tid = global_thread(), nt = global_threads();
    if (is_dense(ix)) {
        constexpr int V = VecWidth<I, O>::V;
        int nv = (aligned_to(out, V * sizeof(O)) && aligned_to(a, V * sizeof(I)) && aligned_to(b, V * sizeof(I))) ? n / V : 0;
        for (int v = tid; v < nv; v += nt) {
            Vec<I, V> x = reinterpret_cast<const Vec<I, V>*>(a)[v];
            Vec<I, V> y = reinterpret_cast<const Vec<I, V>*>(b)[v];
            Vec<O, V> r;
#pragma unroll
            for (int j = 0; j < V; ++j) r.v[j] = cvt<O>(f(x.v[j], y.v[j]));
            reinterpret_cast<Vec<O, V>*>(out)[v] = r;
        }
        for (int i = nv * V + tid; i < n; i += nt) out[i] = cvt<O>(f(a[i], b[i]));
        return;
    }
    for (int i = tid; i < n; i += nt) {
        int off[3];
        index_offsets(ix, i, off);
        out[off[0]] = cvt<O>(f(a[off[1]], b[off[2]]));
    }
}

// ---- instantiations ---------------------------------------------------------------------------
#define UNARY(name, F, I, O, sfx)                                                                         \
    extern "C" __global__ void __launch_bounds__(256) unary_##name##_##sfx(O* out, const I* x, Indexer<2> ix, int n) { \
        unary_body<I, O>(out, x, ix, n, F());                                                             \
    }
#define BINARY(name, F, I, O, sfx)                                                                        \
    extern "C" __global__ void __launch_bounds__(256)                                                      \
    binary_##name##_##sfx(O* out, const I* a, const I* b, Indexer<3> ix, int n) {                         \
        binary_body<I, O>(out, a, b, ix, n, F());                                                         \
    }

// Floating types: every function.
#define UNARY_FLOAT(T, sfx)                                                                               \
    UNARY(neg, FNeg, T, T, sfx) UNARY(exp, FExp, T, T, sfx) UNARY(expm1, FExpm1, T, T, sfx)               \
    UNARY(log, FLog, T, T, sfx)                                                                           \
    UNARY(sqrt, FSqrt, T, T, sfx) UNARY(abs, FAbs, T, T, sfx) UNARY(sign, FSign, T, T, sfx)               \
    UNARY(relu, FRelu, T, T, sfx) UNARY(sigmoid, FSigmoid, T, T, sfx) UNARY(tanh, FTanh, T, T, sfx)       \
    UNARY(erf, FErf, T, T, sfx) UNARY(gelu, FGelu, T, T, sfx) UNARY(gelu_tanh, FGeluTanh, T, T, sfx)      \
    UNARY(sin, FSin, T, T, sfx) UNARY(cos, FCos, T, T, sfx)                                               \
    UNARY(not, FNot, T, jbool, sfx) UNARY(is_nonfinite, FNonFinite, T, jbool, sfx)
// Integer types: the functions that keep an integer an integer; the others run in float64.
#define UNARY_INT(T, sfx)                                                                                 \
    UNARY(neg, FNeg, T, T, sfx) UNARY(abs, FAbs, T, T, sfx) UNARY(sign, FSign, T, T, sfx)                 \
    UNARY(relu, FRelu, T, T, sfx) UNARY(not, FNot, T, jbool, sfx) UNARY(is_nonfinite, FNonFinite, T, jbool, sfx)

// The 16-bit floats: every function, in float (InFloat), the result rounded once.
#define UNARY_HALF(T, sfx)                                                                                \
    UNARY(neg, InFloat<FNeg>, T, T, sfx) UNARY(exp, InFloat<FExp>, T, T, sfx)                             \
    UNARY(expm1, InFloat<FExpm1>, T, T, sfx) UNARY(log, InFloat<FLog>, T, T, sfx)                         \
    UNARY(sqrt, InFloat<FSqrt>, T, T, sfx) UNARY(abs, InFloat<FAbs>, T, T, sfx)                           \
    UNARY(sign, InFloat<FSign>, T, T, sfx) UNARY(relu, InFloat<FRelu>, T, T, sfx)                         \
    UNARY(sigmoid, InFloat<FSigmoid>, T, T, sfx) UNARY(tanh, InFloat<FTanh>, T, T, sfx)                   \
    UNARY(erf, InFloat<FErf>, T, T, sfx) UNARY(gelu, InFloat<FGelu>, T, T, sfx)                           \
    UNARY(gelu_tanh, InFloat<FGeluTanh>, T, T, sfx) UNARY(sin, InFloat<FSin>, T, T, sfx)                  \
    UNARY(cos, InFloat<FCos>, T, T, sfx) UNARY(not, InFloat<FNot>, T, jbool, sfx)                         \
    UNARY(is_nonfinite, InFloat<FNonFinite>, T, jbool, sfx)

UNARY_FLOAT(float, f32)
UNARY_FLOAT(double, f64)
UNARY_HALF(jhalf, f16)
UNARY_HALF(jbf16, bf16)
UNARY_INT(int, i32)
UNARY_INT(long long, i64)
UNARY(not, FNot, jbool, jbool, bool)

#define BINARY_PRED(T, sfx)                                                                               \
    BINARY(eq, FEq, T, jbool, sfx) BINARY(ne, FNe, T, jbool, sfx) BINARY(lt, FLt, T, jbool, sfx)          \
    BINARY(le, FLe, T, jbool, sfx) BINARY(gt, FGt, T, jbool, sfx) BINARY(ge, FGe, T, jbool, sfx)          \
    BINARY(and, FAnd, T, jbool, sfx) BINARY(or, FOr, T, jbool, sfx)
#define BINARY_ARITH(T, sfx)                                                                              \
    BINARY(add, FAdd, T, T, sfx) BINARY(sub, FSub, T, T, sfx) BINARY(mul, FMul, T, T, sfx)                \
    BINARY(maximum, FMaximum, T, T, sfx) BINARY(minimum, FMinimum, T, T, sfx)

BINARY_ARITH(float, f32) BINARY(div, FDiv, float, float, f32) BINARY(pow, FPow, float, float, f32)
BINARY_ARITH(double, f64) BINARY(div, FDiv, double, double, f64) BINARY(pow, FPow, double, double, f64)
BINARY_ARITH(int, i32) BINARY(pow, FPowInt, int, int, i32)
BINARY_ARITH(long long, i64) BINARY(pow, FPowInt, long long, long long, i64)
#define BINARY_HALF(T, sfx)                                                                               \
    BINARY(add, InFloat<FAdd>, T, T, sfx) BINARY(sub, InFloat<FSub>, T, T, sfx)                           \
    BINARY(mul, InFloat<FMul>, T, T, sfx) BINARY(div, InFloat<FDiv>, T, T, sfx)                           \
    BINARY(pow, InFloat<FPow>, T, T, sfx) BINARY(maximum, InFloat<FMaximum>, T, T, sfx)                   \
    BINARY(minimum, InFloat<FMinimum>, T, T, sfx)                                                         \
    BINARY(eq, InFloat<FEq>, T, jbool, sfx) BINARY(ne, InFloat<FNe>, T, jbool, sfx)                       \
    BINARY(lt, InFloat<FLt>, T, jbool, sfx) BINARY(le, InFloat<FLe>, T, jbool, sfx)                       \
    BINARY(gt, InFloat<FGt>, T, jbool, sfx) BINARY(ge, InFloat<FGe>, T, jbool, sfx)                       \
    BINARY(and, InFloat<FAnd>, T, jbool, sfx) BINARY(or, InFloat<FOr>, T, jbool, sfx)
BINARY_HALF(jhalf, f16)
BINARY_HALF(jbf16, bf16)
BINARY_PRED(float, f32)
BINARY_PRED(double, f64)
BINARY_PRED(int, i32)
BINARY_PRED(long long, i64)
BINARY_PRED(jbool, bool)

// ---- where --------------------------------------------------------------------------------------
template <class T>
__device__ __forceinline__ void where_body(T* __restrict__ out, const jbool* __restrict__ cond, const T* __restrict__ a,
                                           const T* __restrict__ b, const Indexer<4>& ix, int n) {
    int tid = global_thread(), nt = global_threads();
    if (is_dense(ix)) {
        for (int i = tid; i < n; i += nt) out[i] = cond[i] ? a[i] : b[i];
        return;
    }
    for (int i = tid; i < n; i += nt) {
        int off[4];
        index_offsets(ix, i, off);
        out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]];
    }
}
#define WHERE(T, sfx)                                                                                     \
    extern "C" __global__ void __launch_bounds__(256)                                                      \
    where_##sfx(T* out, const jbool* cond, const T* a, const T* b, Indexer<4> ix, int n) {                \
        where_body<T>(out, cond, a, b, ix, n);                                                            \
    }
WHERE(float, f32) WHERE(double, f64) WHERE(int, i32) WHERE(long long, i64) WHERE(jbool, bool) WHERE(jhalf, f16) WHERE(jbf16, bf16)

// ---- fill ---------------------------------------------------------------------------------------
template <class T>
__device__ __forceinline__ void fill_body(T* __restrict__ out, const Indexer<1>& ix, int n, T value) {
    int tid = global_thread(), nt = global_threads();
    if (is_dense(ix)) {
        constexpr int V = 16 / sizeof(T);
        int nv = aligned_to(out, 16) ? n / V : 0;
        Vec<T, V> r;
#pragma unroll
        for (int j = 0; j < V; ++j) r.v[j] = value;
        for (int v = tid; v < nv; v += nt) reinterpret_cast<Vec<T, V>*>(out)[v] = r;
        for (int i = nv * V + tid; i < n; i += nt) out[i] = value;
        return;
    }
    for (int i = tid; i < n; i += nt) {
        int off[1];
        index_offsets(ix, i, off);
        out[off[0]] = value;
    }
}
// The value arrives as a parameter of the element type (bool as an int 0/1).
extern "C" __global__ void __launch_bounds__(256) fill_f32(float* out, Indexer<1> ix, int n, float v) { fill_body(out, ix, n, v); }
extern "C" __global__ void __launch_bounds__(256) fill_f64(double* out, Indexer<1> ix, int n, double v) { fill_body(out, ix, n, v); }
extern "C" __global__ void __launch_bounds__(256) fill_i32(int* out, Indexer<1> ix, int n, int v) { fill_body(out, ix, n, v); }
extern "C" __global__ void __launch_bounds__(256) fill_i64(long long* out, Indexer<1> ix, int n, long long v) { fill_body(out, ix, n, v); }
extern "C" __global__ void __launch_bounds__(256) fill_bool(jbool* out, Indexer<1> ix, int n, int v) { fill_body(out, ix, n, (jbool)(v != 0)); }
// The 16-bit floats take the value as a float and round it once.
extern "C" __global__ void __launch_bounds__(256) fill_f16(jhalf* out, Indexer<1> ix, int n, float v) { fill_body(out, ix, n, cvt<jhalf>(v)); }
extern "C" __global__ void __launch_bounds__(256) fill_bf16(jbf16* out, Indexer<1> ix, int n, float v) { fill_body(out, ix, n, cvt<jbf16>(v)); }

// ---- copy / cast ----------------------------------------------------------------------------------
struct FIdentity { template <class T> __device__ T operator()(T x) const { return x; } };

#define COPY(S, ssfx, D, dsfx)                                                                             \
    extern "C" __global__ void __launch_bounds__(256) copy_##ssfx##_##dsfx(D* out, const S* x, Indexer<2> ix, int n) { \
        unary_body<S, D>(out, x, ix, n, FIdentity());                                                      \
    }
#define COPY_FROM(S, ssfx)                                                                                 \
    COPY(S, ssfx, float, f32) COPY(S, ssfx, double, f64) COPY(S, ssfx, int, i32)                           \
    COPY(S, ssfx, long long, i64) COPY(S, ssfx, jbool, bool) COPY(S, ssfx, jhalf, f16) COPY(S, ssfx, jbf16, bf16)
COPY_FROM(float, f32)
COPY_FROM(double, f64)
COPY_FROM(int, i32)
COPY_FROM(long long, i64)
COPY_FROM(jbool, bool)
COPY_FROM(jhalf, f16)
COPY_FROM(jbf16, bf16)
