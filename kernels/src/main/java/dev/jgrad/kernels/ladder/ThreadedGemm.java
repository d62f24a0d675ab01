package dev.jgrad.kernels.ladder;

import dev.jgrad.kernels.Parallel;
import java.util.Arrays;

/**
 * Rung 7: rung 6 on every core ({@link Parallel}'s pool). Within a pass, the blocks of rows of
 * C are independent: each thread packs its own block of A and multiplies it by the one packed
 * block of B that all threads share (packed by all of them together first, panel by panel).
 * Splitting the rows rather than the columns keeps the shared operand — B's block, the larger
 * one — packed once per pass, and each thread's A block in its own core's L2.
 *
 * <p>The row blocks are sized so that their number is a multiple of the thread count: with 9
 * blocks on 2 threads one thread would do 5 and the other wait for it.
 *
 * <pre>{@code
 * new ThreadedGemm().multiply(m, n, k, a, b, c);   // Parallel.threads() threads
 * }</pre>
 */
public final class ThreadedGemm implements Gemm {
    private static final int MR = PackedGemm.MR, NR = PackedGemm.NR, KC = PackedGemm.KC, MC = PackedGemm.MC, NC = PackedGemm.NC;
    private static final ThreadLocal<float[]> A_PACK = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> EDGE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    /** A new instance (buffers are per thread). */
    public ThreadedGemm() {}

    @Override
    public void multiply(int m, int n, int k, float[] a, float[] b, float[] c) {
        Shapes.check("ThreadedGemm", m, n, k, a, b, c);
        Arrays.fill(c, 0, m * n, 0f);
        if (m == 0 || n == 0 || k == 0) return;
        int threads = Parallel.threads();
        int blocks = (m + MC - 1) / MC;
        blocks = (blocks + threads - 1) / threads * threads;          // a multiple of the threads
        int mcStep = PackedGemm.roundUp((m + blocks - 1) / blocks, MR);
        int tasks = (m + mcStep - 1) / mcStep;
        float[] bPack = new float[Math.min(KC, k) * PackedGemm.roundUp(Math.min(NC, n), NR)];
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc), bo = pc * n + jc;
                int panels = (nc + NR - 1) / NR;
                Parallel.forRange(panels, (long) kc * nc, (from, to) ->   // B's block, packed by all threads
                        PackedGemm.packB(kc, Math.min(nc, to * NR) - from * NR, b, bo + from * NR, n, bPack, from * NR * kc));
                int jcF = jc, pcF = pc;
                Parallel.forEach(tasks, 2L * m * nc * kc, t -> {
                    int ic = t * mcStep, mc = Math.min(mcStep, m - ic);
                    float[] aPack = aPack(mcStep * kc);
                    PackedGemm.packA(mc, kc, a, ic * k + pcF, k, aPack);
                    PackedGemm.blockTimesPanels(mc, nc, kc, aPack, bPack, c, ic * n + jcF, n, EDGE.get());
                });
            }
        }
    }

    /** This thread's A buffer, grown to at least {@code size}. */
    private static float[] aPack(int size) {
        float[] p = A_PACK.get();
        if (p.length < size) {
            p = new float[size];
            A_PACK.set(p);
        }
        return p;
    }
}
