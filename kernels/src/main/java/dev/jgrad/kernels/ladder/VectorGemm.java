package dev.jgrad.kernels.ladder;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rung 3: rung 2's loop written with the Vector API. Each step of the inner loop loads a vector
 * of B's row and of C's row, and {@code b.fma(a, c)} compiles to one fused multiply-add
 * instruction: twice the arithmetic of rung 2's separate multiply and add per instruction, with
 * one rounding instead of two (so the last bits can differ from rung 2).
 *
 * <p>The species is the widest this CPU runs well ({@code SPECIES_PREFERRED}: 16 floats with
 * AVX-512, 8 with AVX2). The ratio that limits rung 2 is unchanged: two loads and a store per
 * FMA, with C's row re-read from cache for every p. Loaded only when the Vector API is readable
 * ({@link SgemmLadder} checks).
 *
 * <pre>{@code
 * new VectorGemm().multiply(m, n, k, a, b, c);
 * }</pre>
 */
public final class VectorGemm implements Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** A new instance (the rung holds no state). */
    public VectorGemm() {}

    @Override
    public void multiply(int m, int n, int k, float[] a, float[] b, float[] c) {
        Shapes.check("VectorGemm", m, n, k, a, b, c);
        Arrays.fill(c, 0, m * n, 0f);
        int lanes = S.length(), vecEnd = n - n % lanes;
        for (int i = 0; i < m; i++) {
            int ci = i * n;
            for (int p = 0; p < k; p++) {
                float aip = a[i * k + p];
                FloatVector av = FloatVector.broadcast(S, aip);
                int bp = p * n, j = 0;
                for (; j < vecEnd; j += lanes) {
                    FloatVector cv = FloatVector.fromArray(S, c, ci + j);
                    FloatVector.fromArray(S, b, bp + j).fma(av, cv).intoArray(c, ci + j);
                }
                for (; j < n; j++) c[ci + j] = Math.fma(aip, b[bp + j], c[ci + j]);   // the columns after the last whole vector
            }
        }
    }
}
