// optim.cu — fused optimizer updates: one pass over each parameter's state instead of the
// 8-12 elementwise kernels the composed update takes.
//
// What it computes (every array n elements, contiguous; scalars in the element type):
//   adam_<t>:  if decoupled (AdamW):  p = p * (1 - lr * wd)      else:  g = g + wd * p
//              m = beta1 * m + (1 - beta1) * g
//              v = beta2 * v + (1 - beta2) * g * g
//              p = p - (m / (sqrt(v) / sqrt(bc2) + eps)) * (lr / bc1)
//              with bc1 = 1 - beta1^step, bc2 = 1 - beta2^step computed by the caller — the same
//              formula, in the same order, as dev.jgrad.nn.optim.Adam (PyTorch's).
//   sgd_<t>:   g = grad + wd * p; if momentum != 0: buf = first ? g : momentum * buf + (1 - dampening) * g,
//              g = nesterov ? g + momentum * buf : buf; p = p - lr * g   (PyTorch's SGD)
//
// Versions: 1 (grid-stride, one element per iteration; memory-bound: Adam moves 4 reads + 3 writes
// of n elements).
//
// Build: see elementwise.cu's header; cuda-kernels/build-kernels.sh.
#include "common.cuh"

template <class T>
__device__ __forceinline__ void adam_body(T* p, const T* __restrict__ grad, T* m, T* v, int n, T lr, T beta1, T beta2, T eps, T wd,
                                          T bc1, T bc2, int decoupled) {
    T sqrtBc2 = jg_sqrt(bc2), stepSize = lr / bc1;
    for (int i = global_thread(); i < n; i += global_threads()) {
        T w = p[i], g = grad[i];
        if (decoupled) w = w * (T(1) - lr * wd);
        else g = g + wd * w;
        T mi = beta1 * m[i] + (T(1) - beta1) * g;
        T vi = beta2 * v[i] + (T(1) - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        p[i] = w - (mi / (jg_sqrt(vi) / sqrtBc2 + eps)) * stepSize;
    }
}

template <class T>
__device__ __forceinline__ void sgd_body(T* p, const T* __restrict__ grad, T* buf, int n, T lr, T momentum, T dampening, T wd,
                                         int nesterov, int first) {
    for (int i = global_thread(); i < n; i += global_threads()) {
        T w = p[i];
        T g = grad[i] + wd * w;
        if (momentum != T(0)) {
            T b = first ? g : momentum * buf[i] + (T(1) - dampening) * g;
            buf[i] = b;
            g = nesterov ? g + momentum * b : b;
        }
        p[i] = w - lr * g;
    }
}

#define OPTIM(T, sfx)                                                                                      \
    extern "C" __global__ void __launch_bounds__(256) adam_##sfx(                                          \
        T* p, const T* grad, T* m, T* v, int n, T lr, T beta1, T beta2, T eps, T wd, T bc1, T bc2, int decoupled) { \
        adam_body<T>(p, grad, m, v, n, lr, beta1, beta2, eps, wd, bc1, bc2, decoupled);                    \
    }                                                                                                      \
    extern "C" __global__ void __launch_bounds__(256) sgd_##sfx(                                           \
        T* p, const T* grad, T* buf, int n, T lr, T momentum, T dampening, T wd, int nesterov, int first) { \
        sgd_body<T>(p, grad, buf, n, lr, momentum, dampening, wd, nesterov, first);                        \
    }
OPTIM(float, f32)
OPTIM(double, f64)
