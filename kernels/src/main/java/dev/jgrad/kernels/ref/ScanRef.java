package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;

/**
 * Reference cumulative sums and products along one dimension of a contiguous block seen as
 * [outer, n, inner]: out[o, i, j] = x[o, 0, j] ∘ … ∘ x[o, i, j]. Floating values accumulate in
 * double (as PyTorch's CPU kernels do for float32 too), integer and bool values exactly in long,
 * wrapping on overflow.
 *
 * <pre>{@code
 * // running sums along the rows of a contiguous 2x3 matrix: outer 2, n 3, inner 1
 * ScanRef.scan(false, 2, 3, 1, x, 0, out, 0);
 * }</pre>
 */
public final class ScanRef {
    private ScanRef() {}

    /**
     * out = cumulative sum (or product when {@code prod}) of x along the middle dimension of
     * [outer, n, inner].
     *
     * @param prod  multiply instead of add
     * @param outer number of independent blocks (the dimensions before the scanned one)
     * @param n     length of the scanned dimension
     * @param inner stride of the scanned dimension (the product of the dimensions after it)
     * @param x     the input
     * @param xOff  index in {@code x} of the first element
     * @param out   receives the running sums or products
     * @param oOff  index in {@code out} of the first result
     */
    public static void scan(boolean prod, int outer, int n, int inner, Buf x, int xOff, Buf out, int oOff) {
        boolean integral = x.integral() && out.integral();
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * n * inner + j;
                if (integral) {
                    long acc = prod ? 1 : 0;
                    for (int i = 0; i < n; i++) {
                        long v = x.getLong(xOff + base + i * inner);
                        acc = prod ? acc * v : acc + v;
                        out.setLong(oOff + base + i * inner, acc);
                    }
                } else {
                    double acc = prod ? 1 : 0;
                    for (int i = 0; i < n; i++) {
                        double v = x.get(xOff + base + i * inner);
                        acc = prod ? acc * v : acc + v;
                        out.set(oOff + base + i * inner, acc);
                    }
                }
            }
        }
    }
}
