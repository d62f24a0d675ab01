package dev.jgrad.tensor;

import dev.jgrad.kernels.typed.DropoutF32;
import dev.jgrad.kernels.typed.DropoutF64;

/**
 * Inverted dropout as one op: each element is kept with probability 1 − p and scaled by
 * 1/(1 − p), or zeroed. The keep decisions come from the counter-based Philox4x32-10 generator,
 * keyed by a seed drawn from a {@link Generator} and indexed by element, so one seed gives the same
 * mask on the CPU ({@link DropoutF32}) and on a GPU (dropout.cu), and a GPU draws its mask on the
 * device. The backward pass reuses the mask the forward pass saved (one byte per element).
 *
 * <pre>{@code
 * Tensor y = x.dropout(0.2, new Generator(42));   // DropoutOps.dropout
 * Tensor dx = ((Op.Dropout) y.op()).backward(g);  // g·scale where kept, else 0
 * }</pre>
 */
final class DropoutOps {
    private static final String OP = "dropout";

    private DropoutOps() {}

    static Tensor dropout(Tensor x, double p, Generator generator) {
        Checks.notNull(OP, "generator", generator);
        x.checkUsable(OP);
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException(OP + ": p must be in [0, 1], got " + p);
        if (!x.dtype().isFloating()) throw new IllegalArgumentException(OP + ": expected a floating input, got " + x.dtype());
        if (HalfCompute.any(x)) return HalfCompute.viaFloat32(x.dtype(), f -> dropout(f[0], p, generator), x);
        boolean captured = Tape.capturing();
        long seed = captured ? 0 : generator.nextLong();
        Tensor xd = ElementwiseOps.contiguous(x, x.dtype());
        Tensor out = Tensor.empty(x.layout.shape, x.dtype(), x.device());
        boolean recorded = GradMode.isEnabled() && x.requiresGrad();
        Tensor mask = recorded ? Tensor.empty(x.layout.shape, DType.BOOL, x.device()) : null;
        if (captured) {   // each replay draws its own seed, in the order the eager step draws it
            Tape.kernel(() -> forwardKernel(xd, out, mask, (float) p, scale(p), generator.nextLong()));
        } else if (out.numel() > 0) {
            forwardKernel(xd, out, mask, (float) p, scale(p), seed);
        }
        return out.record(recorded ? new Op.Dropout(x, p, mask) : null);
    }

    /** 1/(1 − p), or 0 when everything is dropped. */
    static double scale(double p) {
        return p < 1 ? 1 / (1 - p) : 0;
    }

    /** ∂L/∂x: g·scale where the forward pass kept the element, else 0. */
    static Tensor backward(Op.Dropout op, Tensor g) {
        Tensor dx = Tensor.empty(g.layout.shape, g.dtype(), g.device());
        if (g.numel() > 0) backwardKernel(ElementwiseOps.contiguous(g, g.dtype()), op.mask(), dx, scale(op.p()));
        return dx;
    }

    /** out (and mask, when not null) from contiguous x with Philox stream (seed, offset 0). */
    private static void forwardKernel(Tensor x, Tensor out, Tensor mask, float p, double scale, long seed) {
        int n = x.numel();
        try (var _ = Profiler.time(OP, x)) {
            switch (out.storage) {
                case CpuStorage _ -> {
                    boolean[] m = mask == null ? null : CpuBackend.bools(mask);
                    switch (x.dtype()) {
                        case FLOAT32 -> DropoutF32.forward(CpuBackend.floats(x), 0, CpuBackend.floats(out), 0, m, 0, n, p, (float) scale, seed, 0);
                        case FLOAT64 -> DropoutF64.forward(CpuBackend.doubles(x), 0, CpuBackend.doubles(out), 0, m, 0, n, p, scale, seed, 0);
                        default -> throw new IllegalStateException(OP + ": " + x.dtype());
                    }
                }
                case CudaStorage s -> {
                    CudaBackend.of(s).k.dropoutForward(CudaBackend.st(x.dtype()), CudaBackend.ptr(out), mask == null ? 0 : CudaBackend.ptr(mask),
                            CudaBackend.ptr(x), n, p, scale, seed, 0);
                    CudaBackend.keep(x, out, mask);
                }
            }
        }
    }

    /** dx = mask ? dy·scale : 0 (all contiguous). */
    private static void backwardKernel(Tensor dy, Tensor mask, Tensor dx, double scale) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> backwardKernel(dy, mask, dx, scale));
            return;
        }
        int n = dy.numel();
        try (var _ = Profiler.time("dropout backward", dy)) {
            switch (dx.storage) {
                case CpuStorage _ -> {
                    switch (dy.dtype()) {
                        case FLOAT32 -> DropoutF32.backward(CpuBackend.floats(dy), 0, CpuBackend.bools(mask), 0, CpuBackend.floats(dx), 0, n,
                                (float) scale);
                        case FLOAT64 -> DropoutF64.backward(CpuBackend.doubles(dy), 0, CpuBackend.bools(mask), 0, CpuBackend.doubles(dx), 0, n, scale);
                        default -> throw new IllegalStateException("dropout backward: " + dy.dtype());
                    }
                }
                case CudaStorage s -> {
                    CudaBackend.of(s).k.dropoutBackward(CudaBackend.st(dy.dtype()), CudaBackend.ptr(dx), CudaBackend.ptr(dy), CudaBackend.ptr(mask),
                            n, scale);
                    CudaBackend.keep(dy, mask, dx);
                }
            }
        }
    }
}
