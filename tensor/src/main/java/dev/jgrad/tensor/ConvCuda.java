package dev.jgrad.tensor;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.launch.ConvKernels;
import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.ReduceFn;

/**
 * The CUDA branch of {@link ConvOps}: float32 on jgrad's implicit-GEMM kernels ({@link ConvKernels}),
 * float64 (and float32 with {@code -Djgrad.cuda.conv=im2col}) through im2col and a GEMM. Operands
 * are contiguous and of the output's dtype.
 */
final class ConvCuda {
    private ConvCuda() {}

    /** {@code -Djgrad.cuda.conv=im2col} selects the im2col + GEMM path for float32 (default: implicit GEMM). */
    static final String CONV_PROPERTY = "jgrad.cuda.conv";

    /** Whether float32 convolutions run on the implicit-GEMM kernels rather than im2col + GEMM. */
    static boolean implicitConv(DType t) {
        return t == DType.FLOAT32 && !"im2col".equalsIgnoreCase(System.getProperty(CONV_PROPERTY, "igemm").trim());
    }

    static ConvKernels.Geometry geometry(ConvShape cs) {
        return new ConvKernels.Geometry(cs.n(), cs.c(), cs.h(), cs.w(), cs.k(), cs.r(), cs.s(), cs.strideH(), cs.strideW(), cs.padH(),
                cs.padW(), cs.dilH(), cs.dilW(), cs.groups());
    }

    /** Images per im2col chunk: the column buffer stays under 2^26 elements (256 MB in float32). */
    private static int imagesPerChunk(ConvShape cs) {
        long perImage = (long) cs.cPerGroup() * cs.r() * cs.s() * cs.outH() * cs.outW();
        return (int) Math.max(1, Math.min(cs.n(), (1L << 26) / Math.max(1, perImage)));
    }

    private static int[] geom(ConvShape cs, int nb) {
        return new int[] {nb, cs.cPerGroup(), cs.h(), cs.w(), cs.r(), cs.s(), cs.outH(), cs.outW(), cs.strideH(), cs.strideW(), cs.padH(),
            cs.padW(), cs.dilH(), cs.dilW()};
    }

    /** y = x ⋆ w, then the bias as one broadcast add launch over y in place (b seen with strides 0, 1, 0, 0). */
    static void forward(CudaBackend g, ConvShape cs, Tensor x, Tensor w, Tensor b, Tensor y) {
        convolve(g, cs, x, w, y);
        if (b != null) g.binary(BinaryFn.ADD, y, Tensor.borrow(b.storage, new Layout(y.layout.shape.clone(), new int[] {0, 1, 0, 0}, 0)), y);
    }

    /** db [K] = Σ of dy over n, p, q. */
    static void backwardBias(CudaBackend g, ConvShape cs, Tensor dy, Tensor db) {
        g.reduce(ReduceFn.SUM, dy, new int[] {0, 2, 3}, Tensor.borrow(db.storage, Layout.contiguous(new int[] {1, cs.k(), 1, 1})));
    }

    private static void convolve(CudaBackend g, ConvShape cs, Tensor x, Tensor w, Tensor y) {
        DType t = y.dtype();
        if (implicitConv(t)) {
            ConvKernels.of(g.gpu).forward(CudaBackend.ptr(y), CudaBackend.ptr(x), CudaBackend.ptr(w), geometry(cs), Cuda.allowTf32());
            CudaBackend.keep(x, w, y);
            return;
        }
        int PQ = cs.outH() * cs.outW(), HW = cs.h() * cs.w(), Cg = cs.cPerGroup(), Kg = cs.kPerGroup();
        int CRS = Cg * cs.r() * cs.s();
        int chunk = imagesPerChunk(cs);
        Tensor col = g.scratch(new int[] {chunk * CRS * PQ}, t);
        long es = t.byteSize();
        for (int n0 = 0; n0 < cs.n(); n0 += chunk) {
            int nb = Math.min(chunk, cs.n() - n0);
            for (int gr = 0; gr < cs.groups(); gr++) {
                long xg = CudaBackend.ptr(x) + ((long) n0 * cs.c() + (long) gr * Cg) * HW * es;
                g.k.im2col(CudaBackend.st(t), CudaBackend.ptr(col), xg, geom(cs, nb), cs.c() * HW, CRS * PQ, PQ);
                long wg = CudaBackend.ptr(w) + (long) gr * Kg * CRS * es;
                long yg = CudaBackend.ptr(y) + ((long) n0 * cs.k() + (long) gr * Kg) * PQ * es;
                g.gemm(t, nb, Kg, PQ, CRS, yg, new int[] {cs.k() * PQ, PQ, 1}, wg, new int[] {0, CRS, 1}, CudaBackend.ptr(col),
                        new int[] {CRS * PQ, PQ, 1}, 0);
            }
        }
        CudaBackend.keep(x, w, y, col);
    }

