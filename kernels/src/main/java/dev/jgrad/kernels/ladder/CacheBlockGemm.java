package dev.jgrad.kernels.ladder;

import java.util.Arrays;

/**
 * Rung 5: rung 4's micro-kernel inside three loops of cache blocks, the GotoBLAS/BLIS
 * structure. The sum over p is cut into passes of {@value #KC}; within a pass, a slice of B
 * {@value #KC} rows × one tile's columns (KC·NR floats: 32 KiB with AVX-512) is swept by the
 * tiles of {@value #MC} consecutive rows of A before the next slice is touched, so it is read
 * from L1 after its first tile; and the block of A those rows form (MC·KC floats, 96 KiB) is
 * reused by every slice of the pass, from L2. Blocks of {@value #NC} columns bound how much of B
 * one pass walks.
 *
 * <p>C is now loaded and stored once per pass rather than once in all; with KC in the hundreds
 * that is a few percent of the traffic. What limits it: B and A are still read in place, so the
 * slice's rows are n floats apart. When n·4 bytes is a multiple of 4 KiB (n = 1024, 2048) every
 * row of the slice maps to the same few L1 sets, and the slice evicts itself long before it is
 * reused (a cache has only so many ways per set). Copying the blocks into contiguous panels, the
 * next rung, removes both the conflicts and the strided reads.
 *
 * <pre>{@code
 * new CacheBlockGemm().multiply(m, n, k, a, b, c);
 * }</pre>
 */
public final class CacheBlockGemm implements Gemm {
    /** Depth of one pass over p. */
    static final int KC = 256;
    /** Rows of A per block (a multiple of the tile's 6). */
    static final int MC = 96;
    /** Columns of B per block. */
    static final int NC = 4096;

    /** A new instance (the rung holds no state). */
    public CacheBlockGemm() {}

    @Override
    public void multiply(int m, int n, int k, float[] a, float[] b, float[] c) {
        Shapes.check("CacheBlockGemm", m, n, k, a, b, c);
        Arrays.fill(c, 0, m * n, 0f);
        int mr = RegisterTileGemm.MR, nr = RegisterTileGemm.NR;
        int mFull = m - m % mr, nFull = n - n % nr;
        for (int jc = 0; jc < nFull; jc += NC) {
            int nc = Math.min(NC, nFull - jc);   // NC is a multiple of every tile width
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                for (int ic = 0; ic < mFull; ic += MC) {
                    int mc = Math.min(MC, mFull - ic);
                    for (int jr = 0; jr < nc; jr += nr) {          // one slice of B ...
                        for (int ir = 0; ir < mc; ir += mr) {      // ... swept by every tile of the A block
                            int i = ic + ir, j = jc + jr;
                            RegisterTileGemm.tile(kc, a, i * k + pc, k, b, pc * n + j, n, c, i * n + j, n);
                        }
                    }
                }
            }
        }
        Edges.outside(mFull, nFull, m, n, k, a, b, c);
    }
}
