// gemm.cu — jgrad's own single-precision matrix products, a ladder of numbered versions from a
// naive kernel to Hopper tensor cores (llm.c dev/cuda style; timed against cuBLAS by
// dev.jgrad.bench.GpuKernelBench, dispatched from jgrad's matmul by dev.jgrad.cuda.launch.GemmDispatch).
//
// What it computes: C[b][m][n] = sum_p A[b][m][p] * B[b][p][n], row-major with leading
// dimensions lda, ldb, ldc (elements) and batch strides sa, sb, sc (elements; 0 broadcasts),
// for any M, N, K >= 0 (edges are masked). FP32 accumulation in every version. C is written,
// never read (no beta).
//
// Versions (kernel names; the Java side launches them through GemmKernels):
//   1 gemm1_f32   naive: one thread per output, A and B straight from global memory.
//   2 gemm2_f32   shared-memory tiling: 32 x 32 tiles of A and B staged through shared memory,
//                 one output per thread (1024 threads).
//   3 gemm3_f32   2-D register blocking: 128 x 128 block tile, 8 deep, 256 threads of 8 x 8
//                 outputs each, float4 global loads (A stored transposed so that the inner loop
//                 reads float4 of A and of B from shared memory).
//   4 gemm4_f32   warp tiling (FP32 SIMT): igemm.cuh's engine — 128 x 128 x 16 tile, 8 warps of
//                 64 x 32, threads of 8 x 8 in a layout whose shared-memory reads are
//                 conflict-free float4s, double-buffered shared memory with the next tile's
//                 global loads in flight during the math. Target >= 0.7x cuBLAS SGEMM at 4096^3.
//   5 gemm5_tf32  tensor cores with mma.sync (FP32 accumulate): 128 x 128 block tile, 4 warps of
//     gemm5_bf16  64 x 64, 4-stage cp.async pipeline (16-byte copies, zero-fill at the edges),
//                 A fragments by ldmatrix (TF32 too: an 8 x 4 block of 32-bit words is an 8 x 8
//                 block of 16-bit halves), B by ldmatrix.trans (BF16) or conflict-free 32-bit
//                 reads (TF32). TF32 rounds both operands with cvt.rna; BF16 takes bf16 A and B
//                 (converted from float32 by cvt_f32_bf16). Needs lda, ldb multiples of 16 bytes
//                 and 16-byte aligned A, B. 75,776 B of dynamic shared memory.
//                 Target >= 0.7x cuBLAS at the same precision.
//   6 gemm6_bf16  Hopper (sm_90a only): wgmma.mma_async m64n256k16 BF16 -> FP32 fed by TMA
//                 (cp.async.bulk.tensor, 128-byte swizzle) through a 4-stage mbarrier ring.
//                 128 x 256 x 64 block tile, 3 warpgroups: one producer (one thread issues the
//                 TMA copies; setmaxnreg.dec 40) and two consumers of 64 x 256 each
//                 (setmaxnreg.inc 232, 128 accumulators per thread). Operands are K-major:
//                 A [M][K] and Bt [N][K] (B transposed, as cvt_f32_bf16 with transpose writes it),
//                 described by two CUtensorMaps built on the host (cuTensorMapEncodeTiled);
//                 out-of-range boxes are zero-filled by the TMA unit, so any M, N, K works;
//                 lda and ldb must be multiples of 8 elements. No batch. 197,696 B of dynamic
//                 shared memory. On any other target the kernel body is a trap: Java launches it
//                 only when the module came from the sm_90a cubin. Target >= 0.9x cuBLAS BF16.
//   cvt_f32_bf16  float32 -> bf16 (round to nearest even), optionally transposed, with leading
//                 dimensions on both sides (for the BF16 versions' operands).
//
// Resources (nvcc 13.0, -O3, -Xptxas -v; cuda-kernels/src/main/cuda/PTXAS.txt has every target;
// GemmPlanTest checks these figures against it):
//   sm_90:  gemm1_f32 regs=32 | gemm2_f32 regs=32 smem=8192 | gemm3_f32 regs=173 smem=8192
//           gemm4_f32 regs=128 smem=34816 | gemm5_tf32 regs=240 | gemm5_bf16 regs=246
//           cvt_f32_bf16 regs=32 smem=4224
//   sm_90a: gemm6_bf16 regs=168 (launch bounds (384, 1) cap 168 at entry;
//           setmaxnreg moves the producer to 40 and the consumers to 232 at run time)
//   sm_80:  gemm3_f32 140, gemm4_f32 126, gemm5_tf32 240, gemm5_bf16 240 registers
//   No kernel spills or uses a stack frame on any target. Occupancy at these counts: v3 1 block
//   of 256 per SM, v4 2 (launch bounds (256, 2)), v5 2 blocks of 128, v6 1 block of 384.
//   Dynamic shared memory (not in ptxas's report): 75,776 B for v5, 197,696 B for v6.
//
// Build: cuda-kernels/build-kernels.sh (PTX for compute_80, cubins for sm_80 and sm_90, and for this
// file also sm_90a), e.g.
//   nvcc -std=c++17 -O3 -Xptxas -v -cubin -gencode=arch=compute_90a,code=sm_90a gemm.cu
// Build extra: sm_90a
#include "common.cuh"
#include "igemm.cuh"
#include <cuda_bf16.h>