    static void backwardInput(CudaBackend g, ConvShape cs, Tensor dy, Tensor w, Tensor dx) {
        DType t = dx.dtype();
        if (implicitConv(t)) {
            ConvKernels.of(g.gpu).backwardData(CudaBackend.ptr(dx), CudaBackend.ptr(dy), CudaBackend.ptr(w), geometry(cs), Cuda.allowTf32());
            CudaBackend.keep(dy, w, dx);
            return;
        }
        int PQ = cs.outH() * cs.outW(), HW = cs.h() * cs.w(), Cg = cs.cPerGroup(), Kg = cs.kPerGroup();
        int CRS = Cg * cs.r() * cs.s();
        int chunk = imagesPerChunk(cs);
        Tensor col = g.scratch(new int[] {chunk * CRS * PQ}, t);
        long es = t.byteSize();
        for (int n0 = 0; n0 < cs.n(); n0 += chunk) {
            int nb = Math.min(chunk, cs.n() - n0);
            for (int gr = 0; gr < cs.groups(); gr++) {
                long wg = CudaBackend.ptr(w) + (long) gr * Kg * CRS * es;
                long dyg = CudaBackend.ptr(dy) + ((long) n0 * cs.k() + (long) gr * Kg) * PQ * es;
                // dcol [CRS, PQ] = w_g^T [CRS, Kg] · dy_g [Kg, PQ], per image
                g.gemm(t, nb, CRS, PQ, Kg, CudaBackend.ptr(col), new int[] {CRS * PQ, PQ, 1}, wg, new int[] {0, 1, CRS}, dyg,
                        new int[] {cs.k() * PQ, PQ, 1}, 0);
                long dxg = CudaBackend.ptr(dx) + ((long) n0 * cs.c() + (long) gr * Cg) * HW * es;
                g.k.col2im(CudaBackend.st(t), dxg, CudaBackend.ptr(col), geom(cs, nb), cs.c() * HW, CRS * PQ, PQ);
            }
        }
        CudaBackend.keep(dy, w, dx, col);
    }

    static void backwardWeight(CudaBackend g, ConvShape cs, Tensor x, Tensor dy, Tensor dw) {
        DType t = dw.dtype();
        if (implicitConv(t)) {
            ConvKernels.of(g.gpu).backwardWeight(CudaBackend.ptr(dw), CudaBackend.ptr(x), CudaBackend.ptr(dy), geometry(cs), Cuda.allowTf32());
            CudaBackend.keep(x, dy, dw);
            return;
        }
        int PQ = cs.outH() * cs.outW(), HW = cs.h() * cs.w(), Cg = cs.cPerGroup(), Kg = cs.kPerGroup();
        int CRS = Cg * cs.r() * cs.s();
        int chunk = imagesPerChunk(cs);
        Tensor col = g.scratch(new int[] {chunk * CRS * PQ}, t);
        Tensor dyp = g.scratch(new int[] {Kg * chunk * PQ}, t);
        long es = t.byteSize();
        for (int n0 = 0; n0 < cs.n(); n0 += chunk) {
            int nb = Math.min(chunk, cs.n() - n0);
            for (int gr = 0; gr < cs.groups(); gr++) {
                long xg = CudaBackend.ptr(x) + ((long) n0 * cs.c() + (long) gr * Cg) * HW * es;
                // col [CRS, nb·PQ]: the chunk's images side by side
                g.k.im2col(CudaBackend.st(t), CudaBackend.ptr(col), xg, geom(cs, nb), cs.c() * HW, PQ, nb * PQ);
                // dy_g as [Kg, nb, PQ], contiguous
                long dyg = CudaBackend.ptr(dy) + ((long) n0 * cs.k() + (long) gr * Kg) * PQ * es;
                g.k.copy(CudaBackend.st(t), CudaBackend.st(t), new int[] {Kg, nb, PQ}, CudaBackend.ptr(dyp), new int[] {nb * PQ, PQ, 1}, dyg,
                        new int[] {PQ, cs.k() * PQ, 1});
                // dw_g [Kg, CRS] (+)= dyp [Kg, nb·PQ] · col^T [nb·PQ, CRS]
                long dwg = CudaBackend.ptr(dw) + (long) gr * Kg * CRS * es;
                g.gemm(t, 1, Kg, CRS, nb * PQ, dwg, new int[] {0, CRS, 1}, CudaBackend.ptr(dyp), new int[] {0, nb * PQ, 1},
                        CudaBackend.ptr(col), new int[] {0, 1, nb * PQ}, n0 == 0 ? 0 : 1);
            }
        }
        CudaBackend.keep(x, dy, dw, col, dyp);
    }
}
