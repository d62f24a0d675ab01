// half.cuh — the 16-bit float types for the kernels that take them (elementwise, reduce, softmax,
// indexing).
//
// What: __half (float16, suffix f16) and __nv_bfloat16 (bfloat16, suffix bf16) as storage types
// that compute in float, as PyTorch's CUDA kernels do (its "opmath" type): Acc<S>::T is the type a
// kernel over elements of type S computes in (float for both 16-bit types, S itself otherwise),
// and cvt<> converts between every pair of element types the way the CPU backend does: a 16-bit
// float widens exactly; a float rounds to nearest, ties to even (__float2half_rn /
// __float2bfloat16_rn); a double or an integer rounds through float first ((float) v, as PyTorch's
// CPU casts and jgrad's CPU backend do); to an integer it truncates toward zero through float
// (cvt.rzi: saturating, NaN to 0, as Java's casts). The one difference from the CPU: a NaN rounded
// to bfloat16 is 0x7FFF here (CUDA's canonical NaN) and 0x7FC0 there; both are NaN.
//
// Build: included after common.cuh; see native/build-kernels.sh.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

typedef __half jhalf;
typedef __nv_bfloat16 jbf16;

// The type a kernel over elements of type S computes in.
template <class S> struct Acc { typedef S T; };
template <> struct Acc<jhalf> { typedef float T; };
template <> struct Acc<jbf16> { typedef float T; };

__device__ __forceinline__ float to_float(jhalf v) { return __half2float(v); }
__device__ __forceinline__ float to_float(jbf16 v) { return __bfloat162float(v); }

// ---- to the 16-bit types --------------------------------------------------------------------------
template <> __device__ __forceinline__ jhalf cvt<jhalf, float>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ jhalf cvt<jhalf, double>(double v) { return __float2half_rn((float)v); }
template <> __device__ __forceinline__ jhalf cvt<jhalf, int>(int v) { return __float2half_rn((float)v); }
template <> __device__ __forceinline__ jhalf cvt<jhalf, long long>(long long v) { return __float2half_rn((float)v); }
template <> __device__ __forceinline__ jhalf cvt<jhalf, jbool>(jbool v) { return __float2half_rn(v ? 1.f : 0.f); }
template <> __device__ __forceinline__ jhalf cvt<jhalf, jhalf>(jhalf v) { return v; }
template <> __device__ __forceinline__ jhalf cvt<jhalf, jbf16>(jbf16 v) { return __float2half_rn(__bfloat162float(v)); }
template <> __device__ __forceinline__ jbf16 cvt<jbf16, float>(float v) { return __float2bfloat16_rn(v); }
template <> __device__ __forceinline__ jbf16 cvt<jbf16, double>(double v) { return __float2bfloat16_rn((float)v); }
template <> __device__ __forceinline__ jbf16 cvt<jbf16, int>(int v) { return __float2bfloat16_rn((float)v); }
template <> __device__ __forceinline__ jbf16 cvt<jbf16, long long>(long long v) { return __float2bfloat16_rn((float)v); }
template <> __device__ __forceinline__ jbf16 cvt<jbf16, jbool>(jbool v) { return __float2bfloat16_rn(v ? 1.f : 0.f); }
template <> __device__ __forceinline__ jbf16 cvt<jbf16, jbf16>(jbf16 v) { return v; }
template <> __device__ __forceinline__ jbf16 cvt<jbf16, jhalf>(jhalf v) { return __float2bfloat16_rn(__half2float(v)); }

// ---- from the 16-bit types ------------------------------------------------------------------------
template <> __device__ __forceinline__ float cvt<float, jhalf>(jhalf v) { return __half2float(v); }
template <> __device__ __forceinline__ double cvt<double, jhalf>(jhalf v) { return (double)__half2float(v); }
template <> __device__ __forceinline__ int cvt<int, jhalf>(jhalf v) { return (int)__half2float(v); }
template <> __device__ __forceinline__ long long cvt<long long, jhalf>(jhalf v) { return (long long)__half2float(v); }
template <> __device__ __forceinline__ jbool cvt<jbool, jhalf>(jhalf v) { return __half2float(v) != 0.f; }
template <> __device__ __forceinline__ float cvt<float, jbf16>(jbf16 v) { return __bfloat162float(v); }
template <> __device__ __forceinline__ double cvt<double, jbf16>(jbf16 v) { return (double)__bfloat162float(v); }
template <> __device__ __forceinline__ int cvt<int, jbf16>(jbf16 v) { return (int)__bfloat162float(v); }
template <> __device__ __forceinline__ long long cvt<long long, jbf16>(jbf16 v) { return (long long)__bfloat162float(v); }
template <> __device__ __forceinline__ jbool cvt<jbool, jbf16>(jbf16 v) { return __bfloat162float(v) != 0.f; }

// ---- elementwise functions in float ---------------------------------------------------------------
// F applied to the float values of 16-bit operands; the kernel body rounds its float result once
// (a predicate's bool result passes through).
template <class F>
struct InFloat {
    template <class S> __device__ __forceinline__ auto operator()(S x) const { return F()(cvt<float>(x)); }
    template <class S> __device__ __forceinline__ auto operator()(S a, S b) const { return F()(cvt<float>(a), cvt<float>(b)); }
};
