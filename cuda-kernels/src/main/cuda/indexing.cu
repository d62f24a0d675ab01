// indexing.cu — gather, scatter-add and embedding lookups.
//
// What it computes (index int32 or int64, each in [0, size); an index outside that range —
// negative ones included, which PyTorch's gather, scatter_add and embedding reject too — is
// skipped and the first one is reported through `err`, a {flag, value} pair of 64-bit words that
// the Java side reads back and raises as IndexOutOfBoundsException; the Java ops check the range
// before launching, so this is a second line of defence):
//   gather_<w>_<i>        out[p] = x[p with coordinate dim := index[p]]; w = element width
//                         (b8, b16, b32, b64): gather moves bits, so one kernel serves every dtype
//   scatter_add_<t>_<i>   out[p with coordinate dim := index[p]] += src[p]  (atomics; bool ORs)
//   embedding_fwd_<t>     out[n, :] = weight[idx[n], :]          (idx int64, rows contiguous)
//   embedding_bwd_<t>     dweight[idx[n], :] += dout[n, :]        (atomicAdd)
// Indexer<3> operand order: gather (out, x, index), scatter_add (out, index, src); the operand
// that is indexed along `dim` has its stride there set to 0 by the Java side, and `dimStride`
// is the real one.
//
// Versions: 1 (grid-stride over elements; embedding: one warp per row, lanes along the row).
// Atomic accumulation makes scatter_add/embedding_bwd results depend on the order of float
// additions (not bitwise deterministic across runs when indices repeat).
//
// Build: see elementwise.cu's header; cuda-kernels/build-kernels.sh.
#include "common.cuh"
#include "half.cuh"

// The index as an int when it lies in [0, size); otherwise reports it and returns false.
template <class I>
__device__ __forceinline__ bool checked_index(I raw, int size, unsigned long long* err, int& out) {
    long long i = (long long)raw;
    if (i < 0 || i >= (long long)size) {
        report_bad_index(err, i);
        return false;
    }
    out = (int)i;
    return true;
}

template <class T, class I>
__device__ __forceinline__ void gather_body(T* out, const T* __restrict__ x, const I* __restrict__ index, const Indexer<3>& ix,
                                            int n, int dimSize, int dimStride, unsigned long long* err) {
    for (int p = global_thread(); p < n; p += global_threads()) {
        int off[3];
        index_offsets(ix, p, off);
        int i;
        if (checked_index(index[off[2]], dimSize, err, i)) out[off[0]] = x[off[1] + i * dimStride];
    }
}

#define GATHER(T, w, I, isfx)                                                                              \
    extern "C" __global__ void __launch_bounds__(256) gather_##w##_##isfx(                                 \
        T* out, const T* x, const I* index, Indexer<3> ix, int n, int dimSize, int dimStride, unsigned long long* err) { \
        gather_body<T, I>(out, x, index, ix, n, dimSize, dimStride, err);                                  \
    }
GATHER(unsigned char, b8, int, i32) GATHER(unsigned char, b8, long long, i64)
GATHER(unsigned short, b16, int, i32) GATHER(unsigned short, b16, long long, i64)
GATHER(unsigned int, b32, int, i32) GATHER(unsigned int, b32, long long, i64)
GATHER(unsigned long long, b64, int, i32) GATHER(unsigned long long, b64, long long, i64)

