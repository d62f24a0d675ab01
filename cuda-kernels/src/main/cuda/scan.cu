// scan.cu — cumulative sums and products along one dimension.
//
// What it computes: x and out contiguous, seen as [outer, n, inner];
//   scan_rows_<op>_<t>   inner == 1: out[o, i] = x[o, 0] op … op x[o, i]
//   scan_cols_<op>_<t>   inner > 1:  out[o, i, j] = x[o, 0, j] op … op x[o, i, j]
// op: sum or prod. Types t: f32 (accumulated in double, as PyTorch's CPU kernel and jgrad's CPU
// kernels do), f64 (double), i64 (long long, wrapping on overflow). The Java side casts int32 and
// bool inputs to int64 first (PyTorch's cumsum/cumprod of integers give int64).
//
// Versions (CudaKernels.scan picks):
//   rows: one warp per row; each step scans 32 elements with warp shuffles (Hillis–Steele) and
//         adds the running carry of the row, so loads and stores coalesce along the row. The
//         order of the additions differs from a sequential loop: float results may differ from
//         the CPU's in the last bits (integers are exact).
//   cols: one thread per (o, j) column walking i; neighbouring threads walk neighbouring
//         columns, so loads and stores coalesce across j.
//
// Build: see elementwise.cu's header; native/build-kernels.sh.
#include "common.cuh"

struct SSum {
    template <class A> __device__ __forceinline__ A operator()(A a, A b) const { return a + b; }
    template <class A> static __device__ __forceinline__ A identity() { return A(0); }
};
struct SProd {
    template <class A> __device__ __forceinline__ A operator()(A a, A b) const { return a * b; }
    template <class A> static __device__ __forceinline__ A identity() { return A(1); }
};

template <class T, class A, class Op>
__device__ __forceinline__ void scan_rows_body(T* out, const T* __restrict__ x, int outer, int n) {
    Op op;
    int lane = threadIdx.x % JG_WARP;
    int row = blockIdx.x * (blockDim.x / JG_WARP) + threadIdx.x / JG_WARP;
    if (row >= outer) return;   // the whole warp leaves together
    const T* xr = x + (long long)row * n;
    T* orow = out + (long long)row * n;
    A carry = Op::template identity<A>();
    for (int base = 0; base < n; base += JG_WARP) {
        int i = base + lane;
        A v = i < n ? (A)xr[i] : Op::template identity<A>();
#pragma unroll
        for (int o = 1; o < JG_WARP; o <<= 1) {
            A t = __shfl_up_sync(0xffffffffu, v, o);
            if (lane >= o) v = op(t, v);
        }
        v = op(carry, v);
        if (i < n) orow[i] = (T)v;
        carry = __shfl_sync(0xffffffffu, v, JG_WARP - 1);
    }
}

template <class T, class A, class Op>
__device__ __forceinline__ void scan_cols_body(T* out, const T* __restrict__ x, int outer, int n, int inner) {
    Op op;
    long long columns = (long long)outer * inner;
    for (long long c = global_thread(); c < columns; c += global_threads()) {
        int o = (int)(c / inner), j = (int)(c % inner);
        long long base = (long long)o * n * inner + j;
        A acc = Op::template identity<A>();
        for (int i = 0; i < n; ++i) {
            acc = op(acc, (A)x[base + (long long)i * inner]);
            out[base + (long long)i * inner] = (T)acc;
        }
    }
}

#define SCAN(T, A, t, OP, op)                                                                                   \
    extern "C" __global__ void __launch_bounds__(256) scan_rows_##op##_##t(T* out, const T* x, int outer, int n) { \
        scan_rows_body<T, A, OP>(out, x, outer, n);                                                             \
    }                                                                                                           \
    extern "C" __global__ void __launch_bounds__(256) scan_cols_##op##_##t(T* out, const T* x, int outer, int n,  \
                                                                            int inner) {                        \
        scan_cols_body<T, A, OP>(out, x, outer, n, inner);                                                      \
    }
SCAN(float, double, f32, SSum, sum) SCAN(double, double, f64, SSum, sum) SCAN(long long, long long, i64, SSum, sum)
SCAN(float, double, f32, SProd, prod) SCAN(double, double, f64, SProd, prod) SCAN(long long, long long, i64, SProd, prod)