typedef unsigned short bf16raw;   // bf16 bits as the Java side stores them

// The batched-GEMM shape passed by value: 8 ints then 3 long longs (56 bytes).
struct GemmShape {
    int m, n, k, lda, ldb, ldc, batch, pad;
    long long sa, sb, sc;
};

#define GEMM_BATCH_LOOP(s) for (int z = blockIdx.z; z < (s).batch; z += gridDim.z)

// =============================================================================================
// 1: naive
// =============================================================================================
extern "C" __global__ void __launch_bounds__(256) gemm1_f32(float* C, const float* __restrict__ A, const float* __restrict__ B,
                                                           GemmShape s) {
    const int n = blockIdx.x * blockDim.x + threadIdx.x, m = blockIdx.y * blockDim.y + threadIdx.y;
    if (m >= s.m || n >= s.n) return;
    GEMM_BATCH_LOOP(s) {
        const float* a = A + z * s.sa + (long long)m * s.lda;
        const float* b = B + z * s.sb + n;
        float acc = 0.f;
        for (int p = 0; p < s.k; ++p) acc = fmaf(a[p], b[(long long)p * s.ldb], acc);
        C[z * s.sc + (long long)m * s.ldc + n] = acc;
    }
}

// =============================================================================================
// 2: shared-memory tiling
// =============================================================================================
#define G2_T 32
extern "C" __global__ void __launch_bounds__(G2_T * G2_T) gemm2_f32(float* C, const float* __restrict__ A, const float* __restrict__ B,
                                                                   GemmShape s) {
    __shared__ float as[G2_T][G2_T];
    __shared__ float bs[G2_T][G2_T];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int m = blockIdx.y * G2_T + ty, n = blockIdx.x * G2_T + tx;
    GEMM_BATCH_LOOP(s) {
        const float* a = A + z * s.sa;
        const float* b = B + z * s.sb;
        float acc = 0.f;
        for (int p0 = 0; p0 < s.k; p0 += G2_T) {
            // as[ty][tx] = A[m][p0 + tx] (a warp reads one row: coalesced); bs[ty][tx] = B[p0 + ty][n]
            as[ty][tx] = (m < s.m && p0 + tx < s.k) ? a[(long long)m * s.lda + p0 + tx] : 0.f;
            bs[ty][tx] = (p0 + ty < s.k && n < s.n) ? b[(long long)(p0 + ty) * s.ldb + n] : 0.f;
            __syncthreads();
#pragma unroll
            for (int t = 0; t < G2_T; ++t) acc = fmaf(as[ty][t], bs[t][tx], acc);   // as: broadcast, bs: consecutive
            __syncthreads();
        }
        if (m < s.m && n < s.n) C[z * s.sc + (long long)m * s.ldc + n] = acc;
    }
}

