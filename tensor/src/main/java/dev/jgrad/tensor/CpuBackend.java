package dev.jgrad.tensor;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.UnaryFn;
import dev.jgrad.kernels.ref.ElementwiseRef;
import dev.jgrad.kernels.ref.GatherRef;
import dev.jgrad.kernels.ref.MatMulRef;
import dev.jgrad.kernels.ref.ReduceRef;
import dev.jgrad.kernels.ref.SoftmaxRef;
import dev.jgrad.kernels.typed.ElementwiseF32;
import dev.jgrad.kernels.typed.HalfF32;
import dev.jgrad.kernels.typed.ReduceF32;
import dev.jgrad.kernels.typed.SgemmF32;
import dev.jgrad.kernels.typed.SoftmaxF32;

/**
 * The CPU backend: each method hands the operands' buffers and strides to one kernel. When every
 * operand is float32 (and, where a kernel needs it, laid out as it needs) the fast float32 kernel
 * runs ({@code *F32}: SIMD, multi-threaded); otherwise the double-precision reference kernel, which
 * also serves float64 (gradient checks) and the integer and bool types. Operands in the 16-bit
 * float types are widened to float32, computed by the float32 kernels and the result rounded once
 * ({@link HalfCompute}); gathers, scatters, {@code where} and arg-reductions move or compare values
 * and read and write them directly.
 */
final class CpuBackend implements Backend {
    static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    static Buf buf(Tensor t) {
        CpuStorage s = (CpuStorage) t.storage;
        Tape.reached(s);
        return s.buf();
    }

    static Strided strided(Tensor t) {
        return t.layout.strided(buf(t));
    }

    /** True when every tensor is float32. */
    static boolean f32(Tensor... ts) {
        for (Tensor t : ts) {
            if (t.dtype() != DType.FLOAT32) return false;
        }
        return true;
    }

    static float[] floats(Tensor t) {
        return ((Buf.F32) buf(t)).data();
    }

    static double[] doubles(Tensor t) {
        return ((Buf.F64) buf(t)).data();
    }

    static long[] longs(Tensor t) {
        return ((Buf.I64) buf(t)).data();
    }

    static boolean[] bools(Tensor t) {
        return ((Buf.Bool) buf(t)).data();
    }

    /** True when t is contiguous from offset 0 (what the convolution and pooling kernels index). */
    static boolean dense(Tensor t) {
        return t.layout.offset == 0 && t.layout.isContiguous();
    }

    @Override
    public Storage allocate(DType dtype, int numel) {
        return CpuStorage.allocate(dtype, numel);
    }

