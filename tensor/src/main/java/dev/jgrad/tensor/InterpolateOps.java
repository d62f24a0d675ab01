package dev.jgrad.tensor;

import dev.jgrad.kernels.ref.ResampleRef;
import dev.jgrad.kernels.typed.ResampleF32;
import java.util.Arrays;
import java.util.List;

/**
 * Interpolation (PyTorch's {@code F.interpolate}) as one op family: the checks, PyTorch's source
 * positions and weights for each spatial dimension, and the {@link Op.Resample} op that resamples
 * one dimension, with its kernels: on the CPU float32 ({@link ResampleF32}) and the float64
 * reference ({@link ResampleRef}); on CUDA the same taps composed of the device's gather and
 * scatter-add ({@link #composedForward}, {@link #composedBackward}, also checked on the CPU).
 * A multi-dimensional resize resamples the last dimension first, then the ones before it: the
 * order in which PyTorch's kernels blend, so the arithmetic is PyTorch's.
 *
 * <pre>{@code
 * Tensor y = x.interpolate(null, new double[] {2}, "bilinear", false);   // InterpolateOps.interpolate
 * }</pre>
 */
final class InterpolateOps {
    private static final String OP = "interpolate";
    private static final List<String> MODES = List.of("nearest", "linear", "bilinear", "trilinear");

    private InterpolateOps() {}

    static Tensor interpolate(Tensor x, int[] size, double[] scaleFactor, String mode, boolean alignCorners) {
        Checks.notNull(OP, "input", x);
        if (mode == null || !MODES.contains(mode)) {
            throw new IllegalArgumentException(OP + ": unknown mode \"" + mode + "\"; allowed: " + String.join(", ", MODES));
        }
        int rank = switch (mode) {
            case "linear" -> 3;
            case "bilinear" -> 4;
            case "trilinear" -> 5;
            default -> 0;   // nearest: 3, 4 or 5
        };
        if (rank == 0 ? x.dim() < 3 || x.dim() > 5 : x.dim() != rank) {
            String want = rank == 0 ? "3-D, 4-D or 5-D input [N, C, *]"
                    : rank + "-D input " + (rank == 3 ? "[N, C, L]" : rank == 4 ? "[N, C, H, W]" : "[N, C, D, H, W]");
            throw new IllegalArgumentException(OP + ": mode \"" + mode + "\" needs " + want + ", got " + Shapes.str(x.layout.shape));
        }
        if (!x.dtype().isFloating()) throw new IllegalArgumentException(OP + ": expected a floating input, got " + x.dtype());
        if (alignCorners && mode.equals("nearest")) {
            throw new IllegalArgumentException(OP + ": alignCorners applies only to the interpolating modes linear, bilinear and trilinear, "
                    + "not to \"nearest\"");
        }
        if (HalfCompute.any(x)) {   // one rounding at the end, not one per resampled dimension
            return HalfCompute.viaFloat32(x.dtype(), f -> interpolate(f[0], size, scaleFactor, mode, alignCorners), x);
        }
        int spatial = x.dim() - 2;
        if ((size == null) == (scaleFactor == null)) throw new IllegalArgumentException(OP + ": give exactly one of size and scaleFactor");
        int count = size != null ? size.length : scaleFactor.length;
        if (count != 1 && count != spatial) {
            throw new IllegalArgumentException(OP + ": " + (size != null ? "size " + Shapes.str(size) : "scaleFactor " + Arrays.toString(scaleFactor))
                    + " must have 1 value or one per spatial dimension (" + spatial + ") of input " + Shapes.str(x.layout.shape));
        }
        int[] out = new int[spatial];
        double[] factors = new double[spatial];   // NaN: the scale comes from the sizes
        for (int d = 0; d < spatial; d++) {
            int in = x.layout.shape[2 + d];
            if (in < 1) throw new IllegalArgumentException(OP + ": input " + Shapes.str(x.layout.shape) + " has an empty spatial dimension");
            if (size != null) {
                out[d] = size[count == 1 ? 0 : d];
                factors[d] = Double.NaN;
                if (out[d] < 1) throw new IllegalArgumentException(OP + ": sizes must be >= 1, got " + Shapes.str(size));
            } else {
                double f = scaleFactor[count == 1 ? 0 : d];
                if (!(f > 0) || Double.isInfinite(f)) {
                    throw new IllegalArgumentException(OP + ": scale factors must be finite and > 0, got " + Arrays.toString(scaleFactor));
                }
                double o = Math.floor(in * f);   // PyTorch: floor(float(input size) · scale factor)
                if (o < 1 || o > Integer.MAX_VALUE / 2) {
                    throw new IllegalArgumentException(OP + ": scale factor " + f + " gives an output size of " + (long) o + " for input size " + in
                            + " (input " + Shapes.str(x.layout.shape) + "); it must be between 1 and " + Integer.MAX_VALUE / 2);
                }
                out[d] = (int) o;
                factors[d] = f;
            }
        }
        Shapes.checked(OP, concat(x.layout.shape, out));
        boolean single = x.dtype() != DType.FLOAT64;
        Tensor y = x;
        for (int d = spatial - 1; d >= 0; d--) {
            int dim = 2 + d, in = x.layout.shape[dim];
            if (out[d] == in) continue;   // PyTorch's kernels copy such a dimension unchanged
            y = mode.equals("nearest") ? resample(y, dim, out[d], nearest(in, out[d], factors[d]), null, null, null)
                    : linear(y, dim, in, out[d], factors[d], alignCorners, single);
        }
        return y == x ? x.mul(1) : y;   // a new tensor, as PyTorch's
    }

