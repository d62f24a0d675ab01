// matmul.cu — batched matrix product with arbitrary strides, for what cuBLAS does not cover.
//
// What it computes: c[b, i, j] = sum_p a[b, i, p] * b[b, p, j] for every batch b (a batch stride
// of 0 broadcasts), i < m, j < n, p < k. Used for int32/int64 (and bool through int64), and as
// the fallback for float32/float64 when no cuBLAS library can be loaded. Integers wrap on
// overflow; floats accumulate in their own type.
//
// Versions: 1 (16x16 output tile per block, 16-wide k tiles staged through shared memory;
// batches along gridDim.z with a grid-stride loop). Far from cuBLAS: a correctness path.
//
// Build: see elementwise.cu's header; cuda-kernels/build-kernels.sh.
#include "common.cuh"

#define MM_TILE 16

struct MatStrides {
    int a0, a1, a2, b0, b1, b2, c0, c1, c2;
};

template <class T>
__device__ __forceinline__ void matmul_body(T* c, const T* __restrict__ a, const T* __restrict__ b, int batch, int m, int n, int k,
                                            MatStrides st) {
    __shared__ T as[MM_TILE][MM_TILE + 1];
    __shared__ T bs[MM_TILE][MM_TILE + 1];
    int tx = threadIdx.x, ty = threadIdx.y;
    int i = blockIdx.y * MM_TILE + ty, j = blockIdx.x * MM_TILE + tx;
    for (int z = blockIdx.z; z < batch; z += gridDim.z) {
        const T* ab = a + (long long)z * st.a0;
        const T* bb = b + (long long)z * st.b0;
        T acc = T(0);
        for (int p0 = 0; p0 < k; p0 += MM_TILE) {
            int pa = p0 + tx, pb = p0 + ty;
            as[ty][tx] = (i < m && pa < k) ? ab[i * st.a1 + pa * st.a2] : T(0);
            bs[ty][tx] = (pb < k && j < n) ? bb[pb * st.b1 + j * st.b2] : T(0);
            __syncthreads();
#pragma unroll
            for (int t = 0; t < MM_TILE; ++t) acc += as[ty][t] * bs[t][tx];
            __syncthreads();
        }
        if (i < m && j < n) c[(long long)z * st.c0 + i * st.c1 + j * st.c2] = acc;
    }
}

#define MATMUL(T, sfx)                                                                                     \
    extern "C" __global__ void __launch_bounds__(MM_TILE * MM_TILE)                                        \
    matmul_##sfx(T* c, const T* a, const T* b, int batch, int m, int n, int k, MatStrides st) {           \
        matmul_body<T>(c, a, b, batch, m, n, k, st);                                                       \
    }
MATMUL(float, f32)
MATMUL(double, f64)
MATMUL(int, i32)
MATMUL(long long, i64)