// =============================================================================================
// 3: 2-D register blocking, float4 loads
// =============================================================================================
#define G3_BM 128
#define G3_BN 128
#define G3_BK 8
#define G3_TM 8
#define G3_TN 8
extern "C" __global__ void __launch_bounds__(256) gemm3_f32(float* C, const float* __restrict__ A, const float* __restrict__ B,
                                                           GemmShape s) {
    __shared__ __align__(16) float As[G3_BK][G3_BM];   // transposed: As[k][m]
    __shared__ __align__(16) float Bs[G3_BK][G3_BN];
    const int tid = threadIdx.x;
    const int m0 = blockIdx.y * G3_BM, n0 = blockIdx.x * G3_BN;
    const int tr = tid / (G3_BN / G3_TN), tc = tid % (G3_BN / G3_TN);   // 16 x 16 threads
    // loading: A row tid / 2, k-quad tid % 2; B k-row tid / 32, column quad tid % 32
    const int ar = tid / 2, ak = (tid % 2) * 4, bk = tid / 32, bn = (tid % 32) * 4;
    GEMM_BATCH_LOOP(s) {
        const float* a = A + z * s.sa;
        const float* b = B + z * s.sb;
        const bool vecA = s.lda % 4 == 0 && aligned_to(a, 16), vecB = s.ldb % 4 == 0 && aligned_to(b, 16);
        float acc[G3_TM][G3_TN];
#pragma unroll
        for (int i = 0; i < G3_TM; ++i)
#pragma unroll
            for (int j = 0; j < G3_TN; ++j) acc[i][j] = 0.f;
        for (int p0 = 0; p0 < s.k; p0 += G3_BK) {
            {
                const int m = m0 + ar, p = p0 + ak;
                float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
                if (m < s.m) {
                    const float* r = a + (long long)m * s.lda + p;
                    if (vecA && p + 3 < s.k) {
                        v = *reinterpret_cast<const float4*>(r);
                    } else {
                        if (p < s.k) v.x = r[0];
                        if (p + 1 < s.k) v.y = r[1];
                        if (p + 2 < s.k) v.z = r[2];
                        if (p + 3 < s.k) v.w = r[3];
                    }
                }
                As[ak][ar] = v.x;
                As[ak + 1][ar] = v.y;
                As[ak + 2][ar] = v.z;
                As[ak + 3][ar] = v.w;
            }
            {
                const int p = p0 + bk, n = n0 + bn;
                float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
                if (p < s.k) {
                    const float* r = b + (long long)p * s.ldb + n;
                    if (vecB && n + 3 < s.n) {
                        v = *reinterpret_cast<const float4*>(r);
                    } else {
                        if (n < s.n) v.x = r[0];
                        if (n + 1 < s.n) v.y = r[1];
                        if (n + 2 < s.n) v.z = r[2];
                        if (n + 3 < s.n) v.w = r[3];
                    }
                }
                *reinterpret_cast<float4*>(&Bs[bk][bn]) = v;
            }
            __syncthreads();
#pragma unroll
            for (int k = 0; k < G3_BK; ++k) {
                float4 a0 = *reinterpret_cast<const float4*>(&As[k][tr * G3_TM]);
                float4 a1 = *reinterpret_cast<const float4*>(&As[k][tr * G3_TM + 4]);
                float4 b0 = *reinterpret_cast<const float4*>(&Bs[k][tc * G3_TN]);
                float4 b1 = *reinterpret_cast<const float4*>(&Bs[k][tc * G3_TN + 4]);
                const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
                const float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
                for (int i = 0; i < G3_TM; ++i)
#pragma unroll
                    for (int j = 0; j < G3_TN; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
            }
            __syncthreads();
        }
        float* c = C + z * s.sc;
        ig::Out o = ig::make_out(c + (long long)m0 * s.ldc + n0, s.ldc, s.m - m0, s.n - n0);
#pragma unroll
        for (int i = 0; i < G3_TM; ++i) {
            o.put4(tr * G3_TM + i, tc * G3_TN, acc[i][0], acc[i][1], acc[i][2], acc[i][3]);
            o.put4(tr * G3_TM + i, tc * G3_TN + 4, acc[i][4], acc[i][5], acc[i][6], acc[i][7]);
        }
    }
}

// =============================================================================================
// 4: warp tiling (igemm.cuh's engine on plain matrices)
// =============================================================================================

// the operands are igemm.cuh's MatRows (A) and MatCols (B) policies
typedef ig::Cfg<128, 128> G4;
extern "C" __global__ void __launch_bounds__(G4::THREADS, 2) gemm4_f32(float* C, const float* __restrict__ A, const float* __restrict__ B,
                                                                   GemmShape s) {
    __shared__ __align__(16) float smem[G4::SMEM_FLOATS];
    const int m0 = blockIdx.y * G4::BM, n0 = blockIdx.x * G4::BN, z = blockIdx.z;   // one batch item per block
    const float* a = A + z * s.sa;
    const float* b = B + z * s.sb;
    ig::KRows<G4::BM, G4::THREADS, G4::BK, G4::PA, ig::MatRows> la;
    la.src = {a + (long long)m0 * s.lda, s.lda, s.m - m0, s.k, s.lda % 4 == 0 && aligned_to(a, 16)};
    la.init(threadIdx.x);
    ig::KCols<G4::BN, G4::THREADS, G4::BK, G4::PB, ig::MatCols> lb;
    lb.src = {b + n0, s.ldb, s.n - n0, s.k, s.ldb % 4 == 0 && aligned_to(b, 16)};
    lb.init(threadIdx.x);
    ig::run_tile<G4, false>(smem, la, lb, 0, s.k, [&] {
        return ig::make_out(C + z * s.sc + (long long)m0 * s.ldc + n0, s.ldc, s.m - m0, s.n - n0);
    });
}

// =============================================================================================
// 5: tensor cores, mma.sync + multi-stage cp.async
// =============================================================================================
#define G5_BM 128
#define G5_BN 128
#define G5_STAGES 4
#define G5_THREADS 128

template <class T> struct G5;
template <> struct G5<float> {                         // TF32
    static constexpr int BK = 16, KSTEP = 8, ES = 4;
    static constexpr int PA = BK + 4, PB = G5_BN + 8;  // pitches in elements (80 B, 544 B)
};
template <> struct G5<bf16raw> {                       // BF16
    static constexpr int BK = 32, KSTEP = 16, ES = 2;
    static constexpr int PA = BK + 8, PB = G5_BN + 8;  // 80 B, 272 B
};
// stage = A [BM][PA] then B [BK][PB]: 18,944 B for both types
#define G5_STAGE_BYTES(T) ((G5_BM * G5<T>::PA + G5<T>::BK * G5<T>::PB) * G5<T>::ES)

__device__ __forceinline__ uint32_t smem_u32(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }

__device__ __forceinline__ void cp_async16(uint32_t dst, const void* src, int bytes) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(dst), "l"(src), "r"(bytes) : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory"); }

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
}
__device__ __forceinline__ void mma_bf16(float* d, const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
                 "{%0, %1, %2, %3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// Issues the cp.async copies of k-tile `kt` into stage buffer `st` (A rows m0.., B columns n0..).
template <class T>
__device__ __forceinline__ void g5_load(uint8_t* st, const T* a, const T* b, const GemmShape& s, int m0, int n0, int kt) {
    typedef G5<T> P;
    constexpr int EPC = 16 / P::ES;            // elements per 16-byte chunk
    constexpr int A_CPR = P::BK / EPC;         // chunks per A row (4)
    constexpr int B_CPR = G5_BN / EPC;         // chunks per B row (32 TF32, 16 BF16)
    const int tid = threadIdx.x, k0 = kt * P::BK;
    T* sa = reinterpret_cast<T*>(st);
    T* sb = sa + G5_BM * P::PA;
#pragma unroll
    for (int i = 0; i < G5_BM * A_CPR / G5_THREADS; ++i) {
        const int c = tid + i * G5_THREADS, r = c / A_CPR, kc = (c % A_CPR) * EPC;
        const int m = m0 + r, k = k0 + kc;
        const int bytes = (m < s.m && k < s.k) ? min(16, (s.k - k) * P::ES) : 0;
        const T* src = bytes > 0 ? a + (long long)m * s.lda + k : a;
        cp_async16(smem_u32(sa + r * P::PA + kc), src, bytes);
    }
#pragma unroll
    for (int i = 0; i < P::BK * B_CPR / G5_THREADS; ++i) {
        const int c = tid + i * G5_THREADS, r = c / B_CPR, nc = (c % B_CPR) * EPC;
        const int k = k0 + r, n = n0 + nc;
        const int bytes = (k < s.k && n < s.n) ? min(16, (s.n - n) * P::ES) : 0;
        const T* src = bytes > 0 ? b + (long long)k * s.ldb + n : b;
        cp_async16(smem_u32(sb + r * P::PB + nc), src, bytes);
    }
}

template <class T>
__device__ __forceinline__ void gemm5_body(float* C, const T* __restrict__ A, const T* __restrict__ B, const GemmShape& s) {
    typedef G5<T> P;
    constexpr bool TF32 = sizeof(T) == 4;
    extern __shared__ __align__(128) uint8_t g5_smem[];
    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    const int wm = (warp / 2) * 64, wn = (warp % 2) * 64;
    const int g = lane / 4, q = lane % 4;
    const int m0 = blockIdx.y * G5_BM, n0 = blockIdx.x * G5_BN;
    const int ktiles = (s.k + P::BK - 1) / P::BK;
    GEMM_BATCH_LOOP(s) {
        const T* a = A + z * s.sa;
        const T* b = B + z * s.sb;
        float acc[4][8][4];
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
            for (int j = 0; j < 8; ++j)
#pragma unroll
                for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.f;

#pragma unroll
        for (int st = 0; st < G5_STAGES - 1; ++st) {
            if (st < ktiles) g5_load<T>(g5_smem + st * G5_STAGE_BYTES(T), a, b, s, m0, n0, st);
            cp_async_commit();
        }
        for (int kt = 0; kt < ktiles; ++kt) {
            cp_async_wait<G5_STAGES - 2>();   // tile kt has landed (this thread's copies) ...
            __syncthreads();                  // ... everyone's, and stage (kt - 1) is free
            const int nk = kt + G5_STAGES - 1;
            if (nk < ktiles) g5_load<T>(g5_smem + (nk % G5_STAGES) * G5_STAGE_BYTES(T), a, b, s, m0, n0, nk);
            cp_async_commit();

            const T* sa = reinterpret_cast<const T*>(g5_smem + (kt % G5_STAGES) * G5_STAGE_BYTES(T));
            const T* sb = sa + G5_BM * P::PA;
#pragma unroll
            for (int ks = 0; ks < P::BK; ks += P::KSTEP) {
                uint32_t af[4][4], bfr[8][2];
#pragma unroll
                for (int mi = 0; mi < 4; ++mi) {
                    const int r = wm + mi * 16 + (lane % 8) + ((lane / 8) & 1) * 8;
                    const int c = ks + (lane / 16) * (P::KSTEP / 2);
                    ldmatrix_x4(af[mi], smem_u32(sa + r * P::PA + c));
                    if (TF32) {
#pragma unroll
                        for (int e = 0; e < 4; ++e) af[mi][e] = ig::to_tf32(__uint_as_float(af[mi][e]));
                    }
                }
                if (TF32) {
                    const float* fb = reinterpret_cast<const float*>(sb);
#pragma unroll
                    for (int ni = 0; ni < 8; ++ni) {
                        const float* p = fb + (ks + q) * P::PB + wn + ni * 8 + g;
                        bfr[ni][0] = ig::to_tf32(p[0]);
                        bfr[ni][1] = ig::to_tf32(p[4 * P::PB]);
                    }
                } else {
#pragma unroll
                    for (int np = 0; np < 4; ++np) {
                        const int r = ks + (lane % 8) + ((lane / 8) & 1) * 8;
                        const int c = wn + np * 16 + (lane / 16) * 8;
                        uint32_t t4[4];
                        ldmatrix_x4_trans(t4, smem_u32(sb + r * P::PB + c));
                        bfr[2 * np][0] = t4[0];
                        bfr[2 * np][1] = t4[1];
                        bfr[2 * np + 1][0] = t4[2];
                        bfr[2 * np + 1][1] = t4[3];
                    }
                }
#pragma unroll
                for (int mi = 0; mi < 4; ++mi)
#pragma unroll
                    for (int ni = 0; ni < 8; ++ni) {
                        if (TF32) ig::mma_tf32(acc[mi][ni], af[mi], bfr[ni]);
                        else mma_bf16(acc[mi][ni], af[mi], bfr[ni]);
                    }
            }
        }
        cp_async_wait<0>();
        __syncthreads();   // all reads of the last stages done before a next batch item overwrites them

        float* c = C + z * s.sc;
        ig::Out o = ig::make_out(c + (long long)m0 * s.ldc + n0, s.ldc, s.m - m0, s.n - n0);
#pragma unroll
        for (int mi = 0; mi < 4; ++mi)
#pragma unroll
            for (int ni = 0; ni < 8; ++ni) {
                const int m = wm + mi * 16 + g, n = wn + ni * 8 + 2 * q;
                o.put2(m, n, acc[mi][ni][0], acc[mi][ni][1]);
                o.put2(m + 8, n, acc[mi][ni][2], acc[mi][ni][3]);
            }
    }
}

extern "C" __global__ void __launch_bounds__(G5_THREADS) gemm5_tf32(float* C, const float* __restrict__ A, const float* __restrict__ B,
                                                                   GemmShape s) {
    gemm5_body<float>(C, A, B, s);
}

extern "C" __global__ void __launch_bounds__(G5_THREADS) gemm5_bf16(float* C, const bf16raw* __restrict__ A,
                                                                   const bf16raw* __restrict__ B, GemmShape s) {
    gemm5_body<bf16raw>(C, A, B, s);
}

// =============================================================================================
// 6: Hopper — wgmma + TMA (sm_90a)
// =============================================================================================
#define G6_BM 128
#define G6_BN 256
#define G6_BK 64
#define G6_STAGES 4
#define G6_THREADS 384
#define G6_A_BYTES (G6_BM * G6_BK * 2)   // 16 KiB
#define G6_B_BYTES (G6_BN * G6_BK * 2)   // 32 KiB
#define G6_STAGE_BYTES (G6_A_BYTES + G6_B_BYTES)
// dynamic shared memory: 1 KiB of slack to align the tiles to 1024 B (the 128-byte swizzle's
// repeat), the stages, then 2 * STAGES mbarriers (8 B each)
#define G6_SMEM_BYTES (1024 + G6_STAGES * G6_STAGE_BYTES + 2 * G6_STAGES * 8)

// CUtensorMap: 128 opaque bytes, 64-byte aligned, passed by value as a __grid_constant__.
struct alignas(64) TensorMap {
    unsigned long long opaque[16];
};

#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 900) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define JG_SM90A 1
#endif

#ifdef JG_SM90A
__device__ __forceinline__ void mbar_init(uint32_t bar, int count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(bar), "r"(count) : "memory");
}
__device__ __forceinline__ void mbar_expect_tx(uint32_t bar, int bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint32_t bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(bar) : "memory");
}
__device__ __forceinline__ void mbar_wait(uint32_t bar, int parity) {
    uint32_t done;
    do {
        asm volatile(
            "{\n"
            ".reg .pred p;\n"
            "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
            "selp.u32 %0, 1, 0, p;\n"
            "}\n"
            : "=r"(done)
            : "r"(bar), "r"(parity)
            : "memory");
    } while (!done);
}
__device__ __forceinline__ void tma_load_2d(uint32_t dst, const TensorMap* map, uint32_t bar, int c0, int c1) {
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];" ::"r"(dst),
        "l"(map), "r"(c0), "r"(c1), "r"(bar)
        : "memory");
}
// Shared-memory matrix descriptor, K-major, 128-byte swizzle: start >> 4 in bits 0-13, leading
// byte offset 16 (unused for swizzled K-major) >> 4 at bit 16, stride byte offset 1024 (8 rows
// of 128 B) >> 4 at bit 32, swizzle mode 1 (128 B) in bits 62-63.
__device__ __forceinline__ uint64_t desc_sw128(uint32_t addr) {
    return (uint64_t)((addr & 0x3FFFF) >> 4) | ((uint64_t)(16 >> 4) << 16) | ((uint64_t)(1024 >> 4) << 32) | ((uint64_t)1 << 62);
}