// ---- atomics per element type ----
__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
// The 16-bit floats: each addition rounds to the element type, as the CPU's reference scatter does.
__device__ __forceinline__ void atomic_add(jhalf* p, jhalf v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(jbf16* p, jbf16 v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int* p, int v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(long long* p, long long v) {
    atomicAdd(reinterpret_cast<unsigned long long*>(p), (unsigned long long)v);  // two's complement
}
// bool: out = out || v, by OR-ing a 1 into the byte within its aligned 32-bit word.
__device__ __forceinline__ void atomic_add(jbool* p, jbool v) {
    if (v == 0) return;
    uintptr_t a = (uintptr_t)p;
    unsigned int* word = reinterpret_cast<unsigned int*>(a & ~(uintptr_t)3);
    atomicOr(word, 1u << (8 * (unsigned)(a & 3)));
}

template <class T, class I>
__device__ __forceinline__ void scatter_add_body(T* out, const I* __restrict__ index, const T* __restrict__ src, const Indexer<3>& ix,
                                                 int n, int dimSize, int dimStride, unsigned long long* err) {
    for (int p = global_thread(); p < n; p += global_threads()) {
        int off[3];
        index_offsets(ix, p, off);
        int i;
        if (checked_index(index[off[1]], dimSize, err, i)) atomic_add(out + off[0] + i * dimStride, src[off[2]]);
    }
}

#define SCATTER_ADD(T, sfx, I, isfx)                                                                       \
    extern "C" __global__ void __launch_bounds__(256) scatter_add_##sfx##_##isfx(                          \
        T* out, const I* index, const T* src, Indexer<3> ix, int n, int dimSize, int dimStride, unsigned long long* err) { \
        scatter_add_body<T, I>(out, index, src, ix, n, dimSize, dimStride, err);                           \
    }
#define SCATTER_ADD_T(T, sfx) SCATTER_ADD(T, sfx, int, i32) SCATTER_ADD(T, sfx, long long, i64)
SCATTER_ADD_T(float, f32)
SCATTER_ADD_T(double, f64)
SCATTER_ADD_T(int, i32)
SCATTER_ADD_T(long long, i64)
SCATTER_ADD_T(jbool, bool)
SCATTER_ADD_T(jhalf, f16)
SCATTER_ADD_T(jbf16, bf16)

// ---- embedding --------------------------------------------------------------------------------
// One warp per looked-up row; lanes walk the row, so every access is coalesced.
template <class T>
__device__ __forceinline__ void embedding_fwd_body(T* out, const T* __restrict__ weight, const long long* __restrict__ idx, int n,
                                                   int dim, int num, unsigned long long* err) {
    int lane = threadIdx.x % JG_WARP;
    int warp = global_thread() / JG_WARP, warps = global_threads() / JG_WARP;
    for (int row = warp; row < n; row += warps) {
        int i;
        if (!checked_index(idx[row], num, err, i)) continue;
        const T* src = weight + (long long)i * dim;
        T* dst = out + (long long)row * dim;
        for (int j = lane; j < dim; j += JG_WARP) dst[j] = src[j];
    }
}

template <class T>
__device__ __forceinline__ void embedding_bwd_body(T* dweight, const T* __restrict__ dout, const long long* __restrict__ idx, int n,
                                                   int dim, int num, unsigned long long* err) {
    int lane = threadIdx.x % JG_WARP;
    int warp = global_thread() / JG_WARP, warps = global_threads() / JG_WARP;
    for (int row = warp; row < n; row += warps) {
        int i;
        if (!checked_index(idx[row], num, err, i)) continue;
        T* dst = dweight + (long long)i * dim;
        const T* src = dout + (long long)row * dim;
        for (int j = lane; j < dim; j += JG_WARP) atomic_add(dst + j, src[j]);
    }
}

#define EMBEDDING(T, sfx)                                                                                  \
    extern "C" __global__ void __launch_bounds__(256) embedding_fwd_##sfx(                                 \
        T* out, const T* weight, const long long* idx, int n, int dim, int num, unsigned long long* err) { \
        embedding_fwd_body<T>(out, weight, idx, n, dim, num, err);                                         \
    }                                                                                                      \
    extern "C" __global__ void __launch_bounds__(256) embedding_bwd_##sfx(                                 \
        T* dweight, const T* dout, const long long* idx, int n, int dim, int num, unsigned long long* err) { \
        embedding_bwd_body<T>(dweight, dout, idx, n, dim, num, err);                                       \
    }
EMBEDDING(float, f32)
EMBEDDING(double, f64)
EMBEDDING(jhalf, f16)
EMBEDDING(jbf16, bf16)
