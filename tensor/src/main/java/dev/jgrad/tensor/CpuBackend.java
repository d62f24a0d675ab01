package dev.jgrad.tensor;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Conv2d;
import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.Elementwise;
import dev.jgrad.kernels.Gather;
import dev.jgrad.kernels.MatMul;
import dev.jgrad.kernels.Pool2d;
import dev.jgrad.kernels.PoolShape;
import dev.jgrad.kernels.Reduce;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.Softmax;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.UnaryFn;

/** The CPU backend: each method hands the operands' buffers and strides to one kernel. */
final class CpuBackend implements Backend {
    static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    static Buf buf(Tensor t) {
        return ((CpuStorage) t.storage).buf();
    }

    static Strided strided(Tensor t) {
        return t.layout.strided(buf(t));
    }

    @Override
    public Storage allocate(DType dtype, int numel) {
        return CpuStorage.allocate(dtype, numel);
    }

    @Override
    public void unary(UnaryFn fn, Tensor x, Tensor out) {
        Elementwise.unary(fn, out.layout.shape, strided(out), strided(x));
    }

    @Override
    public void binary(BinaryFn fn, Tensor a, Tensor b, Tensor out) {
        Elementwise.binary(fn, out.layout.shape, strided(out), strided(a), strided(b));
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        Elementwise.where(out.layout.shape, strided(out), strided(cond), strided(a), strided(b));
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        Elementwise.copy(dst.layout.shape, strided(dst), strided(src));
    }

    @Override
    public void fill(Tensor dst, double value) {
        Elementwise.fill(dst.layout.shape, strided(dst), value);
    }

    @Override
    public void reduce(ReduceFn fn, Tensor x, int[] dims, Tensor out) {
        Split s = Split.of(x, dims, out);
        Reduce.reduce(fn, s.keptShape, s.out, s.reducedShape, s.x);
    }

    @Override
    public void argReduce(boolean max, Tensor x, int dim, Tensor out) {
        int[] dims = dim < 0 ? Shapes.dims("argmax", null, x.dim()) : new int[] {dim};
        Split s = Split.of(x, dims, out);
        Reduce.argReduce(max, s.keptShape, s.out, s.reducedShape, s.x);
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
        Softmax.ref(log, x.layout.shape, dim, strided(out), strided(x));
    }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out) {
        int[] s = out.layout.shape;
        MatMul.ref(s[0], s[1], s[2], a.layout.shape[2], strided(out), strided(a), strided(b));
    }

    @Override
    public void conv2d(ConvShape cs, Tensor x, Tensor w, Tensor y) {
        Conv2d.forward(cs, buf(x), buf(w), buf(y));
    }

    @Override
    public void conv2dBackwardInput(ConvShape cs, Tensor dy, Tensor w, Tensor dx) {
        Conv2d.backwardInput(cs, buf(dy), buf(w), buf(dx));
    }

    @Override
    public void conv2dBackwardWeight(ConvShape cs, Tensor x, Tensor dy, Tensor dw) {
        Conv2d.backwardWeight(cs, buf(x), buf(dy), buf(dw));
    }

    @Override
    public void maxPool2d(PoolShape ps, Tensor x, Tensor y, Tensor indices) {
        Pool2d.maxForward(ps, buf(x), buf(y), buf(indices));
    }

    @Override
    public void maxPool2dBackward(PoolShape ps, Tensor dy, Tensor indices, Tensor dx) {
        Pool2d.maxBackward(ps, buf(dy), buf(indices), buf(dx));
    }

    @Override
    public void avgPool2d(PoolShape ps, boolean countIncludePad, Tensor x, Tensor y) {
        Pool2d.avgForward(ps, countIncludePad, buf(x), buf(y));
    }

    @Override
    public void avgPool2dBackward(PoolShape ps, boolean countIncludePad, Tensor dy, Tensor dx) {
        Pool2d.avgBackward(ps, countIncludePad, buf(dy), buf(dx));
    }

    @Override
    public void gather(int dim, Tensor x, Tensor index, Tensor out) {
        Gather.gather(out.layout.shape, dim, x.layout.shape[dim], strided(out), strided(x), strided(index));
    }

    @Override
    public void scatterAdd(int dim, Tensor index, Tensor src, Tensor out) {
        Gather.scatterAdd(index.layout.shape, dim, out.layout.shape[dim], strided(out), strided(index), strided(src));
    }

    @Override
    public String toString() {
        return "cpu";
    }
}