#define JG_F4(i) "+f"(d[i]), "+f"(d[i + 1]), "+f"(d[i + 2]), "+f"(d[i + 3])
#define JG_F16(i) JG_F4(i), JG_F4(i + 4), JG_F4(i + 8), JG_F4(i + 12)

// d (64 x 256 per warpgroup, 128 floats per thread) += A (64 x 16, smem) * B (16 x 256, smem), both K-major.
__device__ __forceinline__ void wgmma_m64n256k16(float* d, uint64_t da, uint64_t db) {
    asm volatile(
        "{\n"
        ".reg .pred p;\n"
        "setp.ne.b32 p, 1, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
        "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, "
        "%64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, "
        "%80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, "
        "%96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, "
        "%112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127}, "
        "%128, %129, p, 1, 1, 0, 0;\n"
        "}\n"
        : JG_F16(0), JG_F16(16), JG_F16(32), JG_F16(48), JG_F16(64), JG_F16(80), JG_F16(96), JG_F16(112)
        : "l"(da), "l"(db));
}
#endif

extern "C" __global__ void __launch_bounds__(G6_THREADS, 1) gemm6_bf16(float* C, const __grid_constant__ TensorMap tmA,
                                                                      const __grid_constant__ TensorMap tmB, int M, int N, int K, int ldc) {
#ifdef JG_SM90A
    extern __shared__ uint8_t g6_raw[];
    // tiles aligned to 1024 B (the 128-byte swizzle pattern repeats every 8 rows of 128 B)
    uint8_t* smem = reinterpret_cast<uint8_t*>(((uintptr_t)g6_raw + 1023) & ~(uintptr_t)1023);
    const uint32_t base = smem_u32(smem);
    const uint32_t bars = base + G6_STAGES * G6_STAGE_BYTES;   // full[s] at bars + 8 s, empty[s] at bars + 8 (STAGES + s)
    const int tid = threadIdx.x, wg = tid / 128;
    const int m0 = blockIdx.y * G6_BM, n0 = blockIdx.x * G6_BN;
    const int ktiles = (K + G6_BK - 1) / G6_BK;

    if (tid == 0) {
        for (int st = 0; st < G6_STAGES; ++st) {
            mbar_init(bars + 8 * st, 1);                          // full: the producer's arrive + the TMA bytes
            mbar_init(bars + 8 * (G6_STAGES + st), 2 * 128);      // empty: every consumer thread
        }
        asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
    }
    __syncthreads();

    if (wg == 0) {
        // producer warpgroup: one thread drives the TMA unit
        asm volatile("setmaxnreg.dec.sync.aligned.u32 40;");
        if (tid == 0) {
            for (int kt = 0; kt < ktiles; ++kt) {
                const int st = kt % G6_STAGES;
                if (kt >= G6_STAGES) mbar_wait(bars + 8 * (G6_STAGES + st), ((kt / G6_STAGES) + 1) & 1);
                const uint32_t full = bars + 8 * st;
                const uint32_t sa = base + st * G6_STAGE_BYTES, sb = sa + G6_A_BYTES;
                mbar_expect_tx(full, G6_STAGE_BYTES);
                tma_load_2d(sa, &tmA, full, kt * G6_BK, m0);   // box {64 k, 128 rows of A}
                tma_load_2d(sb, &tmB, full, kt * G6_BK, n0);   // box {64 k, 256 rows of Bt}
            }
        }
    } else {
        asm volatile("setmaxnreg.inc.sync.aligned.u32 232;");
        const int cw = wg - 1;   // consumer 0: rows 0..63 of the tile, consumer 1: rows 64..127
        float d[128];
#pragma unroll
        for (int i = 0; i < 128; ++i) d[i] = 0.f;
        for (int kt = 0; kt < ktiles; ++kt) {
            const int st = kt % G6_STAGES;
            mbar_wait(bars + 8 * st, (kt / G6_STAGES) & 1);
            const uint32_t sa = base + st * G6_STAGE_BYTES + cw * 64 * 128, sb = base + st * G6_STAGE_BYTES + G6_A_BYTES;
            asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
#pragma unroll
            for (int k16 = 0; k16 < G6_BK / 16; ++k16) wgmma_m64n256k16(d, desc_sw128(sa + k16 * 32), desc_sw128(sb + k16 * 32));
            asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
            asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
            mbar_arrive(bars + 8 * (G6_STAGES + st));
        }
        // accumulator layout (per warp of the warpgroup: 16 rows; like mma.sync's m16n8 C fragment, 32 times along n)
        const int t = tid % 128, w = t / 32, lane = t % 32;
        const int row = m0 + cw * 64 + w * 16 + lane / 4;
        const bool vec2 = (ldc % 2 == 0) && aligned_to(C, 8);
#pragma unroll
        for (int j = 0; j < 32; ++j) {
            const int col = n0 + j * 8 + 2 * (lane % 4);
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const int r = row + 8 * h;
                if (r >= M) continue;
                float* p = C + (long long)r * ldc + col;
                const float v0 = d[j * 4 + 2 * h], v1 = d[j * 4 + 2 * h + 1];
                if (vec2 && col + 1 < N) {
                    *reinterpret_cast<float2*>(p) = make_float2(v0, v1);
                } else {
                    if (col < N) p[0] = v0;
                    if (col + 1 < N) p[1] = v1;
                }
            }
        }
    }