    @Override
    public void unary(UnaryFn fn, Tensor x, Tensor out) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> unary(fn, x, out), ElementwiseStep.unary(fn, x, out));
            return;
        }
        Layout o = out.layout, xl = x.layout;
        if (f32(x, out)) {
            ElementwiseF32.unary(fn, o.shape, floats(out), o.offset, o.strides, floats(x), xl.offset, xl.strides);
        } else if (f32(x) && out.dtype() == DType.BOOL && fn.isPredicate()) {
            ElementwiseF32.unaryPredicate(fn, o.shape, bools(out), o.offset, o.strides, floats(x), xl.offset, xl.strides);
        } else if (HalfCompute.any(x, out)) {
            Tensor r = HalfCompute.target(out);
            unary(fn, HalfCompute.widen(x), r);
            HalfCompute.narrow(r, out);
        } else {
            ElementwiseRef.unary(fn, o.shape, strided(out), strided(x));
        }
    }

    @Override
    public void binary(BinaryFn fn, Tensor a, Tensor b, Tensor out) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> binary(fn, a, b, out), ElementwiseStep.binary(fn, a, b, out));
            return;
        }
        Layout o = out.layout, al = a.layout, bl = b.layout;
        if (f32(a, b, out) && !fn.isPredicate()) {
            ElementwiseF32.binary(fn, o.shape, floats(out), o.offset, o.strides, floats(a), al.offset, al.strides,
                    floats(b), bl.offset, bl.strides);
        } else if (f32(a, b) && out.dtype() == DType.BOOL && fn.isPredicate()) {
            ElementwiseF32.compare(fn, o.shape, bools(out), o.offset, o.strides, floats(a), al.offset, al.strides,
                    floats(b), bl.offset, bl.strides);
        } else if (HalfCompute.any(a, b, out)) {
            Tensor r = HalfCompute.target(out);   // out may be a or b (in place): it is written only after both are read
            binary(fn, HalfCompute.widen(a), HalfCompute.widen(b), r);
            HalfCompute.narrow(r, out);
        } else {
            ElementwiseRef.binary(fn, o.shape, strided(out), strided(a), strided(b));
        }
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> where(cond, a, b, out));
            return;
        }
        ElementwiseRef.where(out.layout.shape, strided(out), strided(cond), strided(a), strided(b));
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> copy(src, dst));
            return;
        }
        Layout d = dst.layout, sl = src.layout;
        if (f32(src, dst)) ElementwiseF32.copy(d.shape, floats(dst), d.offset, d.strides, floats(src), sl.offset, sl.strides);
        else if (f32(dst)) ElementwiseF32.castToFloat(d.shape, floats(dst), d.offset, d.strides, buf(src), sl.offset, sl.strides);
        else if (dst.dtype().isHalf() && src.dtype() == dst.dtype()) {
            HalfF32.copy(d.shape, HalfCompute.halfBits(dst), d.offset, d.strides, HalfCompute.halfBits(src), sl.offset, sl.strides);
        } else if (dst.dtype().isHalf() && f32(src)) {
            HalfF32.fromFloat(HalfCompute.format(dst.dtype()), d.shape, HalfCompute.halfBits(dst), d.offset, d.strides, floats(src), sl.offset,
                    sl.strides);
        } else {
            ElementwiseRef.copy(d.shape, strided(dst), strided(src));   // through float32 for the half types, as PyTorch casts
        }
    }

    @Override
    public void fill(Tensor dst, double value) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> fill(dst, value), ElementwiseStep.fill(dst));
            return;
        }
        Layout d = dst.layout;
        if (f32(dst)) ElementwiseF32.fill(d.shape, floats(dst), d.offset, d.strides, (float) value);
        else if (dst.dtype().isHalf()) {
            HalfF32.fill(d.shape, HalfCompute.halfBits(dst), d.offset, d.strides, HalfCompute.format(dst.dtype()).fromFloat((float) value));
        } else {
            ElementwiseRef.fill(d.shape, strided(dst), value);
        }
    }

    @Override
    public void reduce(ReduceFn fn, Tensor x, int[] dims, Tensor out) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> reduce(fn, x, dims, out));
            return;
        }
        Split s = Split.of(x, dims, out);
        if (f32(x, out)) {
            ReduceF32.reduce(fn, s.keptShape, floats(out), s.out.offset(), s.out.strides(), s.reducedShape,
                    floats(x), s.x.offset(), s.x.strides());
        } else if (HalfCompute.any(x, out)) {   // accumulated in float32, rounded once
            Tensor r = HalfCompute.target(out);
            reduce(fn, HalfCompute.widen(x), dims, r);
            HalfCompute.narrow(r, out);
        } else {
            ReduceRef.reduce(fn, s.keptShape, s.out, s.reducedShape, s.x);
        }
    }

    @Override
    public void argReduce(boolean max, Tensor x, int dim, Tensor out) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> argReduce(max, x, dim, out));
            return;
        }
        int[] dims = dim < 0 ? Shapes.dims("argmax", null, x.dim()) : new int[] {dim};
        Split s = Split.of(x, dims, out);
        ReduceRef.argReduce(max, s.keptShape, s.out, s.reducedShape, s.x);
    }

    /**
     * A reduction's operands with the input's dimensions reordered as kept ones, then reduced
     * ones, which is the order the reduction kernels expect.
     */
    private record Split(int[] keptShape, Strided out, int[] reducedShape, Strided x) {
        static Split of(Tensor x, int[] dims, Tensor out) {
            int[] shape = x.layout.shape, xs = x.layout.strides, os = out.layout.strides;
            boolean[] reduced = new boolean[shape.length];
            for (int d : dims) reduced[d] = true;
            int kept = shape.length - dims.length;
            int[] keptShape = new int[kept], reducedShape = new int[dims.length];
            int[] outStrides = new int[kept], xStrides = new int[shape.length];
            for (int d = 0, k = 0, r = 0; d < shape.length; d++) {
                if (reduced[d]) {
                    reducedShape[r] = shape[d];
                    xStrides[kept + r++] = xs[d];
                } else {
                    keptShape[k] = shape[d];
                    outStrides[k] = os[d];
                    xStrides[k++] = xs[d];
                }
            }
            return new Split(keptShape, new Strided(buf(out), out.layout.offset, outStrides),
                    reducedShape, new Strided(buf(x), x.layout.offset, xStrides));
        }
    }

    @Override
    public void softmax(boolean log, Tensor x, int dim, Tensor out) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> softmax(log, x, dim, out));
            return;
        }
        int[] shape = x.layout.shape;
        int n = shape[dim], rows = n == 0 ? 0 : x.layout.numel() / n;
        if (f32(x, out) && dim == shape.length - 1 && n > 0) {
            // rows of the last dimension, each contiguous, one row stride between them
            Layout xr = x.layout.view(new int[] {rows, n}), or = out.layout.view(new int[] {rows, n});
            if (xr != null && or != null && (xr.strides[1] == 1 || n == 1) && (or.strides[1] == 1 || n == 1)) {
                SoftmaxF32.forward(log, rows, n, floats(x), xr.offset, xr.strides[0], floats(out), or.offset, or.strides[0]);
                return;
            }
        }
        if (HalfCompute.any(x, out)) {
            Tensor r = HalfCompute.target(out);
            softmax(log, HalfCompute.widen(x), dim, r);
            HalfCompute.narrow(r, out);
            return;
        }
        SoftmaxRef.forward(log, shape, dim, strided(out), strided(x));
    }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> matmul(a, b, out));
            return;
        }
        int[] s = out.layout.shape;
        if (f32(a, b, out) && out.layout.strides[2] == 1) {
            SgemmF32.matmul(s[0], s[1], s[2], a.layout.shape[2], floats(out), out.layout.offset, out.layout.strides,
                    floats(a), a.layout.offset, a.layout.strides, floats(b), b.layout.offset, b.layout.strides);
        } else if (HalfCompute.any(a, b, out)) {   // float32 products and sums, rounded once
            Tensor r = HalfCompute.target(out);
            matmul(HalfCompute.widen(a), HalfCompute.widen(b), r);
            HalfCompute.narrow(r, out);
        } else {
            MatMulRef.matmul(s[0], s[1], s[2], a.layout.shape[2], strided(out), strided(a), strided(b));
        }
    }

    @Override
    public void gather(int dim, Tensor x, Tensor index, Tensor out) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> gather(dim, x, index, out));
            return;
        }
        GatherRef.gather(out.layout.shape, dim, x.layout.shape[dim], strided(out), strided(x), strided(index));
    }

    @Override
    public void scatterAdd(int dim, Tensor index, Tensor src, Tensor out) {
        if (Tape.capturing()) {   // recorded for a captured step's replays
            Tape.kernel(() -> scatterAdd(dim, index, src, out));
            return;
        }
        GatherRef.scatterAdd(index.layout.shape, dim, out.layout.shape[dim], strided(out), strided(index), strided(src));
    }

    @Override
    public String toString() {
        return "cpu";
    }
}