    private static int[] concat(int[] shape, int[] spatial) {
        int[] s = shape.clone();
        System.arraycopy(spatial, 0, s, 2, spatial.length);
        return s;
    }

    /** Source index of each output position: ⌊dst·scale⌋ in float32 (scale = 1/factor, or in/out), at most in − 1: PyTorch's nearest_idx. */
    static int[] nearest(int in, int out, double factor) {
        int[] idx = new int[out];
        float scale = Double.isNaN(factor) ? (float) in / out : (float) (1.0 / factor);
        for (int i = 0; i < out; i++) idx[i] = out == 2 * in ? i >> 1 : (int) Math.min((long) Math.floor(i * scale), in - 1);
        return idx;
    }

    /**
     * The two source positions around each output position and their weights, with PyTorch's
     * source coordinate (area_pixel_compute_source_index) and clamped weights, computed in float32
     * for float32 input ({@code single}) and in double otherwise, as PyTorch's opmath does.
     */
    private static Tensor linear(Tensor x, int dim, int in, int out, double factor, boolean alignCorners, boolean single) {
        int[] i0 = new int[out], i1 = new int[out];
        double[] l0 = new double[out], l1 = new double[out];
        double scale = alignCorners ? (out > 1 ? (double) (in - 1) / (out - 1) : 0) : Double.isNaN(factor) ? (double) in / out : 1.0 / factor;
        float scaleF = alignCorners ? (out > 1 ? (float) (in - 1) / (out - 1) : 0f) : Double.isNaN(factor) ? (float) in / out : (float) (1.0 / factor);
        for (int i = 0; i < out; i++) {
            if (single) {
                float r = alignCorners ? scaleF * i : scaleF * (i + 0.5f) - 0.5f;
                if (!alignCorners && r < 0) r = 0;
                int lo = (int) r;
                float lambda = Math.min(Math.max(r - lo, 0f), 1f);
                i0[i] = lo;
                l1[i] = lambda;
                l0[i] = 1f - lambda;
            } else {
                double r = alignCorners ? scale * i : scale * (i + 0.5) - 0.5;
                if (!alignCorners && r < 0) r = 0;
                int lo = (int) r;
                double lambda = Math.min(Math.max(r - lo, 0), 1);
                i0[i] = lo;
                l1[i] = lambda;
                l0[i] = 1 - lambda;
            }
            i1[i] = i0[i] + (i0[i] < in - 1 ? 1 : 0);
        }
        return resample(x, dim, out, i0, i1, l0, l1);
    }

    /** One dimension resampled by its taps, recorded as an {@link Op.Resample} node. */
    static Tensor resample(Tensor x, int dim, int out, int[] i0, int[] i1, double[] w0, double[] w1) {
        int[] shape = x.layout.shape.clone();
        shape[dim] = out;
        Tensor y = Tensor.empty(shape, x.dtype(), x.device());
        if (y.numel() > 0) forwardKernel(dims(x.layout.shape, dim), out, i0, i1, w0, w1, ElementwiseOps.contiguous(x, x.dtype()), y);
        return y.record(new Op.Resample(x, dim, i0, i1, w0, w1));
    }

