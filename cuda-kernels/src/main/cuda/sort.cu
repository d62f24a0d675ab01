// sort.cu — sorting each row, with the position every element came from.
//
// What it computes: x contiguous [rows, n]; for each row, values[r, :] = the row in ascending
// (or, with `descending`, descending) order and indices[r, :] (int64) = where each came from.
// The order is PyTorch's: NaN larger than every number, -0.0 equal to 0.0, and equal elements
// in their original order in both directions (torch.sort(stable=True)) — every comparison breaks
// ties by position, so the sort is stable although the network is not. Top-k on the GPU is this
// sort followed by a narrow (the CUDA branch of SortOps in the tensor module).
//   sort_rows_smem_<t>     the row, padded to a power of two P, in dynamic shared memory
//                          (P·(sizeof(T) + 4) bytes: P ≤ 4096 for every type)
//   sort_rows_global_<t>   the same network in a global scratch row of P keys and P positions
// Types t: f32, f64, i64 (the Java side sorts int32 and bool as int64).
//
// Versions: 1 — one block per row runs a bitonic sorting network (log²P stages, a
// __syncthreads between stages); padding entries compare after every real element.
//
// Build: see elementwise.cu's header; native/build-kernels.sh.
#include "common.cuh"

// -1, 0, 1: a before, equal to, after b in ascending order (NaN largest, -0.0 == 0.0).
template <class T>
__device__ __forceinline__ int order(T a, T b) {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a == b) return 0;
    bool na = is_nan(a), nb = is_nan(b);
    return na == nb ? 0 : (na ? 1 : -1);
}

// Whether (a, ia) comes strictly before (b, ib); positions at or past n are padding, last.
template <class T>
__device__ __forceinline__ bool before(T a, int ia, T b, int ib, int n, bool descending) {
    if (ia >= n || ib >= n) return ia < ib;
    int c = order(a, b);
    if (c != 0) return descending ? c > 0 : c < 0;
    return ia < ib;
}

template <class T>
__device__ __forceinline__ void sort_row(T* values, long long* indices, const T* __restrict__ x, int n, int P, bool descending,
                                         T* k, int* id) {
    int row = blockIdx.x;
    const T* xr = x + (long long)row * n;
    for (int i = threadIdx.x; i < P; i += blockDim.x) {
        k[i] = i < n ? xr[i] : T(0);
        id[i] = i;
    }
    __syncthreads();
    for (int size = 2; size <= P; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int i = threadIdx.x; i < P; i += blockDim.x) {
                int j = i ^ stride;
                if (j > i) {
                    T ki = k[i], kj = k[j];
                    int ii = id[i], ij = id[j];
                    bool up = (i & size) == 0;
                    if (up ? before(kj, ij, ki, ii, n, descending) : before(ki, ii, kj, ij, n, descending)) {
                        k[i] = kj;
                        k[j] = ki;
                        id[i] = ij;
                        id[j] = ii;
                    }
                }
            }
            __syncthreads();
        }
    }
    T* vr = values + (long long)row * n;
    long long* ir = indices + (long long)row * n;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        vr[i] = k[i];
        ir[i] = id[i];
    }
}

#define SORT(T, t)                                                                                                     \
    extern "C" __global__ void __launch_bounds__(1024) sort_rows_smem_##t(T* values, long long* indices, const T* x, int n, \
                                                                           int P, int descending) {                  \
        extern __shared__ __align__(8) unsigned char smem[];                                                          \
        T* k = (T*)smem;                                                                                               \
        sort_row<T>(values, indices, x, n, P, descending != 0, k, (int*)(smem + (size_t)P * sizeof(T)));               \
    }                                                                                                                  \
    extern "C" __global__ void __launch_bounds__(1024) sort_rows_global_##t(T* values, long long* indices, const T* x,    \
                                                                             int n, int P, int descending, T* kscratch, \
                                                                             int* iscratch) {                           \
        long long at = (long long)blockIdx.x * P;                                                                      \
        sort_row<T>(values, indices, x, n, P, descending != 0, kscratch + at, iscratch + at);                          \
    }
SORT(float, f32) SORT(double, f64) SORT(long long, i64)