#else
    __trap();   // built for a target without wgmma/TMA: the Java side never launches this
#endif
}

// =============================================================================================
// float32 -> bf16 conversion (operands of the BF16 versions)
// =============================================================================================
// out[r][c] = bf16(in[r][c]) (transpose == 0) or out[c][r] = bf16(in[r][c]) (transpose != 0), for
// r < rows, c < cols; leading dimensions ldin, ldout in elements. 32 x 32 tiles through shared
// memory (both sides coalesced when transposing), grid-stride over tiles.
extern "C" __global__ void __launch_bounds__(256) cvt_f32_bf16(bf16raw* out, const float* __restrict__ in, int rows, int cols, int ldin,
                                                              int ldout, int transpose) {
    __shared__ float tile[32][33];
    const int tilesR = (rows + 31) / 32, tilesC = (cols + 31) / 32;
    const int tx = threadIdx.x % 32, ty = threadIdx.x / 32;   // 32 x 8
    for (long long t = blockIdx.x; t < (long long)tilesR * tilesC; t += gridDim.x) {
        const int r0 = (int)(t / tilesC) * 32, c0 = (int)(t % tilesC) * 32;
#pragma unroll
        for (int i = 0; i < 32; i += 8) {
            const int r = r0 + ty + i, c = c0 + tx;
            tile[ty + i][tx] = (r < rows && c < cols) ? in[(long long)r * ldin + c] : 0.f;
        }
        __syncthreads();
#pragma unroll
        for (int i = 0; i < 32; i += 8) {
            if (!transpose) {
                const int r = r0 + ty + i, c = c0 + tx;
                if (r < rows && c < cols) out[(long long)r * ldout + c] = __bfloat16_as_ushort(__float2bfloat16_rn(tile[ty + i][tx]));
            } else {
                const int c = c0 + ty + i, r = r0 + tx;   // out row c, column r
                if (r < rows && c < cols) out[(long long)c * ldout + r] = __bfloat16_as_ushort(__float2bfloat16_rn(tile[tx][ty + i]));
            }
        }
        __syncthreads();
    }
}