    /** (outer, in, inner) of a contiguous tensor of {@code shape} seen around dimension {@code dim}. */
    private static int[] dims(int[] shape, int dim) {
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++) outer *= shape[d];
        for (int d = dim + 1; d < shape.length; d++) inner *= shape[d];
        return new int[] {outer, shape[dim], inner};
    }

    /** ∂L/∂x of a resample node: each output's gradient added to its taps, times their weights. */
    static Tensor backward(Op.Resample r, Tensor g) {
        Tensor x = r.x();
        Tensor dx = Tensor.empty(x.layout.shape, g.dtype(), g.device());
        if (dx.numel() > 0 && g.numel() > 0) {
            backwardKernel(dims(x.layout.shape, r.dim()), g.layout.shape[r.dim()], r.index0(), r.index1(), r.weight0(), r.weight1(),
                    ElementwiseOps.contiguous(g, g.dtype()), dx);
        }
        return dx;
    }

    private static void forwardKernel(int[] d, int out, int[] i0, int[] i1, double[] w0, double[] w1, Tensor x, Tensor y) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> forwardKernel(d, out, i0, i1, w0, w1, x, y));
            return;
        }
        try (var _ = Profiler.time(() -> OP + " " + Profiler.shape(x) + " -> " + Profiler.shape(y), x)) {
            switch (y.storage) {
                case CpuStorage _ -> {
                    if (x.dtype() == DType.FLOAT32) {
                        ResampleF32.forward(d[0], d[1], d[2], out, i0, i1, floats(w0), floats(w1), CpuBackend.floats(x), CpuBackend.floats(y));
                    } else {
                        ResampleRef.forward(d[0], d[1], d[2], out, i0, i1, w0, w1, CpuBackend.buf(x), CpuBackend.buf(y));
                    }
                }
                case CudaStorage _ -> composedForward(d, out, i0, i1, w0, w1, x, y);
            }
        }
    }

    private static void backwardKernel(int[] d, int out, int[] i0, int[] i1, double[] w0, double[] w1, Tensor g, Tensor dx) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> backwardKernel(d, out, i0, i1, w0, w1, g, dx));
            return;
        }
        try (var _ = Profiler.time(() -> OP + " backward " + Profiler.shape(g) + " -> " + Profiler.shape(dx), g)) {
            switch (dx.storage) {
                case CpuStorage _ -> {
                    if (g.dtype() == DType.FLOAT32) {
                        ResampleF32.backward(d[0], d[1], d[2], out, i0, i1, floats(w0), floats(w1), CpuBackend.floats(g), CpuBackend.floats(dx));
                    } else {
                        ResampleRef.backward(d[0], d[1], d[2], out, i0, i1, w0, w1, CpuBackend.buf(g), CpuBackend.buf(dx));
                    }
                }
                case CudaStorage _ -> composedBackward(d, out, i0, i1, w0, w1, g, dx);
            }
        }
    }

    /** The taps as gathers along the middle dimension of [outer, in, inner] (the CUDA path): y = w0·x[i0] + w1·x[i1]. */
    static void composedForward(int[] d, int out, int[] i0, int[] i1, double[] w0, double[] w1, Tensor x, Tensor y) {
        try (var _ = GradMode.noGrad()) {
            Tensor x3 = x.reshape(d[0], d[1], d[2]);
            Tensor v = x3.indexSelect(1, indices(i0, x));
            if (w0 != null) v = v.mul(weights(w0, x));
            if (i1 != null) v = v.add(x3.indexSelect(1, indices(i1, x)).mul(weights(w1, x)));
            ElementwiseOps.copyInto(v.reshape(y.layout.shape), y);
        }
    }

    /** The adjoint as scatter-adds along the middle dimension of [outer, in, inner] (the CUDA path), into dx (zero on entry). */
    static void composedBackward(int[] d, int out, int[] i0, int[] i1, double[] w0, double[] w1, Tensor g, Tensor dx) {
        try (var _ = GradMode.noGrad()) {
            Tensor g3 = g.reshape(d[0], out, d[2]);
            Tensor acc = Tensor.zeros(g.dtype(), d[0], d[1], d[2]).to(g.device());
            acc = acc.scatterAdd(1, spread(i0, g3), w0 == null ? g3 : g3.mul(weights(w0, g)));
            if (i1 != null) acc = acc.scatterAdd(1, spread(i1, g3), g3.mul(weights(w1, g)));
            ElementwiseOps.copyInto(acc.reshape(dx.layout.shape), dx);
        }
    }

    private static Tensor indices(int[] idx, Tensor like) {
        long[] v = new long[idx.length];
        for (int i = 0; i < v.length; i++) v[i] = idx[i];
        return Tensor.of(v).to(like.device());
    }

    /** idx as an int64 index of g3's shape [outer, out, inner] (a broadcast view). */
    private static Tensor spread(int[] idx, Tensor g3) {
        return indices(idx, g3).reshape(1, idx.length, 1).expand(g3.layout.shape);
    }

    /** Per-position weights [out, 1] in like's dtype and device. */
    private static Tensor weights(double[] w, Tensor like) {
        return Tensor.of(w, w.length, 1).to(like.dtype()).to(like.device());
    }

    private static float[] floats(double[] w) {
        if (w == null) return null;
        float[] f = new float[w.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) w[i];
        return f;
    }
}
