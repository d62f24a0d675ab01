package dev.jgrad.kernels.ladder;

import dev.jgrad.kernels.typed.SgemmF32;

/**
 * Rung 8: the kernel jgrad runs ({@link SgemmF32#gemm}), rung 7's structure with what
 * measurement added: a 6×4-vector tile where the CPU has 32 vector registers (half as many B
 * loads per FMA as rung 7's 6×2) and a 4×2-vector one where it has 16 (AVX2: the 6×2 tile's
 * accumulators were spilled there), blocking sizes chosen per CPU model at first use
 * ({@link dev.jgrad.kernels.typed.GemmTuner}: a table keyed on the CPU family, then a short
 * measurement cached per model), passes of equal depth, A packed six rows at a time, the C
 * blocks split between threads so that each packs least, and special paths for narrow and
 * skinny shapes. docs/kernels.md walks through the differences; docs/design-notes.md has the
 * measurements behind each.
 *
 * <pre>{@code
 * new ProductionGemm().multiply(m, n, k, a, b, c);
 * }</pre>
 */
public final class ProductionGemm implements Gemm {
    /** A new instance (the rung holds no state). */
    public ProductionGemm() {}

    @Override
    public void multiply(int m, int n, int k, float[] a, float[] b, float[] c) {
        Shapes.check("ProductionGemm", m, n, k, a, b, c);
        SgemmF32.gemm(m, n, k, 1f, a, 0, k, 1, b, 0, n, 1, 0f, c, 0, n);
    }
}
