package dev.jgrad.tensor;

import java.util.Arrays;

/** Forward pass of the batched matrix product. */
final class LinalgOps {
    private LinalgOps() {}

    /**
     * a: [..., m, k] times b: [..., k, n] with broadcast batch dimensions (both at least 2-D; the
     * 1-D cases are reshaped around this by {@link Tensor#matmul}).
     */
    static Tensor matmul(Tensor a, Tensor b) {
        Tensor.checkSameDevice("matmul", a, b);
        a.checkUsable("matmul");
        b.checkUsable("matmul");
        int[] as = a.layout.shape, bs = b.layout.shape;
        int m = as[as.length - 2], k = as[as.length - 1], k2 = bs[bs.length - 2], n = bs[bs.length - 1];
        if (k != k2) {
            throw new IllegalArgumentException("matmul: shapes " + Shapes.str(as) + " and " + Shapes.str(bs)
                    + " cannot be multiplied (" + k + " != " + k2 + ")");
        }
        int[] batch = Shapes.broadcast("matmul", Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
        int batchCount = Shapes.numel(batch);
        DType dtype = DType.promote(a.dtype(), b.dtype());
        Tensor out = Tensor.empty(Shapes.concat(batch, new int[] {m, n}), dtype, a.device());
        if (out.numel() == 0) return out;
        if (k == 0) return out; // an empty sum: zeros
        Tensor a3 = asBatched(a, batch, batchCount, m, k), b3 = asBatched(b, batch, batchCount, k, n);
        try (var _ = Profiler.time(() -> "matmul " + Profiler.shape(a3) + "·" + Profiler.shape(b3), out)) {
            out.backend().matmul(a3, b3, out.borrowView(Layout.contiguous(new int[] {batchCount, m, n})));
        }
        return out;
    }

    /** x broadcast to batch + [r, c] and seen as [batchCount, r, c]: a view when possible, else a copy. */
    private static Tensor asBatched(Tensor x, int[] batch, int batchCount, int r, int c) {
        Layout expanded = x.layout.expand(Shapes.concat(batch, new int[] {r, c}));
        int[] shape3 = {batchCount, r, c};
        Layout view = expanded.view(shape3);
        if (view != null) return x.borrowView(view);
        return ElementwiseOps.copy(x.borrowView(expanded), x.dtype()).withLayout(Layout.contiguous(shape3));
    }
}
